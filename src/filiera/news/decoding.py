"""Bytes to text: refuse empty and binary inputs, then find the encoding.

The order is: a byte-order mark, the HTTP charset, a `<meta charset>` or XML declaration,
UTF-8, and last the legacy single-byte encodings charset_normalizer proposes, each decoding
judged by whether its accented letters are those of the languages news comes in (Italian
"à" read as Polish "ŕ" is not convincing). When nothing is convincing the input is refused.
"""

from __future__ import annotations

import codecs
import re

import charset_normalizer

from filiera.news.fetch import InputError

# Leading bytes of formats people save articles in by mistake -> the name we report.
MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (or a Word/OpenDocument file)"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"\xd0\xcf\x11\xe0", "an old Microsoft Office document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"{\\rtf", "an RTF document"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
)
BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Labels browsers read as windows-1252 (WHATWG Encoding Standard).
WINDOWS_1252_LABELS = frozenset({"iso-8859-1", "latin-1", "latin1", "ascii", "us-ascii", "l1"})
# Legacy encodings tried for text that is not UTF-8, most common in Western Europe first.
LEGACY_ENCODINGS = ("cp1252", "iso-8859-15", "cp1250", "iso-8859-2", "latin-1")
# Non-ASCII letters and signs of Italian, English, French, German, Spanish, Dutch,
# Portuguese and Polish text, lower and upper case.
_LETTERS = "àáâãäåæçèéêëìíîïñòóôõöøùúûüýÿœąćęłńśźż"
WESTERN_CHARACTERS = frozenset(_LETTERS + _LETTERS.upper() + "ß€£«»‘’‚“”„–—…•·°ºª§©®™\xa0¡¿×")
MAX_CONTROL_SHARE = 0.05  # text has tabs and newlines, hardly any other control bytes
MAX_NON_ASCII_LETTER_SHARE = 0.3  # Polish has ~7 % accented letters; mojibake has most
MIN_WESTERN_SHARE = 0.9
MAX_CHAOS = 0.1  # charset_normalizer's "mess" of a guess
MIN_COHERENCE = 0.3  # ...and how well its letters fit a language (0 for random bytes)

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]+encoding\s*=\s*["']([\w.:-]+)["']""", re.IGNORECASE)
_HTTP_CHARSET = re.compile(r"""charset\s*=\s*["']?([\w.:-]+)""", re.IGNORECASE)
_CONTROL_BYTES = frozenset(range(0x20)) - {0x09, 0x0A, 0x0C, 0x0D, 0x1B}


def decode_bytes(data: bytes, source: str, *, content_type: str | None = None) -> str:
    """The text of `data`; refuses empty, binary and undecodable input naming `source`."""
    if not data.strip():
        raise _empty(source)
    text = _decode(data, source, content_type)
    if not text.strip():
        raise _empty(source)
    return text


def _decode(data: bytes, source: str, content_type: str | None) -> str:
    bom_encoding = _bom_encoding(data)
    if bom_encoding:
        return _strip_bom(data.decode(bom_encoding, errors="replace"))
    _refuse_binary(data, source)
    for label in (_http_charset(content_type), _declared_charset(data)):
        text = _decode_declared(data, label)
        if text is not None:
            return text
    text = _decode_utf8(data)
    if text is None:
        text = _guess_legacy(data)
    if text is None:
        raise InputError(
            f"cannot tell the text encoding of {source}; save it as UTF-8.",
            reason="encoding",
            source=source,
        )
    return text


def binary_kind(data: bytes) -> str | None:
    """What binary format `data` is ("a PDF document", ...), or None for text."""
    for magic, name in MAGIC:
        if data.startswith(magic):
            return name
    if b"\x00" in data[:65536]:
        return "binary data (it contains NUL bytes)"
    head = data[:65536]
    controls = sum(byte in _CONTROL_BYTES for byte in head)
    if controls > MAX_CONTROL_SHARE * len(head):
        return "binary data (mostly non-text bytes)"
    return None


def _refuse_binary(data: bytes, source: str) -> None:
    kind = binary_kind(data)
    if kind:
        raise InputError(
            f"{source} is {kind}, not text; save the article as text or HTML.",
            reason="binary",
            source=source,
        )


def _empty(source: str) -> InputError:
    return InputError(
        f"{source} is empty; give a file or page with the article's text.",
        reason="empty",
        source=source,
    )


def _bom_encoding(data: bytes) -> str | None:
    return next((encoding for bom, encoding in BOMS if data.startswith(bom)), None)


def _strip_bom(text: str) -> str:
    return text[1:] if text.startswith("\ufeff") else text


def _http_charset(content_type: str | None) -> str | None:
    match = _HTTP_CHARSET.search(content_type or "")
    return match.group(1) if match else None


def _declared_charset(data: bytes) -> str | None:
    head = data[:4096]
    match = _XML_ENCODING.search(head) or _META_CHARSET.search(head)
    return match.group(1).decode("ascii", errors="ignore") if match else None


def _decode_declared(data: bytes, label: str | None) -> str | None:
    """`data` decoded as declared; None for an unknown label or bytes that do not fit it.

    A page declared Latin-1 that is valid UTF-8 with accents is UTF-8: servers often
    announce the wrong one, and UTF-8 sequences almost never happen by chance.
    """
    encoding = _codec_name(label)
    if encoding is None:
        return None
    if encoding == "cp1252":
        utf8 = _decode_utf8(data)
        if utf8 is not None and not utf8.isascii():
            return utf8
        return _decode_strict(data, "cp1252") or _decode_strict(data, "latin-1")
    return _decode_strict(data, encoding)


def _codec_name(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().lower()
    if label in WINDOWS_1252_LABELS:
        return "cp1252"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _decode_strict(data: bytes, encoding: str) -> str | None:
    try:
        return _strip_bom(data.decode(encoding))
    except (UnicodeDecodeError, LookupError):
        return None


def _decode_utf8(data: bytes) -> str | None:
    return _decode_strict(data, "utf-8")


def _guess_legacy(data: bytes) -> str | None:
    """The most convincing single-byte decoding, or None when none convinces."""
    guesses = charset_normalizer.from_bytes(data)
    proposed = [match.encoding for match in guesses if match.chaos <= MAX_CHAOS]
    best_text, best_share = None, 0.0
    for encoding in dict.fromkeys([*LEGACY_ENCODINGS, *proposed]):
        text = _decode_strict(data, encoding)
        share = western_share(text) if text is not None else 0.0
        if share > best_share:
            best_text, best_share = text, share
    if best_share >= MIN_WESTERN_SHARE:
        return best_text
    best = guesses.best()  # another script (Greek, Cyrillic): trust a clean, coherent guess
    if best is not None and best.chaos <= MAX_CHAOS and best.coherence >= MIN_COHERENCE:
        return str(best)
    return None


def western_share(text: str) -> float:
    """Share of the non-ASCII characters that belong to Western European text (0..1).

    0 when accented letters are more than a third of all letters: that is another script
    read with the wrong table ("Ïðèâåò"), not a European language.
    """
    non_ascii = [char for char in text if not char.isascii()]
    if not non_ascii:
        return 1.0
    letters = sum(char.isalpha() for char in text)
    if sum(char.isalpha() for char in non_ascii) > MAX_NON_ASCII_LETTER_SHARE * letters:
        return 0.0
    return sum(char in WESTERN_CHARACTERS for char in non_ascii) / len(non_ascii)
