"""Bytes and time of the static assets, plain and gzipped (issue 10, item 15).

For plotly.min.js, filiera.css and filiera.js, through the real app (`TestClient`): the
bytes sent without and with `Accept-Encoding: gzip` and their ratio, the first gzipped
request (which compresses the file once), later requests (served from memory), the plain
request, and what the bytes would take on a 10 Mbit/s link. One JSON object per file.

    python benchmarks/static_assets.py [--reps 20]
"""

from __future__ import annotations

import argparse
import tempfile

from _common import emit, percentiles, timed
from fastapi.testclient import TestClient

from filiera import __version__
from filiera.app import create_app
from filiera.db import Database
from filiera.web.assets import gzipped

FILES = ("/static/plotly.min.js", "/static/filiera.css", "/static/filiera.js")
LINK_BYTES_PER_SECOND = 10_000_000 / 8


def wire_bytes(client: TestClient, url: str, encoding: str) -> int:
    """Bytes of the body as sent, before any decoding by the client."""
    with client.stream("GET", url, headers={"Accept-Encoding": encoding}) as response:
        return len(b"".join(response.iter_raw()))


def measure(client: TestClient, path: str, reps: int) -> dict[str, object]:
    url = f"{path}?v={__version__}"
    gzipped.cache_clear()
    first = timed(lambda: wire_bytes(client, url, "gzip"))
    plain = wire_bytes(client, url, "identity")
    packed = wire_bytes(client, url, "gzip")
    cached = [timed(lambda: wire_bytes(client, url, "gzip")) for _ in range(reps)]
    uncompressed = [timed(lambda: wire_bytes(client, url, "identity")) for _ in range(reps)]
    return {
        "benchmark": "static_assets",
        "file": path,
        "bytes_plain": plain,
        "bytes_gzip": packed,
        "ratio": round(packed / plain, 3),
        "first_gzip_request_ms": round(first * 1000, 1),
        "gzip_request": percentiles(cached),
        "plain_request": percentiles(uncompressed),
        "transfer_10mbit_ms": {
            "plain": round(plain / LINK_BYTES_PER_SECOND * 1000),
            "gzip": round(packed / LINK_BYTES_PER_SECOND * 1000),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        database = Database(f"sqlite:///{folder}/assets.db")
        with TestClient(create_app(database)) as client:
            for path in FILES:
                emit(**measure(client, path, args.reps))
        database.dispose()


if __name__ == "__main__":
    main()
