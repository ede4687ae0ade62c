"""Numbers in digits that count nothing: glued to letters ("3D", "G7", "155mm"), ranges
("10-15"), phone numbers, references ("art. 5", "Nr. 3") and numbers in names ("Leonardo
2", "Mission 2044"). List numbering ("1. ", "2) ") needs no rule: its "." or ")" stands
between it and any noun."""

from __future__ import annotations

import re

from filiera.news.quantity_words import REFERENCE_MARKERS

_PHONE_CHARACTERS = "0123456789 \u00a0./()-+"
_PHONE_RUN = re.compile(r"\+?\d[\d \u00a0./()-]*\d")
_PHONE_DIGITS = 6  # digits of a run opening with a trunk "0" that make it a phone number
_GLUED_AFTER = re.compile(r"[^\W\d_]|[-–]\w|[°º'’]|[.,]\d")
_WORD_BEFORE = re.compile(r"(?P<word>[^\W\d_][\w.&'’-]*)[ \u00a0]+$")


def not_a_count(text: str, start: int, end: int) -> bool:
    """Numbers in digits that count nothing: glued to letters, ranges, phone numbers and
    references."""
    after = text[end : end + 2]
    if _GLUED_AFTER.match(after) and not after.startswith("%"):
        return True
    if _is_phone(text, start, end):
        return True
    before = text[max(0, start - 12) : start].split()
    return bool(before) and before[-1].lower() in REFERENCE_MARKERS


def _is_phone(text: str, start: int, end: int) -> bool:
    """A number inside a run of digit groups written like a phone number: "+39 02 1234
    5678", "0341 123456"."""
    run_start = start
    while run_start > 0 and text[run_start - 1] in _PHONE_CHARACTERS:
        run_start -= 1
    match = _PHONE_RUN.search(text, run_start)
    if match is None or match.start() > start or match.end() < end:
        return False
    run = match.group()
    if run == text[start:end]:
        return False
    digits = sum(char.isdigit() for char in run)
    trunk_prefix = run[0] == "0" and run[1:2].isdigit()
    return run.startswith("+") or (trunk_prefix and digits >= _PHONE_DIGITS)


def after_a_name(text: str, start: int) -> bool:
    """Whether the number is part of a name ("Leonardo 2", "Mission 2044", "Industria 5.0"):
    it follows a capitalised word that does not open its sentence."""
    match = _WORD_BEFORE.search(text, max(0, start - 40), start)
    if match is None or not match.group("word")[:1].isupper():
        return False
    opening = text[max(0, match.start() - 3) : match.start()].strip()
    return bool(opening) and opening[-1] not in '.!?:;"“«(-–—•*'
