"""What the `demo_copy` fixture gives a test module (see conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class DemoCopy:
    """A database of its own holding the full demo, and what loading the demo reported."""

    url: str
    summary: dict[str, Any]
