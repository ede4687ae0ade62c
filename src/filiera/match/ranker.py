"""The learned ranker: a LightGBM LambdaRank model over `features.FEATURES`.

The first stage (fixed weights) picks a pool; the model orders the pool; organisations
outside it keep their first-stage order below the pool's last one. Scores stay graded in
[0, 1]: the model's margin through a logistic curve. When the model file is missing,
unreadable or made for other features, matching falls back to the fixed weights and says
so (`Ranking.notice`).

Where the model comes from, first found: `use_model(path)` (the FILIERA_RANKER_PATH
setting), the database's own model written by `filiera match train` (beside its match
index), the model shipped in the package (`match/data/ranker.json`).
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from filiera.match import features

MODEL_FORMAT = 1
PACKAGED = Path(__file__).with_name("data") / "ranker.json"
SHOWN_FEATURES = 3  # features named in a result's explanation
log = logging.getLogger(__name__)

_lock = threading.Lock()
_override: Path | None = None
_loaded: dict[tuple[str, float], Ranker | str] = {}


@dataclass
class Ranker:
    """A loaded model and what it was trained on."""

    booster: object  # lightgbm.Booster
    features: tuple[str, ...]
    meta: dict = field(default_factory=dict)
    source: str = ""

    def margins(self, rows: np.ndarray) -> np.ndarray:
        return np.asarray(self.booster.predict(rows), dtype=np.float64)

    def contributions(self, rows: np.ndarray) -> np.ndarray:
        """Per row, each feature's share of the margin (SHAP values; last column: bias)."""
        return np.asarray(self.booster.predict(rows, pred_contrib=True), dtype=np.float64)


@dataclass
class Ranking:
    """Which ranking a result used: "learned" or "fixed", and why when it fell back; how
    steeply related projects weighed (`engine.project_power`)."""

    model: str
    notice: str | None = None
    source: str | None = None
    related_projects_power: float | None = None


def use_model(path: Path | None) -> None:
    """Rank with the model at `path` (settings.ranker_path) instead of the default ones."""
    global _override
    _override = Path(path) if path else None


def model_path(database_model: Path | None) -> Path:
    """The model file to use: the override, the database's own, or the packaged one."""
    if _override is not None:
        return _override
    if database_model is not None and database_model.is_file():
        return database_model
    return PACKAGED


def load(path: Path) -> Ranker | str:
    """The model at `path`, or why it cannot be used (cached per file version)."""
    try:
        stamp = path.stat().st_mtime
    except OSError:
        return f"the ranker model {path.name} is missing"
    key = (str(path), stamp)
    with _lock:
        if key not in _loaded:
            _loaded[key] = _read(path)
            if isinstance(_loaded[key], str):
                log.warning("matchmaking falls back to fixed weights: %s", _loaded[key])
        return _loaded[key]


def _read(path: Path) -> Ranker | str:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return f"the ranker model {path.name} cannot be read ({exc.__class__.__name__})"
    if not isinstance(data, dict) or data.get("format") != MODEL_FORMAT:
        found = data.get("format") if isinstance(data, dict) else None
        return f"the ranker model {path.name} has format {found}, this version reads {MODEL_FORMAT}"
    if tuple(data.get("features", ())) != features.FEATURES:
        return f"the ranker model {path.name} was trained on other features"
    try:
        import lightgbm

        booster = lightgbm.Booster(model_str=data["model"])
    except Exception as exc:  # noqa: BLE001  (any unreadable model means: fall back)
        return f"the ranker model {path.name} cannot be loaded ({exc.__class__.__name__})"
    return Ranker(booster, features.FEATURES, data.get("meta", {}), str(path))


def save(path: Path, booster, meta: dict) -> None:
    """Write a trained model (atomically: a reader never sees half a file)."""
    text = json.dumps(
        {
            "format": MODEL_FORMAT,
            "features": list(features.FEATURES),
            "meta": meta,
            "model": booster.model_to_string(),
        }
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)


def forget() -> None:
    with _lock:
        _loaded.clear()


def logistic(margins: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-margins))


def rerank(
    ranker: Ranker, first_stage: np.ndarray, rows: np.ndarray, positions: np.ndarray
) -> np.ndarray:
    """Scores with the pool ordered by the model and everyone else below it.

    Pool scores: the logistic of the model's margin, squeezed into (floor, 1] where floor
    is what the first stage gave the pool's last member, so nobody outside the pool can
    pass anyone inside and everyone keeps a positive, graded score.
    """
    final = first_stage.copy()
    if not len(positions):
        return final
    margins = ranker.margins(rows)
    floor = float(first_stage[positions].min())
    outside = first_stage > 0
    outside[positions] = False
    if outside.any():  # keep those below the pool, in their first-stage order
        final[outside] = first_stage[outside] / max(float(first_stage[outside].max()), 1e-12)
        final[outside] *= floor * 0.999
    final[positions] = floor + (1.0 - floor) * logistic(margins)
    return final


def carried(ranker: Ranker, rows, positions, explain: list[int]) -> dict:
    """The features that pushed each explained position up most (positive contributions)."""
    if not explain:
        return {}
    slot = {int(p): i for i, p in enumerate(positions)}
    wanted = [p for p in explain if p in slot]
    if not wanted:
        return {}
    contrib = ranker.contributions(rows[[slot[p] for p in wanted]])[:, :-1]
    out = {}
    for pos, row in zip(wanted, contrib, strict=True):
        order = np.argsort(-row)[:SHOWN_FEATURES]
        out[pos] = [(ranker.features[i], round(float(row[i]), 3)) for i in order if row[i] > 0]
    return out
