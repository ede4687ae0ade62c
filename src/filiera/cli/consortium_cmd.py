"""`filiera consortium build|check`: propose consortia for a call, check one typed in."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from rich.table import Table

from filiera import yamlfile
from filiera.cli.common import (
    AsOption,
    DbOption,
    JsonOption,
    cli_viewer,
    handle_errors,
    open_db,
    output,
    print_json,
)
from filiera.cli.formatting import plural, tally
from filiera.consortia import calls, checker, service
from filiera.consortia.schemas import (
    BuildIn,
    BuildOut,
    CallIn,
    CheckIn,
    CheckOut,
    ConsortiumOut,
    MemberOut,
    RuleOut,
)
from filiera.errors import ValidationFailed, field_error
from filiera.registry import taxonomy
from filiera.registry.schemas import parse

app = typer.Typer(
    help="Consortia for funding calls: build them under eligibility rules, check them.",
    no_args_is_help=True,
)
RulesOption = Annotated[
    str | None,
    typer.Option(help="Rule set: edf, regional, open, or a YAML rule file (default: the call's)."),
]
ParamOption = Annotated[
    list[str] | None,
    typer.Option("--param", help="A rule-set parameter, key=value (a YAML value; repeat)."),
]
CapabilityOption = Annotated[
    list[str] | None,
    typer.Option("--capability", help="A required capability code (repeat)."),
]
CallIdOption = Annotated[int | None, typer.Option("--call-id", min=1, help="A stored call's id.")]
CALL_FILE_OWNER = 1  # a --call file is read, never stored: its owner is not used


def option_error(option: str, problem: str) -> ValidationFailed:
    """A bad option value, as one error naming the option."""
    return ValidationFailed(
        f"{option}: {problem}", errors=[field_error("options", option, problem)]
    )


def parse_pairs(option: str, pairs: list[str] | None) -> dict[str, str]:
    """`["a=1", "b=x"]` -> `{"a": "1", "b": "x"}`; anything else names the option."""
    out = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise option_error(option, f"{pair!r} is not key=value")
        out[key.strip()] = value.strip()
    return out


def parse_params(pairs: list[str] | None) -> dict[str, Any]:
    """`--param` values read as YAML: `pesco=true`, `min_sme_share=0.3`, `regions=[ITC4]`."""
    params = {}
    for key, raw in parse_pairs("--param", pairs).items():
        try:
            params[key] = yamlfile.safe_load(raw) if raw else None
        except yaml.YAMLError:
            raise option_error("--param", f"{key}: {raw!r} is not a YAML value") from None
    return params


def parse_size(text: str | None) -> dict[str, int]:
    """`5-8` -> size_min 5, size_max 8; `6` -> exactly 6; None -> the call's or the rules'."""
    if text is None:
        return {}
    low, sep, high = text.partition("-")
    try:
        size_min, size_max = int(low), int(high if sep else low)
    except ValueError:
        raise option_error("--size", f"{text!r} is not MIN-MAX (such as 5-8) or a number") from None
    if size_min > size_max:
        raise option_error("--size", f"{text}: the smallest size is above the largest")
    return {"size_min": size_min, "size_max": size_max}


def _from_call_file(path: Path) -> dict[str, Any]:
    """The BuildIn fields a call written in YAML gives (the call is not stored)."""
    call: CallIn = calls.read_call_file(path, CALL_FILE_OWNER)
    codes = [*call.capabilities, *(c for wp in call.work_packages for c in wp.capabilities)]
    return {
        "text": f"{call.title}. {call.text}",
        "lang": call.lang,
        "rules": call.rules,
        "rule_params": call.rule_params,
        "capabilities": list(dict.fromkeys(codes)),
        "size_min": call.size_min,
        "size_max": call.size_max,
    }


def build_request(call: Path | None, call_id: int | None, options: dict[str, Any]) -> BuildIn:
    """The validated request of `consortium build`: the options over the call file's fields
    (`rule_params` and `capabilities` add to the file's)."""
    if call is not None and call_id is not None:
        raise option_error("--call", "give a call file (--call) or a stored call (--call-id)")
    if call is None and call_id is None and not options.get("text"):
        raise option_error("--text", "give a topic (--text), a call file (--call) or --call-id")
    given: dict[str, Any] = _from_call_file(call) if call is not None else {}
    params, codes = options.pop("rule_params"), options.pop("capabilities")
    given["rule_params"] = {**given.get("rule_params", {}), **params}
    given["capabilities"] = list(dict.fromkeys([*given.get("capabilities", []), *codes]))
    given["call_id"] = call_id
    given.update({k: v for k, v in options.items() if v is not None})
    return parse(BuildIn, {k: v for k, v in given.items() if v is not None}, "consortium")


@app.command("build")
@handle_errors
def build_cmd(
    call: Annotated[
        Path | None, typer.Option("--call", help="A call in YAML (read, not stored).")
    ] = None,
    call_id: CallIdOption = None,
    text: Annotated[str | None, typer.Option(help="The topic, in free text.")] = None,
    rules: RulesOption = None,
    param: ParamOption = None,
    capability: CapabilityOption = None,
    with_: Annotated[
        list[str] | None,
        typer.Option("--with", help="A fixed partner, id or PIC (repeat; the first coordinates)."),
    ] = None,
    without: Annotated[
        list[str] | None, typer.Option(help="A partner never to propose, id or PIC (repeat).")
    ] = None,
    size: Annotated[
        str | None, typer.Option(help="Partners, MIN-MAX such as 5-8 (default: the rules').")
    ] = None,
    alternatives: Annotated[int, typer.Option(min=1, max=5, help="Different consortia.")] = 3,
    collaboration: Annotated[
        float | None, typer.Option(help="Weight of proven collaboration (0-3).")
    ] = None,
    newcomer: Annotated[
        float | None, typer.Option(help="Bonus for partners without funded projects (0-3).")
    ] = None,
    db: DbOption = None,
    as_user: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Propose consortia that satisfy every rule of a call, best first, explained."""
    options = {
        "text": text,
        "rules": rules,
        "rule_params": parse_params(param),
        "capabilities": capability or [],
        "with": with_,
        "without": without,
        **parse_size(size),
        "alternatives": alternatives,
        "collaboration": collaboration,
        "newcomer": newcomer,
    }
    wanted = build_request(call, call_id, options)
    with open_db(db).session() as session:
        out = service.build(session, cli_viewer(session, as_user), wanted)
    print_json(out) if as_json else print_build(out)


@app.command("check")
@handle_errors
def check_cmd(
    members: Annotated[
        list[str], typer.Argument(help="Partners, ids or PICs (coordinator first).")
    ],
    rules: RulesOption = None,
    param: ParamOption = None,
    call_id: CallIdOption = None,
    capability: CapabilityOption = None,
    share: Annotated[
        list[str] | None,
        typer.Option("--share", help="A partner's share of costs, ORG=VALUE (repeat)."),
    ] = None,
    db: DbOption = None,
    as_user: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Check a consortium against a rule set; exit code 1 when a rule is violated."""
    given = {
        "members": members,
        "rules": rules,
        "rule_params": parse_params(param),
        "call_id": call_id,
        "capabilities": capability or [],
        "shares": _shares(share),
    }
    wanted = parse(CheckIn, {k: v for k, v in given.items() if v is not None}, "consortium")
    with open_db(db).session() as session:
        out = checker.check(session, cli_viewer(session, as_user), wanted)
    print_json(out) if as_json else print_check(out)
    if not out.ok:
        raise typer.Exit(1)


def _shares(pairs: list[str] | None) -> dict[str, float]:
    out = {}
    for ref, raw in parse_pairs("--share", pairs).items():
        try:
            out[ref] = float(raw)
        except ValueError:
            raise option_error("--share", f"{ref}: {raw!r} is not a number") from None
    return out


# --- output -------------------------------------------------------------------------------


def members_table(members: list[MemberOut], title: str) -> Table:
    table = Table("role", "id", "PIC", "name", "country", "kind", "why", title=title)
    for m in members:
        why = "\n".join(m.reasons)
        table.add_row(m.role, str(m.org_id), m.pic or "", m.name, m.country or "", m.kind, why)
    return table


def rule_lines(rules: list[RuleOut]) -> list[str]:
    """One line per rule: holds or violated, tight, its article; then its warnings."""
    lines = []
    for r in rules:
        mark = "ok       " if r.ok else "VIOLATED "
        article = f" ({r.article})" if r.article else ""
        tight = " [tight: one partner less breaks it]" if r.tight else ""
        lines.append(f"  {mark}{r.rule}{article}: {r.detail}{tight}")
        lines += [f"    warning: {w}" for w in r.warnings]
    return lines


def _say(line: str) -> None:
    output.print(line, highlight=False)


def _funding_line(funding: dict[str, Any] | None) -> None:
    if funding:
        article = f" ({funding['article']})" if funding.get("article") else ""
        _say(f"SME bonus{article}: {funding['detail']}")


def _missing_line(missing: list[str]) -> None:
    if missing:
        _say("not covered: " + ", ".join(f"{taxonomy.label(c)} ({c})" for c in missing))


def print_consortium(number: int, c: ConsortiumOut) -> None:
    proof = "optimal" if c.optimal else f"gap {c.gap:.2%}"
    changed = f"; changes: {', '.join(c.changed)}" if c.changed else ""
    heading = (
        f"Alternative {number}: score {c.score:.2f} ({proof}), "
        f"{plural(len(c.members), 'partner')} in {tally(c.countries)}{changed}"
    )
    output.print(members_table(c.members, heading))
    _say("rules:" if c.rules else "rules: none")
    for line in rule_lines(c.rules):
        _say(line)
    _missing_line(c.missing)
    _funding_line(c.funding)
    _say("")


def print_build(out: BuildOut) -> None:
    call = f"call: {out.call['title']}; " if out.call else ""
    low, high = out.size
    _say(
        f"{call}rules: {out.rules['title']}; size {low} to {high}; "
        f"{plural(out.pool, 'candidate')} considered"
    )
    for note in out.notes:
        _say(f"note: {note}")
    for number, consortium in enumerate(out.consortia, 1):
        print_consortium(number, consortium)


def print_check(out: CheckOut) -> None:
    title = f"{plural(len(out.members), 'partner')} in {tally(out.countries)}"
    output.print(members_table(out.members, title))
    _say("rules:" if out.rules else "rules: none")
    for line in rule_lines(out.rules):
        _say(line)
    _missing_line(out.missing)
    _funding_line(out.funding)
    if out.ok:
        _say("every rule holds")
        return
    _say(f"{plural(len(out.violations), 'violation')}:")
    for violation in out.violations:
        _say(f"  - {violation}")
