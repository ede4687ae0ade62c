"""Getting the bytes of a news input: a local file, standard input or an http(s) URL.

Everything that goes wrong with one input is an `InputError` carrying a `reason` from
`REASONS`, so a batch can report it and go on with the other inputs.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import sys
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from filiera import __version__
from filiera.errors import FilieraError, field_error

MAX_BYTES = 5 * 1024 * 1024  # one article, a page or a feed; more is not news
TIMEOUT_SECONDS = 10
USER_AGENT = f"Filiera/{__version__}"
REASONS = (
    "empty",
    "binary",
    "encoding",
    "unreachable",
    "not_found",
    "too_large",
    "no_text",
    "duplicate",
    "feed_error",
)


class InputError(FilieraError):
    """One news input cannot be read; `reason` is one of `REASONS`."""

    status = 422
    code = "bad_input"

    def __init__(self, message: str, *, reason: str, source: str) -> None:
        if reason not in REASONS:
            raise ValueError(f"unknown input problem {reason!r}")
        super().__init__(message, errors=[field_error(source, reason, message)])
        self.reason = reason
        self.source = source


@dataclass(frozen=True)
class Fetched:
    """What a URL gave: the body, the URL after redirects and the Content-Type header."""

    data: bytes
    url: str
    content_type: str | None = None


def is_url(source: str) -> bool:
    return source.lower().startswith(("http://", "https://"))


def fetch_url(url: str) -> Fetched:
    """GET `url` (redirects followed, 10 s timeout, at most 5 MB)."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "*/*"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            _refuse_declared_size(response.headers.get("Content-Length"), url)
            data = _read_limited(response, url)
            return Fetched(data, response.geturl(), response.headers.get("Content-Type"))
    except urllib.error.HTTPError as error:
        raise _unreachable(url, f"the server answered HTTP {error.code} {error.reason}") from None
    except urllib.error.URLError as error:
        raise _unreachable(url, _cause(error.reason)) from None
    except TimeoutError:
        raise _unreachable(url, f"no answer within {TIMEOUT_SECONDS} s") from None
    except (OSError, ValueError, http.client.HTTPException) as error:
        raise _unreachable(url, _cause(error)) from None


def fetch_public_url(url: str) -> Fetched:
    """`fetch_url` for requests made on a user's behalf by the server: only public
    addresses, every redirect checked too (no loopback, private, link-local or reserved
    address, so no one reaches the server's own network through it)."""
    _require_public(url)
    opener = urllib.request.build_opener(_PublicRedirects())
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "*/*"})
    try:
        with opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            _refuse_declared_size(response.headers.get("Content-Length"), url)
            data = _read_limited(response, url)
            return Fetched(data, response.geturl(), response.headers.get("Content-Type"))
    except InputError:
        raise
    except urllib.error.HTTPError as error:
        raise _unreachable(url, f"the server answered HTTP {error.code} {error.reason}") from None
    except urllib.error.URLError as error:
        if isinstance(error.reason, InputError):
            raise error.reason from None
        raise _unreachable(url, _cause(error.reason)) from None
    except TimeoutError:
        raise _unreachable(url, f"no answer within {TIMEOUT_SECONDS} s") from None
    except (OSError, ValueError, http.client.HTTPException) as error:
        raise _unreachable(url, _cause(error)) from None


class _PublicRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001
        _require_public(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _require_public(url: str) -> None:
    host = urllib.parse.urlsplit(url).hostname or ""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except (OSError, UnicodeError) as error:
        raise _unreachable(url, _cause(error)) from None
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if not ip.is_global:
            raise InputError(
                f"{url} points to a private or local address ({address}); the server reads "
                "public web addresses only (read it with `filiera news ingest` instead).",
                reason="unreachable",
                source=url,
            )


def read_path(source: str) -> bytes:
    """The bytes of a local file ("-" reads standard input), at most 5 MB."""
    if source == "-":
        return _read_limited(sys.stdin.buffer, source)
    path = Path(source).expanduser()
    if not path.is_file():
        what = "is a folder, not a file" if path.is_dir() else "does not exist"
        raise InputError(f"{source} {what}; check the path.", reason="not_found", source=source)
    if path.stat().st_size > MAX_BYTES:
        raise _too_large(source)
    try:
        return path.read_bytes()
    except OSError as error:
        raise InputError(
            f"{source} cannot be read ({error.strerror}); check its permissions.",
            reason="not_found",
            source=source,
        ) from None


def _read_limited(stream: IO[bytes], source: str) -> bytes:
    data = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise _too_large(source)
    return data


def _refuse_declared_size(length: str | None, url: str) -> None:
    if length and length.isdigit() and int(length) > MAX_BYTES:
        raise _too_large(url)


def _too_large(source: str) -> InputError:
    return InputError(
        f"{source} is larger than {MAX_BYTES // (1024 * 1024)} MB; give one article or feed.",
        reason="too_large",
        source=source,
    )


def _unreachable(url: str, cause: str) -> InputError:
    return InputError(
        f"could not fetch {url}: {cause}; check the address or save the page as a file.",
        reason="unreachable",
        source=url,
    )


def _cause(error: object) -> str:
    """A short human cause for a network error ("connection refused", "name not found")."""
    if isinstance(error, socket.gaierror):
        return f"the host name could not be resolved ({error.strerror})"
    if isinstance(error, TimeoutError | socket.timeout):
        return f"no answer within {TIMEOUT_SECONDS} s"
    if isinstance(error, OSError) and error.strerror:
        return error.strerror.lower()
    return str(error) or type(error).__name__
