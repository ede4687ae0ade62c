"""The vocabulary of export-control and classification markings (data/markings.yaml)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from filiera import yamlfile

MARKINGS_FILE = Path(__file__).parent / "data" / "markings.yaml"


@cache
def markings() -> dict[str, dict[str, str]]:
    """code -> {language: label}."""
    return yamlfile.safe_load(MARKINGS_FILE.read_text(encoding="utf-8"))


def label(code: str, lang: str = "en") -> str:
    labels = markings().get(code, {})
    return labels.get(lang) or labels.get("en") or code


def clean_markings(raw: list[str]) -> list[str]:
    """Known codes, lower-cased, without repeats; ValueError naming an unknown one."""
    out: list[str] = []
    for code in raw:
        code = str(code).strip().lower()
        if code not in markings():
            raise ValueError(f"unknown marking {code!r}; known: {', '.join(markings())}")
        if code not in out:
            out.append(code)
    return out
