"""The Jinja2 environment (always autoescaping) and the helpers templates use."""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from typing import Any
from urllib.parse import urlencode

from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.requests import Request

from filiera import __version__
from filiera.errors import FilieraError
from filiera.match.concepts import lexicon
from filiera.registry import taxonomy, values
from filiera.registry.markings import label as marking_label
from filiera.web import TEMPLATES_DIR
from filiera.web.i18n import COOKIE, LANGUAGES, choose_language, strings, translator
from filiera.web.introduction_context import introduction_box, introductions_waiting
from filiera.web.messages import detail_text, error_text, field_label

COOKIE_MAX_AGE = 365 * 24 * 3600


@cache
def environment() -> Environment:
    """Templates with autoescaping on for every file, so user text is always escaped."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["version"] = __version__
    return env


def number(value: float | int | None, lang: str, digits: int = 0) -> str:
    """`1234.5` -> `1,234.5` (en) or `1.234,5` (it)."""
    if value is None:
        return "–"
    text = f"{value:,.{digits}f}"
    return text.translate(str.maketrans(",.", ".,")) if lang == "it" else text


def money(value: float | None, lang: str) -> str:
    """Euro amounts in millions or billions, in the conventions of `lang`."""
    if not value:
        return "–"
    t = translator(lang)
    if value >= 1e9:
        return t("numbers.billions", value=number(value / 1e9, lang, 2))
    return t("numbers.millions", value=number(value / 1e6, lang, 1))


def country_name(code: str | None, lang: str) -> str:
    if not code:
        return "–"
    return strings(lang).get(f"countries.{code}", code)


def region_name(code: str | None) -> str:
    """`ITC4` -> `Lombardia`; the code itself when it is unknown."""
    if not code:
        return ""
    try:
        return values.nuts_name(code)
    except (KeyError, ValueError):
        return code


def capability_label(code: str, lang: str) -> str:
    try:
        return taxonomy.label(code, lang)
    except FilieraError:
        return code


def certification_label(code: str, lang: str) -> str:
    try:
        return taxonomy.certification_label(code, lang)
    except FilieraError:
        return code


def concept_label(concept_id: str, lang: str) -> str:
    """`cap:munitions` or `g:air defence` in the page's language."""
    concept = lexicon().concepts.get(concept_id)
    if concept is None:
        return concept_id.split(":", 1)[-1]
    return concept.labels.get(lang) or concept.labels.get("en") or concept_id


def kind_label(kind: str, lang: str) -> str:
    return strings(lang).get(f"kinds.{kind}", kind)


def role_label(role: str, lang: str) -> str:
    return strings(lang).get(f"roles.{role}", role)


def label_of(group: str, code: str | None, lang: str) -> str:
    """A data vocabulary's word in `lang` (`labels.<group>.<code>`), else the code itself."""
    if not code:
        return ""
    return strings(lang).get(f"labels.{group}.{code}", code)


def data(value: Any, language: str | None = None) -> Markup:
    """A data value (a name, a title, a text) marked so it is not read as UI text: with its
    language when known, else `translate="no"`."""
    if language:
        return Markup('<span lang="{}">{}</span>').format(language, value)
    return Markup('<span translate="no">{}</span>').format(value)


EDF_EVIDENCE = "EDF projects: "  # how the EDF import words a capability's evidence


def evidence_parts(evidence: str) -> tuple[str | None, str]:
    """`EDF projects: A, B` -> ("labels.evidence.edf", "A, B"); free text -> (None, text)."""
    if evidence.startswith(EDF_EVIDENCE):
        return "labels.evidence.edf", evidence[len(EDF_EVIDENCE) :]
    return None, evidence


def day(value: date | datetime | None) -> str:
    if value is None:
        return "–"
    return value.date().isoformat() if isinstance(value, datetime) else value.isoformat()


def url_with(request: Request, path: str | None = None, **changes: Any) -> str:
    """The current URL (or `path`) with query parameters changed; None or "" removes one."""
    params = {k: v for k, v in request.query_params.items() if k != "lang"}
    params.update({k: str(v) for k, v in changes.items() if v not in (None, "")})
    for key in [k for k, v in changes.items() if v in (None, "")]:
        params.pop(key, None)
    query = urlencode(params)
    return (path or request.url.path) + (f"?{query}" if query else "")


def helpers(request: Request, lang: str) -> dict[str, Any]:
    """Everything a template may call, bound to the request's language."""
    other = next(code for code in LANGUAGES if code != lang)
    return {
        "request": request,
        "lang": lang,
        "t": translator(lang),
        "switch_url": url_with(request, lang=other),
        "url_with": lambda path=None, **kw: url_with(request, path, **kw),
        "number": lambda v, digits=0: number(v, lang, digits),
        "money": lambda v: money(v, lang),
        "country_name": lambda code: country_name(code, lang),
        "region_name": region_name,
        "capability_label": lambda code: capability_label(code, lang),
        "certification_label": lambda code: certification_label(code, lang),
        "kind_label": lambda kind: kind_label(kind, lang),
        "role_label": lambda role: role_label(role, lang),
        "label_of": lambda group, code: label_of(group, code, lang),
        "data": data,
        "evidence_parts": evidence_parts,
        "day": day,
        "today": date.today(),
        "viewer": getattr(request.state, "viewer", None),
        "csrf_token": getattr(request.state, "csrf_token", ""),
        "marking_label": lambda code: marking_label(code, lang),
        "concept_label": lambda concept: concept_label(concept, lang),
        "error_text": lambda error: error_text(error, lang),
        "detail_text": lambda detail: detail_text(detail, lang),
        "field_label": lambda field: field_label(field, lang),
        "introduction_box": lambda org_id: introduction_box(request, org_id),
        "introductions_waiting": lambda: introductions_waiting(request),
    }


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, status: int = 200
) -> HTMLResponse:
    """Render `template` in the request's language; `?lang=` also stores the choice."""
    lang, explicit = choose_language(request, request.app.state.settings.default_language)
    values = {**helpers(request, lang), **(context or {})}
    html = environment().get_template(template).render(values)
    response = HTMLResponse(html, status_code=status)
    response.headers["Content-Language"] = lang
    response.headers["Vary"] = "Cookie, Accept-Language"
    if getattr(request.state, "viewer", None) is not None and request.state.viewer.signed_in:
        response.headers["Cache-Control"] = "private, no-store"
    if explicit:
        response.set_cookie(COOKIE, lang, max_age=COOKIE_MAX_AGE, samesite="lax", httponly=True)
    return response
