"""Bytes of an article file -> text, saying how it was decoded.

UTF-8 (with or without a byte-order mark) is the normal case and needs no note.
Newsroom exports from Windows tools are often cp1252 (or its subset latin-1);
those are decoded and the note says so, so the coordinator can re-export.
Anything that is not text is refused rather than stored as mojibake.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass

from charset_normalizer import from_bytes

from annotator.errors import IngestError

__all__ = ["DecodedText", "decode_bytes"]

#: Above this share of control characters the "text" is really binary data.
_MAX_CONTROL_SHARE = 0.05
#: Above this share of non-ASCII characters a cp1252 reading is not Western
#: text (Indonesian and English prose is almost all ASCII) but another encoding.
_MAX_NON_ASCII_SHARE = 0.3
#: Bytes 0x80-0x9F are printable only in cp1252; latin-1 maps them to controls.
_CP1252_ONLY = re.compile(rb"[\x80-\x9f]")
#: A well-formed 3- or 4-byte UTF-8 sequence ("\xe2\x80\x9c" is a curly quote).
#: cp1252 text never contains these, so seeing one next to invalid bytes means
#: a file that mixes encodings.
_UTF8_MULTIBYTE = re.compile(rb"[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_NEWLINES = re.compile(r"\r\n?")
_ALLOWED_CONTROLS = frozenset("\t\n\r\f")


@dataclass(frozen=True)
class DecodedText:
    """Text of a file, the codec that read it, and a note when it was not UTF-8."""

    text: str
    encoding: str
    note: str | None = None


def decode_bytes(data: bytes, *, source: str) -> DecodedText:
    """Decode an article file, refusing empty and binary files."""
    if not data:
        raise IngestError("file is empty", source=source)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # UTF-16 text is full of NUL bytes, so it must be caught before the
        # binary check; Excel's "Unicode text" export writes it with a BOM.
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise _binary(source, f"byte-order mark says UTF-16, {error.reason}") from None
        encoding, note = "utf-16", "decoded as utf-16 (byte-order mark)"
    else:
        nul = data.find(b"\x00")
        if nul >= 0:
            raise _binary(source, f"NUL byte at byte {nul}")
        text, encoding, note = _decode_text(data, source)
    if not text.strip():
        raise IngestError("file is empty (only white space)", source=source)
    if _control_share(text) > _MAX_CONTROL_SHARE:
        raise _binary(source, "mostly control characters")
    return DecodedText(_NEWLINES.sub("\n", text), encoding, note)


def _decode_text(data: bytes, source: str) -> tuple[str, str, str | None]:
    try:
        if data.startswith(codecs.BOM_UTF8):
            return data.decode("utf-8-sig"), "utf-8-sig", None
        return data.decode("utf-8"), "utf-8", None
    except UnicodeDecodeError as error:
        bad_at = error.start
    why = f"not valid UTF-8 at byte {bad_at}"
    if _UTF8_MULTIBYTE.search(data):
        raise IngestError(
            f"file mixes encodings: it holds UTF-8 characters but is {why}; "
            "save it again as UTF-8",
            source=source,
        )
    legacy = _decode_western(data)
    if legacy is not None:
        text, encoding = legacy
        return text, encoding, f"decoded as {encoding}: {why}"
    guess = from_bytes(data).best()
    if guess is None:
        raise _binary(source, f"{why} and not text in any encoding tried")
    return str(guess), guess.encoding, f"decoded as {guess.encoding} (detected): {why}"


def _decode_western(data: bytes) -> tuple[str, str] | None:
    """Read ``data`` as cp1252 or latin-1 if that gives Western text."""
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return None  # 0x81, 0x8D, 0x8F, 0x90, 0x9D: not cp1252, not latin-1 text
    letters = [c for c in text if not c.isspace()]
    if letters and sum(not c.isascii() for c in letters) / len(letters) > _MAX_NON_ASCII_SHARE:
        return None
    # Without 0x80-0x9F both codecs read the same; name the narrower standard.
    return text, "cp1252" if _CP1252_ONLY.search(data) else "latin-1"


def _control_share(text: str) -> float:
    controls = sum(
        1 for c in text if c not in _ALLOWED_CONTROLS and unicodedata.category(c) == "Cc"
    )
    return controls / len(text)


def _binary(source: str, why: str) -> IngestError:
    return IngestError(
        f"file is binary, not text ({why}): export the article as UTF-8 text, "
        "JSON, JSONL or CSV",
        source=source,
    )
