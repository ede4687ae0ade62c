"""A base match index saved next to its database, so a restart loads it instead of
reading the whole registry again.

One `.npz` file (numpy arrays, no pickle: a swapped file cannot execute code) with a
JSON document inside (names, projects, vocabularies, the change-log cursor and a format
version), written to a temporary file and renamed over the old one (atomic).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

import numpy as np
from sqlalchemy.engine import URL

from filiera.match.bm25 import Bm25
from filiera.match.cursor import Cursor
from filiera.match.index import MatchIndex, ProjectInfo

FORMAT = 2  # 2: projects carry their call and type of action
ARRAYS = (
    "org_ids",
    "country",
    "region",
    "kind",
    "synthetic",
    "public",
    "experience",
    "part_org",
    "part_project",
    "part_weight",
    "project_count",
    "coordinated",
)
TEXTS = ("org_text", "profile", "project_text")
MASKS = ("capability_masks", "certifications", "clusters")


def store_path(url: URL, index_dir: Path | None) -> Path | None:
    """Where the index of the database at `url` is saved: beside a SQLite file; in
    `index_dir` for a server database (None: not saved)."""
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            return None
        return Path(url.database).with_name(Path(url.database).name + ".match-index.npz")
    if index_dir is None:
        return None
    key = hashlib.sha256(url.render_as_string(hide_password=True).encode()).hexdigest()[:16]
    return Path(index_dir) / f"{url.database or 'db'}-{key}.match-index.npz"


def save(index: MatchIndex, cursor: Cursor, path: Path) -> None:
    """Write a freshly built index (no delta) and the cursor it covers, atomically."""
    arrays = {name: getattr(index, name) for name in ARRAYS}
    for name in TEXTS:
        for part, array in getattr(index, name).arrays().items():
            arrays[f"{name}.{part}"] = array
    for name in MASKS:
        masks = getattr(index, name)
        arrays[f"{name}.positions"] = _positions(masks.values())
    meta = _meta(index, cursor)
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            np.savez(out, **arrays)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _positions(masks) -> np.ndarray:
    """Each mask as the positions it holds, with -1 between masks."""
    parts = [np.append(np.flatnonzero(m), -1) for m in masks]
    return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, dtype=np.int64)


def _meta(index: MatchIndex, cursor: Cursor) -> dict:
    return {
        "format": FORMAT,
        "built_seconds": index.built_seconds,
        "names": index.names,
        "pics": {str(k): v for k, v in index.pics.items()},
        "capabilities": index.capabilities,
        "projects": [asdict(p) for p in index.projects],
        "part_role": index.part_role,
        "texts": {
            n: {"terms": getattr(index, n).terms(), **getattr(index, n).stats()} for n in TEXTS
        },
        "mask_keys": {n: [_key(k) for k in getattr(index, n)] for n in MASKS},
        "cursor": {
            "floor": cursor.floor,
            "anchor": cursor.anchor,
            "anchor_at": cursor.anchor_at.isoformat() if cursor.anchor_at else None,
            "applied": sorted(cursor.applied),
            "gaps": sorted(cursor.gaps),
        },
    }


def _key(key) -> list:
    return ["int", key] if isinstance(key, int) else ["str", str(key)]


def load(path: Path | None, now: float) -> tuple[MatchIndex, Cursor] | None:
    """The saved index and its cursor; None when absent, unreadable or of another format."""
    if path is None or not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
        meta = json.loads(arrays["meta"].tobytes().decode("utf-8"))
    except (OSError, ValueError, KeyError):
        return None
    if meta.get("format") != FORMAT:
        return None
    return _index(arrays, meta), _cursor(meta["cursor"], now)


def _index(arrays: dict, meta: dict) -> MatchIndex:
    n = len(arrays["org_ids"])
    texts = {
        name: Bm25.from_arrays(
            meta["texts"][name]["terms"],
            {part: arrays[f"{name}.{part}"] for part in ("docs", "impacts", "ends")},
            meta["texts"][name],
        )
        for name in TEXTS
    }
    masks = {
        name: _masks(meta["mask_keys"][name], arrays[f"{name}.positions"], n) for name in MASKS
    }
    return MatchIndex(
        **{name: arrays[name] for name in ARRAYS},
        names=meta["names"],
        pics={int(k): v for k, v in meta["pics"].items()},
        capabilities=meta["capabilities"],
        projects=[ProjectInfo(**p) for p in meta["projects"]],
        part_role=meta["part_role"],
        built_seconds=float(meta["built_seconds"]),
        **texts,
        **masks,
    )


def _masks(keys: list, flat: np.ndarray, n: int) -> dict:
    out = {}
    ends = np.flatnonzero(flat == -1)
    start = 0
    for (kind, key), end in zip(keys, ends.tolist(), strict=True):
        mask = np.zeros(n, dtype=bool)
        mask[flat[start:end]] = True
        out[int(key) if kind == "int" else key] = mask
        start = end + 1
    return out


def _cursor(data: dict, now: float) -> Cursor:
    at = data["anchor_at"]
    return Cursor(
        floor=int(data["floor"]),
        anchor=int(data["anchor"]),
        anchor_at=datetime.fromisoformat(at) if at else None,
        applied=set(data["applied"]),
        gaps={int(i): now for i in data["gaps"]},
    )
