"""The EDF funding-rate increases of Regulation (EU) 2021/697, Art. 13(3)-(4).

For development actions the funding rate may be increased:
(a) by 10 points for an action developed in the context of PESCO;
(b) when at least 10 % of the eligible costs go to SMEs established in Member States or
    associated countries: by the percentage of costs going to SMEs established in the same
    countries as the non-SME recipients (up to 5 points), plus twice the percentage going to
    SMEs established in other countries (cross-border SMEs);
(c) by 10 points when at least 15 % of the costs go to mid-caps;
and the overall increase is at most 35 points (Art. 13(4)). Costs per partner are rarely
known when a consortium is put together: unless `shares` says otherwise they are assumed
equal, and the result says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from filiera.consortia.members import Member
from filiera.consortia.rules import RuleSet

BASE_RATE = {"research": 100.0, "development": 80.0}
SME_THRESHOLD = 10.0  # % of eligible costs
SAME_COUNTRY_CAP = 5.0  # points
MIDCAP_THRESHOLD = 15.0  # %
MIDCAP_POINTS = 10.0
PESCO_POINTS = 10.0
OVERALL_CAP = 35.0  # points, Art. 13(4)


@dataclass(frozen=True)
class Bonus:
    """The funding-rate increase of one consortium, with the figures it comes from."""

    applies: bool
    points: float
    sme_share: float  # % of costs to SMEs
    sme_same_country: float
    sme_cross_border: float
    midcap_share: float
    base_rate: float
    rate: float
    detail: str
    assumed_equal_shares: bool

    def as_dict(self) -> dict[str, object]:
        return {
            "applies": self.applies,
            "points": round(self.points, 1),
            "sme_share": round(self.sme_share, 1),
            "sme_same_country": round(self.sme_same_country, 1),
            "sme_cross_border": round(self.sme_cross_border, 1),
            "midcap_share": round(self.midcap_share, 1),
            "base_rate": self.base_rate,
            "rate": round(self.rate, 1),
            "detail": self.detail,
            "assumed_equal_shares": self.assumed_equal_shares,
        }


def edf_bonus(
    members: list[Member],
    *,
    action: str = "development",
    pesco: bool = False,
    shares: dict[int, float] | None = None,
) -> Bonus:
    """Art. 13(3)-(4) for `members`; `shares` maps org id -> its share of eligible costs
    (any positive numbers, normalised), equal shares when not given."""
    base = BASE_RATE.get(action, BASE_RATE["development"])
    equal = not shares
    weights = {m.org_id: (shares or {}).get(m.org_id, 0.0 if shares else 1.0) for m in members}
    total = sum(weights.values()) or 1.0
    pct = {org: 100.0 * w / total for org, w in weights.items()}
    non_sme_countries = {m.country for m in members if not m.sme and m.country}
    smes = [m for m in members if m.sme]
    sme_share = sum(pct[m.org_id] for m in smes)
    same = sum(pct[m.org_id] for m in smes if m.country in non_sme_countries)
    cross = sme_share - same
    midcap = sum(pct[m.org_id] for m in members if m.kind == "midcap")
    if action != "development":
        return Bonus(
            False,
            0.0,
            sme_share,
            same,
            cross,
            midcap,
            base,
            base,
            "the funding-rate increases of Art. 13(3) apply to development actions only",
            equal,
        )
    points, parts = 0.0, []
    if pesco:
        points += PESCO_POINTS
        parts.append(f"+{PESCO_POINTS:.0f} PESCO")
    if sme_share >= SME_THRESHOLD:
        same_points = min(same, SAME_COUNTRY_CAP)
        cross_points = 2 * cross
        points += same_points + cross_points
        parts.append(
            f"+{same_points:.1f} SMEs in the non-SME partners' countries "
            f"({same:.1f}% of costs, at most {SAME_COUNTRY_CAP:.0f})"
        )
        if cross_points:
            parts.append(f"+{cross_points:.1f} cross-border SMEs (2 x {cross:.1f}% of costs)")
    else:
        parts.append(
            f"SMEs get {sme_share:.1f}% of costs, below the {SME_THRESHOLD:.0f}% that "
            "opens the SME increase"
        )
    if midcap >= MIDCAP_THRESHOLD:
        points += MIDCAP_POINTS
        parts.append(f"+{MIDCAP_POINTS:.0f} mid-caps ({midcap:.1f}% of costs)")
    capped = min(points, OVERALL_CAP)
    if capped < points:
        parts.append(f"capped at {OVERALL_CAP:.0f} points (Art. 13(4))")
    rate = min(100.0, base + capped)
    how = "costs split equally among partners (assumed)" if equal else "the cost shares given"
    detail = (
        f"{capped:.1f} points over the {base:.0f}% base rate, {rate:.1f}% in all, with {how}: "
        + "; ".join(parts)
    )
    return Bonus(capped > 0, capped, sme_share, same, cross, midcap, base, rate, detail, equal)


def for_rule_set(rule_set: RuleSet, members: list[Member], shares: dict[int, float] | None = None):
    """The funding-rate increase the rule set's scheme gives `members` (None: no scheme)."""
    if not rule_set.funding or rule_set.funding.get("scheme") != "edf_sme_bonus":
        return None
    params = rule_set.params
    bonus = edf_bonus(
        members,
        action=params.get("action", "development"),
        pesco=bool(params.get("pesco")),
        shares=shares,
    )
    return bonus.as_dict() | {"article": rule_set.funding.get("article")}
