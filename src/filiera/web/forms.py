"""Reading submitted forms and query strings before the services validate them."""

from __future__ import annotations


def from_form(raw: dict[str, str]) -> dict[str, str]:
    """The non-blank values of a submitted form or query string (blank means "any")."""
    return {name: value.strip() for name, value in raw.items() if value and value.strip()}
