"""Calls for proposals: published by clusters, buyers and admins, read as visibility allows."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from filiera.access import policy
from filiera.access.viewer import Viewer
from filiera.consortia import rules
from filiera.consortia.models import Call
from filiera.consortia.schemas import CallIn, CallOut
from filiera.directory import queries
from filiera.errors import NotFound, ValidationFailed, field_error, read_yaml
from filiera.match.text import detect_language
from filiera.registry.schemas import validation_errors


def call_out(call: Call) -> CallOut:
    return CallOut(
        id=call.id,
        programme=call.programme,
        identifier=call.identifier,
        title=call.title,
        text=call.text,
        lang=call.lang,
        topic=call.topic,
        deadline=call.deadline,
        budget=call.budget,
        rules=call.rules,
        rule_params=dict(call.rule_params or {}),
        capabilities=list(call.capabilities or []),
        work_packages=list(call.work_packages or []),
        size_min=call.size_min,
        size_max=call.size_max,
        owner_id=call.owner_id,
        owner=call.owner.name,
        status=call.status,
        visibility=call.visibility,
        credit=call.credit,
    )


def summary(call: Call) -> dict[str, Any]:
    return {
        "id": call.id,
        "title": call.title,
        "identifier": call.identifier,
        "programme": call.programme,
        "deadline": call.deadline.isoformat() if call.deadline else None,
    }


def required_capabilities(call: Call | None) -> list[str]:
    """The call's capabilities and those of its work packages, once each."""
    if call is None:
        return []
    codes = list(call.capabilities or [])
    for package in call.work_packages or []:
        codes.extend(package.get("capabilities") or [])
    return list(dict.fromkeys(codes))


def check_rules(name: str, params: dict[str, Any], *, files: bool = False) -> None:
    """The rule set exists and accepts these parameters; else the error names `rules`.
    Only a file read at the command line (`files`) may name a YAML rule file: a stored call
    or bid names a shipped rule set, so the server never reads a path it was given."""
    if not files and name not in rules.available():
        message = f"unknown rule set {name!r}; known: {', '.join(rules.available())}"
        raise ValidationFailed(message, errors=[field_error("call", "rules", message)])
    try:
        rules.load(name, params)
    except ValidationFailed as error:
        field = "rule_params" if "params." in error.message else "rules"
        raise ValidationFailed(
            error.message, errors=[field_error("call", field, error.message)]
        ) from None


def publish_call(
    session: Session, viewer: Viewer, data: CallIn, *, credit: str | None = None
) -> Call:
    """A cluster manager, buyer or admin publishes a call for their organisation."""
    queries.get_organisation(session, data.owner_id, viewer=viewer)
    policy.require_owner(viewer, "call.publish", data.owner_id)
    check_rules(data.rules, data.rule_params)
    call = Call(**data.model_dump(mode="python"), created_by=viewer.user_id, credit=credit)
    call.work_packages = [wp.model_dump() for wp in data.work_packages]
    call.lang = data.lang or detect_language(f"{data.title}. {data.text}")
    session.add(call)
    session.flush()
    return call


def list_calls(session: Session, viewer: Viewer, *, status: str | None = "open") -> list[Call]:
    """Calls the viewer may see, by deadline (the soonest first, undated last)."""
    stmt = select(Call).where(policy.visible_records(viewer, Call, "call"))
    if status:
        stmt = stmt.where(Call.status == status)
    stmt = stmt.options(selectinload(Call.owner)).order_by(
        Call.deadline.is_(None), Call.deadline, Call.id
    )
    return list(session.scalars(stmt))


def get_call(session: Session, viewer: Viewer, call_id: int) -> Call:
    """The call, or NotFound as if it did not exist when the viewer may not see it."""
    stmt = select(Call).where(Call.id == call_id, policy.visible_records(viewer, Call, "call"))
    call = session.scalars(stmt.options(selectinload(Call.owner))).first()
    if call is None:
        raise NotFound(
            f"call {call_id} does not exist",
            errors=[field_error("consortium", "call_id", f"call {call_id} does not exist")],
        )
    return call


def close_call(session: Session, viewer: Viewer, call_id: int, status: str) -> Call:
    call = get_call(session, viewer, call_id)
    policy.require_owner(viewer, "call.publish", call.owner_id)
    call.status = status
    session.flush()
    return call


def read_call_file(path: Path, owner_id: int) -> CallIn:
    """A call written as YAML (the CLI's `--call CALL.yaml`), validated, errors naming the
    file and field; `owner_id` is filled in when the file does not give one."""
    raw = read_yaml(path)
    if not isinstance(raw, dict):
        raise ValidationFailed(
            f"{path}: a call is a mapping of fields",
            errors=[field_error(str(path), "file", "expected a mapping")],
        )
    raw.setdefault("owner_id", owner_id)
    if isinstance(raw.get("deadline"), date):
        raw["deadline"] = raw["deadline"].isoformat()
    try:
        data = CallIn.model_validate(raw)
    except ValidationError as error:
        errors = validation_errors(str(path), error)
        raise ValidationFailed(
            f"{path}: " + "; ".join(f"{e['field']}: {e['message']}" for e in errors), errors=errors
        ) from None
    check_rules(data.rules, data.rule_params, files=True)
    return data
