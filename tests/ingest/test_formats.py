"""read_records: one reader per extension; every error names file, line and field."""

from __future__ import annotations

import json

import pytest

from annotator.errors import IngestError
from annotator.ingest import SUPPORTED_EXTENSIONS, ArticleRecord, read_records

BODY = "KYIV, Mercinews.com – Amerika Serikat (AS) mengeklaim ..."


def _json(document: object) -> bytes:
    return json.dumps(document, ensure_ascii=False).encode()


def _jsonl(*lines: object) -> bytes:
    return "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines).encode()


def test_supported_extensions() -> None:
    assert SUPPORTED_EXTENSIONS == (".csv", ".json", ".jsonl", ".ndjson", ".txt")


# -- plain text ----------------------------------------------------------------


def test_text_file_is_one_article_named_by_its_stem() -> None:
    data = b"KYIV, Mercinews.com \xe2\x80\x93 Amerika ...\r\n(m/ci)"
    assert read_records(data, source="000_6d5ce1f4fcefeb83.txt") == [
        ArticleRecord(
            source="000_6d5ce1f4fcefeb83.txt",
            line=None,
            external_id="000_6d5ce1f4fcefeb83",
            text="KYIV, Mercinews.com – Amerika ...\n(m/ci)",
        )
    ]


def test_extension_is_case_insensitive() -> None:
    [record] = read_records(b"Teks.", source="ARTIKEL.TXT")
    assert record.external_id == "ARTIKEL"


def test_decoding_note_travels_with_each_record() -> None:
    data = b"id,text\na1,Caf\xe9 \x93dikutip\x94\na2,Teks kedua\n"
    records = read_records(data, source="export.csv")
    assert [(r.text, r.encoding, r.encoding_note) for r in records] == [
        ("Café “dikutip”", "cp1252", "decoded as cp1252: not valid UTF-8 at byte 14"),
        ("Teks kedua", "cp1252", "decoded as cp1252: not valid UTF-8 at byte 14"),
    ]


# -- JSON ----------------------------------------------------------------------

FULL = {
    "id": "tribun-2024-06-27",
    "text": "Isi artikel.\r\nParagraf dua.",
    "title": "Judul",
    "outlet": "Tribunnews.com",
    "url": "https://www.tribunnews.com/internasional/2024/06/27/a",
    "published": "2024-06-27",
    "language": "id",
    "views": 1234,  # unknown fields are ignored
}


@pytest.mark.parametrize(
    ("document", "lines"),
    [
        pytest.param([FULL, {"id": "b", "text": "Dua."}], [1, 2], id="list"),
        pytest.param({"articles": [FULL, {"id": "b", "text": "Dua."}]}, [1, 2], id="articles-key"),
        pytest.param(FULL, [None], id="single-object"),
    ],
)
def test_json_shapes(document: object, lines: list[int | None]) -> None:
    records = read_records(_json(document), source="export.json")
    assert [r.line for r in records] == lines
    assert records[0] == ArticleRecord(
        source="export.json",
        line=lines[0],
        external_id="tribun-2024-06-27",
        text="Isi artikel.\nParagraf dua.",
        title="Judul",
        outlet="Tribunnews.com",
        url="https://www.tribunnews.com/internasional/2024/06/27/a",
        published="2024-06-27",
        language="id",
    )


@pytest.mark.parametrize("name", ["text", "body", "content"])
def test_body_field_may_be_named_text_body_or_content(name: str) -> None:
    [record] = read_records(_json([{"id": "a", name: "Isi."}]), source="export.json")
    assert record.text == "Isi."


@pytest.mark.parametrize(
    ("item", "external_id"),
    [
        pytest.param({"id": 17, "text": "Isi."}, "17", id="integer-id"),
        pytest.param({"id": "  a-1 ", "text": "Isi."}, "a-1", id="id-trimmed"),
        pytest.param(
            {"url": "https://pahami.id/x", "text": "Isi."},
            "https://pahami.id/x",
            id="url-when-no-id",
        ),
        pytest.param(
            {"id": "a", "url": "https://pahami.id/x", "text": "Isi."}, "a", id="id-before-url"
        ),
    ],
)
def test_identity_is_id_else_url(item: dict, external_id: str) -> None:
    [record] = read_records(_json([item]), source="export.json")
    assert record.external_id == external_id


@pytest.mark.parametrize(
    ("given", "language"),
    [("id", "id"), ("ID", "id"), ("id-ID", "id"), ("en_US", "en"), (None, None)],
    ids=["lower", "upper", "with-region", "with-underscore-region", "null"],
)
def test_language_is_normalised_to_iso_639_1(given: str | None, language: str | None) -> None:
    [record] = read_records(
        _json([{"id": "a", "text": "Isi.", "language": given}]), source="e.json"
    )
    assert record.language == language


def test_blank_optional_fields_are_missing() -> None:
    item = {"id": "a", "text": "Isi.", "title": " ", "published": "", "language": "", "url": ""}
    [record] = read_records(_json([item]), source="e.json")
    assert (record.title, record.published, record.language, record.url) == (None, None, None, None)


def test_given_metadata_is_trimmed() -> None:
    [record] = read_records(
        _json([{"id": "a", "text": "Isi.", "outlet": " Pahami.id\n"}]), source="e.json"
    )
    assert record.outlet == "Pahami.id"


def test_null_optional_fields_are_missing() -> None:
    item = {
        "id": "a",
        "text": "Isi.",
        "title": None,
        "outlet": None,
        "url": None,
        "published": None,
    }
    [record] = read_records(_json([item]), source="e.json")
    assert (record.title, record.outlet, record.url, record.published) == (None, None, None, None)


# -- JSONL ---------------------------------------------------------------------


@pytest.mark.parametrize("source", ["export.jsonl", "export.ndjson"])
def test_jsonl_lines_are_numbered_as_in_the_file(source: str) -> None:
    data = _jsonl({"id": "a", "text": "Satu."}, "", "   ", {"id": "b", "body": "Dua."})
    assert [(r.line, r.external_id, r.text) for r in read_records(data, source=source)] == [
        (1, "a", "Satu."),
        (4, "b", "Dua."),
    ]


# -- CSV -----------------------------------------------------------------------


def test_csv_rows_are_numbered_by_the_line_they_start_on() -> None:
    data = (
        "ID , Title,TEXT,published\n"
        'a,Judul,"Paragraf satu.\n\nParagraf dua, dengan koma.",2024-10-28\n'
        "\n"
        "b,,Teks kedua,\n"
    ).encode()
    records = read_records(data, source="export.csv")
    assert [(r.line, r.external_id, r.title, r.text, r.published) for r in records] == [
        (2, "a", "Judul", "Paragraf satu.\n\nParagraf dua, dengan koma.", "2024-10-28"),
        (6, "b", None, "Teks kedua", None),
    ]


def test_csv_separator_follows_the_header() -> None:
    data = "id;outlet;text\na;Pahami.id;Rusia, Korea Utara dan AS.\n".encode()
    [record] = read_records(data, source="excel.csv")
    assert (record.outlet, record.text) == ("Pahami.id", "Rusia, Korea Utara dan AS.")


def test_csv_with_bom_and_crlf() -> None:
    data = b"\xef\xbb\xbfid,text\r\na,Satu.\r\n"
    [record] = read_records(data, source="excel.csv")
    assert (record.external_id, record.text, record.encoding) == ("a", "Satu.", "utf-8-sig")


# -- errors --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "data", "line", "field", "message"),
    [
        pytest.param(
            "a.docx",
            b"PK",
            None,
            None,
            "unsupported file type '.docx': use one of .csv, .json, .jsonl, .ndjson, .txt",
            id="unknown-extension",
        ),
        pytest.param(
            "README",
            b"text",
            None,
            None,
            "unsupported file type '(no extension)': use one of .csv, .json, .jsonl, .ndjson, .txt",
            id="no-extension",
        ),
        pytest.param("a.json", b"", None, None, "file is empty", id="empty-file"),
        pytest.param("a.csv", b"\x00\x01\x02", None, None, "file is binary", id="binary-file"),
        pytest.param(
            "a.json",
            b'[\n  {"id": "a", "text": "x"},\n  {"id": "b" "text": "y"}\n]',
            3,
            None,
            "malformed JSON: Expecting ',' delimiter (column 14)",
            id="malformed-json",
        ),
        pytest.param(
            "a.jsonl",
            _jsonl({"id": "a", "text": "x"}, '{"id": "b", "text": "y"'),
            2,
            None,
            "malformed JSON: Expecting ',' delimiter (column 24)",
            id="malformed-jsonl-line",
        ),
        pytest.param("a.json", b"[]", None, None, "no articles in the file", id="empty-list"),
        pytest.param(
            "a.json",
            b'"just text"',
            None,
            None,
            'the file must hold an article object, a list of them, or {"articles": [...]}',
            id="json-scalar",
        ),
        pytest.param(
            "a.json",
            b'{"articles": {"id": "a"}}',
            None,
            "articles",
            "'articles' must be a list of objects",
            id="articles-not-a-list",
        ),
        pytest.param(
            "a.json",
            b'[{"id": "a", "text": "x"}, "b"]',
            2,
            None,
            "each item must be an object with the article's fields",
            id="item-not-an-object",
        ),
        pytest.param(
            "a.jsonl",
            b"[1, 2]",
            1,
            None,
            "each line must be an object with the article's fields",
            id="jsonl-line-not-an-object",
        ),
        pytest.param(
            "a.json",
            _json([{"id": "a", "title": "Judul"}]),
            1,
            "text",
            "text: missing article text: give one of text, body, content",
            id="missing-body",
        ),
        pytest.param(
            "a.json",
            _json([{"id": "a", "text": "x", "content": "y"}]),
            1,
            "content",
            "content: article text given twice (text and content): keep one",
            id="body-given-twice",
        ),
        pytest.param(
            "a.json",
            _json([{"id": "a", "text": "  "}]),
            1,
            "text",
            "text: must not be empty",
            id="blank-body",
        ),
        pytest.param(
            "a.json",
            _json([{"id": "a", "text": 42}]),
            1,
            "text",
            "text: Not a valid string.",
            id="body-wrong-type",
        ),
        pytest.param(
            "a.json",
            _json([{"id": "a", "text": "x", "title": ["Judul"]}]),
            1,
            "title",
            "title: Not a valid string.",
            id="title-wrong-type",
        ),
        pytest.param(
            "a.json",
            _json([{"id": True, "text": "x"}]),
            1,
            "id",
            "id: must be a string or an integer",
            id="id-wrong-type",
        ),
        pytest.param(
            "a.json",
            _json([{"id": "a", "text": "x", "published": 20241028}]),
            1,
            "published",
            "published: Not a valid string.",
            id="published-wrong-type",
        ),
        pytest.param(
            "a.json",
            _json([{"id": "a", "text": "x", "published": "Senin (28/10)"}]),
            1,
            "published",
            "published: 'Senin (28/10)' is not a date with a year; use YYYY-MM-DD",
            id="published-without-year",
        ),
        pytest.param(
            "a.json",
            _json([{"id": "a", "text": "x", "url": "pahami.id/x"}]),
            1,
            "url",
            "url: Not a valid URL.",
            id="url-not-a-url",
        ),
        pytest.param(
            "a.json",
            _json([{"id": "a", "text": "x", "language": "Indonesian"}]),
            1,
            "language",
            "language: must be an ISO 639-1 code such as 'id' or 'en'",
            id="language-not-a-code",
        ),
        pytest.param(
            "a.jsonl",
            _jsonl({"text": "x", "title": "Judul"}),
            1,
            "id",
            "id: no identity: add an 'id' (or a 'url') so the article is found again on re-ingest",
            id="missing-id-and-url",
        ),
        pytest.param(
            "a.json",
            _json([{"id": "", "text": "x"}]),
            1,
            "id",
            "id: must not be empty",
            id="empty-id",
        ),
        pytest.param(
            "a.jsonl",
            _jsonl({"id": "a", "text": "x"}, {"id": "b", "text": "y"}, {"id": "a", "text": "z"}),
            3,
            "id",
            "duplicate id 'a': lines 1 and 3 both use it",
            id="duplicate-id-jsonl",
        ),
        pytest.param(
            "a.json",
            _json([{"url": "https://x.id/a", "text": "x"}, {"url": "https://x.id/a", "text": "y"}]),
            2,
            "id",
            "duplicate id 'https://x.id/a': items 1 and 2 both use it",
            id="duplicate-url-json",
        ),
        pytest.param(
            "a.csv",
            b"id,title,lead\na,Judul,Teks\n",
            1,
            "text",
            "no article text column: the header is 'id, title, lead'; name the column text or body or content",
            id="csv-missing-body-column",
        ),
        pytest.param(
            "a.csv",
            b"id,text,Text\na,x,y\n",
            1,
            "text",
            "the header names 'text' more than once",
            id="csv-repeated-column",
        ),
        pytest.param(
            "a.csv",
            b"id,text\na,x\nb,y,z\n",
            3,
            None,
            "row has 3 cells but the header has 2: quote text that contains the separator",
            id="csv-too-many-cells",
        ),
        pytest.param(
            "a.csv",
            b'id,text\na,x\nb,"unclosed\nmore\nlines\n',
            3,
            None,
            "malformed CSV: unexpected end of data",
            id="csv-unclosed-quote",
        ),
        pytest.param(
            "a.csv",
            b"id,text\na,\n",
            2,
            "text",
            "text: missing article text: give one of text, body, content",
            id="csv-empty-body-cell",
        ),
        pytest.param(
            "a.csv", b"id,text\n", None, None, "no articles in the file", id="csv-header-only"
        ),
    ],
)
def test_errors_name_file_line_and_field(
    source: str, data: bytes, line: int | None, field: str | None, message: str
) -> None:
    with pytest.raises(IngestError) as caught:
        read_records(data, source=source)
    error = caught.value
    where = source if line is None else f"{source}:{line}"
    assert (error.source, error.line, error.field) == (source, line, field)
    assert error.message.startswith(f"{where}: {message}")


def test_all_bad_records_of_a_file_are_reported_together() -> None:
    data = _jsonl(
        {"id": "a", "text": "Baik."},
        {"id": "b", "title": 5},
        {"text": "Tanpa id."},
        {"id": "a", "text": "Lagi."},
    )
    with pytest.raises(IngestError) as caught:
        read_records(data, source="a.jsonl")
    error = caught.value
    assert error.message == "a.jsonl:2: 3 lines rejected (each is listed)"
    assert error.errors == {
        "a.jsonl:2:text": ["missing article text: give one of text, body, content"],
        "a.jsonl:2:title": ["Not a valid string."],
        "a.jsonl:3:id": [
            "no identity: add an 'id' (or a 'url') so the article is found again on re-ingest"
        ],
        "a.jsonl:4:id": ["duplicate id 'a': lines 1 and 4 both use it"],
    }
