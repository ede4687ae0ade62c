"""Numbers and words in command output: thousands, money, plurals.

Locale-neutral on purpose (the CLI speaks English to every user): thousands are grouped
with a space, as ISO 80000 writes them (`3 968 401 880`), and money carries its ISO
currency code (`3 968 401 880 EUR`), so no reader takes a separator for a decimal point.
`--json` output keeps the raw numbers.
"""

from __future__ import annotations

SCALES = ((1e9, "billion"), (1e6, "million"))


def count(number: int) -> str:
    """`1636` -> `1 636`."""
    return f"{number:,}".replace(",", " ")


def money(amount: float, currency: str = "EUR") -> str:
    """`3968401880.19` -> `3 968 401 880 EUR (3.97 billion)`: whole units, then the scale."""
    whole = f"{count(round(amount))} {currency}"
    for size, name in SCALES:
        if abs(amount) >= size:
            return f"{whole} ({amount / size:.2f} {name})"
    return whole


def plural(number: int, one: str, other: str | None = None) -> str:
    """`plural(1, "member")` -> `1 member`; `plural(2, "thesis", "theses")` -> `2 theses`."""
    word = one if number == 1 else other or f"{one}s"
    return f"{count(number)} {word}"


def tally(counts: dict[str, int]) -> str:
    """`{"FR": 220, "DE": 191}` -> `FR 220, DE 191` (labels as given: they are filter values)."""
    return ", ".join(f"{label} {count(n)}" for label, n in counts.items())
