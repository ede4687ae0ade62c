"""Consortium building said in the page's language: rules in words, errors with the field
named, and the sign-in step the builder and checker ask for.

The services explain outcomes in English (`detail`, `warnings`); pages show those inside an
element marked `lang="en"` and put a translated title per rule kind next to them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session
from starlette.requests import Request

from filiera.access.viewer import Viewer
from filiera.consortia import inputs, rules
from filiera.errors import FilieraError, NotFound
from filiera.web.i18n import strings, translator
from filiera.web.messages import detail_text, error_text, field_label
from filiera.web.render import country_name, data, kind_label, region_name

REF_FIELDS = ("with", "without", "members", "partners")  # fields naming organisations
RULE_SETS = ("edf", "regional", "open")  # shipped rule sets offered by the forms


def sign_in_first(request: Request, viewer: Viewer) -> RedirectResponse | None:
    """Anonymous visitors go to the sign-in form and come back to the same URL (with its
    query: a build is bookmarkable)."""
    if viewer.signed_in:
        return None
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/sign-in?next={quote(target, safe='')}", status_code=303)


def refs(raw: str) -> list[str]:
    """Organisation ids or PICs typed one per line (or separated by spaces or commas)."""
    return raw.replace(",", " ").split()


# --- rule sets and rules in words ----------------------------------------------------------


def rule_set_title(name: str, fallback: str, lang: str) -> tuple[str, str | None]:
    """The rule set's title in `lang` and the language to mark it with (None: the page's)."""
    key = f"consortia.rule_sets.{name}"
    if key in strings(lang):
        return translator(lang)(key), None
    return fallback, "en"


def rule_title(kind: str, lang: str) -> str:
    return translator(lang)(f"consortia.rule_titles.{kind}")


@dataclass(frozen=True)
class RuleWords:
    kind: str
    title: str
    text: str
    article: str | None
    countries: list[str]  # names of the eligible countries, when the rule lists them


def rule_words(rule: rules.Rule, lang: str) -> RuleWords:
    """One rule of a rule set explained with its figures, in `lang`."""
    t, args = translator(lang), rule.args
    listed = args.get("countries")  # codes, or a number for min_independent_entities
    countries = [country_name(c, lang) for c in listed] if isinstance(listed, tuple) else []
    values: dict[str, Any] = {"count": len(countries)} if countries else {}
    if "regions" in args:
        values["regions"] = ", ".join(f"{region_name(c)} ({c})" for c in args["regions"])
    if "kinds" in args:
        values["kinds"] = " / ".join(kind_label(k, lang) for k in args["kinds"])
        values["share"] = f"{args['share']:.0%}"
    if rule.kind in ("min_countries", "max_per_country", "min_distinct_regions"):
        values["count"] = args["count"]
    if rule.kind == "min_independent_entities":
        values |= {"entities": args["entities"], "countries": args["countries"]}
    key = f"consortia.rule_text.{rule.kind}"
    if rule.kind == "size":
        low, high = args.get("min"), args.get("max")
        key += ".range" if low and high else ".min" if low else ".max" if high else ".any"
        values |= {"low": low, "high": high}
    return RuleWords(
        rule.kind, rule_title(rule.kind, lang), t(key, **values), rule.article, countries
    )


def rule_set_words(name: str, params: dict[str, Any], lang: str) -> dict[str, Any] | None:
    """The rule set of a call or bid, with every rule in words; None if it does not load."""
    try:
        loaded = rules.load(name, params)
    except FilieraError:
        return None
    title, title_lang = rule_set_title(loaded.name, loaded.title, lang)
    return {
        "name": loaded.name,
        "title": title,
        "title_lang": title_lang,
        "reference": loaded.reference,
        "rules": [rule_words(rule, lang) for rule in loaded.rules],
        "funding": bool(loaded.funding),
    }


# --- errors ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ErrorLine:
    field: str
    label: str
    text: str  # may carry a data value marked up (Markup)


def error_lines(
    error: FilieraError, lang: str, unknown: str | None = None
) -> tuple[str, list[ErrorLine]]:
    """The error's sentence and one line per field error, in `lang`: English pages say the
    service's message, other languages a sentence per (error code, field). `unknown` is
    the organisation reference that was not found, when the error is about one."""
    t, table = translator(lang), strings(lang)
    lines = []
    details = error.errors or [{"field": "", "message": error.message}]
    culprits = getattr(error, "culprits", None) or [None] * len(details)
    for detail, culprit in zip(details, culprits, strict=False):
        field = str(detail.get("field", "")).split(".")[0].split("[")[0]
        field = "" if field.startswith("(") else field
        label = field_label(field, lang) if field else ""
        broken = culprit.removeprefix("rule:") if culprit and culprit.startswith("rule:") else None
        if unknown is not None and field in REF_FIELDS and isinstance(error, NotFound):
            text = t("consortia.errors.unknown_partner", ref=data(unknown))
        elif error.code == "no_consortium" and broken in rules.KINDS:
            text = t("consortia.errors.rule_culprit", rule=rule_title(broken, lang))
        elif lang == "en":
            text = str(detail.get("message") or error.message)
        elif f"consortia.errors.{error.code}.{field or 'other'}" in table:
            text = t(f"consortia.errors.{error.code}.{field or 'other'}")
        else:
            text = detail_text(detail, lang)
        lines.append(ErrorLine(field, label, text))
    headline = f"errors.code.{error.code}"
    if error.errors and headline in table:  # the details say what; the headline says that
        return t(headline), lines
    return error_text(error, lang), lines


def unknown_ref(session: Session, viewer: Viewer, given: dict[str, list[str]]) -> str | None:
    """The first organisation reference the viewer cannot name (as the service answers it:
    a hidden one and a missing one alike), among the fields `given`."""
    for field, values in given.items():
        for ref in values:
            try:
                inputs.resolve_refs(session, viewer, [ref], field)
            except NotFound:
                return ref
    return None
