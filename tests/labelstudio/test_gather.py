"""Reading annotations (pure, on the JSON shapes Label Studio 1.23.2 sends) and storing them."""

from __future__ import annotations

import copy
import random
import threading

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker

from annotator.db import get_session
from annotator.errors import LabelStudioError, LabelStudioUnavailable
from annotator.labelstudio import gather
from annotator.labelstudio.annotators import SIMULATED_DOMAIN
from annotator.labelstudio.gather import ClaimReading, apply_annotation, delete_annotations, read_annotation
from annotator.models import (
    Annotator,
    Article,
    ArticleRevision,
    Claim,
    Judgment,
    JudgmentRevision,
    JudgmentState,
    LabelStudioProject,
    LabelStudioTask,
    Mention,
    MentionOrigin,
    MentionStatus,
)

ACTIVE, SKIPPED, REJECTED = JudgmentState.ACTIVE, JudgmentState.SKIPPED, JudgmentState.REJECTED
VERDICTS = ("confirmed", "disputed", "denied")

TEXT = (
    "KYIV - Korea Utara mengirim 3.000 tentara ke Rusia, kata pejabat Korea Selatan. "
    "Pyongyang membantah laporan itu."
)
SPAN_A = (9, 50)  # "Korea Utara mengirim 3.000 tentara ke Rusia"
SPAN_B = (81, 112)  # "Pyongyang membantah laporan itu"


def region(name: str, value, kind: str = "choices", rid: str | None = None) -> dict:
    return {"id": rid or f"r-{name}", "from_name": name, "to_name": "text", "type": kind, "origin": "manual", "value": value}


def verdict(index: int, *choices: str) -> dict:
    return region(f"verdict_{index}", {"choices": list(choices)})


def span(index: int, start: int, end: int, text: str | None = None) -> dict:
    value = {"start": start, "end": end, "text": TEXT[start:end] if text is None else text, "labels": ["evidence"]}
    return region(f"evidence_{index}", value, "labels", rid=f"e{index}-{start}")


def rating(index: int, value) -> dict:
    return region(f"confidence_{index}", {"rating": value}, "rating")


def note(index: int, value) -> dict:
    return region(f"note_{index}", {"text": value}, "textarea")


def annotation(*result, was_cancelled: bool = False, **fields) -> dict:
    return {
        "id": 7,
        "completed_by": 2,
        "was_cancelled": was_cancelled,
        "task": 3,
        "project": 2,
        "created_at": "2026-11-22T01:19:44.085697Z",
        "updated_at": "2026-11-22T01:19:44.085739Z",
        "result": list(result),
    } | fields


def evidence(*spans: tuple[int, int]) -> tuple[dict, ...]:
    return tuple({"start": s, "end": e, "text": TEXT[s:e]} for s, e in spans)


# The annotation as the UI writes it (var/labelstudio-notes.md, section 2), offsets moved to TEXT.
UI_ANNOTATION = {
    "id": 7, "completed_by": 2, "was_cancelled": False, "ground_truth": False,
    "lead_time": 9.214, "task": 3, "project": 2, "updated_by": 2,
    "parent_prediction": 2, "parent_annotation": None,
    "created_at": "2026-11-22T01:19:44.085697Z", "updated_at": "2026-11-22T01:19:44.085739Z",
    "result": [
        {"id": "p1", "from_name": "evidence_0", "to_name": "text", "type": "labels", "origin": "prediction",
         "value": {"start": 9, "end": 50, "text": TEXT[9:50], "labels": ["evidence"]}},
        {"id": "tAr6SjXIa6", "from_name": "verdict_0", "to_name": "text", "type": "choices", "origin": "manual",
         "value": {"choices": ["disputed"]}},
        {"id": "yf3fqngDmQ", "from_name": "verdict_1", "to_name": "text", "type": "choices", "origin": "manual",
         "value": {"choices": ["denied"]}},
        {"id": "CQa_FF54Ip", "from_name": "evidence_1", "to_name": "text", "type": "labels", "origin": "manual",
         "value": {"start": 81, "end": 112, "text": TEXT[81:112], "labels": ["evidence"]}},
        {"id": "SUqV8JowDu", "from_name": "confidence_0", "to_name": "text", "type": "rating", "origin": "manual",
         "value": {"rating": 4}},
        {"id": "aPGT7ATTrS", "from_name": "note_0", "to_name": "text", "type": "textarea", "origin": "manual",
         "value": {"text": ["Pentagon quoted, not confirmed"]}},
    ],
}

# (annotation, claim count, expected readings, expected ignored count)
CASES = {
    "ui-annotation-from-the-notes": (
        UI_ANNOTATION,
        2,
        [
            ClaimReading(0, ACTIVE, "disputed", 4, evidence(SPAN_A), "Pentagon quoted, not confirmed"),
            ClaimReading(1, ACTIVE, "denied", None, evidence(SPAN_B)),
        ],
        0,
    ),
    "all-controls-several-spans": (
        annotation(
            verdict(0, "confirmed"), span(0, *SPAN_B), span(0, *SPAN_A), span(0, *SPAN_A),
            rating(0, 5), note(0, ["first line", "  ", "second line"]),
        ),
        1,
        [ClaimReading(0, ACTIVE, "confirmed", 5, evidence(SPAN_A, SPAN_B), "first line\nsecond line")],
        0,
    ),
    "note-as-a-plain-string": (
        annotation(verdict(0, "denied"), note(0, "  only text  ")),
        1,
        [ClaimReading(0, ACTIVE, "denied", note="only text")],
        0,
    ),
    "skip": (
        annotation(was_cancelled=True),
        3,
        [ClaimReading(i, SKIPPED) for i in range(3)],
        0,
    ),
    "skip-with-leftover-regions": (
        annotation(verdict(0, "confirmed"), was_cancelled=True),
        2,
        [ClaimReading(0, SKIPPED), ClaimReading(1, SKIPPED)],
        1,
    ),
    "unknown-claim-index": (
        annotation(verdict(0, "confirmed"), verdict(1, "denied"), verdict(2, "denied"), verdict(5, "denied")),
        3,
        [
            ClaimReading(0, ACTIVE, "confirmed"),
            ClaimReading(1, ACTIVE, "denied"),
            ClaimReading(2, ACTIVE, "denied"),
            ClaimReading(5, REJECTED, reject_reason="unknown claim index 5: the task has 3 claims"),
        ],
        0,
    ),
    "unknown-verdict": (
        annotation(verdict(0, "maybe")),
        1,
        [ClaimReading(0, REJECTED, reject_reason="unknown verdict 'maybe' for claim 0: expected one of confirmed, disputed, denied")],
        0,
    ),
    "missing-verdict-keeps-the-rest-for-the-record": (
        annotation(verdict(0, "confirmed"), span(1, *SPAN_B), rating(1, 3)),
        2,
        [
            ClaimReading(0, ACTIVE, "confirmed"),
            ClaimReading(1, REJECTED, None, 3, evidence(SPAN_B), reject_reason="claim 1 has no verdict"),
        ],
        0,
    ),
    "several-verdicts": (
        annotation(verdict(0, "confirmed", "denied")),
        1,
        [ClaimReading(0, REJECTED, reject_reason="claim 0 has several verdicts: confirmed, denied")],
        0,
    ),
    "same-verdict-twice-is-one": (
        annotation(verdict(0, "denied"), verdict(0, "denied")),
        1,
        [ClaimReading(0, ACTIVE, "denied")],
        0,
    ),
    "span-past-the-text": (
        annotation(verdict(0, "confirmed"), span(0, 100, 500, text="x")),
        1,
        [ClaimReading(0, REJECTED, reject_reason=f"evidence_0: span 100-500 is out of range in a text of {len(TEXT)} characters")],
        0,
    ),
    "span-backwards": (
        annotation(verdict(0, "confirmed"), span(0, 50, 9, text="")),
        1,
        [ClaimReading(0, REJECTED, reject_reason=f"evidence_0: span 50-9 is out of range in a text of {len(TEXT)} characters")],
        0,
    ),
    "span-offsets-not-integers": (
        annotation(verdict(0, "confirmed"), region("evidence_0", {"start": "9", "end": 50.0}, "labels")),
        1,
        [ClaimReading(0, REJECTED, reject_reason="evidence_0: span offsets must be integers, got start='9' end=50.0")],
        0,
    ),
    "rating-not-an-integer": (
        annotation(verdict(0, "confirmed"), rating(0, 4.5)),
        1,
        [ClaimReading(0, REJECTED, reject_reason="confidence_0: the rating must be an integer in 1..5, got 4.5")],
        0,
    ),
    "rating-as-text": (
        annotation(verdict(0, "confirmed"), rating(0, "4")),
        1,
        [ClaimReading(0, REJECTED, reject_reason="confidence_0: the rating must be an integer in 1..5, got '4'")],
        0,
    ),
    "rating-above-the-scale": (
        annotation(verdict(0, "confirmed"), rating(0, 9)),
        1,
        [ClaimReading(0, REJECTED, reject_reason="confidence_0: the rating must be an integer in 1..5, got 9")],
        0,
    ),
    "garbage-regions-are-ignored": (
        annotation(
            None, 3, "verdict_0", [], {"value": {"choices": ["denied"]}},
            region("nonexistent", {"choices": ["denied"]}), region("verdict_x", {"choices": ["denied"]}),
            verdict(0, "confirmed"),
        ),
        1,
        [ClaimReading(0, ACTIVE, "confirmed")],
        7,
    ),
    "garbage-values-reject-their-claim": (
        annotation(region("verdict_0", None), verdict(1, "denied"), region("verdict_2", {"choices": "denied"}), note(1, [3])),
        3,
        [
            ClaimReading(0, REJECTED, reject_reason="verdict_0: the value is not an object: None"),
            ClaimReading(1, REJECTED, reject_reason="note_1: a note must be text, got [3]"),
            ClaimReading(2, REJECTED, reject_reason="verdict_2: expected {\"choices\": [\"<verdict>\"]}, got {'choices': 'denied'}"),
        ],
        0,
    ),
    "result-not-a-list": (
        annotation() | {"result": {"verdict_0": "confirmed"}},
        1,
        [],
        2,
    ),
    "result-missing": (
        {"id": 1, "completed_by": 2},
        1,
        [],
        1,
    ),
    "a-task-without-claims": (
        annotation(verdict(0, "confirmed")),
        0,
        [ClaimReading(0, REJECTED, reject_reason="unknown claim index 0: the task has 0 claims")],
        0,
    ),
}


@pytest.mark.parametrize(("payload", "claims", "expected", "ignored"), list(CASES.values()), ids=list(CASES))
def test_read_annotation(payload, claims, expected, ignored):
    before = copy.deepcopy(payload)
    reading = read_annotation(payload, claims, VERDICTS, text=TEXT, max_rating=5)
    assert reading == expected
    assert len(reading.ignored) == ignored, reading.ignored
    assert payload == before, "reading does not change its input"


@pytest.mark.parametrize("payload", [None, [], "annotation", 42, {"result": "x", "was_cancelled": "yes"}], ids=repr)
def test_what_is_not_an_annotation_reads_as_nothing_or_rejected(payload):
    reading = read_annotation(payload, 2, VERDICTS)
    assert all(r.state is REJECTED for r in reading)
    assert reading.ignored or reading


def test_without_the_text_spans_keep_their_own_text_and_any_end():
    reading = read_annotation(annotation(verdict(0, "confirmed"), span(0, 9, 5000, text="dikirim")), 1, VERDICTS)
    assert reading == [ClaimReading(0, ACTIVE, "confirmed", evidence=({"start": 9, "end": 5000, "text": "dikirim"},))]


def test_offsets_count_utf16_like_the_browser():
    text = "🇰🇵 Korea Utara 💥 mengirim tentara"
    # The browser counts each flag letter and the emoji as 2 units.
    start16 = text.index("mengirim") + 3
    reading = read_annotation(
        annotation(verdict(0, "confirmed"), span(0, start16, start16 + 8, text="mengirim")), 1, VERDICTS, text=text
    )
    (claim,) = reading
    assert claim.evidence == ({"start": text.index("mengirim"), "end": text.index("mengirim") + 8, "text": "mengirim"},)
    inside_pair = read_annotation(annotation(verdict(0, "confirmed"), span(0, 1, 4, text="")), 1, VERDICTS, text=text)
    assert inside_pair[0].state is REJECTED and "splits a character" in inside_pair[0].reject_reason


def _garbage(rng: random.Random, depth: int = 0):
    leaves = [None, True, 0, -1, 2**40, 3.5, "", "verdict_0", "evidence_1", "confidence_0", "note_0", "denied"]
    if depth > 3 or rng.random() < 0.4:
        return rng.choice(leaves)
    if rng.random() < 0.5:
        return [_garbage(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    keys = ["from_name", "value", "choices", "start", "end", "text", "rating", "labels", "result", "was_cancelled"]
    return {rng.choice(keys): _garbage(rng, depth + 1) for _ in range(rng.randint(0, 5))}


def test_no_json_shape_makes_reading_raise():
    rng = random.Random(20241031)
    for _ in range(3000):
        result = [_garbage(rng) for _ in range(rng.randint(0, 6))]
        if rng.random() < 0.5:
            result += [
                {"from_name": f"{rng.choice(['verdict', 'evidence', 'confidence', 'note'])}_{rng.randint(0, 4)}",
                 "value": _garbage(rng)}
            ]
        reading = read_annotation({"result": result, "was_cancelled": rng.random() < 0.1}, rng.randint(0, 3), VERDICTS, text=TEXT)
        assert all(isinstance(r, ClaimReading) for r in reading)
        assert [r.claim_index for r in reading] == sorted({r.claim_index for r in reading})


# -- storing ---------------------------------------------------------------------------------


CLAIMS = ("korea-utara-kirim-tentara", "pyongyang-membantah", "pakta-pertahanan")


def store_task(session, *, claims: int = 3, ls_task_id: int = 3, ls_project_id: int = 2) -> LabelStudioProject:
    """An article whose task (``ls_task_id``) carries ``claims`` claims, as push leaves it."""
    project = session.scalar(sa.select(LabelStudioProject).where(LabelStudioProject.ls_project_id == ls_project_id))
    if project is None:
        project = LabelStudioProject(
            project_key=f"p{ls_project_id}", ls_project_id=ls_project_id, base_url="http://ls.test", title="t", config_hash=""
        )
        session.add(project)
    article = Article(external_id=f"article-{ls_task_id}")
    revision = ArticleRevision(
        article=article, number=1, content_hash=f"h{ls_task_id}", source="test", raw_text=TEXT, body=TEXT
    )
    mentions = []
    for claim_id in CLAIMS[:claims]:
        if session.get(Claim, claim_id) is None:
            session.add(Claim(id=claim_id, text=claim_id.replace("-", " ")))
        mentions.append(
            Mention(
                claim_id=claim_id, revision=revision, origin=MentionOrigin.CATALOGUE,
                status=MentionStatus.ACCEPTED, dedup_key=claim_id, spans=[list(SPAN_A)],
            )
        )
    session.add_all([article, revision, *mentions])
    session.flush()
    session.add(
        LabelStudioTask(
            project=project, revision_id=revision.id, ls_task_id=ls_task_id,
            mention_ids=[m.id for m in mentions], payload_hash="x",
        )
    )
    session.flush()
    return project


class Users:
    """Label Studio's users as ``client.user`` would answer; counts the calls."""

    def __init__(self, **emails: str):
        self.emails = {int(k.removeprefix("u")): v for k, v in emails.items()}
        self.calls: list[int] = []

    def __call__(self, user_id: int) -> dict:
        self.calls.append(user_id)
        if user_id not in self.emails:
            raise LabelStudioError(f"Label Studio answered 404 while reading user {user_id}")
        return {"id": user_id, "email": self.emails[user_id], "first_name": "Ann", "last_name": "Tator", "username": "x"}


def judgments(session) -> list[Judgment]:
    session.expire_all()
    return list(session.scalars(sa.select(Judgment).order_by(Judgment.ls_annotation_id, Judgment.claim_index)))


def later(payload: dict, stamp: str, *result) -> dict:
    return payload | {"updated_at": stamp, "result": list(result)}


FULL = annotation(verdict(0, "confirmed"), span(0, *SPAN_A), rating(0, 4), verdict(1, "denied"), verdict(2, "disputed"))


def test_the_same_annotation_twice_is_stored_once(app):
    with app.app_context():
        session = get_session()
        project = store_task(session)
        users = Users(u2="ann@example.org")
        first = apply_annotation(session, project, FULL, resolve_user=users)
        again = apply_annotation(session, project, copy.deepcopy(FULL), resolve_user=users)
        session.commit()
        stored = judgments(session)
        task = session.scalar(sa.select(LabelStudioTask))
        annotator = session.scalar(sa.select(Annotator))
    assert (first.outcome, first.created, first.unchanged) == ("created", 3, 0)
    assert (again.outcome, again.created, again.updated, again.unchanged) == ("unchanged", 0, 0, 3)
    assert users.calls == [2], "a user is looked up once, then known"
    assert (annotator.email, annotator.name, annotator.ls_user_id, annotator.simulated) == (
        "ann@example.org", "Ann Tator", 2, False
    )
    assert [(j.claim_index, j.verdict.value, j.state, j.mention_id) for j in stored] == [
        (0, "confirmed", ACTIVE, task.mention_ids[0]),
        (1, "denied", ACTIVE, task.mention_ids[1]),
        (2, "disputed", ACTIVE, task.mention_ids[2]),
    ]
    assert stored[0].evidence == [{"start": 9, "end": 50, "text": TEXT[9:50]}] and stored[0].confidence == 4
    assert {(j.ls_annotation_id, j.ls_task_id, j.annotator_id) for j in stored} == {(7, 3, annotator.id)}
    assert stored[0].ls_updated_at.replace(tzinfo=None).isoformat() == "2026-11-22T01:19:44.085739"


def test_an_update_replaces_and_keeps_history(app):
    with app.app_context():
        session = get_session()
        project = store_task(session)
        users = Users(u2="ann@example.org")
        apply_annotation(session, project, FULL, resolve_user=users)
        newer = later(FULL, "2026-11-22T02:00:00.000000Z", verdict(0, "denied"), verdict(1, "denied"), verdict(2, "disputed"))
        change = apply_annotation(session, project, newer, resolve_user=users)
        stale = apply_annotation(session, project, FULL, resolve_user=users)
        session.commit()
        stored = judgments(session)
        history = list(session.scalars(sa.select(JudgmentRevision)))
    assert (change.outcome, change.updated, change.unchanged) == ("updated", 1, 2)
    assert (stale.outcome, stale.unchanged, stale.updated) == ("unchanged", 3, 0), "an older copy changes nothing"
    assert stored[0].verdict.value == "denied" and stored[0].evidence == [] and stored[0].confidence is None
    assert stored[0].ls_updated_at.replace(tzinfo=None).isoformat() == "2026-11-22T02:00:00"
    assert [(h.judgment_id, h.verdict.value, h.confidence, h.state) for h in history] == [
        (stored[0].id, "confirmed", 4, ACTIVE)
    ]
    assert history[0].evidence == [{"start": 9, "end": 50, "text": TEXT[9:50]}]


def test_a_batch_stores_each_copy_in_turn(app):
    """One page of a sync holding two copies of an annotation (and an older one after
    them) stores exactly what applying them one by one would."""
    with app.app_context():
        session = get_session()
        project = store_task(session)
        newer = later(FULL, "2026-11-22T02:00:00.000000Z", verdict(0, "denied"), verdict(1, "denied"), verdict(2, "disputed"))
        other = annotation(verdict(0, "denied"), id=8)
        gatherer = gather.Gatherer(session, project, resolve_user=Users(u2="ann@example.org"))
        changes = gatherer.apply_many([(FULL, None), (other, None), (newer, None), (FULL, None)])
        session.commit()
        stored = [(j.ls_annotation_id, j.claim_index, j.verdict.value, len(j.history)) for j in judgments(session)]
    assert [(c.annotation_id, c.outcome, c.created, c.updated, c.unchanged) for c in changes] == [
        (7, "created", 3, 0, 0), (8, "created", 1, 0, 0), (7, "updated", 0, 1, 2), (7, "unchanged", 0, 0, 3)
    ]
    assert stored == [
        (7, 0, "denied", 1), (7, 1, "denied", 0), (7, 2, "disputed", 0), (8, 0, "denied", 0)
    ]


def test_a_skip_and_rejected_readings_are_stored_but_never_as_verdicts(app):
    with app.app_context():
        session = get_session()
        project = store_task(session, claims=2)
        users = Users(u2="ann@example.org", u3=f"bot-1@{SIMULATED_DOMAIN}")
        skip = apply_annotation(session, project, annotation(was_cancelled=True, id=8), resolve_user=users)
        odd = apply_annotation(
            session, project, annotation(verdict(0, "maybe"), verdict(1, "denied"), verdict(4, "denied"), id=9, completed_by=3),
            resolve_user=users,
        )
        session.commit()
        stored = {(j.ls_annotation_id, j.claim_index): j for j in judgments(session)}
        task = session.scalar(sa.select(LabelStudioTask))
    assert (skip.created, skip.skipped, odd.created, odd.rejected) == (2, 2, 3, 2)
    assert {k: (j.state, j.verdict, j.mention_id) for k, j in stored.items() if k[0] == 8} == {
        (8, 0): (SKIPPED, None, task.mention_ids[0]),
        (8, 1): (SKIPPED, None, task.mention_ids[1]),
    }
    assert (stored[9, 0].state, stored[9, 0].verdict, stored[9, 0].mention_id) == (REJECTED, None, None)
    assert "unknown verdict 'maybe'" in stored[9, 0].reject_reason
    assert stored[9, 1].state is ACTIVE and stored[9, 1].simulated is True
    assert stored[9, 4].reject_reason == "unknown claim index 4: the task has 2 claims"
    assert any("unknown claim index 4" in p for p in odd.problems)


def test_a_skip_becoming_an_answer_is_an_update_with_history(app):
    with app.app_context():
        session = get_session()
        project = store_task(session, claims=1)
        users = Users(u2="ann@example.org")
        apply_annotation(session, project, annotation(was_cancelled=True), resolve_user=users)
        answered = annotation(verdict(0, "denied"), updated_at="2026-11-23T00:00:00Z")
        change = apply_annotation(session, project, answered, resolve_user=users)
        session.commit()
        (stored,) = judgments(session)
        states = [h.state for h in stored.history]
    assert (change.updated, change.skipped) == (1, 0)
    assert (stored.state, stored.verdict.value, states) == (ACTIVE, "denied", [SKIPPED])


@pytest.mark.parametrize(
    "payload, reason",
    [
        (annotation(verdict(0, "denied"), task=99), "task 99 is not one this service pushed"),
        (annotation(verdict(0, "denied"), id="7"), "annotation without an integer id"),
        (annotation(verdict(0, "denied"), completed_by=None), "has no completed_by user"),
        (annotation(verdict(0, "denied"), completed_by=404), "Label Studio user 404 cannot be read"),
        ("not an annotation", "not an annotation object"),
    ],
    ids=["unknown-task", "id-not-an-integer", "no-user", "user-unknown-to-label-studio", "not-an-object"],
)
def test_what_cannot_be_stored_is_ignored_with_a_reason(app, payload, reason):
    with app.app_context():
        session = get_session()
        project = store_task(session, claims=1)
        change = apply_annotation(session, project, payload, resolve_user=Users(u2="ann@example.org"))
        session.commit()
        assert judgments(session) == [] and session.scalar(sa.select(sa.func.count(Annotator.id))) == 0
    assert change.outcome == "ignored" and reason in change.problems[0]


def test_label_studio_down_while_resolving_a_user_passes_the_error_on(app):
    def down(_user_id):
        raise LabelStudioUnavailable("cannot reach Label Studio")

    with app.app_context():
        session = get_session()
        project = store_task(session, claims=1)
        with pytest.raises(LabelStudioUnavailable):
            apply_annotation(session, project, annotation(verdict(0, "denied")), resolve_user=down)


def test_a_user_added_by_email_is_linked_not_duplicated(app):
    with app.app_context():
        session = get_session()
        project = store_task(session, claims=1)
        session.add(Annotator(email="Ann@Example.org", name="Ann"))
        apply_annotation(session, project, annotation(verdict(0, "denied")), resolve_user=Users(u2="ann@example.org"))
        session.commit()
        (stored,) = judgments(session)
        (annotator,) = session.scalars(sa.select(Annotator))
        assert (annotator.email, annotator.ls_user_id, stored.annotator_id) == ("Ann@Example.org", 2, annotator.id)


def test_claim_indices_an_update_drops_are_deleted(app):
    with app.app_context():
        session = get_session()
        project = store_task(session, claims=1)
        users = Users(u2="ann@example.org")
        apply_annotation(session, project, annotation(verdict(0, "denied"), verdict(3, "denied")), resolve_user=users)
        change = apply_annotation(
            session, project, annotation(verdict(0, "denied"), updated_at="2026-11-23T00:00:00Z"), resolve_user=users
        )
        session.commit()
        stored = judgments(session)
    assert (change.deleted, change.unchanged) == (1, 1)
    assert [(j.claim_index, j.state) for j in stored] == [(0, ACTIVE), (3, JudgmentState.DELETED)]


def test_delete_marks_deleted_keeps_history_and_is_idempotent(app):
    with app.app_context():
        session = get_session()
        project = store_task(session, claims=2)
        other = store_task(session, claims=1, ls_task_id=30, ls_project_id=20)
        users = Users(u2="ann@example.org")
        apply_annotation(session, project, annotation(verdict(0, "denied"), verdict(1, "confirmed")), resolve_user=users)
        apply_annotation(session, other, annotation(verdict(0, "denied"), id=70, task=30), resolve_user=users)
        assert delete_annotations(session, project, [7, 70, 12345]).count == 2, "only this project's judgments"
        assert delete_annotations(session, project, [7]).count == 0
        late = apply_annotation(session, project, annotation(verdict(0, "denied"), verdict(1, "confirmed")), resolve_user=users)
        session.commit()
        stored = {j.ls_annotation_id * 10 + j.claim_index: j for j in judgments(session)}
        history = {j: [h.state for h in stored[j].history] for j in stored}
    assert late.unchanged == 2, "a late copy of a deleted annotation does not bring it back"
    assert (stored[70].state, stored[71].state, stored[700].state) == (JudgmentState.DELETED,) * 2 + (ACTIVE,)
    assert history == {70: [ACTIVE], 71: [ACTIVE], 700: []}
    assert stored[70].verdict.value == "denied", "the values stay for the record"


def test_a_newer_copy_of_a_deleted_annotation_brings_it_back(app):
    with app.app_context():
        session = get_session()
        project = store_task(session, claims=1)
        users = Users(u2="ann@example.org")
        apply_annotation(session, project, annotation(verdict(0, "denied")), resolve_user=users)
        delete_annotations(session, project, [7])
        change = apply_annotation(
            session, project, annotation(verdict(0, "denied"), updated_at="2026-11-23T00:00:00Z"), resolve_user=users
        )
        session.commit()
        (stored,) = judgments(session)
    assert (change.updated, stored.state) == (1, ACTIVE)


@pytest.mark.parametrize(
    "annotator_known, lost",
    [(True, ["judgments"] * 3), (False, ["annotators"])],
    ids=["known-annotator-race-on-judgments", "new-annotator-race-on-the-annotator"],
)
def test_two_writers_racing_on_one_annotation_store_it_once(app, monkeypatch, annotator_known, lost):
    """The webhook and the sync storing the same annotation at the same moment: the
    second waits for the first's rows, loses the insert, re-reads and changes nothing."""
    engine = app.extensions["annotator.engine"]
    inserts: list[tuple[str, str, bool]] = []
    real_insert, real_insert_judgments = gather._insert_ignoring_conflict, gather._insert_judgments

    def watched_insert(session, table, values):
        inserted = real_insert(session, table, values)
        inserts.append((threading.current_thread().name, table.name, inserted))
        return inserted

    def watched_insert_judgments(session, rows):
        inserted = real_insert_judgments(session, rows)
        for row in rows:
            key = (row["ls_annotation_id"], row["claim_index"])
            inserts.append((threading.current_thread().name, "judgments", key in inserted))
        return inserted

    monkeypatch.setattr(gather, "_insert_ignoring_conflict", watched_insert)
    monkeypatch.setattr(gather, "_insert_judgments", watched_insert_judgments)
    with app.app_context():
        session = get_session()
        project = store_task(session, claims=3)
        if annotator_known:
            session.add(Annotator(email="ann@example.org", ls_user_id=2))
        session.commit()
        project_id = project.id
    make = sessionmaker(engine, expire_on_commit=False)
    first, second = make(), make()
    outcome: dict = {}
    try:
        project_a = first.get(LabelStudioProject, project_id)
        change_a = gather.Gatherer(first, project_a, resolve_user=Users(u2="ann@example.org")).apply(FULL)
        assert change_a.created == 3  # flushed, not committed: the other writer cannot see it

        def other_writer():
            try:
                project_b = second.get(LabelStudioProject, project_id)
                outcome["change"] = apply_annotation(second, project_b, FULL, resolve_user=Users(u2="ann@example.org"))
                second.commit()
            except Exception as error:  # reported to the test below
                outcome["error"] = error
                second.rollback()

        thread = threading.Thread(target=other_writer, name="other")
        thread.start()
        thread.join(0.5)  # the other writer now waits on the first one's rows
        first.commit()
        thread.join(10)
        assert not thread.is_alive()
    finally:
        first.close()
        second.close()
    assert "error" not in outcome, outcome.get("error")
    assert (outcome["change"].created, outcome["change"].unchanged) == (0, 3)
    assert [(t, inserted) for name, t, inserted in inserts if name == "other"] == [(t, False) for t in lost]
    with app.app_context():
        assert len(judgments(get_session())) == 3
        assert get_session().scalar(sa.select(sa.func.count(Annotator.id))) == 1


def test_a_listing_older_than_a_stored_annotation_does_not_delete_it(app):
    """The sync listed a task, then a webhook stored a new annotation of it: that one
    is missing from the listing only because it is newer, so it stays."""
    import datetime as dt

    with app.app_context():
        session = get_session()
        project = store_task(session, claims=1)
        users = Users(u2="ann@example.org")
        apply_annotation(session, project, annotation(verdict(0, "denied"), id=7, updated_at="2026-11-22T01:00:00Z"), resolve_user=users)
        apply_annotation(session, project, annotation(verdict(0, "denied"), id=8, updated_at="2026-11-22T01:00:09Z"), resolve_user=users)
        listed_at = dt.datetime(2026, 11, 22, 1, 0, 5, tzinfo=dt.timezone.utc)
        deleted = gather.Gatherer(session, project, resolve_user=users).delete([7, 8], task_id=3, seen_before=listed_at)
        session.commit()
        states = {j.ls_annotation_id: j.state for j in judgments(session)}
    assert deleted == 1 and states == {7: JudgmentState.DELETED, 8: ACTIVE}


def test_the_project_config_reaches_the_gatherer_and_is_enforced(app):
    """labelstudio.yaml's verdicts and rating scale, as intake passes them: a judgment outside
    them is stored rejected with the reason, and the verdicts of what it touched are refreshed."""
    from annotator.intake import gather_annotation

    rules = app.extensions["annotator.rules"]
    top = rules.project.max_rating
    with app.app_context():
        session = get_session()
        project = store_task(session)
        users = Users(u2="ann@example.org")
        too_high = annotation(verdict(0, "confirmed"), rating(0, top + 1), verdict(1, "denied"), verdict(2, "disputed"))
        change = gather_annotation(session, rules, project, too_high, resolve_user=users)
        session.commit()
        stored = judgments(session)
    assert change.rejected == 1 and {j.mention_id for j in stored[1:]} <= change.mention_ids
    assert stored[0].state is JudgmentState.REJECTED
    assert f"the rating must be an integer in 1..{top}, got {top + 1}" in stored[0].reject_reason
    assert [j.state for j in stored[1:]] == [ACTIVE, ACTIVE]
    assert "mention_ids" not in change.as_dict(), "the webhook's answer stays as it was"
