"""Demo needs and theses (data/needs.yaml), published by organisations of the demo."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from filiera import yamlfile
from filiera.needs.models import Need, Thesis
from filiera.needs.schemas import NeedIn, ThesisIn
from filiera.registry.schemas import parse

NEEDS_FILE = Path(__file__).parent / "data" / "needs.yaml"


def load_demo_needs(session: Session, keys: dict[str, int]) -> dict[str, Any]:
    """Validate and store every need and thesis of the demo file."""
    data = yamlfile.safe_load(NEEDS_FILE.read_text(encoding="utf-8"))
    for index, row in enumerate(data.get("needs", [])):
        fields = {k: v for k, v in row.items() if k not in ("owner", "source")}
        need = parse(NeedIn, {**fields, "owner_id": keys[row["owner"]]}, f"needs[{index}]")
        session.add(Need(**need.model_dump()))
    for index, row in enumerate(data.get("theses", [])):
        fields = {k: v for k, v in row.items() if k not in ("owner", "source")}
        thesis = parse(ThesisIn, {**fields, "owner_id": keys[row["owner"]]}, f"theses[{index}]")
        session.add(Thesis(**thesis.model_dump()))
    session.flush()
    return {"needs": len(data.get("needs", [])), "theses": len(data.get("theses", []))}
