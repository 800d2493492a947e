"""Article files into the store: new articles, new revisions, or nothing at all.

An article is known by its ``external_id`` (the file stem of a text file, the
``id`` or ``url`` of a structured record).  Ingesting content equal to the
article's current revision changes nothing; different content becomes the next
revision, and the catalogue mentions of the previous revision are located again
in the new body.  The caller owns the transaction: a file that raises stores
nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..config import Settings
from ..errors import PayloadTooLarge
from ..ingest import ArticleRecord, ParsedArticle, parse_article, read_records
from ..models import Article, ArticleRevision
from .mentions import carry_catalogue_mentions, store_suggestions
from ..rules import Rules

__all__ = ["RecordOutcome", "FileReport", "ingest_file", "content_hash"]


@dataclasses.dataclass(frozen=True)
class RecordOutcome:
    """What happened to one article of a file."""

    external_id: str
    line: int | None
    status: str  # "created" | "revised" | "unchanged"
    article_id: int
    revision: int
    warnings: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class FileReport:
    source: str
    encoding: str
    note: str | None
    outcomes: tuple[RecordOutcome, ...]

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)


def content_hash(record: ArticleRecord) -> str:
    """Hash of everything a record says, so any change makes a new revision."""
    given = [record.text, record.title, record.outlet, record.url, record.published, record.language]
    return hashlib.sha256(json.dumps(given, ensure_ascii=False).encode("utf-8")).hexdigest()


def ingest_file(
    session: Session,
    data: bytes,
    *,
    source: str,
    settings: Settings,
    rules: Rules,
    today: dt.date | None = None,
) -> FileReport:
    """Store the articles of one file (``source`` names it and picks the format)."""
    if len(data) > settings.max_upload_bytes:
        raise PayloadTooLarge(
            f"{source}: {len(data):,} bytes is over the limit of {settings.max_upload_bytes:,}"
            " (setting max_upload_bytes)",
            {source: ["file too large: split it or raise ANNOTATOR_MAX_UPLOAD_BYTES"]},
        )
    records = read_records(data, source=source)
    outcomes = []
    for record in records:
        parsed = parse_article(record, rules=rules.furniture, reference_date=today)
        outcomes.append(_store(session, record, parsed, settings=settings, rules=rules))
    return FileReport(source, records[0].encoding, records[0].encoding_note, tuple(outcomes))


def _store(
    session: Session, record: ArticleRecord, parsed: ParsedArticle, *, settings: Settings, rules: Rules
) -> RecordOutcome:
    digest = content_hash(record)
    article = session.scalar(sa.select(Article).where(Article.external_id == record.external_id))
    if article is None:
        article = Article(external_id=record.external_id)
        session.add(article)
        status, previous = "created", None
    else:
        previous = article.current
        if previous.content_hash == digest:
            return RecordOutcome(record.external_id, record.line, "unchanged", article.id, previous.number)
        status = "revised"
    revision = _revision(record, parsed, digest, number=1 if previous is None else previous.number + 1)
    article.revisions.append(revision)
    session.flush()
    warnings: list[str] = []
    if previous is not None:
        warnings += carry_catalogue_mentions(
            session, previous, revision, fuzzy_threshold=settings.fuzzy_threshold
        )
    store_suggestions(session, revision, rules.checkworthy)
    return RecordOutcome(
        record.external_id, record.line, status, article.id, revision.number, tuple(warnings)
    )


def _revision(record: ArticleRecord, parsed: ParsedArticle, digest: str, *, number: int) -> ArticleRevision:
    published = parsed.published
    return ArticleRevision(
        number=number,
        content_hash=digest,
        source=record.source,
        source_line=record.line,
        title=parsed.title,
        outlet=parsed.outlet,
        url=record.url,
        dateline_place=parsed.dateline_place,
        published_on=published.value if published else None,
        published_year_inferred=bool(published and published.year_inferred),
        published_text=published.text if published else None,
        language=parsed.language,
        raw_text=record.text,
        body=parsed.body,
        removed=list(parsed.removed),
    )
