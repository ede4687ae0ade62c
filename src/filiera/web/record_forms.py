"""The publish, edit, close and delete forms shared by needs and theses.

Each page module keeps its routes (paths, names, form parameters) and describes its record
with a `RecordForm`; the handlers here do the work the same way for both.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from filiera.access.viewer import Viewer
from filiera.db import savepoint
from filiera.errors import FilieraError, ValidationFailed
from filiera.http.auth import check_csrf
from filiera.needs import service
from filiera.registry.schemas import parse
from filiera.web.need_forms import as_input, as_patch, choices, field_messages, posted
from filiera.web.pages import _lang
from filiera.web.render import render


@dataclass(frozen=True)
class RecordForm:
    """What differs between the need and the thesis forms."""

    noun: str  # "need": parse context, and `<noun>.publish` the permission
    prefix: str  # "/needs": the list page; a record's page is `<prefix>/<id>`
    template: str
    fields: tuple[str, ...]
    defaults: dict[str, str]  # the publish form's initial values
    new_schema: type[BaseModel]
    patch_schema: type[BaseModel]
    publish: Callable[[Session, Viewer, Any], Any]
    change: Callable[[Session, Viewer, int, Any], Any]
    delete: Callable[[Session, Viewer, int], None]
    editable: Callable[[Session, Viewer, int], Any]  # the stored record, if the viewer may edit it
    out: Callable[[Any], BaseModel]  # a stored record as shown
    values: Callable[[Any], dict[str, Any]]  # a stored record as the edit form's values

    def owners(self, session: Session, viewer: Viewer) -> list[tuple[int, str]]:
        """The organisations the viewer may publish for."""
        return service.publishing_for(session, viewer, f"{self.noun}.publish")

    def editable_out(self, session: Session, viewer: Viewer, record_id: int) -> BaseModel:
        """The record as shown, if the viewer may edit it."""
        return self.out(self.editable(session, viewer, record_id))

    def done(self, record_id: int) -> RedirectResponse:
        """Off to the record's page."""
        return RedirectResponse(f"{self.prefix}/{record_id}", status_code=303)


def new_form(spec: RecordForm, request: Request, session: Session, viewer: Viewer) -> HTMLResponse:
    """The empty publish form, for the viewer's first organisation."""
    owners = spec.owners(session, viewer)
    values = {**spec.defaults, "owner_id": str(owners[0][0]) if owners else ""}
    return form_page(spec, request, viewer, owners, values)


def publish(
    spec: RecordForm, request: Request, session: Session, viewer: Viewer, form: FormData
) -> Response:
    """Publish from the form; invalid fields come back marked, with what the user typed."""
    check_csrf(request, str(form.get("csrf_token", "")))
    owners = spec.owners(session, viewer)
    values = posted(form, spec.fields)
    try:
        with savepoint(session):
            data = parse(spec.new_schema, as_input(values), spec.noun)
            record = spec.publish(session, viewer, data)
    except ValidationFailed as error:
        return form_page(spec, request, viewer, owners, values, error)
    return spec.done(record.id)


def edit_form(
    spec: RecordForm, request: Request, session: Session, viewer: Viewer, record_id: int
) -> HTMLResponse:
    """The edit form, filled with the stored record."""
    record = spec.editable_out(session, viewer, record_id)
    return form_page(spec, request, viewer, [], spec.values(record), record=record)


def save(
    spec: RecordForm,
    request: Request,
    session: Session,
    viewer: Viewer,
    record_id: int,
    form: FormData,
) -> Response:
    """Save the edit form; invalid fields come back marked, with what the user typed."""
    check_csrf(request, str(form.get("csrf_token", "")))
    record = spec.editable_out(session, viewer, record_id)
    values = posted(form, spec.fields)
    try:
        with savepoint(session):
            patch = parse(spec.patch_schema, as_patch(values), f"{spec.noun} {record_id}")
            spec.change(session, viewer, record_id, patch)
    except ValidationFailed as error:
        return form_page(spec, request, viewer, [], values, error, record=record)
    return spec.done(record_id)


def set_status(
    spec: RecordForm,
    request: Request,
    session: Session,
    viewer: Viewer,
    record_id: int,
    status: str,
    csrf_token: str,
) -> Response:
    """Close or reopen the record."""
    check_csrf(request, csrf_token)
    patch = parse(spec.patch_schema, {"status": status}, f"{spec.noun} {record_id}")
    spec.change(session, viewer, record_id, patch)
    return spec.done(record_id)


def delete(
    spec: RecordForm,
    request: Request,
    session: Session,
    viewer: Viewer,
    record_id: int,
    csrf_token: str,
) -> Response:
    """Delete the record, then back to the list."""
    check_csrf(request, csrf_token)
    spec.delete(session, viewer, record_id)
    return RedirectResponse(spec.prefix, status_code=303)


def form_page(
    spec: RecordForm,
    request: Request,
    viewer: Viewer,
    owners: list[tuple[int, str]],
    values: dict[str, Any],
    error: FilieraError | None = None,
    record: BaseModel | None = None,
) -> HTMLResponse:
    """The publish form (`record` None) or the edit form of `record`, filled with `values`."""
    lang = _lang(request)
    context = {
        "values": values,
        "owners": owners,
        "owner_by_number": viewer.is_admin and not owners,
        "record": record,
        "errors": field_messages(error, lang, spec.fields) if error else {},
        "choices": choices(lang),
    }
    return render(request, spec.template, context, status=error.status if error else 200)
