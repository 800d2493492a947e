"""Article record -> parsed article: clean body and the metadata around it.

What a structured record states wins over what is read from the text (title,
outlet, publication date, language): the newsroom knows its own article.  What
is read from the text:

* outlet: the dateline's ("KYIV, Mercinews.com –"), else a brand line
  ("Aboluowang.com"), written as ``outlets.yaml`` spells it; an unlisted
  all-capitals domain is written like a name ("KOMPAS.COM" -> "Kompas.com");
* dateline place: as written, except that an all-capitals place is
  title-cased ("KYIV" -> "Kyiv", "PYONGYANG" -> "Pyongyang") so one place is
  spelled one way across outlets; words of one or two letters stay as they
  are ("WASHINGTON DC" -> "Washington DC");
* publication date: see :mod:`annotator.ingest.dates`; None when the body
  gives none;
* language: py3langid over the clean body, restricted to the candidates in
  ``languages.yaml``; None when no candidate is likely enough.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from py3langid.langid import MODEL_FILE, LanguageIdentifier

from annotator.errors import AnnotatorError, IngestError
from annotator.ingest.dates import PublicationDate, parse_published, publication_date
from annotator.ingest.formats import ArticleRecord
from annotator.ingest.furniture import FurnitureRules, LanguageRules, clean_body

__all__ = ["ParsedArticle", "detect_language", "parse_article"]


@dataclass(frozen=True)
class ParsedArticle:
    """An article ready to store: clean body, metadata, and what was removed."""

    external_id: str
    source: str
    title: str | None
    outlet: str | None
    dateline_place: str | None
    published: PublicationDate | None
    language: str | None
    body: str
    removed: tuple[str, ...]


def parse_article(
    record: ArticleRecord, *, rules: FurnitureRules, reference_date: date | None = None
) -> ParsedArticle:
    """Clean ``record``'s text and read its metadata.

    ``reference_date`` (default: today) bounds the inferred year of a date
    written without one.
    """
    cleaned = clean_body(record.text, rules)
    if not cleaned.body:
        raise IngestError(
            "no article text left once page furniture is removed",
            source=record.source,
            line=record.line,
            field="text",
        )
    dateline = cleaned.dateline
    outlet = record.outlet or (dateline.outlet if dateline else None) or cleaned.brand
    if record.published:
        try:
            value = parse_published(record.published)
        except ValueError as error:
            raise IngestError(
                str(error), source=record.source, line=record.line, field="published"
            ) from None
        published: PublicationDate | None = PublicationDate(
            value=value,
            year_inferred=False,
            text=record.published,
            how="given by the record's 'published' field",
        )
    else:
        published = publication_date(cleaned.body, reference_date=reference_date)
    return ParsedArticle(
        external_id=record.external_id,
        source=record.source,
        title=record.title or cleaned.title,
        outlet=_outlet_name(outlet, rules) if outlet else None,
        dateline_place=_place_name(dateline.place) if dateline and dateline.place else None,
        published=published,
        language=record.language or detect_language(cleaned.body, rules.languages),
        body=cleaned.body,
        removed=tuple(cleaned.removed),
    )


def detect_language(text: str, languages: LanguageRules) -> str | None:
    """The likeliest candidate language of ``text``, or None if none is likely enough."""
    code, probability = _identifier(languages.candidates).classify(text)
    return code if probability >= languages.min_confidence else None


@lru_cache(maxsize=4)
def _identifier(candidates: tuple[str, ...]) -> LanguageIdentifier:
    # A private identifier: restricting py3langid's shared one would change
    # what every other caller in the process detects.  Loading takes ~0.5 s.
    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    try:
        identifier.set_languages(candidates)
    except ValueError as error:
        raise AnnotatorError(f"languages.yaml: candidates: {error}") from None
    return identifier


def _outlet_name(name: str, rules: FurnitureRules) -> str:
    listed = rules.outlet_name(name)
    if listed is not None:
        return listed
    if name.isupper() and "." in name:
        return name[0] + name[1:].lower()
    return name


def _place_name(place: str) -> str:
    if not place.isupper():
        return place
    # Not str.title(): it would also capitalise after apostrophes ("XI'AN").
    return " ".join(
        word if len(word) <= 2 else word[0] + word[1:].lower() for word in place.split(" ")
    )
