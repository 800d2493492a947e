"""Article files -> article records, one reader per format, chosen by extension.

* ``.txt``: one article, the whole file; its identity is the file stem.
* ``.json``: a list of objects, an object with an ``"articles"`` list, or one object.
* ``.jsonl`` / ``.ndjson``: one object per line; blank lines are skipped.
* ``.csv``: a header row, then one article per row.  Header names ignore case
  and surrounding spaces; the separator is ``,``, ``;`` or tab, whichever the
  header uses most (spreadsheets in Indonesian locale write ``;``).

A structured record needs its body in exactly one of ``text``, ``body`` or
``content``, and an ``id`` (else its ``url``) as its identity; ``title``,
``outlet``, ``url``, ``published`` and ``language`` are optional, other fields
are ignored.  Every error names the file, the line (the 1-based item number
for a JSON list) and the field, and all bad records of a file are reported
together.  A file with an error yields no records at all.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from marshmallow import (
    EXCLUDE,
    Schema,
    ValidationError,
    fields,
    pre_load,
    validate,
    validates_schema,
)

from annotator.errors import IngestError
from annotator.ingest.dates import parse_published
from annotator.ingest.decode import DecodedText, decode_bytes

__all__ = ["ArticleRecord", "SUPPORTED_EXTENSIONS", "read_records"]

_BODY_FIELDS = ("text", "body", "content")
_METADATA_FIELDS = ("title", "outlet", "url", "published", "language")
_NEWLINES = re.compile(r"\r\n?")
_CSV_SEPARATORS = (",", ";", "\t")


@dataclass(frozen=True)
class ArticleRecord:
    """One article as a file gives it: raw text (furniture and all) and metadata."""

    source: str
    line: int | None
    external_id: str
    text: str
    title: str | None = None
    outlet: str | None = None
    url: str | None = None
    published: str | None = None
    language: str | None = None
    #: how the file was decoded, and a note when it was not UTF-8
    encoding: str = "utf-8"
    encoding_note: str | None = None


class _Identifier(fields.Field):
    """A string or an integer (exports number their articles), kept as a string."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise ValidationError("must be a string or an integer")
        text = str(value).strip()
        if not text:
            raise ValidationError("must not be empty")
        return text


def _is_blank(value: Any) -> bool:
    return isinstance(value, str) and not value.strip()


def _not_blank(value: str) -> None:
    if _is_blank(value):
        raise ValidationError("must not be empty")


def _published(value: str) -> None:
    try:
        parse_published(value)
    except ValueError as error:
        raise ValidationError(str(error)) from None


class _RecordSchema(Schema):
    """One structured article; unknown fields are ignored, wrong types are errors."""

    class Meta:
        unknown = EXCLUDE

    id = _Identifier(allow_none=True)
    url = fields.Url(allow_none=True, schemes={"http", "https"})
    text = fields.String(allow_none=True, validate=_not_blank)
    body = fields.String(allow_none=True, validate=_not_blank)
    content = fields.String(allow_none=True, validate=_not_blank)
    title = fields.String(allow_none=True)
    outlet = fields.String(allow_none=True)
    published = fields.String(allow_none=True, validate=_published)
    language = fields.String(
        allow_none=True,
        validate=validate.Regexp(
            r"^[A-Za-z]{2}(?:[-_][A-Za-z0-9]+)*$",
            error="must be an ISO 639-1 code such as 'id' or 'en'",
        ),
    )

    @pre_load
    def _blank_is_missing(self, data: Any, **kwargs: Any) -> Any:
        # Exports write "" for metadata they lack: read the text for it instead.
        if not isinstance(data, dict):
            return data
        return {
            name: None if name in _METADATA_FIELDS and _is_blank(value) else value
            for name, value in data.items()
        }

    @validates_schema(pass_original=True, skip_on_field_errors=False)
    def _body_and_identity(
        self, data: dict[str, Any], original: dict[str, Any], **kwargs: Any
    ) -> None:
        # Presence is judged on the input, so a body or id of the wrong type
        # is reported as that, not also as missing.
        given = [name for name in _BODY_FIELDS if original.get(name) is not None]
        if not given:
            raise ValidationError(
                f"missing article text: give one of {', '.join(_BODY_FIELDS)}", "text"
            )
        if len(given) > 1:
            raise ValidationError(
                f"article text given twice ({' and '.join(given)}): keep one", given[1]
            )
        if original.get("id") is None and original.get("url") is None:
            raise ValidationError(
                "no identity: add an 'id' (or a 'url') so the article is found again on re-ingest",
                "id",
            )


_SCHEMA = _RecordSchema()


def read_records(data: bytes, *, source: str) -> list[ArticleRecord]:
    """Read the articles of one file; ``source`` names it and picks the reader."""
    suffix = PurePath(source).suffix.lower()
    reader = _READERS.get(suffix)
    if reader is None:
        raise IngestError(
            f"unsupported file type {suffix or '(no extension)'!r}: "
            f"use one of {', '.join(SUPPORTED_EXTENSIONS)}",
            source=source,
        )
    decoded = decode_bytes(data, source=source)
    return reader(decoded, source)


def _read_txt(decoded: DecodedText, source: str) -> list[ArticleRecord]:
    return [
        ArticleRecord(
            source=source,
            line=None,
            external_id=PurePath(source).stem,
            text=decoded.text,
            encoding=decoded.encoding,
            encoding_note=decoded.note,
        )
    ]


def _read_json(decoded: DecodedText, source: str) -> list[ArticleRecord]:
    try:
        document = json.loads(decoded.text)
    except json.JSONDecodeError as error:
        raise IngestError(
            f"malformed JSON: {error.msg} (column {error.colno})", source=source, line=error.lineno
        ) from None
    if isinstance(document, dict) and "articles" in document:
        document = document["articles"]
        if not isinstance(document, list):
            raise IngestError(
                "'articles' must be a list of objects", source=source, field="articles"
            )
    if isinstance(document, list):
        items: Iterator[tuple[int | None, Any]] = enumerate(document, 1)
    elif isinstance(document, dict):
        items = iter([(None, document)])
    else:
        raise IngestError(
            'the file must hold an article object, a list of them, or {"articles": [...]}',
            source=source,
        )
    return _build(items, decoded, source, unit="item")


def _read_jsonl(decoded: DecodedText, source: str) -> list[ArticleRecord]:
    def items() -> Iterator[tuple[int, Any]]:
        for number, line in enumerate(decoded.text.split("\n"), 1):
            if not line.strip():
                continue
            try:
                yield number, json.loads(line)
            except json.JSONDecodeError as error:
                raise IngestError(
                    f"malformed JSON: {error.msg} (column {error.colno})",
                    source=source,
                    line=number,
                ) from None

    return _build(items(), decoded, source, unit="line")


def _read_csv(decoded: DecodedText, source: str) -> list[ArticleRecord]:
    first_line = decoded.text.split("\n", 1)[0]
    separator = max(_CSV_SEPARATORS, key=first_line.count)
    reader = csv.reader(io.StringIO(decoded.text, newline=""), delimiter=separator, strict=True)
    try:
        header = [name.strip().lower() for name in next(reader)]
    except csv.Error as error:
        raise IngestError(f"malformed CSV header: {error}", source=source, line=1) from None
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise IngestError(
            f"the header names {', '.join(map(repr, repeated))} more than once",
            source=source,
            line=1,
            field=repeated[0],
        )
    if not any(name in header for name in _BODY_FIELDS):
        raise IngestError(
            f"no article text column: the header is {', '.join(header)!r}; "
            f"name the column {' or '.join(_BODY_FIELDS)}",
            source=source,
            line=1,
            field="text",
        )
    return _build(_csv_rows(reader, header, source), decoded, source, unit="line")


def _csv_rows(reader: Any, header: list[str], source: str) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows of a ``csv.reader`` as dicts, each with the line it starts on.

    Quoted article text spans lines, so the reader's ``line_num`` (physical
    lines read so far) is what numbers the rows, not a row count.
    """
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise IngestError(
                f"malformed CSV: {error} (in the row starting here)", source=source, line=start
            ) from None
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header):
            raise IngestError(
                f"row has {len(row)} cells but the header has {len(header)}: "
                "quote text that contains the separator",
                source=source,
                line=start,
            )
        # An empty cell is a missing value, not an empty string.
        yield start, {name: cell for name, cell in zip(header, row) if cell.strip()}


def _build(
    items: Iterator[tuple[int | None, Any]], decoded: DecodedText, source: str, *, unit: str
) -> list[ArticleRecord]:
    """Validate every item, then report all problems at once or return the records."""
    records: list[ArticleRecord] = []
    problems: dict[str, list[str]] = {}
    rejected: list[IngestError] = []
    seen: dict[str, int | None] = {}
    for line, item in items:
        try:
            record = _record(item, line, decoded, source, unit)
            if record.external_id in seen:
                raise IngestError(
                    f"duplicate id {record.external_id!r}: {unit}s {seen[record.external_id]} "
                    f"and {line} both use it",
                    source=source,
                    line=line,
                    field="id",
                )
        except IngestError as error:
            rejected.append(error)
            for where, messages in error.errors.items():
                problems.setdefault(where, []).extend(messages)
            continue
        seen[record.external_id] = line
        records.append(record)
    if len(rejected) == 1:
        raise rejected[0]
    if rejected:
        first = rejected[0]
        raise IngestError(
            f"{len(rejected)} {unit}s rejected (each is listed)",
            source=source,
            line=first.line,
            field=first.field,
            errors=problems,
        )
    if not records:
        raise IngestError("no articles in the file", source=source)
    return records


def _record(
    item: Any, line: int | None, decoded: DecodedText, source: str, unit: str
) -> ArticleRecord:
    if not isinstance(item, dict):
        raise IngestError(
            f"each {unit} must be an object with the article's fields", source=source, line=line
        )
    try:
        loaded = _SCHEMA.load(item)
    except ValidationError as error:
        messages = error.messages_dict
        where = source if line is None else f"{source}:{line}"
        fields_in_order = sorted(messages, key=_field_order)
        raise IngestError(
            f"{fields_in_order[0]}: {'; '.join(map(str, messages[fields_in_order[0]]))}",
            source=source,
            line=line,
            field=fields_in_order[0],
            errors={f"{where}:{name}": list(map(str, messages[name])) for name in fields_in_order},
        ) from None
    body = next(loaded[name] for name in _BODY_FIELDS if loaded.get(name) is not None)
    given = {name: loaded[name].strip() if loaded.get(name) else None for name in _METADATA_FIELDS}
    language = given["language"]
    return ArticleRecord(
        source=source,
        line=line,
        external_id=loaded.get("id") or loaded["url"],
        text=_NEWLINES.sub("\n", body),
        title=given["title"],
        outlet=given["outlet"],
        url=given["url"],
        published=given["published"],
        language=language[:2].lower() if language else None,
        encoding=decoded.encoding,
        encoding_note=decoded.note,
    )


def _field_order(name: str) -> int:
    """Report fields in a stable, readable order: identity, text, then the rest."""
    order = ["id", "url", *_BODY_FIELDS, "title", "outlet", "published", "language"]
    return order.index(name) if name in order else len(order)


_READERS: dict[str, Callable[[DecodedText, str], list[ArticleRecord]]] = {
    ".csv": _read_csv,
    ".json": _read_json,
    ".jsonl": _read_jsonl,
    ".ndjson": _read_jsonl,
    ".txt": _read_txt,
}
#: File extensions :func:`read_records` reads, lowercase with the dot.
SUPPORTED_EXTENSIONS = tuple(_READERS)
