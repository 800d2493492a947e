"""Reports as files: each format rendered from the report dict and written into ``exports/``."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..errors import InputError
from ..vocabulary import REPORT_FORMATS
from .claimreview import claim_reviews
from .fever import fever_lines
from .html import render_html
from .tabular import claims_csv, mentions_csv
from .writer import report_name, write_atomically

__all__ = ["FORMATS", "RenderedFile", "render", "json_chunks", "write_reports"]

FORMATS = REPORT_FORMATS


@dataclasses.dataclass(frozen=True)
class RenderedFile:
    #: what follows the project and time in the file name, e.g. ".claims.csv"
    suffix: str
    content: str
    media_type: str
    #: what the file leaves out and why (ClaimReview), for the caller to say
    note: str | None = None


def render(data: dict, fmt: str) -> list[RenderedFile]:
    """The file(s) of one format (CSV gives two: claims and mentions)."""
    if fmt == "csv":
        return [
            RenderedFile(".claims.csv", claims_csv(data), "text/csv"),
            RenderedFile(".mentions.csv", mentions_csv(data), "text/csv"),
        ]
    if fmt == "json":
        return [RenderedFile(".json", json.dumps(data, ensure_ascii=False, indent=2) + "\n", "application/json")]
    if fmt == "claimreview":
        reviews, left_out = claim_reviews(data)
        note = None
        if left_out["left_out"]:
            note = f"{left_out['left_out']} claim(s) left out of ClaimReview (not settled or adjudicated)"
        document = {"@context": "https://schema.org", "@graph": reviews, "annotator:leftOut": left_out}
        content = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
        return [RenderedFile(".claimreview.jsonld", content, "application/ld+json", note)]
    if fmt == "fever":
        return [RenderedFile(".fever.jsonl", fever_lines(data), "application/x-ndjson")]
    if fmt == "html":
        return [RenderedFile(".html", render_html(data), "text/html")]
    raise InputError(
        f"unknown report format {fmt!r}", {"format": [f"choose from {', '.join(FORMATS)}"]}
    )


def json_chunks(data: dict, size: int = 1 << 16) -> Iterator[str]:
    """The JSON report in pieces of about ``size`` characters, to stream: a desk's
    report is tens of megabytes, which need not sit in memory twice as one string.

    Compact, one list item (a claim) per line: an indented encoder runs in pure
    Python, and was most of the download's time at desk scale; this one is C's.
    """
    pending: list[str] = []
    length = 0
    for piece in _json_pieces(data):
        pending.append(piece)
        length += len(piece)
        if length >= size:
            yield "".join(pending)
            pending, length = [], 0
    yield "".join(pending)


def _json_pieces(data: dict) -> Iterator[str]:
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    yield "{"
    for number, (key, value) in enumerate(data.items()):
        yield ("," if number else "") + "\n" + encode(key) + ":"
        if isinstance(value, list):
            yield "["
            for index, item in enumerate(value):
                yield ("," if index else "") + "\n" + encode(item)
            yield "]"
        else:
            yield encode(value)
    yield "\n}\n"


def write_reports(
    data: dict, formats: Iterable[str], exports_dir: Path, *, name: str | None = None
) -> list[tuple[Path, RenderedFile]]:
    """Render every format first (so a bad one writes nothing), then write each file atomically."""
    rendered = [file for fmt in formats for file in render(data, fmt)]
    moment = dt.datetime.fromisoformat(data["generated_at"])
    base = name or report_name(data["project"]["key"], moment, "")
    return [(write_atomically(exports_dir, base + file.suffix, file.content), file) for file in rendered]
