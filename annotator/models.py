"""The store: typed SQLAlchemy 2.0 models, portable between SQLite and PostgreSQL.

Enumerations are stored as short strings with CHECK constraints (``native_enum=False``)
so that both databases hold the same thing and a new value is a plain migration.
Timestamps are timezone-aware UTC.

One module though past 500 lines: the whole schema in one place, which the
Alembic migrations in ``migrations/`` mirror.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from .vocabulary import JudgmentState, MentionOrigin, MentionStatus, Role, Verdict, VerdictStatus

__all__ = [
    "Base",
    "Article",
    "ArticleRevision",
    "Claim",
    "Mention",
    "MentionOrigin",
    "MentionStatus",
    "Annotator",
    "Judgment",
    "JudgmentRevision",
    "JudgmentState",
    "Verdict",
    "Adjudication",
    "LabelStudioProject",
    "LabelStudioTask",
    "VerdictStatus",
    "VerdictSet",
    "ClaimVerdict",
    "AdjudicationBasis",
    "Person",
    "PersonRole",
    "ApiToken",
    "AuditEvent",
    "utcnow",
    "as_utc",
]


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def as_utc(moment: dt.datetime | None) -> dt.datetime | None:
    """A stored time, aware: SQLite gives timezone-aware columns back naive (they are UTC)."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=dt.timezone.utc)
    return moment


# Deterministic constraint names, so Alembic migrations can refer to them on both databases.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        dt.datetime: sa.DateTime(timezone=True),
        dict[str, Any]: sa.JSON,
        list[Any]: sa.JSON,
    }


def _enum(cls: type[enum.Enum], name: str) -> sa.Enum:
    return sa.Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=16,
        values_callable=lambda members: [m.value for m in members],
    )


class Article(Base):
    """One news article, identified by ``external_id`` across re-ingests."""

    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(sa.String(255), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    revisions: Mapped[list[ArticleRevision]] = relationship(
        back_populates="article",
        order_by="ArticleRevision.number",
        cascade="all, delete-orphan",
    )

    @property
    def current(self) -> ArticleRevision:
        """The newest revision: the one mentions and pushes use."""
        return self.revisions[-1]


class ArticleRevision(Base):
    """What one version of an article's file said, parsed and cleaned."""

    __tablename__ = "article_revisions"
    __table_args__ = (
        sa.UniqueConstraint("article_id", "number"),
        sa.UniqueConstraint("article_id", "content_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(sa.ForeignKey("articles.id", ondelete="CASCADE"))
    number: Mapped[int]
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    source: Mapped[str] = mapped_column(sa.String(255))
    source_line: Mapped[int | None]
    title: Mapped[str | None] = mapped_column(sa.Text)
    outlet: Mapped[str | None] = mapped_column(sa.String(255))
    url: Mapped[str | None] = mapped_column(sa.Text)
    dateline_place: Mapped[str | None] = mapped_column(sa.String(255))
    published_on: Mapped[dt.date | None]
    published_year_inferred: Mapped[bool] = mapped_column(default=False)
    published_text: Mapped[str | None] = mapped_column(sa.String(255))
    #: ISO 639-1; empty when the text is too short or mixed to tell
    language: Mapped[str | None] = mapped_column(sa.String(8))
    raw_text: Mapped[str] = mapped_column(sa.Text)
    body: Mapped[str] = mapped_column(sa.Text)
    removed: Mapped[list[Any]] = mapped_column(default=list)
    ingested_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    article: Mapped[Article] = relationship(back_populates="revisions")


class Claim(Base):
    """A claim named once in the catalogue, with a stable slug id."""

    __tablename__ = "claims"

    id: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    text: Mapped[str] = mapped_column(sa.Text)
    text_en: Mapped[str | None] = mapped_column(sa.Text)
    story: Mapped[str | None] = mapped_column(sa.String(100))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    mentions: Mapped[list[Mention]] = relationship(back_populates="claim")


class Mention(Base):
    """A claim in one article revision, with its evidence spans in that revision's body.

    A suggested mention starts without a claim; accepting it names one.
    ``dedup_key`` makes loading the same catalogue or suggestions twice a no-op:
    the claim id for catalogue mentions, ``"start-end"`` for suggestions.
    """

    __tablename__ = "mentions"
    __table_args__ = (sa.UniqueConstraint("revision_id", "origin", "dedup_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[str | None] = mapped_column(
        sa.ForeignKey("claims.id", ondelete="CASCADE"), index=True
    )
    revision_id: Mapped[int] = mapped_column(
        sa.ForeignKey("article_revisions.id", ondelete="CASCADE"), index=True
    )
    origin: Mapped[MentionOrigin] = mapped_column(_enum(MentionOrigin, "mention_origin"))
    status: Mapped[MentionStatus] = mapped_column(_enum(MentionStatus, "mention_status"))
    dedup_key: Mapped[str] = mapped_column(sa.String(120))
    #: ``[[start, end], ...]`` offsets into the revision's clean body, sorted, disjoint.
    spans: Mapped[list[Any]] = mapped_column(default=list)
    #: the catalogue's quotes (or the suggested sentence) that the spans were located from.
    quotes: Mapped[list[Any]] = mapped_column(default=list)
    match_method: Mapped[str | None] = mapped_column(sa.String(16))
    score: Mapped[float | None]
    reasons: Mapped[list[Any]] = mapped_column(default=list)
    decided_by: Mapped[str | None] = mapped_column(sa.String(255))
    decided_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    claim: Mapped[Claim | None] = relationship(back_populates="mentions")
    revision: Mapped[ArticleRevision] = relationship()
    judgments: Mapped[list[Judgment]] = relationship(back_populates="mention")


class Annotator(Base):
    """A person (or a clearly marked simulation) who judges claims in Label Studio."""

    __tablename__ = "annotators"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(255), unique=True)
    name: Mapped[str | None] = mapped_column(sa.String(255))
    simulated: Mapped[bool] = mapped_column(default=False)
    ls_user_id: Mapped[int | None] = mapped_column(unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Judgment(Base):
    """One annotator's verdict on one claim of one Label Studio annotation.

    An annotation of a task with n claims gives n judgments, told apart by
    ``claim_index`` (the claim's position in the task).  One that names an
    unknown claim index or verdict is kept with state ``rejected`` and the
    reason, and without a mention; it never counts.
    """

    __tablename__ = "judgments"
    __table_args__ = (sa.UniqueConstraint("ls_annotation_id", "claim_index"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mention_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("mentions.id", ondelete="CASCADE"), index=True
    )
    annotator_id: Mapped[int] = mapped_column(
        sa.ForeignKey("annotators.id", ondelete="CASCADE"), index=True
    )
    verdict: Mapped[Verdict | None] = mapped_column(_enum(Verdict, "verdict"))
    confidence: Mapped[int | None]
    #: ``[{"start", "end", "text"}, ...]`` in the mention's revision body.
    evidence: Mapped[list[Any]] = mapped_column(default=list)
    note: Mapped[str | None] = mapped_column(sa.Text)
    state: Mapped[JudgmentState] = mapped_column(
        _enum(JudgmentState, "judgment_state"), default=JudgmentState.ACTIVE
    )
    reject_reason: Mapped[str | None] = mapped_column(sa.Text)
    ls_annotation_id: Mapped[int | None]
    ls_task_id: Mapped[int | None] = mapped_column(index=True)
    claim_index: Mapped[int | None]
    #: Label Studio's ``updated_at`` of the annotation this judgment was read from.
    ls_updated_at: Mapped[dt.datetime | None]
    simulated: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    mention: Mapped[Mention | None] = relationship(back_populates="judgments")
    annotator: Mapped[Annotator] = relationship()
    history: Mapped[list[JudgmentRevision]] = relationship(
        back_populates="judgment", order_by="JudgmentRevision.id", cascade="all, delete-orphan"
    )


class JudgmentRevision(Base):
    """What a judgment said before an update or deletion replaced it."""

    __tablename__ = "judgment_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    judgment_id: Mapped[int] = mapped_column(sa.ForeignKey("judgments.id", ondelete="CASCADE"), index=True)
    verdict: Mapped[Verdict | None] = mapped_column(_enum(Verdict, "verdict"))
    confidence: Mapped[int | None]
    evidence: Mapped[list[Any]] = mapped_column(default=list)
    note: Mapped[str | None] = mapped_column(sa.Text)
    state: Mapped[JudgmentState] = mapped_column(_enum(JudgmentState, "judgment_state"))
    reject_reason: Mapped[str | None] = mapped_column(sa.Text)
    ls_updated_at: Mapped[dt.datetime | None]
    replaced_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    judgment: Mapped[Judgment] = relationship(back_populates="history")


class Adjudication(Base):
    """An adjudicator's verdict on a claim (or one mention); replaces, never overwrites."""

    __tablename__ = "adjudications"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[str] = mapped_column(sa.ForeignKey("claims.id", ondelete="CASCADE"), index=True)
    mention_id: Mapped[int | None] = mapped_column(sa.ForeignKey("mentions.id", ondelete="CASCADE"))
    verdict: Mapped[Verdict] = mapped_column(_enum(Verdict, "verdict"))
    reason: Mapped[str] = mapped_column(sa.Text)
    #: who decided, as shown; ``adjudicator_id`` is the desk account (none before accounts existed)
    adjudicator: Mapped[str] = mapped_column(sa.String(255))
    adjudicator_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id"), index=True)
    replaces_id: Mapped[int | None] = mapped_column(sa.ForeignKey("adjudications.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class LabelStudioProject(Base):
    """A Label Studio project this service created and pushes to.

    ``project_key`` is also written into the project's description, so a project
    created just before a crash is found again instead of made twice.
    """

    __tablename__ = "ls_projects"
    __table_args__ = (sa.UniqueConstraint("base_url", "ls_project_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_key: Mapped[str] = mapped_column(sa.String(100), unique=True)
    ls_project_id: Mapped[int]
    base_url: Mapped[str] = mapped_column(sa.String(255))
    title: Mapped[str] = mapped_column(sa.String(255))
    config_hash: Mapped[str] = mapped_column(sa.String(64))
    webhook_id: Mapped[int | None]
    #: newest Label Studio ``updated_at`` seen by a sync: the next one asks from here.
    synced_until: Mapped[dt.datetime | None]
    last_synced_at: Mapped[dt.datetime | None]
    #: the background sync's last failure (cleared by its next success), for health and status
    last_sync_error: Mapped[str | None] = mapped_column(sa.Text)
    last_sync_failed_at: Mapped[dt.datetime | None]
    #: what the background sync last found of the webhook: active, re-enabled or recreated
    webhook_state: Mapped[str | None] = mapped_column(sa.String(16))
    webhook_checked_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    tasks: Mapped[list[LabelStudioTask]] = relationship(back_populates="project")


class LabelStudioTask(Base):
    """The Label Studio task that carries one article revision and its claims.

    ``mention_ids`` lists the task's claims in Repeater order: Label Studio names
    a claim by its position (``verdict_2``), so the list only ever grows.
    """

    __tablename__ = "ls_tasks"
    __table_args__ = (
        sa.UniqueConstraint("project_id", "revision_id"),
        sa.UniqueConstraint("project_id", "ls_task_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("ls_projects.id", ondelete="CASCADE"))
    revision_id: Mapped[int] = mapped_column(
        sa.ForeignKey("article_revisions.id", ondelete="CASCADE")
    )
    ls_task_id: Mapped[int]
    mention_ids: Mapped[list[Any]] = mapped_column(default=list)
    payload_hash: Mapped[str] = mapped_column(sa.String(64))
    pushed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    project: Mapped[LabelStudioProject] = relationship(back_populates="tasks")
    revision: Mapped[ArticleRevision] = relationship()


class VerdictSet(Base):
    """The claim verdicts of one method over one population, kept fresh.

    A materialised view, built on first use and then refreshed claim by claim
    (:mod:`annotator.services.verdicts`).  ``signature`` is the state of the
    store it reflects and ``rules`` the rules it was computed under: either
    differing means it is rebuilt.  For Dawid–Skene, ``model`` holds the fitted
    parameters fresh judgments are scored with.
    """

    __tablename__ = "verdict_sets"
    __table_args__ = (sa.UniqueConstraint("method", "include_simulated"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    method: Mapped[str] = mapped_column(sa.String(16))
    include_simulated: Mapped[bool]
    rules: Mapped[dict[str, Any]] = mapped_column(default=dict)
    signature: Mapped[str] = mapped_column(sa.String(255), default="")
    model: Mapped[dict[str, Any] | None]
    #: judgments the model was fitted on, and judgments of the claims refreshed since
    model_judgments: Mapped[int | None]
    changed_since_fit: Mapped[int] = mapped_column(default=0)
    fitted_at: Mapped[dt.datetime | None]
    computed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ClaimVerdict(Base):
    """One claim's verdict in one :class:`VerdictSet`, with the vote counts behind it.

    ``computed_verdict`` is the method's; ``verdict`` is what stands: the active
    claim-level adjudication's when there is one, else the computed one.
    """

    __tablename__ = "claim_verdicts"
    __table_args__ = (sa.Index("ix_claim_verdicts_set_id_status", "set_id", "status"),)

    set_id: Mapped[int] = mapped_column(
        sa.ForeignKey("verdict_sets.id", ondelete="CASCADE"), primary_key=True
    )
    claim_id: Mapped[str] = mapped_column(
        sa.ForeignKey("claims.id", ondelete="CASCADE"), primary_key=True
    )
    n_confirmed: Mapped[int] = mapped_column(default=0)
    n_disputed: Mapped[int] = mapped_column(default=0)
    n_denied: Mapped[int] = mapped_column(default=0)
    n_judgments: Mapped[int] = mapped_column(default=0)
    n_annotators: Mapped[int] = mapped_column(default=0)
    n_articles: Mapped[int] = mapped_column(default=0)
    computed_verdict: Mapped[Verdict | None] = mapped_column(_enum(Verdict, "computed_verdict"))
    support: Mapped[float | None]
    tie: Mapped[bool] = mapped_column(default=False)
    verdict: Mapped[Verdict | None] = mapped_column(_enum(Verdict, "verdict"))
    status: Mapped[VerdictStatus] = mapped_column(
        sa.Enum(
            VerdictStatus,
            name="verdict_status",
            native_enum=False,
            create_constraint=True,
            length=24,
            values_callable=lambda members: [m.value for m in members],
        )
    )
    reason: Mapped[str | None] = mapped_column(sa.Text)
    adjudication_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("adjudications.id", ondelete="SET NULL")
    )
    computed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    claim: Mapped[Claim] = relationship()
    adjudication: Mapped[Adjudication | None] = relationship()


class AdjudicationBasis(Base):
    """What an adjudication replaced: the computed verdict and counts when it was made.

    Reached from the adjudication as ``Adjudication.basis``.
    """

    __tablename__ = "adjudication_bases"

    adjudication_id: Mapped[int] = mapped_column(
        sa.ForeignKey("adjudications.id", ondelete="CASCADE"), primary_key=True
    )
    method: Mapped[str] = mapped_column(sa.String(16))
    include_simulated: Mapped[bool]
    computed_verdict: Mapped[Verdict | None] = mapped_column(_enum(Verdict, "computed_verdict"))
    status: Mapped[str] = mapped_column(sa.String(24))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    support: Mapped[float | None]
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    n_judgments: Mapped[int] = mapped_column(default=0)

    adjudication: Mapped[Adjudication] = relationship(
        backref=sa.orm.backref("basis", uselist=False, cascade="all, delete-orphan", passive_deletes=True)
    )


class Person(Base):
    """Someone on the desk.  Never deleted, only deactivated, so everything they did
    keeps its author.

    ``password_hash`` is an Argon2id hash (none: the person cannot log in with a
    password, e.g. an annotator who works only in Label Studio).  ``annotator_id``
    links the person to their Label Studio identity.
    """

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(255), unique=True)
    name: Mapped[str | None] = mapped_column(sa.String(255))
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    active: Mapped[bool] = mapped_column(default=True)
    annotator_id: Mapped[int | None] = mapped_column(sa.ForeignKey("annotators.id"), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    deactivated_at: Mapped[dt.datetime | None]

    role_rows: Mapped[list[PersonRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="PersonRole.role"
    )
    annotator: Mapped[Annotator | None] = relationship()

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(row.role for row in self.role_rows)

    @property
    def label(self) -> str:
        """How the person is named in verdicts and the audit log."""
        return f"{self.name} <{self.email}>" if self.name else self.email


class PersonRole(Base):
    __tablename__ = "person_roles"

    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[Role] = mapped_column(_enum(Role, "role"), primary_key=True)


class ApiToken(Base):
    """A named token a script sends as ``Authorization: Bearer ...``.

    Only the SHA-256 digest is stored: the token is 256 random bits, so a fast
    hash cannot be searched backwards, and a lookup by digest leaks nothing about
    the secret through its timing.  ``prefix`` (its first characters) tells tokens
    apart in a list.
    """

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    prefix: Mapped[str] = mapped_column(sa.String(16))
    digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime | None]
    last_used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]

    person: Mapped[Person] = relationship()


class AuditEvent(Base):
    """One change to the store: who made it, how, when, and what it was before and after.

    ``actor_id`` is the desk account (none for the local operator's CLI and for
    Label Studio's own deliveries); ``actor`` names whoever it was, as shown.
    ``claim_id`` ties the event to a claim's page (not a foreign key: the history
    outlives a deleted claim).
    """

    __tablename__ = "audit_events"
    __table_args__ = (sa.Index("ix_audit_events_claim_id_at", "claim_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id"), index=True)
    actor: Mapped[str] = mapped_column(sa.String(255))
    #: session, token:<name>, cli or webhook
    via: Mapped[str] = mapped_column(sa.String(120))
    action: Mapped[str] = mapped_column(sa.String(64), index=True)
    target_type: Mapped[str] = mapped_column(sa.String(32))
    target_id: Mapped[str | None] = mapped_column(sa.String(100))
    claim_id: Mapped[str | None] = mapped_column(sa.String(100))
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any] | None]

    person: Mapped[Person | None] = relationship()
