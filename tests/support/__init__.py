"""Test infrastructure shared by the suite: throwaway PostgreSQL and headless Chromium."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

BACKENDS = {"sqlite": "unused", "postgresql": "unused", "browser": "unused"}


def unavailable(backend: str, reason: str) -> NoReturn:
    """Skip (or, with CI=true, fail) because `backend` cannot run on this machine."""
    if os.environ.get("CI") == "true":
        BACKENDS[backend] = "FAILED"
        pytest.fail(f"{backend} required when CI=true: {reason}", pytrace=False)
    BACKENDS[backend] = "skipped"
    pytest.skip(f"{backend} unavailable: {reason}")
