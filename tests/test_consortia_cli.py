"""`filiera consortium build|check` beyond the basics of test_cli.py: what a user may see,
rule files, and bad input answered by one clear error. SQLite and PostgreSQL.

The registry is the one of test_consortia_api.py (its docstring says who is who)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from filiera.cli.main import app
from filiera.db import Database
from support.dataset import Dataset
from test_consortia_api import (
    EDF_COUNTRIES,
    HIDDEN_PIC,
    LEONARDO_PIC,
    MISSING_PIC,
    TOPIC,
    build_world,
    meets_article_10_4,
)

RUNNER = CliRunner(env={"COLUMNS": "200"})
MANAGER = "manager@consortia.example"


@dataclass
class World:
    url: str
    data: Dataset
    files: Path

    def org(self, key: str) -> int:
        return self.data.orgs[key]


@pytest.fixture(scope="module")
def world(module_db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    db = Database(module_db_url)
    data, _tokens = build_world(db)
    db.dispose()
    files = tmp_path_factory.mktemp("rules")
    (files / "unknown_rule.yaml").write_text("name: mine\nrules:\n  - rule: frobnicate\n")
    (files / "bad_country.yaml").write_text(
        "name: mine\nrules:\n  - rule: established_in\n    countries: [IT, ZZ]\n"
    )
    (files / "one_per_country.yaml").write_text(
        "name: spread\ntitle: Two countries, one partner each\nrules:\n"
        "  - rule: min_countries\n    count: 2\n  - rule: max_per_country\n    count: 1\n"
    )
    (files / "short_call.yaml").write_text("programme: EDF\ntitle: Tiny\ntext: short\n")
    yield World(module_db_url, data, files)


def run(world: World, *args: str, code: int = 0) -> Result:
    result = RUNNER.invoke(app, [*args, "--db", world.url])
    assert result.exit_code == code, (args, result.exit_code, result.output, result.exception)
    return result


def build_json(world: World, *args: str) -> dict:
    return json.loads(run(world, "consortium", "build", "--text", TOPIC, *args, "--json").stdout)


def members_of(out: dict) -> set[int]:
    return {m["org_id"] for c in out["consortia"] for m in c["members"]}


def test_a_user_is_never_proposed_nor_told_of_a_hidden_organisation(world: World) -> None:
    stealth = world.org("stealth")
    operator = build_json(world, "--rules", "edf", "--size", "3-5")
    assert stealth in members_of(operator)  # the operator sees everything
    managed = build_json(world, "--rules", "edf", "--size", "3-5", "--as", MANAGER)
    assert managed["consortia"] and stealth not in members_of(managed)
    assert "Stealth" not in json.dumps(managed)
    for consortium in managed["consortia"]:
        assert {m["country"] for m in consortium["members"]} <= EDF_COUNTRIES
        assert meets_article_10_4(world, consortium["members"])
    said = []
    for ref in (HIDDEN_PIC, MISSING_PIC):
        args = ("consortium", "build", "--text", TOPIC, "--with", ref, "--as", MANAGER)
        said.append(run(world, *args, code=1).output.replace(ref, "?"))
    assert said[0] == said[1] and "with: no organisation '?'" in said[0]
    checked = run(world, "consortium", "check", LEONARDO_PIC, HIDDEN_PIC, "--as", MANAGER, code=1)
    assert "no organisation '999000306'" in checked.output


def test_a_rule_file_is_read_from_the_command_line(world: World) -> None:
    spread = str(world.files / "one_per_country.yaml")
    out = build_json(world, "--rules", spread, "--size", "2-4", "--alternatives", "2")
    assert out["rules"]["title"] == "Two countries, one partner each"
    for consortium in out["consortia"]:
        countries = [m["country"] for m in consortium["members"]]
        assert len(countries) == len(set(countries)) >= 2, countries
        assert [r["rule"] for r in consortium["rules"]] == ["min_countries", "max_per_country"]


def test_check_prints_every_violation_and_exits_1(world: World) -> None:
    members = [LEONARDO_PIC, "999000305", "999000307", str(world.org("polimi"))]
    result = run(world, "consortium", "check", *members, "--rules", "edf", code=1)
    text = " ".join(result.output.split())
    assert "3 violations:" in text and "2 countries (GB, IT); at least 3 needed" in text
    assert "established outside the eligible countries: British Counter Drone Ltd (GB)" in text
    assert "controlled from a non-associated third country: Dragon Jamming Srl (CN)" in text
    as_json = run(world, "consortium", "check", *members, "--rules", "edf", "--json", code=1)
    assert len(json.loads(as_json.stdout)["violations"]) == 3
    good = [LEONARDO_PIC, str(world.org("safran")), "999000303", "999000308"]
    shares = ("--share", f"{LEONARDO_PIC}=40", "--share", "999000308=20")
    fine = run(world, "consortium", "check", *good, "--rules", "edf", *shares, "--json")
    funding = json.loads(fine.stdout)["funding"]
    assert not funding["assumed_equal_shares"] and funding["sme_share"] == 33.3


def test_options_of_build_reach_the_builder(world: World) -> None:
    thales, polimi = world.org("thales"), world.org("polimi")
    out = build_json(
        world,
        "--rules", "edf", "--with", LEONARDO_PIC, "--with", str(polimi), "--without",
        str(thales), "--capability", "space.satellites", "--size", "4-4", "--alternatives", "2",
        "--param", "action=research",
    )  # fmt: skip
    assert out["size"] == [4, 4] and len(out["consortia"]) == 2
    for consortium in out["consortia"]:
        ids = [m["org_id"] for m in consortium["members"]]
        assert (
            len(ids) == 4
            and ids[0] == world.org("leonardo")
            and polimi in ids
            and thales not in ids
        )
        assert consortium["missing"] == [] and world.org("luxspace") in ids  # the satellites
        assert not consortium["funding"]["applies"]  # research actions get no increase


def bad(world: World, *args: str) -> tuple[str, str]:
    """The first line of a refused command's output, and all of it."""
    result = RUNNER.invoke(app, [*args, "--db", world.url])
    assert result.exit_code == 1, (args, result.exit_code, result.output)
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, result.output
    return lines[0], result.output


BUILD = ("consortium", "build", "--text", TOPIC)
BAD_INPUT = [
    ((*BUILD, "--rules", "edf2"), "rules: unknown rule set 'edf2'"),
    ((*BUILD, "--rules", "{files}/unknown_rule.yaml"), "rules[1].rule: unknown rule 'frobnicate'"),
    ((*BUILD, "--rules", "{files}/bad_country.yaml"), "unknown country code 'ZZ'"),
    ((*BUILD, "--rules", "{files}/missing.yaml"), "file not found"),
    ((*BUILD, "--size", "2-1"), "--size: 2-1: the smallest size is above the largest"),
    ((*BUILD, "--size", "five"), "--size: 'five' is not MIN-MAX"),
    ((*BUILD, "--rules", "edf", "--size", "2"), "size_max: the rules of European Defence Fund"),
    ((*BUILD, "--rules", "edf", "--with", "999000305"), "with: British Counter Drone Ltd"),
    (
        (
            *BUILD,
            "--rules",
            "edf",
            "--size",
            "3",
            "--with",
            "999880463",
            "--with",
            "999000308",
            "--with",
            "{polimi}",
        ),
        "no consortium satisfies every rule",
    ),  # fmt: skip
    ((*BUILD, "--rules", "edf", "--param", "colour=red"), "params.colour: unknown parameter"),
    ((*BUILD, "--param", "colour"), "--param: 'colour' is not key=value"),
    ((*BUILD, "--with", "{leonardo}", "--without", "{leonardo}"), "without: organisation"),
    ((*BUILD, "--capability", "warp.drive"), "capabilities.0"),
    (("consortium", "build", "--rules", "edf"), "--text: give a topic"),
    (("consortium", "build", "--call", "{files}/nowhere.yaml"), "nowhere.yaml: file not found"),
    (("consortium", "build", "--call", "{files}/short_call.yaml"), "text:"),
    (("consortium", "build", "--call-id", "4242"), "call_id: call 4242 does not exist"),
    (
        ("consortium", "build", "--call", "{files}/short_call.yaml", "--call-id", "1"),
        "--call: give a call file (--call) or a stored call (--call-id)",
    ),
    (("consortium", "check", "999880463", "--rules", "nope"), "unknown rule set 'nope'"),
    (("consortium", "check", "999880463", "--share", "999880463=lots"), "--share"),
    (("consortium", "check", "acme"), "no organisation 'acme'"),
]


@pytest.mark.parametrize(
    ("args", "named"), BAD_INPUT, ids=lambda v: " ".join(v[1:6]) if isinstance(v, tuple) else None
)
def test_bad_input_is_one_clear_error_naming_the_field(
    world: World, args: tuple[str, ...], named: str
) -> None:
    argv = [
        a.format(files=world.files, polimi=world.org("polimi"), leonardo=world.org("leonardo"))
        for a in args
    ]
    first, everything = bad(world, *argv)
    assert named in " ".join(everything.split()), everything
    assert len(first) > len("error: ") + 10
