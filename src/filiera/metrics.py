"""Prometheus metrics: the metric objects, the match index gauges and the exposition.

Everything lives in one dedicated `REGISTRY` (never prometheus_client's global one). When
PROMETHEUS_MULTIPROC_DIR is set before this module is imported (`filiera serve --workers N`
does it for its workers), counters and histograms are written to files in that folder and
`render()` adds them up across every process. Label values are fixed vocabularies or route
templates, never record ids, names, e-mails or free text.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "(unmatched)"  # every path no route matches: one label value
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
SIGN_IN_REASONS = {  # accounts' reason -> label value
    "wrong password": "wrong_password",
    "address backed off": "backed_off",
    "account disabled": "disabled",
    "unknown account": "unknown_account",
}
IMPORT_OUTCOMES = {  # the action an import report counts -> label value
    "created": "imported",
    "merged": "merged",
    "updated": "merged",
    "unchanged": "unchanged",
    "repeated": "unchanged",
    "review": "review",
    "rejected": "rejected",
}
IMPORT_ENTITIES = frozenset(
    {
        "organisations",
        "projects",
        "participations",
        "people",
        "memberships",
        "sites",
        "relations",
        "sources",
        "project_rows",
    }
)

disable_created_metrics()  # no `_created` series: timestamps nobody graphs
REGISTRY = CollectorRegistry(auto_describe=True)

HTTP_REQUESTS = Counter(
    "filiera_http_requests",
    "HTTP requests answered, by method, route template and status.",
    ["method", "route", "status"],
    registry=REGISTRY,
)
HTTP_LATENCY = Histogram(
    "filiera_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template.",
    ["route"],
    buckets=LATENCY_BUCKETS,
    registry=REGISTRY,
)
MATCH_LATENCY = Histogram(
    "filiera_match_duration_seconds",
    "Time of one matchmaking search (match.service.match), from any front end.",
    buckets=LATENCY_BUCKETS,
    registry=REGISTRY,
)
IMPORT_ROWS = Counter(
    "filiera_import_rows",
    "Rows of finished imports, by entity and outcome (imported, merged, unchanged, "
    "review, rejected).",
    ["entity", "outcome"],
    registry=REGISTRY,
)
SIGN_IN_FAILURES = Counter(
    "filiera_sign_in_failures",
    "Failed sign-ins by reason (wrong_password, backed_off, disabled, unknown_account).",
    ["reason"],
    registry=REGISTRY,
)


def method_label(method: str) -> str:
    return method if method in METHODS else "OTHER"


def observe_request(method: str, route: str | None, status: int, seconds: float) -> None:
    """Count one answered request under its route template (None: no route matched)."""
    route = route or UNMATCHED
    HTTP_REQUESTS.labels(method_label(method), route, str(status)).inc()
    HTTP_LATENCY.labels(route).observe(seconds)


def count_sign_in_failure(reason: str) -> None:
    """One failed sign-in; `reason` is one of `SIGN_IN_REASONS` (anything else: "other")."""
    SIGN_IN_FAILURES.labels(SIGN_IN_REASONS.get(reason, "other")).inc()


def count_import_rows(counts: dict[str, int], rejected: int) -> None:
    """Add an import report's counts ("<entity>_<action>": rows) and its rejected rows."""
    for key, rows in counts.items():
        entity, _, action = key.rpartition("_")
        entity = entity if entity in IMPORT_ENTITIES else "other"
        IMPORT_ROWS.labels(entity, IMPORT_OUTCOMES.get(action, "other")).inc(rows)
    if rejected:
        IMPORT_ROWS.labels("rows", "rejected").inc(rejected)


# --- the match index, read when scraped ---------------------------------------------------


@dataclass(frozen=True)
class IndexState:
    """What a scrape reports about one process's match index."""

    ready: bool
    built_at: float | None = None  # wall-clock time (time.time()) the base was built
    documents: int = 0  # organisations in the index (deleted ones excluded)
    terms: int = 0  # distinct terms of the ranking text
    changed_documents: int = 0  # documents patched in since the base was built
    size_bytes: int | None = None  # the saved index file, when there is one


IndexSource = Callable[[], IndexState | None]


class IndexCollector:
    """Gauges of the match index, read from `source` at each scrape (the answering process)."""

    def __init__(self) -> None:
        self.source: IndexSource | None = None

    def collect(self) -> Iterator[Metric]:
        state = self._state()
        if state is None:
            return
        yield _gauge(
            "filiera_match_index_ready",
            "1 when the match index is loaded or built.",
            float(state.ready),
        )
        if not state.ready:
            return
        if state.built_at is not None:
            age = max(0.0, time.time() - state.built_at)
            yield _gauge(
                "filiera_match_index_age_seconds",
                "Seconds since the base of the match index was built.",
                age,
            )
        yield _gauge(
            "filiera_match_index_documents", "Organisations in the match index.", state.documents
        )
        yield _gauge("filiera_match_index_terms", "Distinct terms of the match index.", state.terms)
        yield _gauge(
            "filiera_match_index_changed_documents",
            "Documents patched in since the base was built (rebuilt past 2%).",
            state.changed_documents,
        )
        if state.size_bytes is not None:
            yield _gauge(
                "filiera_match_index_size_bytes",
                "Size of the saved match index file.",
                state.size_bytes,
            )

    def _state(self) -> IndexState | None:
        if self.source is None:
            return None
        try:
            return self.source()
        except Exception:  # a scrape must answer even when the database does not
            return IndexState(ready=False)


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


INDEX = IndexCollector()
REGISTRY.register(INDEX)


def watch_index(source: IndexSource | None) -> None:
    """Report the match index through `source` (the app sets it; None stops reporting)."""
    INDEX.source = source


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_ENV) or None


def render(folder: str | None = None) -> bytes:
    """The exposition text: this process's metrics, or every process's when `folder` (by
    default PROMETHEUS_MULTIPROC_DIR) holds multiprocess files; index gauges come from
    the answering process."""
    folder = folder or multiprocess_dir()
    if folder is None:
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=folder)
    registry.register(INDEX)
    return generate_latest(registry)
