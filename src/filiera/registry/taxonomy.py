"""The capability taxonomy and certification vocabulary, declared as YAML data.

Both files are loaded once and cross-checked (unique codes, known parents, no cycles, labels
and keywords in every language, valid NACE codes); a broken file raises ConfigurationError.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from filiera import yamlfile
from filiera.errors import ConfigurationError, NotFound
from filiera.registry.fields import CONTENT_LANGUAGES
from filiera.registry.values import clean_nace

LANGUAGES = CONTENT_LANGUAGES
KEYWORDS_PER_LANGUAGE = (5, 15)
ISSUER_KINDS = (
    "certification_body",
    "government_quality_assurance",
    "industry_programme",
    "aviation_authority",
    "national_security_authority",
)


@dataclass(frozen=True)
class CapabilityNode:
    code: str
    parent: str | None
    labels: dict[str, str]
    keywords: dict[str, tuple[str, ...]]
    nace: tuple[str, ...]


@dataclass(frozen=True)
class Certification:
    code: str
    labels: dict[str, str]
    issuer_kind: str
    typical_validity_years: int | None


def _read(name: str) -> list[dict[str, Any]]:
    text = resources.files("filiera.registry").joinpath("data", name).read_text("utf-8")
    data = yamlfile.safe_load(text)
    if not isinstance(data, list):
        raise ConfigurationError(f"{name}: expected a list of entries")
    return data


def _labels(where: str, raw: Any) -> dict[str, str]:
    raw = raw or {}
    missing = [lang for lang in LANGUAGES if not str(raw.get(lang) or "").strip()]
    if missing:
        raise ConfigurationError(f"{where}: missing labels for {', '.join(missing)}")
    return {lang: str(raw[lang]).strip() for lang in LANGUAGES}


def _keywords(where: str, raw: Any) -> dict[str, tuple[str, ...]]:
    raw = raw or {}
    low, high = KEYWORDS_PER_LANGUAGE
    result = {}
    for lang in LANGUAGES:
        words = tuple(str(w).strip() for w in raw.get(lang) or () if str(w).strip())
        if not low <= len(words) <= high:
            raise ConfigurationError(
                f"{where}: {len(words)} {lang} keywords, expected {low} to {high}"
            )
        result[lang] = words
    return result


def _nace(where: str, codes: Any) -> tuple[str, ...]:
    cleaned = []
    for code in codes or ():
        try:
            cleaned.append(clean_nace(str(code)))
        except ValueError as exc:
            raise ConfigurationError(f"{where}: {exc}") from None
    return tuple(c for c in cleaned if c)


def build_capabilities(entries: list[dict[str, Any]]) -> dict[str, CapabilityNode]:
    """Validate raw YAML entries and return the nodes keyed by code, in file order."""
    nodes: dict[str, CapabilityNode] = {}
    for i, entry in enumerate(entries):
        code = str(entry.get("code") or "").strip()
        where = f"capability {code or f'#{i + 1}'}"
        if not code:
            raise ConfigurationError(f"{where}: missing code")
        if code in nodes:
            raise ConfigurationError(f"{where}: duplicate code")
        nodes[code] = CapabilityNode(
            code=code,
            parent=entry.get("parent") or None,
            labels=_labels(where, entry.get("labels")),
            keywords=_keywords(where, entry.get("keywords")),
            nace=_nace(where, entry.get("nace")),
        )
    _check_tree(nodes)
    return nodes


def _check_tree(nodes: dict[str, CapabilityNode]) -> None:
    """Parents exist and prefix their children's codes, so the tree has no cycles or orphans."""
    for node in nodes.values():
        if node.parent is None:
            if "." in node.code:
                raise ConfigurationError(f"capability {node.code}: orphan (no parent)")
        elif node.parent not in nodes:
            raise ConfigurationError(f"capability {node.code}: unknown parent {node.parent!r}")
        elif node.code.rpartition(".")[0] != node.parent:
            raise ConfigurationError(f"capability {node.code}: code must start with its parent's")


def build_certifications(entries: list[dict[str, Any]]) -> dict[str, Certification]:
    """Validate raw YAML certification entries and return them keyed by code."""
    certs: dict[str, Certification] = {}
    for i, entry in enumerate(entries):
        code = str(entry.get("code") or "").strip()
        where = f"certification {code or f'#{i + 1}'}"
        if not code or code in certs:
            raise ConfigurationError(f"{where}: missing or duplicate code")
        kind = entry.get("issuer_kind")
        if kind not in ISSUER_KINDS:
            raise ConfigurationError(f"{where}: unknown issuer_kind {kind!r}")
        years = entry.get("typical_validity_years")
        if years is not None and (not isinstance(years, int) or years <= 0):
            raise ConfigurationError(f"{where}: typical_validity_years must be a positive int")
        certs[code] = Certification(code, _labels(where, entry.get("labels")), kind, years)
    return certs


@cache
def capabilities() -> dict[str, CapabilityNode]:
    """All capability nodes keyed by code (parents before children, file order)."""
    return build_capabilities(_read("capabilities.yaml"))


@cache
def certifications() -> dict[str, Certification]:
    """All certification kinds keyed by code."""
    return build_certifications(_read("certifications.yaml"))


def capability(code: str) -> CapabilityNode:
    """One capability node; NotFound for unknown codes."""
    node = capabilities().get(code)
    if node is None:
        raise NotFound(f"unknown capability code {code!r}")
    return node


def label(code: str, lang: str = "en") -> str:
    """Capability label in `lang`, falling back to English for other languages."""
    labels = capability(code).labels
    return labels.get(lang, labels["en"])


def roots() -> list[str]:
    """Top-level capability codes."""
    return [c for c, node in capabilities().items() if node.parent is None]


def children(code: str) -> list[str]:
    """Direct children of a capability code."""
    capability(code)
    return [c for c, node in capabilities().items() if node.parent == code]


def ancestors(code: str) -> list[str]:
    """Parent, grandparent, ... of a capability code (nearest first)."""
    result = []
    node = capability(code)
    while node.parent is not None:
        result.append(node.parent)
        node = capability(node.parent)
    return result


def capabilities_for_nace(nace_code: str) -> list[str]:
    """Capabilities mapped to a NACE code or to a broader/narrower code of the same branch."""
    wanted = clean_nace(nace_code)
    if wanted is None:
        return []

    def related(mapped: str) -> bool:
        return any(
            a == b or a.startswith(b + ".") or (len(b) == 4 and a.startswith(b))
            for a, b in ((mapped, wanted), (wanted, mapped))
        )

    return [c for c, node in capabilities().items() if any(related(n) for n in node.nace)]


def certification(code: str) -> Certification:
    """One certification kind; NotFound for unknown codes."""
    cert = certifications().get(code)
    if cert is None:
        raise NotFound(f"unknown certification code {code!r}")
    return cert


def certification_label(code: str, lang: str = "en") -> str:
    """Certification label in `lang`, falling back to English for other languages."""
    labels = certification(code).labels
    return labels.get(lang, labels["en"])
