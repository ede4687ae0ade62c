"""Web pages of calls for proposals: the open calls, one call with its rules in words, and
the form to publish one (cluster managers, buyers, admins). The rules live in
`consortia.calls`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from filiera.access.viewer import Viewer
from filiera.consortia import calls
from filiera.consortia.models import CALL_STATUSES
from filiera.consortia.schemas import CallIn
from filiera.db import savepoint
from filiera.errors import FilieraError, ValidationFailed
from filiera.http.auth import check_csrf
from filiera.http.deps import FormDep, RecordId, SessionDep, ViewerDep
from filiera.needs.service import may, may_change, publishing_for
from filiera.registry.fields import VISIBILITY_LEVELS
from filiera.registry.schemas import parse
from filiera.web.consortium_words import RULE_SETS, rule_set_words
from filiera.web.i18n import strings
from filiera.web.need_forms import choices
from filiera.web.pages import _lang
from filiera.web.render import render

router = APIRouter(include_in_schema=False)
CALL_FIELDS = (
    "owner_id",
    "title",
    "programme",
    "identifier",
    "text",
    "deadline",
    "budget",
    "rules",
    "regions",
    "min_sme_share",
    "capabilities",
    "size_min",
    "size_max",
    "visibility",
)
NEW_CALL = {"rules": "edf", "visibility": "public", "programme": "EDF"}
REGIONAL = ("regions", "min_sme_share")  # parameters of the regional rule set on the form


@router.get("/calls", response_class=HTMLResponse)
def calls_page(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    """The open calls the viewer may see, soonest deadline first."""
    context = {
        "calls": [calls.call_out(call) for call in calls.list_calls(session, viewer)],
        "may_publish": may(viewer, "call.publish"),
    }
    return render(request, "calls.html", context)


# --- publishing (before /calls/{call_id}, which would read "new" as an id) -------------------


@router.get("/calls/new", response_class=HTMLResponse)
def new_call(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    owners = publishing_for(session, viewer, "call.publish")
    values = {**NEW_CALL, "owner_id": str(owners[0][0]) if owners else ""}
    return _form_page(request, viewer, owners, values)


@router.post("/calls/new", response_class=HTMLResponse)
def publish_call(
    request: Request, session: SessionDep, viewer: ViewerDep, form: FormDep
) -> Response:
    """Publish from the form; invalid fields come back marked, with what the user typed."""
    check_csrf(request, str(form.get("csrf_token", "")))
    owners = publishing_for(session, viewer, "call.publish")
    values = posted(form)
    try:
        with savepoint(session):
            call = calls.publish_call(session, viewer, parse(CallIn, call_input(values), "call"))
    except ValidationFailed as error:
        return _form_page(request, viewer, owners, values, error)
    return RedirectResponse(f"/calls/{call.id}", status_code=303)


def posted(form: FormData) -> dict[str, Any]:
    """The form's fields as typed (capabilities: the chosen codes)."""
    values: dict[str, Any] = {
        name: str(form.get(name, "")).strip() for name in CALL_FIELDS if name != "capabilities"
    }
    values["capabilities"] = [str(code) for code in form.getlist("capabilities")]
    return values


def call_input(values: dict[str, Any]) -> dict[str, Any]:
    """Form values as a CallIn: blank fields left out, the regional parameters gathered in
    `rule_params` (the SME share typed as a percentage)."""
    data = {
        name: value
        for name, value in values.items()
        if name not in REGIONAL and value not in ("", [])
    }
    if values.get("rules") == "regional":
        params: dict[str, Any] = {}
        if values.get("regions"):
            params["regions"] = values["regions"].replace(",", " ").upper().split()
        if values.get("min_sme_share"):
            params["min_sme_share"] = _share(values["min_sme_share"])
        data["rule_params"] = params
    return data


def _share(typed: str) -> Any:
    """`50` or `50,5` (per cent) -> 0.5 or 0.505; anything else as typed (the rule set
    refuses it, naming the field)."""
    try:
        return float(typed.replace(",", ".").rstrip("%").strip()) / 100
    except ValueError:
        return typed


def field_errors(error: FilieraError, values: dict[str, Any], lang: str) -> dict[str, str]:
    """field -> what is wrong with it, in `lang`; "" for what names no field of the form.
    A bad regional parameter is reported on the rule set: put it next to its own field."""
    table = strings(lang)
    found: dict[str, str] = {}
    for detail in error.errors:
        field = str(detail.get("field", "")).split(".")[0]
        if field in ("rules", "rule_params") and values.get("rules") == "regional":
            message = str(detail.get("message", ""))
            field = next((name for name in REGIONAL if name.split("_")[-1] in message), field)
        field = field if field in CALL_FIELDS else ""
        key = f"consortia.invalid.{field or 'other'}"
        found[field] = table.get(key) or table["consortia.invalid.other"]
    return found or {"": table["consortia.invalid.other"]}


def _form_page(
    request: Request,
    viewer: Viewer,
    owners: list[tuple[int, str]],
    values: dict[str, Any],
    error: FilieraError | None = None,
) -> HTMLResponse:
    lang = _lang(request)
    context = {
        "values": values,
        "owners": owners,
        "owner_by_number": viewer.is_admin and not owners,
        "errors": field_errors(error, values, lang) if error else {},
        "choices": choices(lang) | {"rule_sets": RULE_SETS, "levels": list(VISIBILITY_LEVELS)},
    }
    return render(
        request, "_consortium_call_form.html", context, status=error.status if error else 200
    )


# --- one call ---------------------------------------------------------------------------------


@router.get("/calls/{call_id}", response_class=HTMLResponse)
def call_page(
    request: Request, session: SessionDep, viewer: ViewerDep, call_id: RecordId
) -> HTMLResponse:
    """The call, its rules in words, its capabilities, and the way to build a consortium."""
    stored = calls.get_call(session, viewer, call_id)
    call = calls.call_out(stored)
    context = {
        "call": call,
        "rule_set": rule_set_words(call.rules, call.rule_params, _lang(request)),
        "required": calls.required_capabilities(stored),
        "can_close": may_change(viewer, "call.publish", call.owner_id),
        "statuses": CALL_STATUSES,
    }
    return render(request, "call.html", context)


@router.post("/calls/{call_id}/status")
def set_call_status(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    call_id: RecordId,
    status: Annotated[str, Form(max_length=10)],
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Close or reopen a call (its publisher)."""
    check_csrf(request, csrf_token)
    if status not in CALL_STATUSES:
        raise ValidationFailed(f"unknown status {status!r}", key="invalid_value")
    calls.close_call(session, viewer, call_id, status)
    return RedirectResponse(f"/calls/{call_id}", status_code=303)
