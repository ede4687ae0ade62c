"""Synthetic capacity scenarios, for the scale benchmarks and tests.

A layered bill of materials: `products` end items at level 0, as many components at each
level below, and raw inputs (bought, from EU and non-EU origins) at the last level; each
item uses two or three items of the level below. Lines sit at sites of companies in EU
countries; every made item has at least one. Today's capacity covers 100-130 % of the
opening demand of each stage, and demand ramps up to 160 % of it by the end of the
horizon. Expansions grow a line (or build a new one) by a share of its stage, with lead
times of 3-24 months and a capex in proportion; the budget affords about a third of them.
"""

from __future__ import annotations

import random
from typing import Any

from filiera.capacity.risk import EU27

EU = sorted(EU27)
ELSEWHERE = ["US", "CN", "IN", "TR", "KR", "NO", "GB", "BR"]
RAMP = 1.6  # demand at the end of the horizon, as a multiple of the opening demand


def _items(rng: random.Random, products: int, levels: int) -> list[list[dict[str, Any]]]:
    """Items by level; the last level holds the raw inputs."""
    layers = []
    for level in range(levels - 1):
        layers.append([{"id": f"l{level}_{i:02d}", "unit": "unit"} for i in range(products)])
    raw = []
    for i in range(max(3, products // 2)):
        origin = rng.sample(EU, rng.randint(1, 2)) + rng.sample(ELSEWHERE, rng.randint(0, 2))
        raw.append({"id": f"raw_{i:02d}", "unit": "kg", "origin": origin})
    layers.append(raw)
    return layers


def _bom(rng: random.Random, layers: list[list[dict]]) -> dict[str, dict[str, float]]:
    bom: dict[str, dict[str, float]] = {}
    for upper, lower in zip(layers, layers[1:], strict=False):
        ids = [item["id"] for item in lower]
        for item in upper:
            inputs = rng.sample(ids, min(len(ids), rng.randint(2, 3)))
            bom[item["id"]] = {child: float(rng.randint(1, 3)) for child in inputs}
        used = {child for item in upper for child in bom[item["id"]]}
        for child in ids:  # every item of the level below is an input of something
            if child not in used:
                bom[rng.choice(upper)["id"]][child] = float(rng.randint(1, 3))
    return bom


def _requirements(layers, bom, demand: dict[str, float]) -> dict[str, float]:
    """Monthly quantity of each item needed for `demand` of the end products."""
    need = dict(demand)
    for layer in layers:
        for item in layer:
            for child, amount in bom.get(item["id"], {}).items():
                need[child] = need.get(child, 0.0) + need.get(item["id"], 0.0) * amount
    return need


def _lines(rng, made: list[str], need: dict[str, float], sites: int) -> list[dict[str, Any]]:
    companies = [(f"Company {i:03d}", rng.choice(EU)) for i in range(max(1, sites // 3))]
    owners = [made[i % len(made)] for i in range(len(made))]
    owners += [rng.choice(made) for _ in range(max(0, sites - len(made)))]
    weights = [rng.uniform(0.3, 1.0) for _ in owners]
    total = {item: 0.0 for item in made}
    for item, weight in zip(owners, weights, strict=True):
        total[item] += weight
    share = {item: need[item] * rng.uniform(1.0, 1.3) for item in made}
    lines = []
    for index, (item, weight) in enumerate(zip(owners, weights, strict=True)):
        company, country = rng.choice(companies)
        lines.append(
            {
                "id": f"site_{index:03d}",
                "organisation": company,
                "country": country,
                "item": item,
                "capacity_per_month": round(share[item] * weight / total[item], 3),
            }
        )
    return lines


def _expansions(rng, lines: list[dict], need: dict[str, float], count: int) -> list[dict]:
    out = []
    for index in range(count):
        line = rng.choice(lines)
        extra = need[line["item"]] * rng.uniform(0.1, 0.4)
        lead = rng.randint(3, 24)
        capex = round(2.0e8 * extra / need[line["item"]] * rng.uniform(0.6, 1.4) * (1 + lead / 24))
        row: dict[str, Any] = {
            "id": f"x{index:03d}",
            "extra_per_month": round(extra, 3),
            "capex_eur": float(capex),
            "lead_time_months": lead,
            "ramp_up_months": rng.choice([0, 0, 2, 3]),
        }
        if rng.random() < 0.2:
            row["new_line"] = {
                "id": f"new_{index:03d}",
                "item": line["item"],
                "organisation": line["organisation"],
                "country": rng.choice(EU),
            }
        else:
            row["line"] = line["id"]
        out.append(row)
    return out


def scenario(
    sites: int = 500,
    products: int = 20,
    levels: int = 4,
    months: int = 60,
    expansions: int = 200,
    seed: int = 1,
) -> dict[str, Any]:
    """The raw scenario (what `scenario.parse` reads); the same for the same arguments."""
    rng = random.Random(seed)
    layers = _items(rng, products, max(2, levels))
    bom = _bom(rng, layers)
    opening = {item["id"]: float(rng.randint(5, 50) * 100) for item in layers[0]}
    need = _requirements(layers, bom, opening)
    made = [item["id"] for layer in layers[:-1] for item in layer]
    lines = _lines(rng, made, need, max(sites, len(made)))
    options = _expansions(rng, lines, need, expansions)
    demand = [
        {
            "item": item,
            "monthly": [
                round(base * (1 + (RAMP - 1) * m / max(1, months - 1)), 3) for m in range(months)
            ],
        }
        for item, base in opening.items()
    ]
    return {
        "name": f"synthetic-{sites}-{products}-{levels}-{months}-{expansions}-s{seed}",
        "horizon": {"start": "2026-01", "months": months},
        "items": [item for layer in layers for item in layer],
        "bom": bom,
        "lines": lines,
        "expansions": options,
        "demand": demand,
        "budget_eur": round(sum(e["capex_eur"] for e in options) / 3),
    }
