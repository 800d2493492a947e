"""What a Label Studio annotation says, claim by claim: read and checked, never stored.

Pure (no store, no network), so the webhook and the sync read an annotation the
same way, and the rules can be tested on plain dicts.  :func:`read_annotation`
never raises, whatever the JSON:

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

:mod:`annotator.labelstudio.gather` stores what this reads.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from typing import Any

from ..models import JudgmentState
from ..vocabulary import STORE_VERDICTS
from .schema import parse_control_name

__all__ = ["ClaimReading", "AnnotationReading", "read_annotation"]


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
    ignored: list[str] = []
    result = _result(annotation, ignored)
    if annotation.get("was_cancelled") is True:
        if result:
            ignored.append(f"skipped annotation: its {len(result)} result region(s) are ignored")
        return AnnotationReading(
            [ClaimReading(i, JudgmentState.SKIPPED) for i in range(claim_count)], ignored
        )
    claims = _controls_by_claim(result, _Offsets(text if isinstance(text, str) else None), max_rating, ignored)
    # A claim the annotation names nowhere is not judged (it may have been appended to the
    # task after this annotation was made); one with controls but no verdict is rejected.
    if claim_count and not claims:
        ignored.append("the annotation names no claim: nothing to store")
    return AnnotationReading(
        [_judge(i, claims[i], claim_count, verdicts) for i in sorted(claims)], ignored
    )


def _result(annotation: Mapping, ignored: list[str]) -> list:
    """The annotation's result regions; a result that is not a list counts as none."""
    result = annotation.get("result")
    if result is None:
        return []
    if not isinstance(result, list):
        ignored.append(f"result is not a list: {_short(result)}")
        return []
    return result


def _controls_by_claim(
    result: list, offsets: _Offsets, max_rating: int | None, ignored: list[str]
) -> dict[int, _Controls]:
    """The values the result's regions give, by claim index; a region naming no claim
    control is ignored (its reason appended to ``ignored``)."""
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
    return claims
