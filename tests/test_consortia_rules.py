"""Eligibility rule sets as data: loading refuses a broken file naming the file and the
field; every rule kind checks a consortium and says why in plain words."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from filiera.consortia import rules
from filiera.consortia.members import Member
from filiera.errors import ValidationFailed

PROPERTY = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
EU = ["AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU"]
EU += ["IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK"]


def member(org_id: int, country: str | None, kind: str = "prime", **extra) -> Member:
    return Member(org_id, f"Org {org_id}", country, kind, **extra)


def outcome(rule_set: rules.RuleSet, kind: str, team: list[Member]) -> rules.Outcome:
    (found,) = [o for o in rules.check(rule_set, team) if o.rule == kind]
    return found


def one_rule(**rule) -> rules.RuleSet:
    return rules.parse({"name": "test", "rules": [rule]}, "test.yaml", {})


# --- the shipped rule sets ----------------------------------------------------------------


def test_the_shipped_rule_sets_load() -> None:
    assert rules.available() == ["edf", "open", "regional"]
    edf = rules.load("edf")
    assert [r.kind for r in edf.rules] == [
        "established_in",
        "not_controlled_from_outside",
        "min_countries",
        "min_independent_entities",
    ]
    assert edf.rules[2].args == {"count": 3}  # Art. 10(4): three entities, three countries
    assert edf.rules[3].args == {"entities": 3, "countries": 2}  # three independent, two
    eligible = edf.rules[0].args["countries"]
    assert set(eligible) == set(EU) | {"NO"} and len(eligible) == 28
    assert edf.params["action"] == "development" and edf.funding["scheme"] == "edf_sme_bonus"
    assert edf.size_bounds() == (3, None)
    assert all(r.article for r in edf.rules)
    regional = rules.load("regional")
    assert regional.rules[0].args["regions"] == ("ITC4", "ITC1", "ITC3")
    assert regional.size_bounds() == (2, 8)
    assert rules.load("open").rules == () and rules.load("open").size_bounds() == (1, None)


def test_a_call_overrides_parameters() -> None:
    regional = rules.load("regional", {"regions": ["ITC4", "ITC1"], "max_partners": 5})
    assert regional.rules[0].args["regions"] == ("ITC4", "ITC1")
    assert regional.size_bounds() == (2, 5)
    assert rules.load("regional").size_bounds() == (2, 8)  # the shipped one is untouched


# --- broken rule files --------------------------------------------------------------------


RULE = "rules:\n  - rule: "
BROKEN = {
    "unknown rule": (RULE + "max_budget\n    amount: 3\n", "rules[1].rule"),
    "rule name not a word": (RULE + "[size]\n", "rules[1].rule"),
    "unknown rule key": (
        RULE + "min_countries\n    count: 3\n    colour: red\n",
        "rules[1].colour",
    ),
    "unknown set key": ("name: x\ncolour: red\nrules: []\n", "colour"),
    "unknown country": (RULE + "established_in\n    countries: [IT, XX]\n", "rules[1].countries"),
    "empty country": (RULE + "established_in\n    countries: [IT, null]\n", "rules[1].countries"),
    "Norway unquoted": (RULE + "established_in\n    countries: [IT, NO]\n", "rules[1].countries"),
    "Norway unquoted in a parameter": (
        "params:\n  eligible: [IT, NO]\n" + RULE + "established_in\n    countries: $eligible\n",
        "rules[1].countries",
    ),
    "Norway unquoted in the eligible countries": (
        "params:\n  eligible_countries: [IT, NO]\nrules: []\n",
        "params.eligible_countries",
    ),
    "unknown NUTS region": (
        RULE + "located_in_regions\n    regions: [ITC4, ITZ9]\n",
        "rules[1].regions",
    ),
    "empty NUTS region": (
        RULE + "located_in_regions\n    regions: [ITC4, ~]\n",
        "rules[1].regions",
    ),
    "size min above max": (RULE + "size\n    min: 9\n    max: 4\n", "rules[1].max"),
    "missing parameter": (RULE + "min_countries\n    count: $nowhere\n", "rules[1].count"),
    "missing argument": (RULE + "min_countries\n", "rules[1].count"),
    "share above 1": (RULE + "min_share\n    kinds: [sme]\n    share: 1.5\n", "rules[1].share"),
    "unknown organisation kind": (
        RULE + "min_share\n    kinds: [sme, dragon]\n    share: 0.5\n",
        "rules[1].kinds",
    ),
    "zero count": (RULE + "max_per_country\n    count: 0\n", "rules[1].count"),
    "second rule": (RULE + "min_countries\n    count: 2\n  - rule: nope\n", "rules[2].rule"),
    "rule not a mapping": ("rules:\n  - min_countries\n", "rules[1]"),
    "rules not a list": ("rules: {rule: min_countries}\n", "rules"),
    "params not a mapping": ("params: [a, b]\nrules: []\n", "params"),
    "unknown funding scheme": ("rules: []\nfunding:\n  scheme: lottery\n", "funding.scheme"),
    "funding not a mapping": ("rules: []\nfunding: edf_sme_bonus\n", "funding.scheme"),
    "not YAML": ("rules: [\n", "file"),
    "not a mapping": ("- rule: size\n", "file"),
}


@pytest.mark.parametrize(("text", "field"), list(BROKEN.values()), ids=list(BROKEN))
def test_a_broken_rule_file_names_the_file_and_the_field(
    tmp_path: Path, text: str, field: str
) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValidationFailed) as caught:
        rules.load(path)
    (error,) = caught.value.errors
    assert error["record"] == "mine.yaml"
    assert error["field"] == field
    assert caught.value.message.startswith(f"mine.yaml: {field}: ")


def test_broken_values_are_explained() -> None:
    def message(text: str) -> str:
        with pytest.raises(ValidationFailed) as caught:
            rules.parse(yaml.safe_load(text), "mine.yaml", {})
        return caught.value.errors[0]["message"]

    assert "'XX'" in message("rules:\n  - rule: established_in\n    countries: [XX]\n")
    assert '"NO"' in message("rules:\n  - rule: established_in\n    countries: [NO]\n")
    assert "ITZ9" in message("rules:\n  - rule: located_in_regions\n    regions: [ITZ9]\n")
    assert "'nowhere'" in message("rules:\n  - rule: min_countries\n    count: $nowhere\n")
    assert "max_budget" in message("rules:\n  - rule: max_budget\n")
    assert "9" in message("rules:\n  - rule: size\n    min: 9\n    max: 4\n")


def test_a_missing_file_and_an_unknown_rule_set_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValidationFailed) as caught:
        rules.load(tmp_path / "absent.yaml")
    assert caught.value.errors[0]["field"] == "file"
    with pytest.raises(ValidationFailed) as caught:
        rules.load("horizon")
    assert caught.value.errors[0]["field"] == "rules"
    assert "edf, open, regional" in caught.value.message


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"max_partner": 5}, "params.max_partner"),
        ({"min_sme_share": 2}, "rules[3].share"),
        ({"regions": ["ITC4", "XX99"]}, "rules[1].regions"),
        ({"regions": "ITC4"}, "rules[1].regions"),
        ({"min_partners": 9, "max_partners": 3}, "rules[4].max"),
    ],
)
def test_overrides_are_checked_like_the_file(overrides: dict, field: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        rules.load("regional", overrides)
    assert caught.value.errors[0] == {
        "record": "regional.yaml",
        "field": field,
        "message": caught.value.errors[0]["message"],
    }


def test_an_edf_override_of_an_unknown_country_is_refused() -> None:
    with pytest.raises(ValidationFailed) as caught:
        rules.load("edf", {"eligible_countries": ["IT", "XX"]})
    assert caught.value.errors[0]["field"] == "rules[1].countries"


YAML_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 12)
    | st.floats(-1, 2, allow_nan=False)
    | st.sampled_from(["IT", "NO", "XX", "ITC4", "ITZ9", "sme", "$eligible_countries", "$x"])
    | st.sampled_from(list(rules.KINDS) + ["edf_sme_bonus"]),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "rule",
                    "countries",
                    "regions",
                    "count",
                    "kinds",
                    "share",
                    "min",
                    "max",
                    "entities",
                    "scheme",
                    "x",
                ]
            ),
            inner,
            max_size=4,
        )
    ),
    max_leaves=12,
)


@PROPERTY
@given(
    data=st.fixed_dictionaries(
        {},
        optional={
            "name": st.text(max_size=5),
            "params": YAML_VALUES,
            "rules": st.lists(YAML_VALUES, max_size=3) | YAML_VALUES,
            "funding": YAML_VALUES,
        },
    ),
    overrides=st.dictionaries(st.sampled_from(["x", "eligible_countries"]), YAML_VALUES),
)
def test_any_rule_file_loads_or_is_refused_with_a_field(data: dict, overrides: dict) -> None:
    try:
        loaded = rules.parse(data, "fuzz.yaml", overrides)
    except ValidationFailed as error:
        assert error.errors and error.errors[0]["record"] == "fuzz.yaml"
        assert error.errors[0]["field"]
        return
    for rule in loaded.rules:
        assert rule.kind in rules.KINDS
        rules.check(loaded, [member(1, "IT", regions=("ITC4C",))])


# --- checking consortia -------------------------------------------------------------------


EDF = rules.load("edf")
REGIONAL = rules.load("regional")


def test_edf_three_countries_but_two_under_common_control_is_not_enough() -> None:
    team = [
        member(1, "IT", control_group="Leonardo"),
        member(2, "FR", control_group=" leonardo"),
        member(3, "DE", "sme"),
    ]
    assert outcome(EDF, "min_countries", team).ok
    found = outcome(EDF, "min_independent_entities", team)
    assert not found.ok
    assert "only 2 entities not under common control" in found.detail
    assert "at least 3 entities not under common control, established in at least 2" in (
        found.detail
    )
    assert found.warnings == ("under common control (leonardo): Org 1, Org 2 count as one entity",)
    assert found.article == "Art. 10(4)"
    fourth = outcome(EDF, "min_independent_entities", [*team, member(4, "ES")])
    assert fourth.ok and fourth.tight
    assert "3 independent entities" in fourth.detail
    spare = [*team, member(4, "ES"), member(5, "PL")]
    assert not outcome(EDF, "min_independent_entities", spare).tight


def test_edf_three_entities_of_two_countries_is_not_enough() -> None:
    """Three independent entities in two countries meet the independence sentence of
    Art. 10(4) but not its first one (three countries)."""
    team = [member(1, "IT"), member(2, "IT"), member(3, "FR")]
    assert outcome(EDF, "min_independent_entities", team).ok
    found = outcome(EDF, "min_countries", team)
    assert not found.ok and found.detail == "2 countries (FR, IT); at least 3 needed"


def test_edf_one_group_in_two_countries_and_two_independent_italians_is_enough() -> None:
    """Art. 10(4) read as written: 3 entities in 3 countries, and 3 independent entities in
    at least 2 countries; the two conditions may be met by different partners."""
    team = [
        member(1, "FR", control_group="G"),
        member(2, "DE", control_group="G"),
        member(3, "IT"),
        member(4, "IT"),
    ]
    assert all(o.ok for o in rules.check(EDF, team))
    same_country = [member(1, "IT", control_group="G"), member(3, "IT"), member(4, "IT")]
    found = outcome(EDF, "min_independent_entities", same_country)
    assert not found.ok and "established in only 1 country" in found.detail


def test_edf_control_from_a_third_country_breaks_the_rule() -> None:
    team = [
        member(1, "IT", controlled_from="IT"),
        member(2, "FR", controlled_from="US"),
        member(3, "DE", controlled_from="NO"),
    ]
    found = outcome(EDF, "not_controlled_from_outside", team)
    assert not found.ok and found.offenders == (2,)
    assert found.detail == "controlled from a non-associated third country: Org 2 (US)"
    assert rules.admits(EDF, team[1]) == [found.detail]
    assert rules.admits(EDF, team[2]) == []


def test_edf_unknown_control_is_allowed_with_a_warning() -> None:
    team = [member(1, "IT", controlled_from="IT"), member(2, "FR"), member(3, "DE")]
    found = outcome(EDF, "not_controlled_from_outside", team)
    assert found.ok
    assert found.detail == "1 of 3 partners are declared controlled from eligible countries"
    (warning,) = found.warnings
    assert warning.startswith("control not declared for Org 2, Org 3")
    assert rules.admits(EDF, team[1]) == []


def test_edf_establishment_outside_the_eligible_countries() -> None:
    team = [member(1, "IT"), member(2, "US"), member(3, None), member(4, "NO")]
    found = outcome(EDF, "established_in", team)
    assert not found.ok and found.offenders == (2, 3)
    assert "established outside the eligible countries: Org 2 (US)" in found.detail
    assert "country not known: Org 3" in found.detail
    assert rules.admits(EDF, team[1]) and rules.admits(EDF, team[2])
    assert not rules.admits(EDF, team[3])  # Norway is an associated country
    ok = outcome(EDF, "established_in", [team[0], team[3]])
    assert ok.ok and ok.detail == "all 2 partners are established in eligible countries"


def test_regional_partners_outside_the_regions() -> None:
    milano = member(1, "IT", "sme", regions=("ITC4C",))
    torino = member(2, "IT", "sme", regions=("ITC11",))
    roma = member(3, "IT", "prime", regions=("ITI43",))
    nowhere = member(4, "IT", "prime")
    found = outcome(REGIONAL, "located_in_regions", [milano, torino, roma, nowhere])
    assert not found.ok and found.offenders == (3, 4)
    assert found.detail.startswith(
        "not located in the call's regions (ITC4 Lombardia, ITC1 Piemonte, ITC3 Liguria): "
    )
    assert "Org 3 (ITI43)" in found.detail and "Org 4 (region not given)" in found.detail
    assert rules.admits(REGIONAL, roma) and not rules.admits(REGIONAL, milano)
    inside = outcome(REGIONAL, "located_in_regions", [milano, torino])
    assert inside.ok


def test_regional_distinct_regions() -> None:
    milano, bergamo = (member(1, "IT", regions=("ITC4C",)), member(2, "IT", regions=("ITC46",)))
    genova = member(3, "IT", regions=("ITC33",))
    one = outcome(REGIONAL, "min_distinct_regions", [milano, bergamo])
    assert not one.ok
    assert one.detail == "partners in 1 of the call's regions (ITC4 Lombardia); at least 2 needed"
    two = outcome(REGIONAL, "min_distinct_regions", [milano, bergamo, genova])
    assert two.ok and two.tight


SHARES = {
    "half": (["sme", "startup", "prime", "university"], True, True, "2 of 4 partners are"),
    "short": (["sme", "prime", "prime", "university"], False, False, "1 more sme/startup"),
    "spare": (["sme", "startup", "sme", "prime"], True, False, "3 of 4 partners are"),
    "none": (["midcap", "prime"], False, False, "0 of 2 partners are sme/startup (0%)"),
}


@pytest.mark.parametrize(("kinds", "ok", "tight", "words"), list(SHARES.values()), ids=list(SHARES))
def test_min_share_of_smes_and_startups(kinds, ok: bool, tight: bool, words: str) -> None:
    team = [member(i, "IT", kind, regions=("ITC4C",)) for i, kind in enumerate(kinds)]
    found = outcome(REGIONAL, "min_share", team)
    assert (found.ok, found.tight) == (ok, tight)
    assert words in found.detail and "at least 50% needed" in found.detail


@pytest.mark.parametrize(
    ("count", "ok", "tight"),
    [(1, False, False), (2, True, True), (5, True, False), (8, True, True), (9, False, False)],
)
def test_size(count: int, ok: bool, tight: bool) -> None:
    team = [member(i, "IT", "sme", regions=("ITC4C",)) for i in range(count)]
    found = outcome(REGIONAL, "size", team)
    assert (found.ok, found.tight) == (ok, tight)
    assert found.detail == f"{count} partners (2 to 8 allowed)"


@pytest.mark.parametrize(
    ("bounds", "words"),
    [
        ({"min": 3}, "2 partners (at least 3 allowed)"),
        ({"max": 1}, "2 partners (at most 1 allowed)"),
        ({}, "2 partners (any number allowed)"),
    ],
)
def test_size_with_one_bound_or_none_in_words(bounds: dict, words: str) -> None:
    team = [member(1, "IT"), member(2, "FR")]
    assert rules.check(one_rule(rule="size", **bounds), team)[0].detail == words


def test_min_countries_and_max_per_country() -> None:
    team = [member(1, "IT"), member(2, "IT"), member(3, "FR")]
    countries = rules.check(one_rule(rule="min_countries", count=3), team)[0]
    assert not countries.ok and countries.detail == "2 countries (FR, IT); at least 3 needed"
    assert rules.check(one_rule(rule="min_countries", count=2), team)[0].tight
    per_country = rules.check(one_rule(rule="max_per_country", count=1), team)[0]
    assert not per_country.ok and per_country.detail == "too many partners from IT (2, at most 1)"
    loose = rules.check(one_rule(rule="max_per_country", count=2), team)[0]
    assert loose.ok and loose.tight


def test_details_are_plain_words() -> None:
    """No internal names in what a user reads."""
    team = [member(1, "US", "sme", controlled_from="CN", control_group="x"), member(2, None)]
    for rule_set in (EDF, REGIONAL):
        for found in rules.check(rule_set, team):
            text = " ".join([found.detail, *found.warnings])
            for internal in ("controlled_from", "control_group", "org_id", "g:", "o:", "None"):
                assert internal not in text, (found.rule, text)


# --- the matching behind "not under common control" -------------------------------------


@st.composite
def teams(draw) -> list[Member]:
    count = draw(st.integers(0, 8))
    return [
        member(
            i,
            draw(st.sampled_from(["IT", "FR", "DE", "ES", None])),
            control_group=draw(st.sampled_from([None, None, "A", "a ", "B", "C"])),
        )
        for i in range(count)
    ]


def brute_force_independent(team: list[Member], countries: set[str] | None) -> int:
    usable = [m for m in team if m.country and (countries is None or m.country in countries)]
    for size in range(len(usable), 0, -1):
        for chosen in itertools.combinations(usable, size):
            if len({m.country for m in chosen}) == size == len({m.group for m in chosen}):
                return size
    return 0


@PROPERTY
@given(team=teams(), countries=st.none() | st.sets(st.sampled_from(["IT", "FR", "DE"])))
def test_independent_matching_is_a_largest_one(team: list[Member], countries) -> None:
    chosen = rules.independent_matching(team, countries)
    assert len(chosen) == brute_force_independent(team, countries)
    assert len({m.country for m in chosen}) == len(chosen) == len({m.group for m in chosen})
    assert all(m in team and (countries is None or m.country in countries) for m in chosen)
    if team:
        assert rules.check(EDF, team)[3].ok == brute_force_edf_independence(team)


def brute_force_edf_independence(team: list[Member]) -> bool:
    """Some 3 partners of 3 different control groups span at least 2 countries."""
    placed = [m for m in team if m.country]
    return any(
        len({m.group for m in trio}) == 3 and len({m.country for m in trio}) >= 2
        for trio in itertools.combinations(placed, 3)
    )
