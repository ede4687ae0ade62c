"""Static files (issue 10, item 15): a year of cache for versioned URLs, gzip, ETag and 304.

The plotly bundle (4.8 MB, a route) and the files of the /static mount answer alike; the
security headers still apply. The assets do not touch the database: SQLite only.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.datastructures import Headers

from filiera import __version__
from filiera.app import create_app
from filiera.db import Database
from filiera.http.headers import CSP
from filiera.web import STATIC_DIR
from filiera.web.assets import CACHE_REVALIDATE, CACHE_VERSIONED, accepts_gzip
from filiera.web.pages import plotly_js
from support.dataset import build

FILES = {
    "/static/plotly.min.js": plotly_js(),
    "/static/filiera.css": STATIC_DIR / "filiera.css",
    "/static/filiera.js": STATIC_DIR / "filiera.js",
}
STATIC_URL = re.compile(r"""(?:src|href)="(/static/[^"]+)\"""")


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    db = Database(f"sqlite:///{tmp_path_factory.mktemp('assets')}/assets.db")
    build(db)
    with TestClient(create_app(db)) as test_client:
        yield test_client
    db.dispose()


def raw_get(client: TestClient, url: str, **headers: str) -> tuple[Headers, bytes]:
    """Headers and the body as sent on the wire (httpx would otherwise un-gzip it)."""
    with client.stream("GET", url, headers=headers) as response:
        assert response.status_code == 200, url
        return Headers(raw=response.headers.raw), b"".join(response.iter_raw())


@pytest.mark.parametrize("path", list(FILES))
def test_versioned_assets_are_gzipped_and_cached_for_a_year(client: TestClient, path: str) -> None:
    original = FILES[path].read_bytes()
    headers, body = raw_get(client, f"{path}?v={__version__}", **{"Accept-Encoding": "gzip"})
    assert headers["cache-control"] == CACHE_VERSIONED
    assert headers["content-encoding"] == "gzip"
    assert headers["vary"] == "Accept-Encoding"
    assert int(headers["content-length"]) == len(body)
    assert gzip.decompress(body) == original
    assert len(body) < 0.45 * len(original)
    assert headers["content-security-policy"] == CSP
    assert headers["x-content-type-options"] == "nosniff"


def test_the_plotly_bundle_shrinks_to_a_third(client: TestClient) -> None:
    _, body = raw_get(client, f"/static/plotly.min.js?v={__version__}")
    assert plotly_js().stat().st_size > 4_000_000
    assert len(body) < plotly_js().stat().st_size / 3


@pytest.mark.parametrize("path", list(FILES))
@pytest.mark.parametrize("query", ["", "?v=0.0.0-old", "?v="])
def test_other_urls_are_revalidated(client: TestClient, path: str, query: str) -> None:
    response = client.get(f"{path}{query}")
    assert response.status_code == 200
    assert response.headers["cache-control"] == CACHE_REVALIDATE
    assert response.content == FILES[path].read_bytes()


@pytest.mark.parametrize("path", list(FILES))
@pytest.mark.parametrize("encoding", ["identity", "gzip;q=0", "br", ""])
def test_clients_without_gzip_get_the_plain_file(
    client: TestClient, path: str, encoding: str
) -> None:
    headers, body = raw_get(client, f"{path}?v={__version__}", **{"Accept-Encoding": encoding})
    assert "content-encoding" not in headers
    assert body == FILES[path].read_bytes()
    assert int(headers["content-length"]) == len(body)
    assert headers["cache-control"] == CACHE_VERSIONED
    assert headers["vary"] == "Accept-Encoding"


@pytest.mark.parametrize("path", list(FILES))
@pytest.mark.parametrize("encoding", ["gzip", "identity"])
def test_revalidation_answers_304(client: TestClient, path: str, encoding: str) -> None:
    first = client.get(path, headers={"Accept-Encoding": encoding})
    etag = first.headers["etag"]
    again = client.get(path, headers={"Accept-Encoding": encoding, "If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    assert again.headers["cache-control"] == CACHE_REVALIDATE
    assert again.headers["content-security-policy"] == CSP
    changed = client.get(path, headers={"Accept-Encoding": encoding, "If-None-Match": '"other"'})
    assert changed.status_code == 200


def test_both_codings_share_one_etag(client: TestClient) -> None:
    zipped = client.get("/static/filiera.css", headers={"Accept-Encoding": "gzip"})
    plain = client.get("/static/filiera.css", headers={"Accept-Encoding": "identity"})
    assert zipped.headers["etag"] == "W/" + plain.headers["etag"]
    cross = client.get(
        "/static/filiera.css",
        headers={"Accept-Encoding": "identity", "If-None-Match": zipped.headers["etag"]},
    )
    assert cross.status_code == 304


def test_head_of_the_plotly_bundle(client: TestClient) -> None:
    response = client.head(f"/static/plotly.min.js?v={__version__}")
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-encoding"] == "gzip"
    assert 0 < int(response.headers["content-length"]) < plotly_js().stat().st_size / 3


def test_tiny_and_binary_files_are_sent_as_they_are(client: TestClient) -> None:
    headers, body = raw_get(client, f"/static/favicon.svg?v={__version__}")
    assert "content-encoding" not in headers
    assert body == (STATIC_DIR / "favicon.svg").read_bytes()
    assert headers["cache-control"] == CACHE_VERSIONED


def test_a_range_request_gets_the_plain_bytes(client: TestClient) -> None:
    response = client.get("/static/filiera.css", headers={"Range": "bytes=0-9"})
    assert response.status_code == 206
    assert "content-encoding" not in response.headers
    assert response.content == (STATIC_DIR / "filiera.css").read_bytes()[:10]


@pytest.mark.parametrize("url", ["/", "/map", "/organisations", "/?lang=it"])
def test_pages_link_every_asset_with_the_version(client: TestClient, url: str) -> None:
    html = client.get(url).text
    links = STATIC_URL.findall(html)
    assert "/static/filiera.css?v=" + __version__ in links
    assert "/static/filiera.js?v=" + __version__ in links
    if url in ("/", "/map"):
        assert "/static/plotly.min.js?v=" + __version__ in links
    for link in links:
        assert link.endswith(f"?v={__version__}"), link
        assert client.get(link).headers["cache-control"] == CACHE_VERSIONED, link


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("gzip", True),
        ("gzip, deflate, br", True),
        ("br;q=1.0, gzip;q=0.8", True),
        ("*", True),
        ("GZIP", True),
        ("gzip;q=0", False),
        ("gzip; q=0.000", False),
        ("gzip;q=nonsense", False),
        ("*;q=0", False),
        ("identity", False),
        ("deflate, br", False),
        ("", False),
    ],
)
def test_accept_encoding(header: str, expected: bool) -> None:
    assert accepts_gzip(Headers({"accept-encoding": header})) is expected


def test_the_static_folder_has_no_unversioned_reference() -> None:
    """Every template asks for its static files with `?v={{ version }}`."""
    templates = Path(STATIC_DIR).parent / "templates"
    for template in templates.glob("*.html"):
        for link in re.findall(r"""(?:src|href)="(/static/[^"]+)\"""", template.read_text()):
            assert link.endswith("?v={{ version }}"), (template.name, link)
