"""Suggest the check-worthy sentences of an article body.

The body is split into sentences (:func:`split_sentences`), each sentence is
scored by the rules in ``config/checkworthy.yaml`` (:func:`load_rules`), and
those scoring at least the threshold are suggested, with the names of the
rules that matched as reasons.  The rules are data: figures, direct quotes,
attribution verbs ("kata", "menurut", "dilaporkan"), named sources, hedges,
denials, each with a weight.

Splitting follows Indonesian news text:

- a line break always ends a sentence (the cleaner separates paragraphs);
- ``.``, ``?``, ``!`` and ``…`` end one only when whitespace and then a capital
  letter, a digit or an opening quote follow, so ``1,6 juta``, ``10.000``,
  ``Mercinews.com`` and ``jika… mereka`` stay whole;
- nothing inside quotation marks ends a sentence, so a quoted statement stays
  with its attribution: ``“… Ukraina. Kami telah melihat …”, kata Ryder.``;
- after a title (``Prof.``, ``Jend.``), an initial (``J.``) or a dotted
  abbreviation (``A.S.``) never; after ``dll.``-like abbreviations only before
  a capital letter.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from annotator.errors import InputError

__all__ = [
    "Rule",
    "SentenceRules",
    "CheckworthyRules",
    "Suggestion",
    "DEFAULT_RULES_PATH",
    "load_rules",
    "split_sentences",
    "score_sentence",
    "suggest_sentences",
]

DEFAULT_RULES_PATH = Path(__file__).resolve().parents[2] / "config" / "checkworthy.yaml"

FORMAT_VERSION = 1


@dataclass(frozen=True)
class Rule:
    """A signal of check-worthiness: when ``pattern`` matches, add ``weight`` (may be negative)."""

    name: str
    weight: float
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class SentenceRules:
    """Where a period is not a sentence end: abbreviations, casefolded, with their period.

    After a title never; after one of ``abbreviations`` only before a capital letter.
    """

    titles: frozenset[str] = frozenset()
    abbreviations: frozenset[str] = frozenset()


@dataclass(frozen=True)
class CheckworthyRules:
    """The scoring rules, the score a sentence needs, and how to split sentences."""

    threshold: float
    rules: tuple[Rule, ...]
    sentences: SentenceRules


@dataclass(frozen=True)
class Suggestion:
    """A sentence worth checking: ``body[start:end] == text``."""

    start: int
    end: int
    text: str
    score: float
    reasons: list[str]


# --- the rules file -------------------------------------------------------------------


def _compile(pattern: str, case_sensitive: bool) -> re.Pattern[str]:
    return re.compile(pattern, 0 if case_sensitive else re.IGNORECASE)


def _words_pattern(words: list[str]) -> str:
    # Longest first, so "perdana menteri" wins over "menteri" in the alternation.
    phrases = sorted({word.strip() for word in words}, key=len, reverse=True)
    alternatives = (r"\s+".join(re.escape(part) for part in phrase.split()) for phrase in phrases)
    return r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)"


def _check_regex(pattern: str) -> None:
    try:
        re.compile(pattern)
    except re.error as error:
        raise ValidationError(f"not a valid regular expression: {error}") from None


def _check_word(value: str) -> None:
    # An empty alternative would match every sentence.
    if not value.strip():
        raise ValidationError("a word is empty: remove it")


def _check_abbreviation(value: str) -> None:
    if not re.fullmatch(r"\S+\.", value):
        raise ValidationError(
            f"{value!r} is not an abbreviation: write it with its period, e.g. 'dll.'"
        )


def _unknown_key_message(*allowed: str) -> dict[str, str]:
    # Name the allowed keys: a misspelt key is then easy to fix, not silently dropped.
    keys = ", ".join(allowed)
    return {
        "unknown": f"unknown key: fix its spelling or remove it (allowed here: {keys})",
        "type": f"expected a mapping of keys ({keys})",
    }


class _RuleSchema(Schema):
    error_messages = _unknown_key_message("name", "weight", "words", "pattern", "case_sensitive")

    name = fields.String(
        required=True,
        validate=validate.Regexp(
            r"[a-z][a-z0-9_]*\Z",
            error="{input!r} is not a rule name: use lowercase letters, digits and underscores",
        ),
    )
    weight = fields.Float(required=True, allow_nan=False)
    words = fields.List(
        fields.String(validate=_check_word),
        validate=validate.Length(min=1, error="words is empty: list at least one word"),
    )
    pattern = fields.String(validate=_check_regex)
    case_sensitive = fields.Boolean(load_default=False)

    @validates_schema
    def _one_of_words_or_pattern(self, data: dict[str, Any], **kwargs: Any) -> None:
        if ("words" in data) == ("pattern" in data):
            raise ValidationError(
                "give either `words:` or `pattern:`, not both or neither", field_name="pattern"
            )

    @post_load
    def _make(self, data: dict[str, Any], **kwargs: Any) -> Rule:
        source = data["pattern"] if "pattern" in data else _words_pattern(data["words"])
        return Rule(data["name"], data["weight"], _compile(source, data["case_sensitive"]))


class _SentencesSchema(Schema):
    error_messages = _unknown_key_message("titles", "abbreviations")

    titles = fields.List(fields.String(validate=_check_abbreviation), load_default=list)
    abbreviations = fields.List(fields.String(validate=_check_abbreviation), load_default=list)

    @post_load
    def _make(self, data: dict[str, Any], **kwargs: Any) -> SentenceRules:
        return SentenceRules(
            titles=frozenset(title.casefold() for title in data["titles"]),
            abbreviations=frozenset(abbr.casefold() for abbr in data["abbreviations"]),
        )


class _RulesSchema(Schema):
    error_messages = _unknown_key_message("version", "threshold", "sentences", "rules")

    version = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Equal(
            FORMAT_VERSION,
            error=f"unsupported version {{input}}: write `version: {FORMAT_VERSION}`",
        ),
    )
    threshold = fields.Float(required=True, allow_nan=False)
    sentences = fields.Nested(_SentencesSchema, load_default=dict)
    rules = fields.List(
        fields.Nested(_RuleSchema),
        required=True,
        validate=validate.Length(min=1, error="rules is empty: list at least one rule"),
    )

    @validates_schema(pass_original=True, skip_on_field_errors=False)
    def _unique_names(self, data: Any, original: Any, **kwargs: Any) -> None:
        rules = original.get("rules") if isinstance(original, dict) else None
        if not isinstance(rules, list):
            return
        first_seen: dict[str, int] = {}
        errors: dict[int, dict[str, list[str]]] = {}
        for index, rule in enumerate(rules):
            name = rule.get("name") if isinstance(rule, dict) else None
            if not isinstance(name, str):
                continue
            if name in first_seen:
                errors[index] = {
                    "name": [
                        f"{name!r} is already the name of rules[{first_seen[name]}]: rename one"
                    ]
                }
            else:
                first_seen[name] = index
        if errors:
            raise ValidationError(errors, field_name="rules")

    @post_load
    def _make(self, data: dict[str, Any], **kwargs: Any) -> CheckworthyRules:
        return CheckworthyRules(data["threshold"], tuple(data["rules"]), data["sentences"])


_SCHEMA = _RulesSchema()


def load_rules(path: str | os.PathLike[str] | None = None) -> CheckworthyRules:
    """Read and validate the rules file (``config/checkworthy.yaml`` by default).

    Raise :class:`InputError` naming every problem, keyed like ``rules[2].pattern``.
    """
    path = Path(path) if path is not None else DEFAULT_RULES_PATH
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: cannot read the check-worthiness rules: {error}") from None
    try:
        raw = yaml.safe_load(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise InputError(
            f"{where}: not valid YAML: {error.problem}", {where: [str(error.problem)]}
        ) from None
    try:
        return _SCHEMA.load(raw if raw is not None else {})
    except ValidationError as error:
        errors: dict[str, list[str]] = {}
        for where, message in _flatten(error.messages, ()):
            errors.setdefault(where or str(path), []).append(message)
        raise InputError(f"{path}: invalid check-worthiness rules", errors) from None


def _flatten(messages: Any, path: tuple[str | int, ...]) -> Iterator[tuple[str, str]]:
    if isinstance(messages, dict):
        for key, value in messages.items():
            yield from _flatten(value, path if key == "_schema" else path + (key,))
    elif isinstance(messages, list):
        for message in messages:
            yield from _flatten(message, path)
    else:
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")
        yield where, str(messages)


# --- sentences ------------------------------------------------------------------------

_TERMINATORS = ".?!…"
_OPEN_QUOTES = "“«„"
_CLOSE_QUOTES = "”»"
# What may follow a terminator and still belong to its sentence: `.”`, `?)`, `!’`.
_TRAILERS = "”»’')]"
# What a new sentence may start with besides a capital letter or a digit.
_OPENERS = "“«„\"‘'(["
_DOTTED_INITIALS = re.compile(r"(?:\w\.)+\w")


def split_sentences(body: str, sentences: SentenceRules | None = None) -> list[tuple[int, int]]:
    """Split ``body`` into sentences: ``(start, end)`` offsets, without outer whitespace."""
    sentences = sentences if sentences is not None else SentenceRules()
    spans: list[tuple[int, int]] = []
    for line in re.finditer(r"[^\r\n]+", body):
        spans.extend(_split_line(body, line.start(), line.end(), sentences))
    return spans


def _split_line(
    body: str, begin: int, stop: int, sentences: SentenceRules
) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start: int | None = None
    in_quote = False
    i = begin
    while i < stop:
        char = body[i]
        if start is None:
            if char.isspace():
                i += 1
                continue
            start = i
        closes_quote = char in _CLOSE_QUOTES or (char == '"' and in_quote)
        if char in _OPEN_QUOTES:
            in_quote = True
        elif char in _CLOSE_QUOTES:
            in_quote = False
        elif char == '"':
            in_quote = not in_quote
        ends = (char in _TERMINATORS and not in_quote) or (
            closes_quote and i > begin and body[i - 1] in _TERMINATORS
        )
        if not ends:
            i += 1
            continue
        # The sentence runs on over more terminators and closing marks: `?!`, `.”`, `.)`.
        end = i + 1
        while end < stop and (
            body[end] in _TERMINATORS or body[end] in _TRAILERS or (body[end] == '"' and in_quote)
        ):
            if body[end] == '"' or body[end] in _CLOSE_QUOTES:
                in_quote = False
            end += 1
        after = end
        while after < stop and body[after].isspace():
            after += 1
        if after > end and after < stop and _starts_sentence(body, start, end, after, sentences):
            spans.append((start, end))
            start = None
            in_quote = False
        i = after if after > end else end
    if start is not None:
        end = stop
        while body[end - 1].isspace():
            end -= 1
        spans.append((start, end))
    return spans


def _starts_sentence(body: str, start: int, end: int, after: int, sentences: SentenceRules) -> bool:
    """Whether a new sentence begins at ``after``, the previous one ending at ``end``."""
    following = body[after]
    if not (following.isupper() or following.isdigit() or following in _OPENERS):
        return False
    sentence = body[start:end].rstrip(_TRAILERS + '"')
    if not sentence.endswith(".") or sentence.endswith(".."):
        return True
    # A single period: is the word before it an abbreviation?
    word = re.split(r"[\s“«„\"‘'(\[]", sentence[:-1])[-1]
    key = f"{word}.".casefold()
    if key in sentences.titles or _DOTTED_INITIALS.fullmatch(word):
        return False
    if len(word) == 1 and word.isupper():
        return False
    if key in sentences.abbreviations:
        return following.isupper()
    return True


# --- scoring --------------------------------------------------------------------------


def score_sentence(text: str, rules: CheckworthyRules) -> tuple[float, list[str]]:
    """Score one sentence: the sum of the weights of the matching rules, and their names."""
    matched = [rule for rule in rules.rules if rule.pattern.search(text)]
    # Rounded so that weights such as 0.1 + 0.2 meet a threshold of 0.3.
    return round(sum((rule.weight for rule in matched), 0.0), 6), [rule.name for rule in matched]


def suggest_sentences(body: str, rules: CheckworthyRules) -> list[Suggestion]:
    """The sentences of ``body`` scoring at least ``rules.threshold``, in order."""
    suggestions = []
    for start, end in split_sentences(body, rules.sentences):
        text = body[start:end]
        score, reasons = score_sentence(text, rules)
        if score >= rules.threshold:
            suggestions.append(Suggestion(start, end, text, score, reasons))
    return suggestions
