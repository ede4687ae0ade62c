"""The news extraction benchmark's scorer, gold files and baseline (benchmarks/news_*.py)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest

from filiera.news.found import Found

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from news_baseline import MONEY, baseline_extract, find_numbers  # noqa: E402
from news_gold_format import GoldError, load_gold  # noqa: E402
from news_scoring import Registry, score_article  # noqa: E402

GOLD = ROOT / "benchmarks" / "news_gold"
SEEDS = ROOT.parent / "shared" / "seeds"
ARTICLE = (
    "Bruxelles, 6 novembre 2025 – Leonardo S.p.A. e Acme Difesa S.r.l. hanno firmato un "
    "accordo. L'amministratore delegato Mario Rossi ha annunciato un investimento di 1,5 "
    "milioni di euro e 40 nuovi addetti a Torino.\n"
)
GOLD_YAML = """
article: article.txt
lang: it
date: 2025-11-06
organizations: [Leonardo, Acme Difesa S.r.l.]
people:
  - {name: Mario Rossi, role: amministratore delegato, organization: Acme Difesa}
places: [Bruxelles, Torino]
money:
  - {text: "1,5 milioni di euro", amount: 1500000, currency: EUR}
quantities:
  - {text: "40 nuovi addetti", value: 40, unit: employees}
dates:
  - {text: "6 novembre 2025", date: 2025-11-06}
events:
  - type: partnership
    participants: [Leonardo, Acme Difesa]
    sentence: "hanno firmato un accordo"
  - type: capacity_expansion
    participants: []
    sentence: "ha annunciato un investimento"
"""
REGISTRY = Registry.from_records([(7, "Leonardo S.p.A.", ["Leonardo", "Finmeccanica"])])


def at(text: str) -> tuple[int, int]:
    start = ARTICLE.index(text)
    return start, start + len(text)


def found(kind: str, text: str, **data: object) -> Found:
    return Found(kind, *at(text), text, dict(data))


def perfect() -> list[Found]:
    return [
        found("organization", "Leonardo S.p.A.", name="Leonardo S.p.A.", registry_id=7),
        found("organization", "Acme Difesa S.r.l.", name="Acme Difesa S.r.l.", registry_id=None),
        found(
            "person",
            "Mario Rossi",
            name="Mario Rossi",
            role="amministratore delegato",
            organization="Acme Difesa S.r.l.",
        ),
        found("place", "Bruxelles", name="Brussels", country="BE", region=None),
        found("place", "Torino", name="Turin", country="IT", region=None),
        found("money", "1,5 milioni di euro", amount=1_500_000.0, currency="EUR"),
        found("quantity", "40 nuovi addetti", value=40.0, unit="employees"),
        found("date", "6 novembre 2025", date="2025-11-06", precision="day"),
        found("event", "accordo", type="partnership", participants=["Acme Difesa"]),
        found("event", "investimento", type="capacity_expansion", participants=[]),
    ]


@pytest.fixture
def gold(tmp_path: Path):
    (tmp_path / "article.txt").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "gold.yaml").write_text(GOLD_YAML, encoding="utf-8")
    return load_gold(tmp_path / "gold.yaml", [tmp_path])


def test_a_perfect_prediction_scores_one_everywhere(gold) -> None:
    tallies = score_article(gold, perfect(), REGISTRY)
    for kind in ("organization", "person", "place", "money", "quantity", "date", "event"):
        assert (tallies[kind].precision, tallies[kind].recall) == (1.0, 1.0), kind
    assert tallies["event_sentence"].f1 == 1.0
    assert tallies["person_role"].f1 == tallies["person_organization"].f1 == 1.0
    assert tallies["event:partnership"].correct == 1


def test_one_miss_lowers_recall_only(gold) -> None:
    tallies = score_article(gold, [f for f in perfect() if f.text != "Torino"], REGISTRY)
    assert tallies["place"].recall == 0.5
    assert tallies["place"].precision == 1.0
    assert tallies["place"].misses == ["Torino"]


def test_a_false_positive_lowers_precision_once_per_name(gold) -> None:
    extra = found("organization", "Bruxelles", name="Bruxelles", registry_id=None)
    tallies = score_article(gold, [*perfect(), extra, extra], REGISTRY)
    assert tallies["organization"].found == 3
    assert tallies["organization"].precision == pytest.approx(2 / 3)
    assert tallies["organization"].recall == 1.0


def test_repeated_mentions_and_surnames_are_not_false_positives(gold) -> None:
    again = found("person", "Rossi", name="Rossi", role=None)
    alias = found("organization", "Leonardo", name="Finmeccanica", registry_id=None)
    tallies = score_article(gold, [*perfect(), again, alias], REGISTRY)
    assert (tallies["person"].found, tallies["organization"].found) == (1, 2)


def test_values_match_within_tolerance_and_by_unit(gold) -> None:
    near = found("money", "1,5 milioni di euro", amount=1_506_000.0, currency="EUR")
    far = found("money", "1,5 milioni di euro", amount=1_520_000.0, currency="EUR")
    wrong_unit = found("quantity", "40 nuovi addetti", value=40.0, unit="people")
    assert score_article(gold, [near], REGISTRY)["money"].correct == 1
    assert score_article(gold, [far], REGISTRY)["money"].correct == 0
    assert score_article(gold, [wrong_unit], REGISTRY)["quantity"].correct == 0


def test_events_need_a_participant_unless_the_gold_names_none(gold) -> None:
    stranger = found("event", "accordo", type="partnership", participants=["Thales"])
    by_id = found("event", "accordo", type="partnership", participants=["X"], organization_ids=[7])
    elsewhere = found("event", "Bruxelles", type="capacity_expansion", participants=[])
    tallies = score_article(gold, [stranger, elsewhere], REGISTRY)
    assert tallies["event"].correct == 0
    assert tallies["event_sentence"].correct == 1  # the partnership, in its sentence
    assert score_article(gold, [by_id], REGISTRY)["event"].correct == 1


def test_wrong_role_counts_against_role_accuracy_only(gold) -> None:
    people = [f for f in perfect() if f.kind == "person"]
    wrong = Found(
        "person",
        people[0].start,
        people[0].end,
        "Mario Rossi",
        {"name": "Mario Rossi", "role": "presidente", "organization": "Acme Difesa"},
    )
    tallies = score_article(gold, [wrong], REGISTRY)
    assert tallies["person"].f1 == 1.0
    assert (tallies["person_role"].found, tallies["person_role"].correct) == (1, 0)
    assert tallies["person_organization"].correct == 1


def test_optional_items_are_neither_rewarded_nor_penalised(tmp_path: Path) -> None:
    (tmp_path / "article.txt").write_text(ARTICLE, encoding="utf-8")
    text = GOLD_YAML.replace(
        "places: [Bruxelles, Torino]", "places: [{name: Torino, optional: true}]"
    )
    (tmp_path / "gold.yaml").write_text(text, encoding="utf-8")
    gold = load_gold(tmp_path / "gold.yaml", [tmp_path])
    tallies = score_article(gold, [found("place", "Torino", name="Torino")], REGISTRY)
    assert (tallies["place"].gold, tallies["place"].found) == (0, 0)


@pytest.mark.parametrize(
    "broken",
    [
        ("hanno firmato un accordo", "firmato due volte"),  # sentence not in the article
        ("unit: employees", "unit: engineers"),
        ("type: partnership", "type: merger"),
        ('text: "40 nuovi addetti"', 'text: "41 nuovi addetti"'),
    ],
)
def test_gold_files_are_checked(tmp_path: Path, broken: tuple[str, str]) -> None:
    (tmp_path / "article.txt").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "gold.yaml").write_text(GOLD_YAML.replace(*broken), encoding="utf-8")
    with pytest.raises(GoldError):
        load_gold(tmp_path / "gold.yaml", [tmp_path])


def test_the_benchmark_gold_files_load() -> None:
    held_out = sorted((GOLD / "held_out").glob("*.yaml"))
    assert len(held_out) == 8
    for path in held_out:
        article = load_gold(path, [GOLD / "articles"])
        assert 150 <= len(article.text.split()) <= 400, path.name
        assert article.items["event"], path.name
    dev = sorted((GOLD / "dev").glob("*.yaml"))
    assert len(dev) == 12
    for path in dev:
        assert load_gold(path, [GOLD / "dev_articles"]).items["event"], path.name
    if SEEDS.is_dir():
        for path in sorted((GOLD / "seeds").glob("*.yaml")):
            assert load_gold(path, [SEEDS]).items["organization"]


def test_the_baseline_reads_english_numbers_only() -> None:
    found_money = find_numbers("a 1,250 EUR grant and 3,5 milioni di euro", MONEY, "money")
    assert [f.data["amount"] for f in found_money] == [1250.0]
    found_all = baseline_extract(ARTICLE, "it", REGISTRY, dt.date(2025, 11, 6))
    assert {f.data["registry_id"] for f in found_all if f.kind == "organization"} == {7}


def test_units_are_compared_in_the_gold_vocabulary(gold) -> None:
    jobs = found("quantity", "40 nuovi addetti", value=40.0, unit="jobs")
    assert score_article(gold, [jobs], REGISTRY)["quantity"].correct == 1


def test_an_organisation_matches_by_its_text_when_its_name_is_wrong(gold) -> None:
    misnamed = found("organization", "Acme Difesa S.r.l.", name="Difesa", registry_id=None)
    assert score_article(gold, [misnamed], REGISTRY)["organization"].correct == 1
