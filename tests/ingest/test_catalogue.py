"""The claim catalogue file: what loads, and what each mistake is reported as."""

from __future__ import annotations

import json
import textwrap

import pytest

from annotator.errors import CatalogueError, InputError
from annotator.ingest.catalogue import Catalogue, ClaimEntry, MentionEntry, load_catalogue

VALID = """\
version: 1
story: pact
title: The pact
claims:
  - id: pact-june
    text: Pakta ditandatangani pada Juni 2024.
    text_en: The pact was signed in June 2024.
    mentions:
      - article: "000_a"
        quote: ditandatangani di Pyongyang pekan lalu
      - article: "001_b"
        quotes:
          - pekan lalu
          - Putin berkunjung ke Pyongyang
  - id: shells-1-6-million
    text: Korea Utara mengirim 1,6 juta peluru.
"""

EXPECTED = Catalogue(
    story="pact",
    title="The pact",
    version=1,
    claims=[
        ClaimEntry(
            id="pact-june",
            text="Pakta ditandatangani pada Juni 2024.",
            text_en="The pact was signed in June 2024.",
            mentions=[
                MentionEntry(article="000_a", quotes=["ditandatangani di Pyongyang pekan lalu"]),
                MentionEntry(
                    article="001_b", quotes=["pekan lalu", "Putin berkunjung ke Pyongyang"]
                ),
            ],
        ),
        ClaimEntry(
            id="shells-1-6-million",
            text="Korea Utara mengirim 1,6 juta peluru.",
            text_en=None,
            mentions=[],
        ),
    ],
)


def rejected(text: str, source: str = "claims.yaml") -> CatalogueError:
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(text, source=source)
    return caught.value


def catalogue_with(claims: str) -> str:
    """A valid header followed by ``claims`` (YAML, indented as list items)."""
    header = "version: 1\nstory: pact\ntitle: The pact\nclaims:\n"
    return header + textwrap.indent(textwrap.dedent(claims), "  ")


def test_valid_yaml_loads_into_dataclasses():
    assert load_catalogue(VALID, source="claims.yaml") == EXPECTED


def test_bytes_with_a_byte_order_mark_load_the_same():
    assert load_catalogue(b"\xef\xbb\xbf" + VALID.encode(), source="claims.yaml") == EXPECTED


def test_json_loads_the_same_as_yaml():
    import yaml

    as_json = json.dumps(yaml.safe_load(VALID), ensure_ascii=False, indent=2)
    assert load_catalogue(as_json, source="claims.json") == EXPECTED


def test_outer_whitespace_of_quotes_and_text_is_dropped():
    loaded = load_catalogue(
        catalogue_with("""\
            - id: a
              text: "  Klaim.  "
              mentions:
                - article: "000_a"
                  quote: "  umpan meriam "
            """),
        source="claims.yaml",
    )
    assert loaded.claims[0].text == "Klaim."
    assert loaded.claims[0].mentions[0].quotes == ["umpan meriam"]


@pytest.mark.parametrize(
    ("claims", "where", "says"),
    [
        (
            """\
            - id: pact
              text: Satu.
            - id: pact
              text: Dua.
            """,
            "claims[1].id",
            "id 'pact' is already used by claims[0]",
        ),
        (
            """\
            - id: Pact_June
              text: Satu.
            """,
            "Pact_June.id",
            "not a slug: use lowercase letters, digits and single hyphens, e.g. 'pact-june'",
        ),
        (
            """\
            - id: pact-
              text: Satu.
            """,
            "pact-.id",
            "not a slug",
        ),
        (
            """\
            - id: pact
              text: Satu.
              mentions:
                - article: "000_a"
                  quote: "   "
            """,
            "pact.mentions[0].quote",
            "quote is empty",
        ),
        (
            """\
            - id: pact
              text: Satu.
              mentions:
                - article: "000_a"
                  quotes: [umpan meriam, ""]
            """,
            "pact.mentions[0].quotes[1]",
            "quote is empty",
        ),
        (
            """\
            - id: pact
              text: Satu.
              txet: Dua.
            """,
            "pact.txet",
            "unknown key: fix its spelling or remove it (allowed here: id, text, text_en, mentions)",
        ),
        (
            """\
            - id: pact
              text: Satu.
              mentions:
                - article: "000_a"
                  qoute: umpan meriam
            """,
            "pact.mentions[0].qoute",
            "unknown key",
        ),
        (
            """\
            - id: pact
              text_en: One.
            """,
            "pact.text",
            "text is missing",
        ),
        (
            """\
            - text: Satu.
            """,
            "claims[0].id",
            "id is missing",
        ),
        (
            """\
            - id: pact
              text: 2024
            """,
            "pact.text",
            "must be text: put the value in quotes",
        ),
        (
            """\
            - id: pact
              text: Satu.
              mentions:
                - article: "000_a"
                  quote: umpan meriam
                - article: "000_a"
                  quote: pekan lalu
            """,
            "pact.mentions[1].article",
            "article '000_a' is already listed in mentions[0]",
        ),
        (
            """\
            - id: pact
              text: Satu.
              mentions:
                - article: "000_a"
                  quote: umpan meriam
                  quotes: [pekan lalu]
            """,
            "pact.mentions[0].quote",
            "either `quote:` (one passage) or `quotes:` (a list)",
        ),
        (
            """\
            - id: pact
              text: Satu.
              mentions:
                - article: "000_a"
            """,
            "pact.mentions[0].quote",
            "either `quote:` (one passage) or `quotes:` (a list)",
        ),
        (
            """\
            - just a sentence
            """,
            "claims[0]",
            "expected a mapping of keys (id, text, text_en, mentions)",
        ),
    ],
    ids=[
        "duplicate-id",
        "bad-slug",
        "slug-trailing-hyphen",
        "empty-quote",
        "empty-quote-in-list",
        "unknown-claim-key",
        "unknown-mention-key",
        "missing-text",
        "missing-id",
        "text-not-a-string",
        "duplicate-article-in-claim",
        "quote-and-quotes",
        "no-quote",
        "claim-not-a-mapping",
    ],
)
def test_invalid_claim_is_reported_where_to_fix_it(claims, where, says):
    error = rejected(catalogue_with(claims))
    assert where in error.errors, error.errors
    assert any(says in message for message in error.errors[where]), error.errors[where]


@pytest.mark.parametrize(
    ("text", "where", "says"),
    [
        (VALID.replace("version: 1", "version: 2"), "version", "unsupported version 2"),
        (VALID.replace("story: pact", "story: The Pact"), "story", "not a slug"),
        (VALID.replace("title: The pact\n", ""), "title", "title is missing"),
        (VALID.replace("title:", "titel:"), "titel", "unknown key"),
        ("version: 1\nstory: pact\ntitle: T\nclaims: []\n", "claims", "list at least one claim"),
        ("- version: 1\n", "claims.yaml", "expected a mapping"),
        ("", "claims.yaml", "the file is empty"),
    ],
    ids=[
        "bad-version",
        "bad-story-slug",
        "missing-title",
        "unknown-top-key",
        "no-claims",
        "not-a-mapping",
        "empty-file",
    ],
)
def test_invalid_header_is_reported(text, where, says):
    error = rejected(text)
    assert where in error.errors, error.errors
    assert any(says in message for message in error.errors[where]), error.errors[where]


def test_every_problem_is_reported_at_once():
    error = rejected(catalogue_with("""\
            - id: pact
              text: ""
            - id: pact
              text: Dua.
            - id: BAD
              text: Tiga.
              colour: red
            """))
    assert set(error.errors) == {"claims[0].text", "claims[1].id", "BAD.id", "BAD.colour"}
    assert error.message == "claims.yaml: the claim catalogue has 4 problems"
    assert isinstance(error, InputError) and error.status == 400


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("version: 1\nstory: pact\ntitle: [The pact\nclaims: []\n", "claims.yaml:4"),
        (
            "version: 1\nstory: pact\nclaims:\n  - id: a\n    text: Kata Ryder: umpan meriam\n",
            "claims.yaml:5",
        ),
        ("version: 1\nstory: pact\nstory: other\n", "claims.yaml:3"),
    ],
    ids=["unclosed-bracket", "colon-in-plain-value", "duplicate-key"],
)
def test_malformed_yaml_names_the_line(text, where):
    error = rejected(text)
    assert list(error.errors) == [where]
    assert error.message.startswith(f"{where}: not valid YAML")


def test_unclosed_bracket_says_where_it_opened():
    error = rejected("version: 1\nstory: pact\ntitle: [The pact\nclaims: []\n")
    assert "(from line 3)" in error.message


def test_colon_in_plain_value_suggests_quoting():
    error = rejected("version: 1\nclaims:\n  - id: a\n    text: Kata Ryder: umpan meriam\n")
    assert "put it in quotes" in error.message


def test_malformed_json_names_the_line():
    error = rejected('{\n  "version": 1,\n  "story": \n}', source="claims.json")
    assert list(error.errors) == ["claims.json:4"]


def test_not_utf8_names_the_line():
    error = rejected(b"version: 1\nstory: caf\xe9\n")
    assert error.errors == {"claims.yaml:2": ["not UTF-8 text: save the file as UTF-8"]}
