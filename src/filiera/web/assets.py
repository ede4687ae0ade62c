"""Static assets: cached for a year when the URL names the version, gzipped once per file.

A page links `/static/filiera.css?v=<version>`; a new release changes the URL, so the
browser may keep that response for a year without asking again. Any other URL (no `v`, or
an old one) is revalidated with its ETag on every use. Text files are compressed once per
file version and kept in memory, and sent to clients whose `Accept-Encoding` takes gzip.
"""

from __future__ import annotations

import gzip
import mimetypes
import os
from functools import cache, lru_cache
from pathlib import Path
from urllib.parse import parse_qs

from fastapi.staticfiles import StaticFiles
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Scope

from filiera import __version__

CACHE_VERSIONED = "public, max-age=31536000, immutable"
CACHE_REVALIDATE = "no-cache"
COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml")
MIN_GZIP_BYTES = 1024
GZIP_LEVEL = 6


def cache_control(scope: Scope) -> str:
    """A year for a URL carrying this release's `v`; revalidation for any other."""
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    return CACHE_VERSIONED if query.get("v") == [__version__] else CACHE_REVALIDATE


def accepts_gzip(headers: Headers) -> bool:
    """Whether `Accept-Encoding` takes gzip (or `*`) with a quality above zero."""
    for part in headers.get("accept-encoding", "").lower().split(","):
        coding, _, params = part.partition(";")
        if coding.strip() in ("gzip", "*") and _quality(params) > 0:
            return True
    return False


def _quality(params: str) -> float:
    """`q=0.5` -> 0.5; no `q` means 1; a malformed one means 0."""
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip() == "q":
            try:
                return float(value)
            except ValueError:
                return 0.0
    return 1.0


@lru_cache(maxsize=32)
def gzipped(path: str, etag: str) -> bytes:
    """The gzip of the file at `path`, computed once per version (`etag`) of it."""
    return gzip.compress(Path(path).read_bytes(), compresslevel=GZIP_LEVEL, mtime=0)


def is_text(path: str | os.PathLike[str]) -> bool:
    """Whether the file is text that gzip shrinks (CSS, JavaScript, JSON, SVG)."""
    media_type = mimetypes.guess_type(os.fspath(path))[0] or ""
    return media_type.startswith(COMPRESSIBLE)


def gzip_variant(path: str | os.PathLike[str], scope: Scope) -> bool:
    """Whether this request gets the gzip of the file: text, big enough, whole, accepted."""
    request = Headers(scope=scope)
    return (
        is_text(path)
        and os.path.getsize(path) >= MIN_GZIP_BYTES
        and "range" not in request
        and accepts_gzip(request)
    )


def finish(response: Response, path: str | os.PathLike[str], scope: Scope) -> Response:
    """Add the cache headers; swap a whole text file for its gzip when the client takes it.

    Both codings of a file share its ETag (weak for the gzip, as the gzip is the same
    content), so revalidating either answers 304.
    """
    response.headers["cache-control"] = cache_control(scope)
    if is_text(path):
        response.headers["vary"] = "Accept-Encoding"
    if response.status_code not in (200, 304) or not gzip_variant(path, scope):
        return response
    etag = response.headers["etag"].removeprefix("W/")
    response.headers["etag"] = f"W/{etag}"
    if response.status_code == 304:
        return response
    body = gzipped(os.fspath(path), etag)
    dropped = ("content-length", "accept-ranges")
    headers = {name: value for name, value in response.headers.items() if name not in dropped}
    headers |= {"content-encoding": "gzip", "content-length": str(len(body))}
    head_only = scope.get("method") == "HEAD"
    return Response(b"" if head_only else body, status_code=200, headers=headers)


class Assets(StaticFiles):
    """`StaticFiles` with `finish` applied to every file it answers (304s included)."""

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        return finish(response, full_path, scope)


@cache
def _folder(folder: Path) -> Assets:
    return Assets(directory=folder)


def serve_file(path: Path, request: Request) -> Response:
    """One file from a route, answered as the /static mount answers: ETag, 304, cache, gzip."""
    return _folder(path.parent).file_response(path, os.stat(path), request.scope)
