"""Article text -> clean body, title and dateline, by rules kept in ``config/``.

The rules are data the coordinator edits, not code: ``furniture.yaml`` (what
page furniture looks like), ``outlets.yaml`` (outlet names and their aliases)
and ``languages.yaml`` (the languages articles may be in).  :func:`load_furniture_rules`
reads and checks all three; each file's comments document its keys.

:func:`clean_body` works line by line; scraped article text is not hard-wrapped,
so every non-blank line is a paragraph.  In order:

1. white space is normalised (no-break spaces become spaces, runs collapse);
2. the first footer line and everything after it are cut;
3. inline fragments are stripped, furniture lines and outlet brand lines dropped;
4. the dateline ("KYIV, Mercinews.com –") is looked for in the first lines;
   what comes before it is the page header: its first title-shaped line is the
   title, the rest (standfirst, photo credit, caption) is not body;
   without a dateline, a title-shaped first line is the title;
5. sign-offs ("(m/ci)") are stripped from the end of the body.

The body is the remaining paragraphs joined by one blank line.  ``removed``
lists, in order, everything cut except the title and the dateline, which are
returned as fields of their own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from marshmallow import Schema, ValidationError, fields, validate

from annotator.errors import AnnotatorError, flatten_messages

__all__ = [
    "CONFIG_DIR",
    "CleanResult",
    "Dateline",
    "LanguageRules",
    "FurnitureRules",
    "clean_body",
    "load_furniture_rules",
]

#: The project's ``config/`` folder, where the rule files live by default.
CONFIG_DIR = Path(__file__).resolve().parents[2] / "config"

_SPACES = re.compile(r"[^\S\n]+")
#: "<head> <dash> ": an en or em dash, or a hyphen with a space before it
#: (a bare hyphen joins words: "Rusia-Korut").
_DATELINE = re.compile(r"^(?P<head>[^–—]{2,80}?)(?:\s*[–—]|\s+-)(?:\s+|$)")
_DATELINE_PARTS = re.compile(r"\s*[,()]\s*")
_PLACE = re.compile(r"[^\W\d_][\w'’.-]*(?: [^\W\d_][\w'’.-]*){0,3}")
#: A title is a heading, not a sentence: it neither ends like one nor holds
#: the end of one ("... ke Rusia. (isa)").
_SENTENCE_END = tuple(".!?:;,\"”’'…")
_SENTENCE_INSIDE = re.compile(r"[.!?…][\"”’')]*\s")


@dataclass(frozen=True)
class LanguageRules:
    """Which languages an article may be in, and how sure detection must be."""

    candidates: tuple[str, ...]
    min_confidence: float


@dataclass(frozen=True)
class FurnitureRules:
    """Everything :func:`clean_body` and article parsing need from ``config/``."""

    drop_lines: frozenset[str]
    drop_line_patterns: tuple[re.Pattern[str], ...]
    footer_patterns: tuple[re.Pattern[str], ...]
    strip_inline_patterns: tuple[re.Pattern[str], ...]
    strip_end_patterns: tuple[re.Pattern[str], ...]
    brand_line_patterns: tuple[re.Pattern[str], ...]
    dateline_search_lines: int
    title_max_chars: int
    #: casefolded name or alias -> canonical outlet name
    outlets: Mapping[str, str]
    languages: LanguageRules

    def outlet_name(self, name: str) -> str | None:
        """The canonical name of a listed outlet, or None if it is not listed."""
        return self.outlets.get(name.casefold())

    def is_outlet(self, text: str) -> bool:
        """Whether ``text`` is nothing but an outlet's name (listed, or a bare domain)."""
        return self.outlet_name(text) is not None or any(
            p.search(text) for p in self.brand_line_patterns
        )


@dataclass(frozen=True)
class Dateline:
    """The opening "PLACE, Outlet –" of an article, parts as written."""

    text: str
    place: str | None
    outlet: str | None


@dataclass(frozen=True)
class CleanResult:
    """The clean body of an article and what was taken out of it."""

    body: str
    removed: list[str]
    title: str | None
    dateline: Dateline | None
    #: the first line that was only an outlet's name ("Aboluowang.com")
    brand: str | None


def clean_body(text: str, rules: FurnitureRules) -> CleanResult:
    """Strip page furniture, title and dateline from ``text``."""
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    # (line number, text) pairs, so ``removed`` can be reported in reading order.
    removed: list[tuple[int, str]] = []
    for index, line in enumerate(lines):
        if any(p.search(line) for p in rules.footer_patterns):
            removed += [(at, cut) for at, cut in enumerate(lines[index:], index) if cut]
            lines = lines[:index]
            break

    kept: list[tuple[int, str]] = []
    brand = None
    for index, line in enumerate(lines):
        for pattern in rules.strip_inline_patterns:
            removed += [(index, m.group(0)) for m in pattern.finditer(line)]
            line = _SPACES.sub(" ", pattern.sub(" ", line)).strip()
        if not line:
            continue
        if line.casefold() in rules.drop_lines or any(
            p.search(line) for p in rules.drop_line_patterns
        ):
            removed.append((index, line))
        elif rules.is_outlet(line):
            brand = brand or line
            removed.append((index, line))
        else:
            kept.append((index, line))

    title = None
    dateline = None
    for position, (index, line) in enumerate(kept[: rules.dateline_search_lines]):
        found = _read_dateline(line, rules)
        if found is not None:
            dateline, rest = found
            header = kept[:position]
            kept = ([(index, rest)] if rest else []) + kept[position + 1 :]
            at = next((i for i, (_, h) in enumerate(header) if _title_shaped(h, rules)), None)
            title = None if at is None else header.pop(at)[1]
            removed += header
            break
    else:
        # Without a dateline there is no header to search: only an opening
        # heading followed by more text can be a title.
        if len(kept) > 1 and _title_shaped(kept[0][1], rules):
            title = kept.pop(0)[1]

    _strip_end(kept, rules, removed)
    return CleanResult(
        body="\n\n".join(line for _, line in kept),
        removed=[cut for _, cut in sorted(removed, key=lambda item: item[0])],
        title=title,
        dateline=dateline,
        brand=brand,
    )


def _strip_end(
    paragraphs: list[tuple[int, str]], rules: FurnitureRules, removed: list[tuple[int, str]]
) -> None:
    """Strip sign-offs from the end; one on a line of its own removes the line."""
    while paragraphs:
        index, last = paragraphs[-1]
        for pattern in rules.strip_end_patterns:
            match = pattern.search(last)
            if match and match.group(0):
                removed.append((index, match.group(0).strip()))
                last = last[: match.start()].rstrip()
                break
        else:
            return
        if last:
            paragraphs[-1] = (index, last)
        else:
            paragraphs.pop()


def _read_dateline(line: str, rules: FurnitureRules) -> tuple[Dateline, str] | None:
    """Split "PLACE, Outlet – text" into a dateline and the text after it."""
    match = _DATELINE.match(line)
    if match is None:
        return None
    parts = [p for p in _DATELINE_PARTS.split(match["head"]) if p]
    outlets = [p for p in parts if rules.is_outlet(p)]
    places = [p for p in parts if p not in outlets]
    if not 1 <= len(parts) <= 2 or len(outlets) > 1 or len(places) > 1:
        return None
    place = places[0] if places else None
    if place is not None and not (_PLACE.fullmatch(place) and place[0].isupper()):
        return None
    # A lone place counts only in capitals ("JAKARTA –"): a capitalised word
    # before a dash is too often the start of a sentence, and so is an acronym
    # ("AS –", "PBB –"), hence the four letters.
    if not outlets and not (place.isupper() and len(place) >= 4):
        return None
    dateline = Dateline(match.group(0).strip(), place, outlets[0] if outlets else None)
    return dateline, line[match.end() :].strip()


def _title_shaped(line: str, rules: FurnitureRules) -> bool:
    return (
        len(line) <= rules.title_max_chars
        and not line.endswith(_SENTENCE_END)
        and not _SENTENCE_INSIDE.search(line)
    )


# -- loading ------------------------------------------------------------------


class _Pattern(fields.Field):
    """A regular expression, compiled as written (case-sensitive unless ``(?i)``)."""

    def _deserialize(
        self, value: Any, attr: str | None, data: Any, **kwargs: Any
    ) -> re.Pattern[str]:
        if not isinstance(value, str):
            raise ValidationError("must be a string holding a regular expression")
        try:
            return re.compile(value)
        except re.error as error:
            raise ValidationError(f"not a valid regular expression: {error}") from None


def _patterns() -> fields.List:
    return fields.List(_Pattern(), load_default=list)


class _DatelineSchema(Schema):
    search_lines = fields.Integer(required=True, validate=validate.Range(min=1))


class _TitleSchema(Schema):
    max_chars = fields.Integer(required=True, validate=validate.Range(min=1))


class _FurnitureSchema(Schema):
    drop_lines = fields.List(fields.String(validate=validate.Length(min=1)), load_default=list)
    drop_line_patterns = _patterns()
    footer_patterns = _patterns()
    strip_inline_patterns = _patterns()
    strip_end_patterns = _patterns()
    brand_line_patterns = _patterns()
    dateline = fields.Nested(_DatelineSchema, required=True)
    title = fields.Nested(_TitleSchema, required=True)


class _OutletsSchema(Schema):
    outlets = fields.Dict(
        keys=fields.String(validate=validate.Length(min=1)),
        values=fields.List(fields.String(validate=validate.Length(min=1)), allow_none=True),
        required=True,
    )


class _LanguagesSchema(Schema):
    candidates = fields.List(
        fields.String(validate=validate.Regexp(r"^[a-z]{2,3}$", error="not an ISO 639 code")),
        required=True,
        validate=validate.Length(min=1),
    )
    min_confidence = fields.Float(required=True, validate=validate.Range(min=0, max=1))


def load_furniture_rules(config_dir: str | Path | None = None) -> FurnitureRules:
    """Read and check ``furniture.yaml``, ``outlets.yaml`` and ``languages.yaml``."""
    folder = Path(config_dir) if config_dir is not None else CONFIG_DIR
    furniture = _load(folder / "furniture.yaml", _FurnitureSchema())
    outlets = _outlet_table(folder / "outlets.yaml")
    languages = _load(folder / "languages.yaml", _LanguagesSchema())
    return FurnitureRules(
        drop_lines=frozenset(
            _SPACES.sub(" ", line).strip().casefold() for line in furniture["drop_lines"]
        ),
        drop_line_patterns=tuple(furniture["drop_line_patterns"]),
        footer_patterns=tuple(furniture["footer_patterns"]),
        strip_inline_patterns=tuple(furniture["strip_inline_patterns"]),
        strip_end_patterns=tuple(furniture["strip_end_patterns"]),
        brand_line_patterns=tuple(furniture["brand_line_patterns"]),
        dateline_search_lines=furniture["dateline"]["search_lines"],
        title_max_chars=furniture["title"]["max_chars"],
        outlets=outlets,
        languages=LanguageRules(tuple(languages["candidates"]), languages["min_confidence"]),
    )


def _outlet_table(path: Path) -> dict[str, str]:
    """Casefolded name or alias -> canonical name; one spelling, one outlet."""
    table: dict[str, str] = {}
    for name, aliases in _load(path, _OutletsSchema())["outlets"].items():
        for alias in [name, *(aliases or [])]:
            other = table.setdefault(alias.casefold(), name)
            if other != name:
                raise AnnotatorError(
                    f"{path}: invalid rules",
                    errors={f"{path}:outlets.{name}": [f"{alias!r} is also listed for {other!r}"]},
                )
    return table


def _load(path: Path, schema: Schema) -> dict[str, Any]:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise AnnotatorError(f"{path}: cannot read rule file: {error.strerror}") from None
    except yaml.YAMLError as error:
        raise AnnotatorError(f"{path}: not valid YAML: {error}") from None
    if not isinstance(document, dict):
        raise AnnotatorError(f"{path}: must be a mapping of keys to values")
    try:
        return schema.load(document)
    except ValidationError as error:
        raise AnnotatorError(
            f"{path}: invalid rules",
            errors={f"{path}:{key}": msgs for key, msgs in flatten_messages(error.messages).items()},
        ) from None
