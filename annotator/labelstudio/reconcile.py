"""What one annotation changes in the judgments stored for it: the rules of replacement.

:mod:`~annotator.labelstudio.gather` loads (and locks) the stored rows and inserts
the new ones; the decisions are made here, on rows already loaded:

* a copy older than the stored one (Label Studio's ``updated_at``: a late webhook)
  changes nothing;
* a copy that differs replaces the stored values, which go to the judgment's history;
* a deleted judgment comes back only with a strictly newer ``updated_at``, so a late
  copy cannot undo a deletion;
* the judgment of a claim index the annotation no longer names is marked deleted;
* an annotation stored for another task is ignored;
* a copy last changed by someone other than its author (Label Studio's ``updated_by``
  is not its ``completed_by``: the data manager lets any member edit any annotation)
  is set aside: the author's stored version stands, and an annotation first seen that
  way is kept *rejected*, never counted.  Simulated annotators are exempt: the service
  posts their annotations itself.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from ..models import Annotator, Judgment, JudgmentRevision, JudgmentState, LabelStudioTask, Verdict, as_utc
from ..vocabulary import STORE_VERDICTS
from .reading import AnnotationReading, ClaimReading

__all__ = ["AppliedChange", "PendingAnnotation", "NOT_THE_AUTHOR"]

#: How a set-aside change is named in the problems of a sync or webhook answer.
NOT_THE_AUTHOR = "not by its author"


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
    #: Label Studio user who edited the annotation though it is not theirs (the edit set aside)
    edited_by: int | None = None
    problems: list[str] = dataclasses.field(default_factory=list)
    #: the mentions whose judgments changed: their claims' verdicts need refreshing
    mention_ids: set[int] = dataclasses.field(default_factory=set, repr=False)

    def as_dict(self) -> dict:
        data = dataclasses.asdict(self)
        del data["mention_ids"]
        return data

    def tally(self, what: str, state: JudgmentState) -> None:
        """Count one judgment ``created`` or ``updated``, and whether it is a skip or rejected."""
        setattr(self, what, getattr(self, what) + 1)
        if state is JudgmentState.SKIPPED:
            self.skipped += 1
        elif state is JudgmentState.REJECTED:
            self.rejected += 1


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
class PendingAnnotation:
    """An annotation read and ready to store, with its stored judgments once loaded.

    The gatherer loads ``existing``, inserts the rows :meth:`compare` returns (a row
    another writer stored first goes through :meth:`replace`), then calls :meth:`finish`.
    """

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
    #: the Label Studio user who last changed it, when that is not its author
    edited_by: int | None = None

    def compare(self) -> list[tuple[ClaimReading, dict]]:
        """Update what the annotation changes in its stored judgments; the rows it adds."""
        change, task, existing = self.change, self.task, self.existing
        strangers = {j.ls_task_id for j in existing.values()} - {task.ls_task_id}
        if strangers:
            change.outcome = "ignored"
            change.problems.append(
                f"annotation {change.annotation_id} is stored for task {sorted(strangers)[0]},"
                f" not task {task.ls_task_id}"
            )
            self.settled = True
            return []
        updated_at = self.updated_at
        stored_at = max((as_utc(j.ls_updated_at) for j in existing.values() if j.ls_updated_at), default=None)
        if updated_at is not None and stored_at is not None and updated_at < stored_at:
            change.unchanged = len(existing)  # an older copy (a late webhook): the store is ahead
            self.settled = True
            return []
        if self.edited_by is not None and self._set_aside(existing):
            return []
        self.newer = updated_at is not None and (stored_at is None or updated_at > stored_at)
        new_rows = []
        for claim in self.reading:
            judgment = existing.get(claim.claim_index)
            if judgment is None:
                new_rows.append(
                    (
                        claim,
                        self._values(claim)
                        | {
                            "ls_annotation_id": change.annotation_id,
                            "ls_task_id": task.ls_task_id,
                            "claim_index": claim.claim_index,
                            "ls_updated_at": updated_at,
                        },
                    )
                )
            else:
                self.replace(claim, judgment)
        return new_rows

    def _set_aside(self, existing: dict[int, Judgment]) -> bool:
        """Keep another person's edit from counting as the author's; whether it is settled."""
        change = self.change
        change.edited_by = self.edited_by
        author = self.annotator.ls_user_id
        if existing:
            change.unchanged = len(existing)
            change.problems.append(
                f"annotation {change.annotation_id} was changed in Label Studio by user {self.edited_by},"
                f" {NOT_THE_AUTHOR} (user {author}): the change is set aside, the author's own version stands"
            )
            self.settled = True
            return True
        why = f"changed by Label Studio user {self.edited_by}, {NOT_THE_AUTHOR} (user {author}): not counted"
        self.reading = AnnotationReading(
            [dataclasses.replace(c, state=JudgmentState.REJECTED, reject_reason=why) for c in self.reading],
            self.reading.ignored,
        )
        change.problems.append(f"annotation {change.annotation_id}: {why}")
        return False

    def replace(self, claim: ClaimReading, judgment: Judgment) -> None:
        """Bring a stored judgment in line with what the annotation now says about its claim."""
        change = self.change
        if judgment.state is JudgmentState.DELETED and not self.newer:
            change.unchanged += 1
            return
        values = self._values(claim)
        if all(getattr(judgment, key) == value for key, value in values.items()):
            if self.newer:
                judgment.ls_updated_at = self.updated_at
                self.touched = True
            change.unchanged += 1
            return
        _remember(judgment)
        for key, value in values.items():
            setattr(judgment, key, value)
        judgment.ls_updated_at = self.updated_at or judgment.ls_updated_at
        change.tally("updated", claim.state)

    def finish(self) -> bool:
        """Delete the judgments of claims the annotation no longer names and settle its
        outcome; whether any row was written."""
        change = self.change
        if self.settled:
            return False
        named = {claim.claim_index for claim in self.reading}
        for index, judgment in self.existing.items():
            if index not in named and judgment.state is not JudgmentState.DELETED:
                _remember(judgment)
                judgment.state = JudgmentState.DELETED
                judgment.ls_updated_at = self.updated_at or judgment.ls_updated_at
                change.deleted += 1
        if change.updated or change.deleted:
            change.outcome = "updated"
        elif change.created:
            change.outcome = "created"
        return self.touched or change.outcome != "unchanged"

    def _values(self, claim: ClaimReading) -> dict:
        task = self.task
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
            "annotator_id": self.annotator.id,
            "simulated": self.annotator.simulated,
        }
