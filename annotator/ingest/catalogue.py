"""Load the claim catalogue: the file in which the coordinator names each claim once.

The file is YAML, or JSON when ``source`` ends in ``.json``::

    version: 1                                # format version; only 1 exists
    story: dprk-troops-russia-2024            # slug
    title: North Korean troops for Russia's war in Ukraine (2024)
    claims:
      - id: dprk-shells-1-6-million           # slug, unique, never reused for another claim
        text: Korea Utara telah mengirim ...   # canonical sentence, in the articles' language
        text_en: North Korea has sent ...      # optional English rendering
        mentions:                              # optional: articles that state, doubt or deny it
          - article: 000_6d5ce1f4fcefeb83      # the article's file stem
            quote: Pyongyang sebelumnya ...    # a verbatim passage of its body
          - article: 001_9a5c6b2dd6225be2
            quotes:                            # several passages when the evidence is split
              - Rusia mungkin telah menerima ...
              - ...

Every problem in the file is reported at once, in one :class:`CatalogueError`
whose ``errors`` are keyed by where to look: ``story``, ``dprk-pact.text``,
``dprk-pact.mentions[1].quotes[0]``, ``claims[3].id`` (a claim without a usable
id is named by its position), ``claims.yaml:12`` (syntax).

One module though past 400 lines: the format, its schema and the messages that
point back into the file are one contract, changed together.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass
from typing import Any

import yaml
from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from annotator.errors import CatalogueError

__all__ = [
    "Catalogue",
    "ClaimEntry",
    "MentionEntry",
    "load_catalogue",
    "FORMAT_VERSION",
    "SLUG_PATTERN",
]

#: Claim and story ids: lowercase letters and digits in words joined by single hyphens.
SLUG_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")

FORMAT_VERSION = 1


@dataclass(frozen=True)
class MentionEntry:
    """One article's evidence for a claim: passages quoted from its body."""

    article: str
    quotes: list[str]


@dataclass(frozen=True)
class ClaimEntry:
    """One claim: a stable id, its canonical sentence and where it is mentioned."""

    id: str
    text: str
    text_en: str | None
    mentions: list[MentionEntry]


@dataclass(frozen=True)
class Catalogue:
    """A story's claims, in file order."""

    story: str
    title: str
    claims: list[ClaimEntry]
    version: int = FORMAT_VERSION


def _suggest_slug(value: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-") or "my-claim"


def _check_slug(value: str) -> None:
    if not SLUG_PATTERN.fullmatch(value):
        raise ValidationError(
            f"{value!r} is not a slug: use lowercase letters, digits and single hyphens,"
            f" e.g. {_suggest_slug(value)!r}"
        )


_FILL_IN = {
    "title": "name the story in a few words",
    "text": "write the claim as one sentence",
    "text_en": "translate the claim, or leave the key out",
    "article": "give the article's file stem, e.g. 000_6d5ce1f4fcefeb83",
    "quote": "paste a passage of the article's body, or remove the entry",
}


def _check_not_blank(what: str) -> Callable[[str], None]:
    def check(value: str) -> None:
        if not value.strip():
            raise ValidationError(f"{what} is empty: {_FILL_IN[what]}")

    return check


def _text(what: str, *, required: bool = True, slug: bool = False) -> fields.String:
    """A string field whose every error message says what to write instead."""
    return fields.String(
        required=required,
        validate=_check_slug if slug else _check_not_blank(what),
        error_messages={
            "required": f"{what} is missing: add `{what}:`",
            "null": f"{what} is empty: give a value",
            # YAML turns unquoted 2024, yes or 2024-06-19 into numbers, booleans, dates.
            "invalid": f"{what} must be text: put the value in quotes",
        },
    )


def _unknown_key_message(*allowed: str) -> dict[str, str]:
    # Name the allowed keys: a misspelt key is then easy to fix, not silently dropped.
    keys = ", ".join(allowed)
    return {
        "unknown": f"unknown key: fix its spelling or remove it (allowed here: {keys})",
        "type": f"expected a mapping of keys ({keys})",
    }


class _MentionSchema(Schema):
    error_messages = _unknown_key_message("article", "quote", "quotes")

    article = _text("article")
    quote = _text("quote", required=False)
    quotes = fields.List(
        _text("quote"),
        validate=validate.Length(min=1, error="quotes is empty: list at least one passage"),
        error_messages={
            "invalid": "quotes must be a list of passages",
            "null": "quotes is empty: list at least one passage",
        },
    )

    @validates_schema
    def _one_of_quote_or_quotes(self, data: dict[str, Any], **kwargs: Any) -> None:
        if ("quote" in data) == ("quotes" in data):
            raise ValidationError(
                "give either `quote:` (one passage) or `quotes:` (a list), not both or neither",
                field_name="quote",
            )

    @post_load
    def _make(self, data: dict[str, Any], **kwargs: Any) -> MentionEntry:
        quotes = [data["quote"]] if "quote" in data else data["quotes"]
        # Outer whitespace is never part of the evidence; stripped, an exact match equals its quote.
        return MentionEntry(article=data["article"].strip(), quotes=[q.strip() for q in quotes])


class _ClaimSchema(Schema):
    error_messages = _unknown_key_message("id", "text", "text_en", "mentions")

    id = _text("id", slug=True)
    text = _text("text")
    text_en = _text("text_en", required=False)
    mentions = fields.List(
        fields.Nested(_MentionSchema),
        load_default=list,
        error_messages={"invalid": "mentions must be a list of {article, quote} entries"},
    )

    @validates_schema(pass_original=True, skip_on_field_errors=False)
    def _one_mention_per_article(self, data: Any, original: Any, **kwargs: Any) -> None:
        # Checked on the raw input so the error is reported with every other one.
        mentions = original.get("mentions") if isinstance(original, dict) else None
        if not isinstance(mentions, list):
            return
        first_seen: dict[str, int] = {}
        errors: dict[int, dict[str, list[str]]] = {}
        for index, mention in enumerate(mentions):
            article = mention.get("article") if isinstance(mention, dict) else None
            if not isinstance(article, str):
                continue
            if article in first_seen:
                errors[index] = {
                    "article": [
                        f"article {article!r} is already listed in mentions[{first_seen[article]}]:"
                        " put all its passages under one entry's `quotes:`"
                    ]
                }
            else:
                first_seen[article] = index
        if errors:
            raise ValidationError(errors, field_name="mentions")

    @post_load
    def _make(self, data: dict[str, Any], **kwargs: Any) -> ClaimEntry:
        text_en = data.get("text_en")
        return ClaimEntry(
            id=data["id"],
            text=data["text"].strip(),
            text_en=text_en.strip() if text_en is not None else None,
            mentions=data["mentions"],
        )


class _CatalogueSchema(Schema):
    error_messages = _unknown_key_message("version", "story", "title", "claims")

    version = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Equal(
            FORMAT_VERSION,
            error=f"unsupported version {{input}}: this annotator reads version {FORMAT_VERSION}",
        ),
        error_messages={
            "required": f"version is missing: add `version: {FORMAT_VERSION}`",
            "invalid": f"version must be a whole number: write `version: {FORMAT_VERSION}`",
            "null": f"version is empty: write `version: {FORMAT_VERSION}`",
        },
    )
    story = _text("story", slug=True)
    title = _text("title")
    claims = fields.List(
        fields.Nested(_ClaimSchema),
        required=True,
        validate=validate.Length(min=1, error="claims is empty: list at least one claim"),
        error_messages={
            "required": "claims is missing: add `claims:` with a list of claims",
            "invalid": "claims must be a list of claims",
            "null": "claims is empty: list at least one claim",
        },
    )

    @validates_schema(pass_original=True, skip_on_field_errors=False)
    def _unique_ids(self, data: Any, original: Any, **kwargs: Any) -> None:
        ids = _raw_claim_ids(original)
        first_seen: dict[str, int] = {}
        errors: dict[int, dict[str, list[str]]] = {}
        for index, claim_id in enumerate(ids):
            if claim_id is None:
                continue
            if claim_id in first_seen:
                errors[index] = {
                    "id": [
                        f"id {claim_id!r} is already used by claims[{first_seen[claim_id]}]:"
                        " give each claim its own id"
                    ]
                }
            else:
                first_seen[claim_id] = index
        if errors:
            raise ValidationError(errors, field_name="claims")

    @post_load
    def _make(self, data: dict[str, Any], **kwargs: Any) -> Catalogue:
        return Catalogue(
            story=data["story"],
            title=data["title"].strip(),
            claims=data["claims"],
            version=data["version"],
        )


_SCHEMA = _CatalogueSchema()


def _raw_claim_ids(raw: Any) -> list[str | None]:
    """The ``id`` of every raw claim, ``None`` where it is missing or not text."""
    claims = raw.get("claims") if isinstance(raw, dict) else None
    if not isinstance(claims, list):
        return []
    return [
        claim.get("id") if isinstance(claim, dict) and isinstance(claim.get("id"), str) else None
        for claim in claims
    ]


def load_catalogue(data: bytes | str, *, source: str) -> Catalogue:
    """Parse and validate a claim catalogue; raise :class:`CatalogueError` listing every problem.

    ``source`` names the file in messages; a name ending in ``.json`` selects JSON.
    """
    raw = _parse(data, source=source)
    if raw is None:
        raise CatalogueError(
            f"{source}: the claim catalogue is empty",
            {
                source: [
                    "the file is empty: start it with `version:`, `story:`, `title:`, `claims:`"
                ]
            },
        )
    try:
        return _SCHEMA.load(raw)
    except ValidationError as error:
        errors = _locate_errors(error.messages, raw, source=source)
        count = sum(len(messages) for messages in errors.values())
        raise CatalogueError(
            f"{source}: the claim catalogue has {count} problem{'s' if count != 1 else ''}", errors
        ) from None


def _parse(data: bytes | str, *, source: str) -> Any:
    if isinstance(data, bytes):
        try:
            # utf-8-sig: editors on Windows like to start the file with a byte-order mark.
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            line = data[: error.start].count(b"\n") + 1
            raise _syntax_error(source, line, "not UTF-8 text: save the file as UTF-8") from None
    if source.lower().endswith(".json"):
        try:
            return json.loads(data, object_pairs_hook=_json_object)
        except json.JSONDecodeError as error:
            raise _syntax_error(
                source, error.lineno, f"not valid JSON: {error.msg} (column {error.colno})"
            ) from None
        except _DuplicateKey as error:
            raise _syntax_error(source, None, str(error)) from None
    try:
        return yaml.load(data, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = error.problem or "cannot parse"
        if problem == "mapping values are not allowed here":
            # The usual cause in a catalogue: a quote that contains ": ".
            problem += " (a value containing ': '? put it in quotes)"
        if error.context and error.context_mark is not None:
            # The parser notices late (often at the end of the file); say where it began.
            problem = f"{error.context} (from line {error.context_mark.line + 1}): {problem}"
        raise _syntax_error(source, line, f"not valid YAML: {problem}") from None
    except yaml.YAMLError as error:
        raise _syntax_error(source, None, f"not valid YAML: {error}") from None


def _syntax_error(source: str, line: int | None, message: str) -> CatalogueError:
    where = source if line is None else f"{source}:{line}"
    return CatalogueError(f"{where}: {message}", {where: [message]})


class _DuplicateKey(ValueError):
    pass


def _json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(f"key {key!r} appears twice in one object: keep one")
        result[key] = value
    return result


class _StrictLoader(yaml.SafeLoader):
    """A safe loader that rejects a key given twice (plain YAML keeps the last one silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, Hashable):
                continue  # the base class reports unhashable keys
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"key {key!r} appears twice in one mapping: keep one",
                    key_node.start_mark,
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _locate_errors(messages: Any, raw: Any, *, source: str) -> dict[str, list[str]]:
    """Flatten marshmallow's nested messages into ``{where: [message, ...]}``."""
    labels = _claim_labels(raw)
    located: dict[str, list[str]] = {}
    for path, message in _walk(messages, ()):
        if path and path[-1] == "_schema":
            path = path[:-1]
        if not path:
            where = source
        elif path[0] == "claims" and len(path) > 1 and isinstance(path[1], int):
            where = labels.get(path[1], f"claims[{path[1]}]") + _render(path[2:])
        else:
            where = str(path[0]) + _render(path[1:])
        located.setdefault(where, []).append(message)
    return located


def _claim_labels(raw: Any) -> dict[int, str]:
    """Name each claim by its id when that id is unique, so errors point at something findable."""
    ids = _raw_claim_ids(raw)
    return {
        index: claim_id
        for index, claim_id in enumerate(ids)
        if claim_id is not None and claim_id.strip() and ids.count(claim_id) == 1
    }


def _render(path: tuple[str | int, ...]) -> str:
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path)


def _walk(messages: Any, path: tuple[str | int, ...]) -> Iterator[tuple[tuple[Any, ...], str]]:
    if isinstance(messages, dict):
        for key, value in messages.items():
            yield from _walk(value, path + (key,))
    elif isinstance(messages, list):
        for message in messages:
            yield from _walk(message, path)
    else:
        yield path, str(messages)
