"""Eligibility rules declared as data: one YAML rule set per programme.

A rule set has parameters (`params`, which a call overrides with its own `rule_params`) and
a list of rules; a rule's value `$name` stands for the parameter `name`. Every rule kind
below checks a consortium and explains the outcome in plain words; the builder turns the
same rules into constraints (`builder.py`). A file with an unknown rule, an unknown key or
a country or region code that does not exist is refused with the file, rule and field
named.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from filiera import yamlfile
from filiera.consortia.members import Member
from filiera.errors import ValidationFailed, field_error
from filiera.registry import values

RULES_DIR = Path(__file__).parent / "data" / "rules"


@dataclass(frozen=True)
class Rule:
    """One rule with its parameters resolved: `kind` is one of `KINDS`."""

    kind: str
    args: dict[str, Any]
    article: str | None = None


@dataclass(frozen=True)
class Outcome:
    """What a rule says about a consortium: `ok`, plain-words `detail`, and `tight` when
    removing one partner (or changing one) would break it."""

    rule: str
    ok: bool
    detail: str
    tight: bool = False
    article: str | None = None
    warnings: tuple[str, ...] = ()
    # the organisations that break it, for the explanation and the checker's table
    offenders: tuple[int, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "ok": self.ok,
            "detail": self.detail,
            "tight": self.tight,
            "article": self.article,
            "warnings": list(self.warnings),
            "offenders": list(self.offenders),
        }


@dataclass(frozen=True)
class RuleSet:
    name: str
    title: str
    rules: tuple[Rule, ...]
    params: dict[str, Any] = field(default_factory=dict)
    funding: dict[str, Any] | None = None
    reference: str | None = None

    def of_kind(self, kind: str) -> list[Rule]:
        return [rule for rule in self.rules if rule.kind == kind]

    def size_bounds(self) -> tuple[int, int | None]:
        """The smallest and largest consortium the rules allow (None: no upper limit)."""
        low, high = 1, None
        for rule in self.rules:
            if rule.kind == "size":
                low = max(low, rule.args.get("min") or 1)
                if rule.args.get("max") is not None:
                    high = rule.args["max"] if high is None else min(high, rule.args["max"])
            elif rule.kind == "min_independent_entities":
                low = max(low, rule.args["entities"], rule.args["countries"])
            elif rule.kind in ("min_countries", "min_distinct_regions"):
                low = max(low, rule.args["count"])
        return low, high


# --- argument types -----------------------------------------------------------------------


def _countries(raw: Any) -> tuple[str, ...]:
    if not isinstance(raw, list) or not raw:
        raise ValueError("expected a non-empty list of ISO 3166-1 alpha-2 country codes")
    if any(isinstance(code, bool) for code in raw):
        raise ValueError('a country code read as true/false: write Norway as "NO" (quoted)')
    if any(code is None for code in raw):
        raise ValueError("a country code is empty")
    return tuple(dict.fromkeys(values.clean_country(code) for code in raw))


def _regions(raw: Any) -> tuple[str, ...]:
    if not isinstance(raw, list) or not raw:
        raise ValueError("expected a non-empty list of NUTS region codes")
    if any(code is None for code in raw):
        raise ValueError("a NUTS region code is empty")
    return tuple(dict.fromkeys(values.clean_nuts(code) for code in raw))


def _count(raw: Any) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 1:
        raise ValueError(f"expected a whole number of at least 1, got {raw!r}")
    return raw


def _optional_count(raw: Any) -> int | None:
    return None if raw is None else _count(raw)


def _share(raw: Any) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not 0 <= raw <= 1:
        raise ValueError(f"expected a share between 0 and 1, got {raw!r}")
    return float(raw)


def _kinds(raw: Any) -> tuple[str, ...]:
    from filiera.registry.models import ORG_KINDS

    if not isinstance(raw, list) or not raw:
        raise ValueError("expected a non-empty list of organisation kinds")
    unknown = [k for k in raw if k not in ORG_KINDS]
    if unknown:
        raise ValueError(f"unknown organisation kind {unknown[0]!r}; known: {', '.join(ORG_KINDS)}")
    return tuple(raw)


# rule kind -> {argument: (parser, required)}
KINDS: dict[str, dict[str, tuple[Callable[[Any], Any], bool]]] = {
    "established_in": {"countries": (_countries, True)},
    "not_controlled_from_outside": {"countries": (_countries, True)},
    "min_independent_entities": {"entities": (_count, True), "countries": (_count, True)},
    "min_countries": {"count": (_count, True)},
    "max_per_country": {"count": (_count, True)},
    "located_in_regions": {"regions": (_regions, True)},
    "min_distinct_regions": {"regions": (_regions, True), "count": (_count, True)},
    "min_share": {"kinds": (_kinds, True), "share": (_share, True)},
    "size": {"min": (_optional_count, False), "max": (_optional_count, False)},
}
RULE_KEYS = {"rule", "article"}
SET_KEYS = {"name", "title", "reference", "params", "rules", "funding"}


# --- loading ------------------------------------------------------------------------------


def available() -> list[str]:
    """Names of the rule sets that ship with Filiera."""
    return sorted(path.stem for path in RULES_DIR.glob("*.yaml"))


def load(name_or_path: str | Path, overrides: dict[str, Any] | None = None) -> RuleSet:
    """A shipped rule set by name (`edf`, `regional`, `open`) or a YAML file, with
    `overrides` of its parameters; ValidationFailed naming the file, rule and field."""
    path = Path(name_or_path)
    if str(name_or_path) in available():
        data = copy.deepcopy(_shipped(str(name_or_path)))
        return parse(data, f"{name_or_path}.yaml", overrides or {})
    if path.suffix not in (".yaml", ".yml"):
        raise ValidationFailed(
            f"unknown rule set {name_or_path!r}; known: {', '.join(available())}",
            errors=[field_error("call", "rules", f"unknown rule set {name_or_path!r}")],
        )
    return parse(_read(path), str(path.name), overrides or {})


def _read(path: Path) -> dict[str, Any]:
    try:
        data = yamlfile.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise _invalid(str(path), "file", "file not found") from None
    except yaml.YAMLError as error:
        raise _invalid(path.name, "file", f"not valid YAML ({error})") from None
    if not isinstance(data, dict):
        raise _invalid(path.name, "file", "a rule set is a mapping with `name` and `rules`")
    return data


@cache
def _shipped(name: str) -> dict[str, Any]:
    return _read(RULES_DIR / f"{name}.yaml")


def _invalid(record: str, where: str, message: str) -> ValidationFailed:
    return ValidationFailed(
        f"{record}: {where}: {message}", errors=[field_error(record, where, message)]
    )


def parse(data: dict[str, Any], record: str, overrides: dict[str, Any]) -> RuleSet:
    """A validated RuleSet from the mapping read from a file named `record`."""
    unknown = set(data) - SET_KEYS
    if unknown:
        raise _invalid(
            record, sorted(unknown)[0], f"unknown key; known: {', '.join(sorted(SET_KEYS))}"
        )
    params = data.get("params") or {}
    if not isinstance(params, dict):
        raise _invalid(record, "params", "expected a mapping of parameter names to values")
    params = dict(params)
    for key in overrides:
        if key not in params:
            known = ", ".join(sorted(params)) or "none"
            raise _invalid(
                record, f"params.{key}", f"unknown parameter; this rule set has: {known}"
            )
    params.update(overrides)
    raw_rules = data.get("rules") or []
    if not isinstance(raw_rules, list):
        raise _invalid(record, "rules", "expected a list of rules")
    rules = tuple(_rule(record, n, raw, params) for n, raw in enumerate(raw_rules, start=1))
    funding = data.get("funding")
    if funding is not None and (
        not isinstance(funding, dict) or funding.get("scheme") not in FUNDING_SCHEMES
    ):
        raise _invalid(
            record, "funding.scheme", f"unknown scheme; known: {', '.join(FUNDING_SCHEMES)}"
        )
    if "eligible_countries" in params:
        params["eligible_countries"] = _parsed(
            record, "params.eligible_countries", _countries, params["eligible_countries"]
        )
    _check_funding_params(record, params)
    return RuleSet(
        name=str(data.get("name") or record),
        title=str(data.get("title") or data.get("name") or record),
        rules=rules,
        params=params,
        funding=funding,
        reference=data.get("reference"),
    )


def _check_funding_params(record: str, params: dict[str, Any]) -> None:
    """The parameters the funding scheme reads (not the rules): `action`, `pesco`."""
    if "action" in params and params["action"] not in ACTIONS:
        raise _invalid(
            record, "params.action", f"expected {' or '.join(ACTIONS)}, got {params['action']!r}"
        )
    if "pesco" in params and not isinstance(params["pesco"], bool):
        raise _invalid(record, "params.pesco", f"expected true or false, got {params['pesco']!r}")


def _parsed(record: str, where: str, parser: Callable[[Any], Any], raw: Any) -> Any:
    try:
        return parser(raw)
    except ValueError as error:
        raise _invalid(record, where, str(error)) from None


def _rule(record: str, number: int, raw: Any, params: dict[str, Any]) -> Rule:
    where = f"rules[{number}]"
    if not isinstance(raw, dict) or "rule" not in raw:
        raise _invalid(record, where, "each rule is a mapping with a `rule` key")
    kind = raw["rule"]
    if not isinstance(kind, str) or kind not in KINDS:
        raise _invalid(record, f"{where}.rule", f"unknown rule {kind!r}; known: {', '.join(KINDS)}")
    spec = KINDS[kind]
    extra = set(raw) - RULE_KEYS - set(spec)
    if extra:
        raise _invalid(record, f"{where}.{sorted(extra)[0]}", f"unknown key for rule {kind!r}")
    args = {}
    for name, (parser, required) in spec.items():
        value = _substitute(record, f"{where}.{name}", raw.get(name), params)
        if value is None and required:
            raise _invalid(record, f"{where}.{name}", f"rule {kind!r} needs `{name}`")
        args[name] = _parsed(record, f"{where}.{name}", parser, value)
    if kind == "size" and args["min"] and args["max"] and args["min"] > args["max"]:
        raise _invalid(
            record, f"{where}.max", f"size: max {args['max']} is below min {args['min']}"
        )
    return Rule(kind, args, raw.get("article"))


def _substitute(record: str, where: str, value: Any, params: dict[str, Any]) -> Any:
    if isinstance(value, str) and value.startswith("$"):
        if value[1:] not in params:
            raise _invalid(record, where, f"no parameter {value[1:]!r} in this rule set")
        return params[value[1:]]
    return value


# --- checking -----------------------------------------------------------------------------


def check(rule_set: RuleSet, members: list[Member]) -> list[Outcome]:
    """Every rule's outcome for the consortium `members`, in the rule set's order."""
    return [CHECKS[rule.kind](rule, members) for rule in rule_set.rules]


def admits(rule_set: RuleSet, member: Member) -> list[str]:
    """Why `member` can never be in a consortium under these rules (empty: it can)."""
    reasons = []
    for rule in rule_set.rules:
        if rule.kind in PER_MEMBER and not _fits(rule, member):
            reasons.append(CHECKS[rule.kind](rule, [member]).detail)
    return reasons


def _fits(rule: Rule, member: Member) -> bool:
    """The per-member rules' quick test (the check explains a failure)."""
    if rule.kind == "established_in":
        return member.country in rule.args["countries"]
    if rule.kind == "not_controlled_from_outside":
        return not member.controlled_from or member.controlled_from in rule.args["countries"]
    return member.in_region(rule.args["regions"]) is not None


def _names(members: list[Member]) -> str:
    return ", ".join(m.name for m in members)


def _established_in(rule: Rule, members: list[Member]) -> Outcome:
    allowed = rule.args["countries"]
    unknown = [m for m in members if not m.country]
    outside = [m for m in members if m.country and m.country not in allowed]
    if outside or unknown:
        parts = []
        if outside:
            parts.append(
                "established outside the eligible countries: "
                + ", ".join(f"{m.name} ({m.country})" for m in outside)
            )
        if unknown:
            parts.append("country not known: " + _names(unknown))
        detail = "; ".join(parts)
        return Outcome(
            rule.kind,
            False,
            detail,
            article=rule.article,
            offenders=tuple(m.org_id for m in outside + unknown),
        )
    return Outcome(
        rule.kind,
        True,
        f"all {len(members)} partners are established in eligible countries",
        article=rule.article,
    )


def _not_controlled(rule: Rule, members: list[Member]) -> Outcome:
    allowed = rule.args["countries"]
    foreign = [m for m in members if m.controlled_from and m.controlled_from not in allowed]
    unknown = [m for m in members if not m.controlled_from]
    warnings = ()
    if unknown:
        warnings = (
            "control not declared for "
            + _names(unknown)
            + ": each must show it is not controlled from a non-associated third country "
            "(ownership control declaration)",
        )
    if foreign:
        detail = "controlled from a non-associated third country: " + ", ".join(
            f"{m.name} ({m.controlled_from})" for m in foreign
        )
        return Outcome(
            rule.kind,
            False,
            detail,
            article=rule.article,
            warnings=warnings,
            offenders=tuple(m.org_id for m in foreign),
        )
    known = len(members) - len(unknown)
    detail = f"{known} of {len(members)} partners are declared controlled from eligible countries"
    return Outcome(rule.kind, True, detail, article=rule.article, warnings=warnings)


def independent_matching(members: list[Member], countries: set[str] | None = None) -> list[Member]:
    """A largest set of partners from different countries and different control groups
    (a bipartite matching of groups to countries, by augmenting paths)."""
    by_group: dict[str, list[Member]] = {}
    for m in members:
        if m.country and (countries is None or m.country in countries):
            by_group.setdefault(m.group, []).append(m)
    holder: dict[str, tuple[str, Member]] = {}  # country -> (group, member)

    def augment(group: str, seen: set[str]) -> bool:
        for m in by_group[group]:
            if m.country in seen:
                continue
            seen.add(m.country)
            if m.country not in holder or augment(holder[m.country][0], seen):
                holder[m.country] = (group, m)
                return True
        return False

    for group in by_group:
        augment(group, set())
    return [m for _, m in holder.values()]


def _min_independent(rule: Rule, members: list[Member]) -> Outcome:
    """At least `entities` partners, no two under common control, established in at least
    `countries` different countries (EDF Art. 10(4), second sentence: 3 in 2)."""
    need_entities, need_countries = rule.args["entities"], rule.args["countries"]
    spread = min(need_entities, need_countries)
    placed = [m for m in members if m.country]
    chosen = independent_matching(placed)  # independent partners in different countries
    groups = {m.group for m in placed}
    ok = len(chosen) >= spread and len(groups) >= need_entities
    shared = sorted(g for g in groups if sum(1 for m in placed if m.group == g) > 1)
    warnings = tuple(
        f"under common control ({g[2:]}): "
        + _names([m for m in placed if m.group == g])
        + " count as one entity"
        for g in shared
    )
    needed = (
        f"at least {need_entities} entities not under common control, established in at "
        f"least {need_countries} different countries"
    )
    if ok:
        detail = (
            f"{len(groups)} independent entities, from {len(chosen)} different countries "
            f"at most ({needed})"
        )
    elif len(groups) < need_entities:
        detail = f"only {len(groups)} entities not under common control ({needed})"
    else:
        detail = (
            f"the {len(groups)} independent entities are established in only "
            f"{_countries_word(len(chosen))} ({needed})"
        )
    tight = ok and (len(groups) == need_entities or len(chosen) == spread)
    return Outcome(rule.kind, ok, detail, tight=tight, article=rule.article, warnings=warnings)


def _countries_word(n: int) -> str:
    return f"{n} country" if n == 1 else f"{n} countries"


def _min_countries(rule: Rule, members: list[Member]) -> Outcome:
    countries = sorted({m.country for m in members if m.country})
    need = rule.args["count"]
    ok = len(countries) >= need
    detail = (
        f"{_countries_word(len(countries))} ({', '.join(countries) or 'none'}); "
        f"at least {need} needed"
    )
    return Outcome(rule.kind, ok, detail, tight=ok and len(countries) == need, article=rule.article)


def _max_per_country(rule: Rule, members: list[Member]) -> Outcome:
    limit = rule.args["count"]
    counts: dict[str, int] = {}
    for m in members:
        if m.country:
            counts[m.country] = counts.get(m.country, 0) + 1
    over = {c: n for c, n in counts.items() if n > limit}
    if over:
        detail = "too many partners from " + ", ".join(
            f"{c} ({n}, at most {limit})" for c, n in over.items()
        )
        return Outcome(rule.kind, False, detail, article=rule.article)
    tight = any(n == limit for n in counts.values())
    return Outcome(
        rule.kind, True, f"at most {limit} partners per country", tight=tight, article=rule.article
    )


def _located_in_regions(rule: Rule, members: list[Member]) -> Outcome:
    regions = rule.args["regions"]
    outside = [m for m in members if m.in_region(regions) is None]
    names = ", ".join(f"{code} {values.nuts_name(code)}" for code in regions)
    if outside:
        detail = f"not located in the call's regions ({names}): " + ", ".join(
            f"{m.name} ({', '.join(m.regions) or 'region not given'})" for m in outside
        )
        return Outcome(
            rule.kind,
            False,
            detail,
            article=rule.article,
            offenders=tuple(m.org_id for m in outside),
        )
    return Outcome(rule.kind, True, f"every partner is located in {names}", article=rule.article)


def _min_distinct_regions(rule: Rule, members: list[Member]) -> Outcome:
    regions, need = rule.args["regions"], rule.args["count"]
    present = sorted({code for m in members if (code := m.in_region(regions))})
    ok = len(present) >= need
    named = ", ".join(f"{c} {values.nuts_name(c)}" for c in present) or "none"
    detail = f"partners in {len(present)} of the call's regions ({named}); at least {need} needed"
    return Outcome(rule.kind, ok, detail, tight=ok and len(present) == need, article=rule.article)


def _min_share(rule: Rule, members: list[Member]) -> Outcome:
    kinds, share = rule.args["kinds"], rule.args["share"]
    have = sum(1 for m in members if m.kind in kinds)
    total = len(members)
    ok = total > 0 and have >= share * total - 1e-9
    need = math.ceil(share * total - 1e-9)
    label = "/".join(kinds)
    detail = (
        f"{have} of {total} partners are {label} ({_percent(have, total)}); "
        f"at least {share:.0%} needed"
    )
    if not ok:
        detail += f": {need - have} more {label} partner(s) or fewer other partners"
    # tight when replacing one of them by another kind would break it
    tight = ok and have > 0 and (have - 1) < share * total - 1e-9
    return Outcome(rule.kind, ok, detail, tight=tight, article=rule.article)


def _size(rule: Rule, members: list[Member]) -> Outcome:
    low, high = rule.args.get("min"), rule.args.get("max")
    n = len(members)
    ok = (low is None or n >= low) and (high is None or n <= high)
    bounds = " to ".join(str(b) for b in (low, high) if b is not None)
    if low and not high:
        bounds = f"at least {low}"
    elif high and not low:
        bounds = f"at most {high}"
    detail = f"{n} partners ({bounds or 'any number'} allowed)"
    return Outcome(rule.kind, ok, detail, tight=ok and n in (low, high), article=rule.article)


def _percent(part: int, whole: int) -> str:
    return f"{part / whole:.0%}" if whole else "0%"


CHECKS: dict[str, Callable[[Rule, list[Member]], Outcome]] = {
    "established_in": _established_in,
    "not_controlled_from_outside": _not_controlled,
    "min_independent_entities": _min_independent,
    "min_countries": _min_countries,
    "max_per_country": _max_per_country,
    "located_in_regions": _located_in_regions,
    "min_distinct_regions": _min_distinct_regions,
    "min_share": _min_share,
    "size": _size,
}
PER_MEMBER = frozenset({"established_in", "not_controlled_from_outside", "located_in_regions"})
FUNDING_SCHEMES = ("edf_sme_bonus",)
ACTIONS = ("research", "development")  # EDF actions (Art. 10(3)); funding.BASE_RATE
