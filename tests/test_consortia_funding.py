"""The EDF funding-rate increases of Regulation (EU) 2021/697, Art. 13(3)-(4)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from filiera.consortia.funding import edf_bonus
from filiera.consortia.members import Member

PROPERTY = settings(max_examples=60, deadline=None, derandomize=True, database=None)


def org(org_id: int, country: str, kind: str) -> Member:
    return Member(org_id, f"Org {org_id}", country, kind)


PRIME_IT, MIDCAP_DE = org(1, "IT", "prime"), org(3, "DE", "midcap")
SME_IT, SME_FR, STARTUP_IT = org(2, "IT", "sme"), org(4, "FR", "sme"), org(5, "IT", "startup")


def test_research_actions_get_no_increase() -> None:
    bonus = edf_bonus([PRIME_IT, SME_FR, MIDCAP_DE], action="research", pesco=True)
    assert not bonus.applies and bonus.points == 0
    assert bonus.base_rate == 100 and bonus.rate == 100
    assert "development actions only" in bonus.detail


def test_below_ten_percent_to_smes_only_the_midcap_and_pesco_parts_count() -> None:
    team = [PRIME_IT, SME_FR, MIDCAP_DE]
    shares = {1: 76, 4: 9, 3: 15}
    bonus = edf_bonus(team, shares=shares)
    assert bonus.sme_share == pytest.approx(9) and bonus.midcap_share == pytest.approx(15)
    assert bonus.points == 10 and bonus.rate == 90
    assert "below the 10% that opens the SME increase" in bonus.detail
    assert "+10 mid-caps (15.0% of costs)" in bonus.detail
    assert edf_bonus(team, shares=shares, pesco=True).points == 20
    assert edf_bonus(team, shares={1: 76.1, 4: 9, 3: 14.9}).points == 0  # 14.9 % < 15 %


def test_smes_in_the_countries_of_the_other_partners_give_at_most_five_points() -> None:
    bonus = edf_bonus([PRIME_IT, SME_IT, STARTUP_IT])  # two thirds of the costs to SMEs
    assert bonus.sme_same_country == pytest.approx(200 / 3)
    assert bonus.sme_cross_border == pytest.approx(0)
    assert bonus.points == 5 and bonus.rate == 85
    small = edf_bonus([PRIME_IT, SME_IT], shares={1: 88, 2: 12})
    assert small.points == pytest.approx(5)
    assert edf_bonus([PRIME_IT, SME_IT], shares={1: 96, 2: 4}).points == 0


def test_cross_border_smes_count_twice() -> None:
    bonus = edf_bonus([PRIME_IT, SME_FR], shares={1: 90, 4: 10})
    assert bonus.sme_cross_border == pytest.approx(10) and bonus.sme_same_country == 0
    assert bonus.points == pytest.approx(20)
    assert "+20.0 cross-border SMEs (2 x 10.0% of costs)" in bonus.detail
    mixed = edf_bonus([PRIME_IT, SME_IT, SME_FR], shares={1: 85, 2: 10, 4: 5})
    assert (mixed.sme_same_country, mixed.sme_cross_border) == pytest.approx((10, 5))
    assert mixed.points == pytest.approx(5 + 2 * 5)


def test_midcaps_from_fifteen_percent_add_ten_points() -> None:
    bonus = edf_bonus([PRIME_IT, MIDCAP_DE], shares={1: 85, 3: 15})
    assert bonus.points == 10 and bonus.applies
    assert edf_bonus([PRIME_IT, MIDCAP_DE], shares={1: 86, 3: 14}).points == 0


def test_the_overall_increase_is_capped_at_35_points() -> None:
    team = [PRIME_IT, SME_FR, MIDCAP_DE]
    bonus = edf_bonus(team, shares={1: 60, 4: 20, 3: 20}, pesco=True)  # 10 + 40 + 10
    assert bonus.points == 35
    assert bonus.rate == 100  # never above all the eligible costs
    assert "capped at 35 points (Art. 13(4))" in bonus.detail


def test_explicit_cost_shares_replace_equal_shares() -> None:
    team = [PRIME_IT, SME_FR]
    equal = edf_bonus(team)
    assert equal.assumed_equal_shares and equal.sme_share == pytest.approx(50)
    assert "costs split equally among partners (assumed)" in equal.detail
    assert equal.points == 35  # 2 x 50 % cross-border, capped
    given_ = edf_bonus(team, shares={1: 95, 4: 5})
    assert not given_.assumed_equal_shares and given_.points == 0
    assert "the cost shares given" in given_.detail
    assert edf_bonus(team, shares={1: 2, 4: 2}).sme_share == pytest.approx(50)  # normalised
    assert edf_bonus(team, shares={1: 1}).sme_share == 0  # a partner left out gets nothing


def test_as_dict_rounds_for_display() -> None:
    shown = edf_bonus([PRIME_IT, SME_IT, STARTUP_IT]).as_dict()
    assert shown["sme_share"] == 66.7 and shown["points"] == 5.0 and shown["rate"] == 85.0
    assert shown["assumed_equal_shares"] is True


# --- against the article, on random consortia -----------------------------------------------


def article_13(team: list[Member], shares: dict[int, float], pesco: bool) -> float:
    """Art. 13(3)-(4) read from the Regulation, for a development action."""
    total = sum(shares.values())
    pct = {m.org_id: 100 * shares[m.org_id] / total for m in team}
    others = {m.country for m in team if m.kind not in ("sme", "startup")}
    sme = [m for m in team if m.kind in ("sme", "startup")]
    points = 10.0 if pesco else 0.0
    if sum(pct[m.org_id] for m in sme) >= 10:
        points += min(5.0, sum(pct[m.org_id] for m in sme if m.country in others))
        points += 2 * sum(pct[m.org_id] for m in sme if m.country not in others)
    if sum(pct[m.org_id] for m in team if m.kind == "midcap") >= 15:
        points += 10
    return min(35.0, points)


@st.composite
def consortia(draw) -> tuple[list[Member], dict[int, float]]:
    count = draw(st.integers(1, 8))
    kinds = st.sampled_from(["sme", "startup", "midcap", "prime", "research"])
    countries = st.sampled_from(["IT", "FR", "DE"])
    team = [org(i, draw(countries), draw(kinds)) for i in range(count)]
    shares = {m.org_id: draw(st.integers(1, 100)) for m in team}
    return team, shares


@PROPERTY
@given(case=consortia(), pesco=st.booleans())
def test_the_bonus_follows_the_article(case, pesco: bool) -> None:
    team, shares = case
    bonus = edf_bonus(team, shares=shares, pesco=pesco)
    assert bonus.points == pytest.approx(article_13(team, shares, pesco), abs=1e-9)
    assert 0 <= bonus.points <= 35 and bonus.rate == pytest.approx(min(100, 80 + bonus.points))
    equal = edf_bonus(team, pesco=pesco)
    assert equal.points == pytest.approx(article_13(team, dict.fromkeys(shares, 1), pesco))
