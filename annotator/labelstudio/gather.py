"""Judgments from Label Studio annotations: read them (pure), then store them.

The webhook (fast path) and the sync (source of truth) both come through here,
so an annotation is stored the same way whichever way it arrives, and twice
is the same as once.

Reading (:func:`read_annotation`) never raises, whatever the JSON:

* an annotation gives one :class:`ClaimReading` per claim of its task
  (``0 .. claim_count-1``) and one per other claim index its result names;
* a skip (``was_cancelled: true``) gives a *skipped* reading per claim;
* a reading is *rejected* (stored with the reason, never counted) when it names
  a claim index the task does not have, when its verdict is missing, not one of
  the configured ones, or several different ones, or when one of its controls
  holds a malformed value: a span that is not ``0 <= start < end <= len(text)``
  with integer offsets, a rating that is not an integer in ``1..max_rating``, a
  note that is not text;
* a region that names no claim control (``from_name`` not ``verdict_<i>``,
  ``evidence_<i>``, ``confidence_<i>`` or ``note_<i>``), or is not an object,
  is ignored, and the reason listed in :attr:`AnnotationReading.ignored`.

Storing (:func:`apply_annotation`) keeps one :class:`~annotator.models.Judgment`
per (annotation, claim index).  A copy that differs from the stored one and is
not older (Label Studio's ``updated_at``) replaces it, and what it replaced goes
to the judgment's history.  A deleted judgment comes back only with a strictly
newer ``updated_at``, so a late copy cannot undo a deletion.  New rows are
inserted with ``ON CONFLICT DO NOTHING`` and re-read when another writer (the
webhook racing the sync) got there first, so concurrent writers never fail on
the unique constraint nor store an annotation twice.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from ..db import conflict_free_insert
from ..errors import LabelStudioError, LabelStudioUnavailable
from ..models import (
    Annotator,
    ArticleRevision,
    Judgment,
    JudgmentRevision,
    JudgmentState,
    LabelStudioProject,
    LabelStudioTask,
    Verdict,
    utcnow,
)
from ..vocabulary import STORE_VERDICTS
from .annotators import is_simulated_email
from .client import parse_ls_time
from .schema import parse_control_name

__all__ = [
    "ClaimReading",
    "AnnotationReading",
    "AppliedChange",
    "read_annotation",
    "apply_annotation",
    "delete_annotations",
    "Deletion",
    "Gatherer",
]

#: The verdicts the store can hold; a reading naming another one is rejected.

UserResolver = Callable[[int], Mapping[str, Any]]

#: Ids per ``IN (...)`` list: well inside SQLite's and PostgreSQL's parameter limits.
_IN_CHUNK = 500


# -- reading -------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ClaimReading:
    """What one annotation says about one claim of its task."""

    claim_index: int
    state: JudgmentState
    verdict: str | None = None
    confidence: int | None = None
    #: ``({"start", "end", "text"}, ...)`` sorted by position, each span once
    evidence: tuple[dict, ...] = ()
    note: str | None = None
    reject_reason: str | None = None


class AnnotationReading(list):
    """The :class:`ClaimReading` of each claim, in claim order, plus :attr:`ignored`:
    a sentence for every part of the annotation that named no claim."""

    def __init__(self, readings: Iterable[ClaimReading] = (), ignored: Iterable[str] = ()):
        super().__init__(readings)
        self.ignored: tuple[str, ...] = tuple(ignored)


@dataclasses.dataclass
class _Controls:
    """The values one annotation gives for one claim, before they are judged."""

    verdicts: list[str] = dataclasses.field(default_factory=list)
    evidence: list[dict] = dataclasses.field(default_factory=list)
    ratings: list[int] = dataclasses.field(default_factory=list)
    notes: list[str] = dataclasses.field(default_factory=list)
    problems: list[str] = dataclasses.field(default_factory=list)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _claims_phrase(count: int) -> str:
    return f"{count} claim" if count == 1 else f"{count} claims"


_ASTRAL = re.compile("[\U00010000-\U0010FFFF]")


class _Offsets:
    """Label Studio's span offsets (UTF-16 code units, as the browser counts) as ``str`` indices."""

    def __init__(self, text: str | None):
        self.text = text
        self._python_at: list[int | None] | None = None
        if text is not None and _ASTRAL.search(text):
            # Only text with characters outside the BMP (emoji) counts differently.
            at: list[int | None] = []
            for index, char in enumerate(text):
                at.append(index)
                if ord(char) > 0xFFFF:
                    at.append(None)  # the middle of a surrogate pair
            at.append(len(text))
            self._python_at = at

    @property
    def length(self) -> int | None:
        if self.text is None:
            return None
        return len(self._python_at) - 1 if self._python_at is not None else len(self.text)

    def to_python(self, offset: int) -> int | None:
        return offset if self._python_at is None else self._python_at[offset]


def _read_region(
    name: str, control: str, value: Mapping, claim: _Controls, offsets: _Offsets, max_rating: int | None
) -> None:
    if control == "verdict":
        choices = value.get("choices")
        if not isinstance(choices, list) or not choices or not all(isinstance(c, str) for c in choices):
            claim.problems.append(f'{name}: expected {{"choices": ["<verdict>"]}}, got {_short(value)}')
        else:
            claim.verdicts.extend(choices)
    elif control == "evidence":
        start, end = value.get("start"), value.get("end")
        length = offsets.length
        if not (_is_int(start) and _is_int(end)):
            claim.problems.append(f"{name}: span offsets must be integers, got start={start!r} end={end!r}")
        elif not (0 <= start < end) or (length is not None and end > length):
            bound = "" if length is None else f" in a text of {length} characters"
            claim.problems.append(f"{name}: span {start}-{end} is out of range{bound}")
        else:
            py_start, py_end = offsets.to_python(start), offsets.to_python(end)
            if py_start is None or py_end is None:
                claim.problems.append(f"{name}: span {start}-{end} splits a character")
            elif offsets.text is not None:
                claim.evidence.append({"start": py_start, "end": py_end, "text": offsets.text[py_start:py_end]})
            else:
                text = value.get("text")
                claim.evidence.append({"start": start, "end": end, "text": text if isinstance(text, str) else ""})
    elif control == "confidence":
        rating = value.get("rating")
        if not _is_int(rating) or rating < 1 or (max_rating is not None and rating > max_rating):
            top = "" if max_rating is None else f"..{max_rating}"
            claim.problems.append(f"{name}: the rating must be an integer in 1{top}, got {rating!r}")
        else:
            claim.ratings.append(rating)
    elif control == "note":
        text = value.get("text")
        texts = [text] if isinstance(text, str) else text
        if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
            claim.problems.append(f"{name}: a note must be text, got {_short(text)}")
        else:
            claim.notes.extend(t.strip() for t in texts if t.strip())


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _judge(index: int, claim: _Controls, claim_count: int, verdicts: tuple[str, ...]) -> ClaimReading:
    unique = {(e["start"], e["end"]): e for e in claim.evidence}  # a kept suggestion may repeat a span
    evidence = tuple(unique[key] for key in sorted(unique))
    distinct_ratings = sorted(set(claim.ratings))
    note = "\n".join(claim.notes) or None
    problems = list(claim.problems)
    if index >= claim_count:
        problems.insert(0, f"unknown claim index {index}: the task has {_claims_phrase(claim_count)}")
    else:
        distinct = list(dict.fromkeys(claim.verdicts))
        if not distinct and not claim.problems:
            problems.append(f"claim {index} has no verdict")
        elif len(distinct) > 1:
            problems.append(f"claim {index} has several verdicts: {', '.join(distinct)}")
        elif distinct and distinct[0] not in verdicts:
            problems.append(f"unknown verdict {distinct[0]!r} for claim {index}: expected one of {', '.join(verdicts)}")
        if len(distinct_ratings) > 1:
            problems.append(f"claim {index} has several ratings: {', '.join(map(str, distinct_ratings))}")
    confidence = distinct_ratings[0] if len(distinct_ratings) == 1 else None
    if problems:
        return ClaimReading(
            index, JudgmentState.REJECTED, None, confidence, evidence, note, reject_reason="; ".join(problems)
        )
    return ClaimReading(index, JudgmentState.ACTIVE, claim.verdicts[0], confidence, evidence, note)


def read_annotation(
    annotation: Any,
    claim_count: int,
    verdicts: tuple[str, ...] = STORE_VERDICTS,
    *,
    text: str | None = None,
    max_rating: int | None = None,
) -> AnnotationReading:
    """Read one Label Studio annotation (a dict as the tasks API or a webhook gives it).

    ``text`` is the task's text: with it, spans are checked against its length,
    converted from the browser's UTF-16 offsets and their text taken from it.
    Never raises: what cannot be read becomes a rejected reading or an ignored
    part with its reason.

    >>> [r.verdict for r in read_annotation({"result": [{"from_name": "verdict_0",
    ...     "value": {"choices": ["denied"]}}]}, 1)]
    ['denied']
    """
    if not isinstance(annotation, Mapping):
        return AnnotationReading(ignored=[f"not an annotation object: {_short(annotation)}"])
    claim_count = claim_count if _is_int(claim_count) and claim_count > 0 else 0
    result = annotation.get("result")
    ignored: list[str] = []
    if result is None:
        result = []
    elif not isinstance(result, list):
        ignored.append(f"result is not a list: {_short(result)}")
        result = []
    if annotation.get("was_cancelled") is True:
        if result:
            ignored.append(f"skipped annotation: its {len(result)} result region(s) are ignored")
        return AnnotationReading(
            [ClaimReading(i, JudgmentState.SKIPPED) for i in range(claim_count)], ignored
        )

    offsets = _Offsets(text if isinstance(text, str) else None)
    claims: dict[int, _Controls] = {}
    for position, region in enumerate(result):
        where = f"result[{position}]"
        if not isinstance(region, Mapping):
            ignored.append(f"{where}: not an object: {_short(region)}")
            continue
        name = region.get("from_name")
        parsed = parse_control_name(name) if isinstance(name, str) else None
        if parsed is None:
            ignored.append(
                f"{where}: {_short(name)} is not a claim control"
                " (verdict_<i>, evidence_<i>, confidence_<i>, note_<i>)"
            )
            continue
        control, index = parsed
        claim = claims.setdefault(index, _Controls())
        value = region.get("value")
        if not isinstance(value, Mapping):
            claim.problems.append(f"{name}: the value is not an object: {_short(value)}")
            continue
        _read_region(name, control, value, claim, offsets, max_rating)

    # A claim the annotation names nowhere is not judged (it may have been appended to the
    # task after this annotation was made); one with controls but no verdict is rejected.
    if claim_count and not claims:
        ignored.append("the annotation names no claim: nothing to store")
    return AnnotationReading(
        [_judge(i, claims[i], claim_count, verdicts) for i in sorted(claims)], ignored
    )


# -- storing -------------------------------------------------------------------------------


@dataclasses.dataclass
class AppliedChange:
    """What storing one annotation changed; counts are judgments (one per claim)."""

    annotation_id: int | None
    task_id: int | None = None
    #: ``created``, ``updated``, ``unchanged`` or ``ignored`` (nothing stored: see ``problems``)
    outcome: str = "unchanged"
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    #: judgments of claim indices the annotation no longer names
    deleted: int = 0
    #: of those created or updated, how many are skips and how many were rejected
    skipped: int = 0
    rejected: int = 0
    problems: list[str] = dataclasses.field(default_factory=list)
    #: the mentions whose judgments changed: their claims' verdicts need refreshing
    mention_ids: set[int] = dataclasses.field(default_factory=set, repr=False)

    def as_dict(self) -> dict:
        data = dataclasses.asdict(self)
        del data["mention_ids"]
        return data


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    """Stored timestamps come back naive from SQLite; they are UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=dt.timezone.utc)
    return moment


def _ls_time(value: Any) -> dt.datetime | None:
    try:
        return _aware(parse_ls_time(value)) if isinstance(value, (str, dt.datetime)) else None
    except ValueError:
        return None


def _id_of(value: Any) -> int | None:
    """An id given as an int, or as an object with one (``GET /api/tasks/<id>`` nests users)."""
    if isinstance(value, Mapping):
        value = value.get("id")
    return value if _is_int(value) else None


def _insert_ignoring_conflict(session: Session, table: sa.Table, values: dict) -> bool:
    """Insert a row unless a unique constraint already holds one like it; True if inserted."""
    statement = conflict_free_insert(session.get_bind().dialect.name, table, "id")
    session.flush()
    # RETURNING, not rowcount: psycopg reports -1 for an INSERT ... ON CONFLICT.
    return session.connection().execute(statement, values).first() is not None


def _insert_judgments(session: Session, rows: list[dict]) -> set[tuple[int, int]]:
    """Insert judgment rows in one multi-row statement, skipping any another writer
    stored first; the (annotation id, claim index) of those inserted."""
    if not rows:
        return set()
    statement = conflict_free_insert(
        session.get_bind().dialect.name, Judgment.__table__, "ls_annotation_id", "claim_index"
    )
    session.flush()
    return {(a, i) for a, i in session.connection().execute(statement, rows)}


def _remember(judgment: Judgment) -> None:
    """Put what ``judgment`` says now into its history, before it is replaced."""
    judgment.history.append(
        JudgmentRevision(
            verdict=judgment.verdict,
            confidence=judgment.confidence,
            evidence=judgment.evidence,
            note=judgment.note,
            state=judgment.state,
            reject_reason=judgment.reject_reason,
            ls_updated_at=judgment.ls_updated_at,
        )
    )


@dataclasses.dataclass
class _Pending:
    """An annotation read and ready to store: what :meth:`Gatherer.apply_many` works on."""

    change: AppliedChange
    task: LabelStudioTask
    annotator: Annotator
    reading: AnnotationReading
    updated_at: dt.datetime | None
    #: the stored judgments of the annotation, by claim index
    existing: dict[int, Judgment] = dataclasses.field(default_factory=dict)
    newer: bool = False
    touched: bool = False
    #: settled before its claims were compared (stored for another task, or an older copy)
    settled: bool = False


class Gatherer:
    """Stores annotations of one project; remembers tasks and annotators between calls.

    :func:`apply_annotation` uses one for a single annotation, the sync one for
    a whole run, a page of annotations at a time (:meth:`apply_many`: a few
    queries and one multi-row INSERT per page, whatever its size).
    ``resolve_user(ls_user_id)`` (the client's ``user``) is called only for a
    Label Studio user the store does not know yet.
    """

    def __init__(
        self,
        session: Session,
        project: LabelStudioProject,
        *,
        resolve_user: UserResolver,
        verdicts: tuple[str, ...] = STORE_VERDICTS,
        max_rating: int | None = None,
    ):
        self.session = session
        self.project = project
        self.resolve_user = resolve_user
        self.verdicts = verdicts
        self.max_rating = max_rating
        self._tasks: dict[int, LabelStudioTask | None] = {}
        self._annotators: dict[int, Annotator] = {}
        #: mentions whose judgments changed: their claims' verdicts need recomputing
        self.touched_mentions: set[int] = set()

    # -- lookups -------------------------------------------------------------------------

    def task(self, ls_task_id: int) -> LabelStudioTask | None:
        return self.tasks([ls_task_id])[ls_task_id]

    def tasks(self, ls_task_ids: Iterable[int]) -> dict[int, LabelStudioTask | None]:
        """The project's stored tasks (None: not pushed by this service), with their text."""
        wanted = [i for i in dict.fromkeys(ls_task_ids) if i not in self._tasks]
        for start in range(0, len(wanted), _IN_CHUNK):
            chunk = wanted[start : start + _IN_CHUNK]
            found = self.session.scalars(
                sa.select(LabelStudioTask)
                .where(LabelStudioTask.project_id == self.project.id, LabelStudioTask.ls_task_id.in_(chunk))
                .options(selectinload(LabelStudioTask.revision).load_only(ArticleRevision.body))
            )
            by_id = {task.ls_task_id: task for task in found}
            self._tasks.update({i: by_id.get(i) for i in chunk})
        return {i: self._tasks[i] for i in ls_task_ids}

    def annotator(self, ls_user_id: int) -> Annotator | str:
        """The annotator for a Label Studio user, created on first sight; else why not."""
        known = self._annotators.get(ls_user_id)
        if known is not None:
            return known
        found = self._find_annotator(ls_user_id)
        if isinstance(found, Annotator):
            self._annotators[ls_user_id] = found
        return found

    def _known_annotators(self, ls_user_ids: Iterable[int]) -> None:
        """Remember, in one query, the stored annotators of some Label Studio users."""
        wanted = sorted({i for i in ls_user_ids if i not in self._annotators})
        for start in range(0, len(wanted), _IN_CHUNK):
            for annotator in self.session.scalars(
                sa.select(Annotator).where(Annotator.ls_user_id.in_(wanted[start : start + _IN_CHUNK]))
            ):
                self._annotators[annotator.ls_user_id] = annotator

    def _find_annotator(self, ls_user_id: int) -> Annotator | str:
        session = self.session
        by_id = sa.select(Annotator).where(Annotator.ls_user_id == ls_user_id)
        annotator = session.scalar(by_id)
        if annotator is not None:
            return annotator
        try:
            user = self.resolve_user(ls_user_id)
        except LabelStudioUnavailable:
            raise  # passing: the caller stores nothing now and the next sync tries again
        except LabelStudioError as error:
            return f"Label Studio user {ls_user_id} cannot be read: {error.message}"
        email = user.get("email") if isinstance(user, Mapping) else None
        if not isinstance(email, str) or not email.strip() or len(email.strip()) > 255:
            return f"Label Studio user {ls_user_id} has no usable e-mail address ({_short(email)})"
        email = email.strip()
        name = " ".join(str(user.get(k) or "").strip() for k in ("first_name", "last_name")).strip()
        name = (name or str(user.get("username") or "").strip() or None)
        by_email = sa.select(Annotator).where(sa.func.lower(Annotator.email) == email.lower())
        annotator = session.scalar(by_email)
        if annotator is None:
            _insert_ignoring_conflict(
                session,
                Annotator.__table__,
                {
                    "email": email,
                    "name": name[:255] if name else None,
                    "simulated": is_simulated_email(email),
                    "ls_user_id": ls_user_id,
                    "created_at": utcnow(),
                },
            )
            annotator = session.scalar(by_id) or session.scalar(by_email)
        elif annotator.ls_user_id is None:
            # Added by e-mail before they had a Label Studio account: link them now.
            annotator.ls_user_id = ls_user_id
        # An annotator linked to another user id (another Label Studio server) keeps
        # that link: the same person, looked up by e-mail again next time.
        return annotator if annotator is not None else f"Label Studio user {ls_user_id} could not be stored"

    # -- applying ------------------------------------------------------------------------

    def apply(self, annotation: Any, task: LabelStudioTask | None = None) -> AppliedChange:
        """Store one annotation (see the module docstring for the rules)."""
        return self.apply_many([(annotation, task)])[0]

    def apply_many(self, annotations: Sequence[tuple[Any, LabelStudioTask | None]]) -> list[AppliedChange]:
        """Store annotations, each with its stored task if the caller has it; what each changed.

        The same as :meth:`apply` on each in turn: an annotation given twice is
        stored as if the copies came one after the other.
        """
        changes: list[AppliedChange] = []
        batch: list[_Pending] = []
        in_batch: set[int] = set()
        self._known_annotators(
            user_id
            for annotation, _ in annotations
            if isinstance(annotation, Mapping) and (user_id := _id_of(annotation.get("completed_by"))) is not None
        )
        for annotation, task in annotations:
            pending = self._prepare(annotation, task)
            if isinstance(pending, AppliedChange):
                changes.append(pending)
                continue
            if pending.change.annotation_id in in_batch:  # a second copy: after the first is stored
                self._store(batch)
                batch, in_batch = [], set()
            batch.append(pending)
            in_batch.add(pending.change.annotation_id)
            changes.append(pending.change)
        self._store(batch)
        return changes

    def _prepare(self, annotation: Any, task: LabelStudioTask | None) -> _Pending | AppliedChange:
        """Read one annotation; an :class:`AppliedChange` if there is nothing to store."""
        if not isinstance(annotation, Mapping):
            return AppliedChange(None, outcome="ignored", problems=[f"not an annotation object: {_short(annotation)}"])
        annotation_id = _id_of(annotation.get("id"))
        task_id = task.ls_task_id if task is not None else _id_of(annotation.get("task"))
        change = AppliedChange(annotation_id, task_id)

        def ignore(reason: str) -> AppliedChange:
            change.outcome = "ignored"
            change.problems.append(reason)
            return change

        if annotation_id is None:
            return ignore(f"annotation without an integer id: {_short(annotation.get('id'))}")
        if task_id is None:
            return ignore(f"annotation {annotation_id} names no task")
        task = task or self.task(task_id)
        if task is None:
            return ignore(
                f"task {task_id} is not one this service pushed to Label Studio project"
                f" {self.project.ls_project_id} ({self.project.project_key})"
            )
        user_id = _id_of(annotation.get("completed_by"))
        if user_id is None:
            return ignore(f"annotation {annotation_id} has no completed_by user")
        annotator = self.annotator(user_id)
        if isinstance(annotator, str):
            return ignore(annotator)
        reading = read_annotation(
            annotation, len(task.mention_ids), self.verdicts, text=task.revision.body, max_rating=self.max_rating
        )
        change.problems.extend(f"annotation {annotation_id}: {why}" for why in reading.ignored)
        change.problems.extend(
            f"annotation {annotation_id}: {r.reject_reason}" for r in reading if r.state is JudgmentState.REJECTED
        )
        return _Pending(change, task, annotator, reading, _ls_time(annotation.get("updated_at")))

    def _stored_judgments(self, annotation_ids: list[int]) -> dict[int, dict[int, Judgment]]:
        """The stored judgments of some annotations, locked: annotation id -> claim index -> row."""
        found: dict[int, dict[int, Judgment]] = {}
        for start in range(0, len(annotation_ids), _IN_CHUNK):
            query = (
                sa.select(Judgment)
                .where(Judgment.ls_annotation_id.in_(annotation_ids[start : start + _IN_CHUNK]))
                .order_by(Judgment.id)
                .with_for_update()
            )
            for judgment in self.session.scalars(query):
                found.setdefault(judgment.ls_annotation_id, {})[judgment.claim_index] = judgment
        return found

    def _store(self, batch: list[_Pending]) -> None:
        """Store a batch of read annotations, no annotation twice in it."""
        if not batch:
            return
        stored = self._stored_judgments([p.change.annotation_id for p in batch])
        rows: list[tuple[_Pending, ClaimReading, dict]] = []
        for pending in batch:
            pending.existing = stored.get(pending.change.annotation_id, {})
            rows.extend((pending, claim, row) for claim, row in self._compare(pending))
        now = utcnow()
        inserted = _insert_judgments(
            self.session, [row | {"created_at": now, "updated_at": now} for _, _, row in rows]
        )
        for pending, claim, row in rows:
            if (row["ls_annotation_id"], row["claim_index"]) in inserted:
                self._count(pending.change, "created", claim.state)
            else:
                # Another writer stored it since we looked: compare with theirs.
                theirs = self.session.scalars(
                    sa.select(Judgment)
                    .where(Judgment.ls_annotation_id == row["ls_annotation_id"], Judgment.claim_index == claim.claim_index)
                    .with_for_update()
                    .execution_options(populate_existing=True)
                ).one()
                self._replace(pending, claim, theirs)
        for pending in batch:
            self._finish(pending)
        self.session.flush()

    def _compare(self, pending: _Pending) -> list[tuple[ClaimReading, dict]]:
        """Update what ``pending`` changes in its stored judgments; the rows it adds."""
        change, task, existing = pending.change, pending.task, pending.existing
        strangers = {j.ls_task_id for j in existing.values()} - {task.ls_task_id}
        if strangers:
            change.outcome = "ignored"
            change.problems.append(
                f"annotation {change.annotation_id} is stored for task {sorted(strangers)[0]},"
                f" not task {task.ls_task_id}"
            )
            pending.settled = True
            return []
        updated_at = pending.updated_at
        stored_at = max((_aware(j.ls_updated_at) for j in existing.values() if j.ls_updated_at), default=None)
        if updated_at is not None and stored_at is not None and updated_at < stored_at:
            change.unchanged = len(existing)  # an older copy (a late webhook): the store is ahead
            pending.settled = True
            return []
        pending.newer = updated_at is not None and (stored_at is None or updated_at > stored_at)
        new_rows = []
        for claim in pending.reading:
            judgment = existing.get(claim.claim_index)
            if judgment is None:
                values = self._values(claim, task, pending.annotator)
                new_rows.append(
                    (
                        claim,
                        values
                        | {
                            "ls_annotation_id": change.annotation_id,
                            "ls_task_id": task.ls_task_id,
                            "claim_index": claim.claim_index,
                            "ls_updated_at": updated_at,
                        },
                    )
                )
            else:
                self._replace(pending, claim, judgment)
        return new_rows

    def _replace(self, pending: _Pending, claim: ClaimReading, judgment: Judgment) -> None:
        """Bring a stored judgment in line with what the annotation now says about its claim."""
        change = pending.change
        if judgment.state is JudgmentState.DELETED and not pending.newer:
            change.unchanged += 1
            return
        values = self._values(claim, pending.task, pending.annotator)
        if all(getattr(judgment, key) == value for key, value in values.items()):
            if pending.newer:
                judgment.ls_updated_at = pending.updated_at
                pending.touched = True
            change.unchanged += 1
            return
        _remember(judgment)
        for key, value in values.items():
            setattr(judgment, key, value)
        judgment.ls_updated_at = pending.updated_at or judgment.ls_updated_at
        self._count(change, "updated", claim.state)

    def _finish(self, pending: _Pending) -> None:
        """Delete the judgments of claims the annotation no longer names; settle its outcome."""
        change = pending.change
        if pending.settled:
            return
        named = {claim.claim_index for claim in pending.reading}
        for index, judgment in pending.existing.items():
            if index not in named and judgment.state is not JudgmentState.DELETED:
                _remember(judgment)
                judgment.state = JudgmentState.DELETED
                judgment.ls_updated_at = pending.updated_at or judgment.ls_updated_at
                change.deleted += 1
        if change.updated or change.deleted:
            change.outcome = "updated"
        elif change.created:
            change.outcome = "created"
        # Any row written (even only its ls_updated_at) changes the verdict sets'
        # signature: refreshing the task's claims keeps them from a full rebuild.
        if pending.touched or change.outcome != "unchanged":
            self.touched_mentions.update(m for m in pending.task.mention_ids if m is not None)

    @staticmethod
    def _values(claim: ClaimReading, task: LabelStudioTask, annotator: Annotator) -> dict:
        rejected = claim.state is JudgmentState.REJECTED
        in_task = claim.claim_index < len(task.mention_ids)
        return {
            # A rejected judgment is kept without a mention, so it can never count.
            "mention_id": task.mention_ids[claim.claim_index] if in_task and not rejected else None,
            "verdict": Verdict(claim.verdict) if claim.verdict in STORE_VERDICTS else None,
            "confidence": claim.confidence,
            "evidence": [dict(e) for e in claim.evidence],
            "note": claim.note,
            "state": claim.state,
            "reject_reason": claim.reject_reason,
            "annotator_id": annotator.id,
            "simulated": annotator.simulated,
        }

    @staticmethod
    def _count(change: AppliedChange, what: str, state: JudgmentState) -> None:
        setattr(change, what, getattr(change, what) + 1)
        if state is JudgmentState.SKIPPED:
            change.skipped += 1
        elif state is JudgmentState.REJECTED:
            change.rejected += 1

    def delete(
        self, annotation_ids: Iterable[int], *, task_id: int | None = None, seen_before: dt.datetime | None = None
    ) -> int:
        """Mark the judgments of ``annotation_ids`` deleted; how many were not already.

        With ``seen_before``, only judgments read from a copy no newer than it: an
        annotation stored after a task listing was made is not missing from it.
        """
        ids = sorted({i for i in annotation_ids if _is_int(i)})
        count = 0
        project_tasks = sa.select(LabelStudioTask.ls_task_id).where(LabelStudioTask.project_id == self.project.id)
        for start in range(0, len(ids), _IN_CHUNK):
            query = (
                sa.select(Judgment)
                .where(
                    Judgment.ls_annotation_id.in_(ids[start : start + _IN_CHUNK]),
                    Judgment.ls_task_id.in_(project_tasks) if task_id is None else Judgment.ls_task_id == task_id,
                    Judgment.state != JudgmentState.DELETED,
                )
                .order_by(Judgment.id)
                .with_for_update()
            )
            for judgment in self.session.scalars(query):
                read_at = _aware(judgment.ls_updated_at)
                if seen_before is not None and read_at is not None and read_at > seen_before:
                    continue
                _remember(judgment)
                judgment.state = JudgmentState.DELETED
                if judgment.mention_id is not None:
                    self.touched_mentions.add(judgment.mention_id)
                count += 1
        self.session.flush()
        return count

    def stored_annotation_ids(self, ls_task_ids: Iterable[int]) -> dict[int, set[int]]:
        """Per task, its annotations with judgments not yet marked deleted."""
        ids = list(dict.fromkeys(ls_task_ids))
        found: dict[int, set[int]] = {i: set() for i in ids}
        for start in range(0, len(ids), _IN_CHUNK):
            for task_id, annotation_id in self.session.execute(
                sa.select(Judgment.ls_task_id, Judgment.ls_annotation_id)
                .where(Judgment.ls_task_id.in_(ids[start : start + _IN_CHUNK]), Judgment.state != JudgmentState.DELETED)
                .distinct()
            ):
                found[task_id].add(annotation_id)
        return found


def apply_annotation(
    session: Session,
    project: LabelStudioProject,
    annotation: Any,
    *,
    resolve_user: UserResolver,
    verdicts: tuple[str, ...] = STORE_VERDICTS,
    max_rating: int | None = None,
) -> AppliedChange:
    """Store one annotation of ``project`` as judgments; flushes, the caller commits
    (and refreshes the verdicts of ``change.mention_ids``).

    An annotation of a task this service did not push is ignored (reported, not
    stored).  ``resolve_user(ls_user_id) -> {"email", "first_name", ...}`` is
    called only for a Label Studio user the store does not know yet.
    """
    gatherer = Gatherer(session, project, resolve_user=resolve_user, verdicts=verdicts, max_rating=max_rating)
    change = gatherer.apply(annotation)
    change.mention_ids = set(gatherer.touched_mentions)
    return change


@dataclasses.dataclass(frozen=True)
class Deletion:
    """What deleting annotations changed: judgments newly marked deleted, and their mentions."""

    count: int
    mention_ids: frozenset[int]


def delete_annotations(session: Session, project: LabelStudioProject, annotation_ids: Iterable[int]) -> Deletion:
    """Mark the judgments of deleted annotations deleted (history kept); the caller
    commits and refreshes the verdicts of the mentions touched."""
    gatherer = Gatherer(session, project, resolve_user=_no_users)
    count = gatherer.delete(annotation_ids)
    return Deletion(count, frozenset(gatherer.touched_mentions))


def _no_users(ls_user_id: int) -> Mapping[str, Any]:  # pragma: no cover - deleting reads no users
    raise LabelStudioError(f"no user lookup while deleting (user {ls_user_id})")
