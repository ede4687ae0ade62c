"""Plotly figure specs (plain dicts) for the home and map pages.

The map page does not use Plotly's geo traces: they fetch base-map topojson from a CDN,
and Filiera must work with no network. It shows a treemap Europe > country > NUTS 2
region instead, which needs nothing but the bundled plotly.min.js.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

PRIMARY = "#1d4e89"
ACCENT = "#2a9d8f"
FONT = {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "size": 13}
TOP_COUNTRIES = 20
PALETTE = [
    "#1d4e89",
    "#2a9d8f",
    "#e9a23b",
    "#6c5b9e",
    "#d1495b",
    "#3f88c5",
    "#7a9e3d",
    "#8c5e3c",
    "#4a6274",
    "#b5527f",
]


def _layout(**extra: Any) -> dict[str, Any]:
    return {
        "margin": {"l": 48, "r": 16, "t": 8, "b": 40},
        "font": FONT,
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "height": 320,
        **extra,
    }


def by_country(counts: dict[str, int], name: Callable[[str], str]) -> dict[str, Any]:
    """Vertical bars: organisations in the largest countries."""
    top = list(counts.items())[:TOP_COUNTRIES]
    return {
        "data": [
            {
                "type": "bar",
                "x": [code for code, _ in top],
                "y": [count for _, count in top],
                "text": [name(code) for code, _ in top],
                "hovertemplate": "%{text}: %{y}<extra></extra>",
                "textposition": "none",
                "marker": {"color": PRIMARY},
            }
        ],
        "layout": _layout(
            xaxis={"type": "category", "fixedrange": True},
            yaxis={"fixedrange": True, "gridcolor": "#e3e8ef"},
        ),
    }


def by_kind(counts: dict[str, int], label: Callable[[str], str]) -> dict[str, Any]:
    """Horizontal bars: organisations by kind, largest on top."""
    items = sorted(counts.items(), key=lambda kv: kv[1])
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "y": [label(kind) for kind, _ in items],
                "x": [count for _, count in items],
                "hovertemplate": "%{y}: %{x}<extra></extra>",
                "marker": {"color": ACCENT},
            }
        ],
        "layout": _layout(
            margin={"l": 170, "r": 16, "t": 8, "b": 40},
            xaxis={"fixedrange": True, "gridcolor": "#e3e8ef"},
            yaxis={"fixedrange": True, "automargin": True},
        ),
    }


UNKNOWN_COUNTRY = "?"  # the id of organisations without a country in the treemap


def regions_treemap(
    rows: list[tuple[str, str | None, int]],
    root: str,
    country: Callable[[str], str],
    region: Callable[[str | None], str],
    unknown: str,
) -> dict[str, Any]:
    """Treemap Europe > country > NUTS 2 region from (country, region, count) rows."""
    totals: dict[str, int] = {}
    leaves: dict[tuple[str, str], int] = {}
    for code, nuts, count in rows:
        code = code or UNKNOWN_COUNTRY
        totals[code] = totals.get(code, 0) + count
        key = (code, nuts[:4] if nuts else "")
        leaves[key] = leaves.get(key, 0) + count
    ids, labels, parents, counts = [root], [root], [""], [sum(totals.values())]
    for code, total in sorted(totals.items(), key=lambda kv: -kv[1]):
        ids.append(code)
        labels.append(country(None) if code == UNKNOWN_COUNTRY else f"{country(code)} ({code})")
        parents.append(root)
        counts.append(total)
    for (code, nuts), count in sorted(leaves.items(), key=lambda kv: -kv[1]):
        ids.append(f"{code}/{nuts or '-'}")
        labels.append(f"{region(nuts)} ({nuts})" if nuts else unknown)
        parents.append(code)
        counts.append(count)
    return {
        "data": [
            {
                "type": "treemap",
                "ids": ids,
                "labels": labels,
                "parents": parents,
                "values": counts,
                "branchvalues": "total",
                "maxdepth": 3,
                "hovertemplate": "%{label}: %{value}<extra></extra>",
                "textinfo": "label+value",
            }
        ],
        "layout": _layout(
            margin={"l": 4, "r": 4, "t": 28, "b": 4}, height=520, treemapcolorway=PALETTE
        ),
    }
