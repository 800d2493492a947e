"""Verdicts from the store: what counts, verdict sets, freshness, adjudication."""

import dataclasses

import pytest
import sqlalchemy as sa

from annotator.errors import InputError, NotFound
from annotator.models import (
    Annotator,
    ClaimVerdict,
    Mention,
    JudgmentState,
    MentionOrigin,
    MentionStatus,
    VerdictSet,
)
from annotator.services import verdicts as service
from annotator.services.audit import Actor
from annotator.verdicts import LabelSet, claim_verdicts

LABELS = ("confirmed", "disputed", "denied")


def rows_of(session, target) -> dict[str, dict]:
    session.expire_all()
    return {
        row.claim_id: service.claim_verdict_dict(row, target, LabelSet(LABELS))
        for row in session.scalars(service.claim_verdict_rows(target))
    }


def counts(row) -> tuple[int, int, int]:
    return tuple(row["counts"][label] for label in LABELS)


# -- what counts -----------------------------------------------------------------------------


def test_story_verdicts_by_majority(store, story, rules):
    target = service.verdict_set(store.session, rules)
    rows = rows_of(store.session, target)
    assert list(rows) == ["pact", "shells", "troops", "unjudged"]
    troops = rows["troops"]
    assert (troops["verdict"], troops["status"], troops["support"]) == ("confirmed", "settled", 7 / 8)
    assert (counts(troops), troops["n_judgments"], troops["n_annotators"], troops["n_articles"]) == (
        (7, 1, 0),
        8,
        3,
        3,
    )
    pact = rows["pact"]
    assert (pact["verdict"], pact["status"], pact["reason"]) == (
        "disputed",
        "needs adjudication",
        "support below 0.6",
    )
    assert counts(pact) == (2, 3, 1)
    shells = rows["shells"]
    # the stated tie rule: disputed, then denied, then confirmed
    assert (shells["verdict"], shells["tie"]) == ("denied", True)
    assert shells["reason"] == "fewer than 3 judgments; tie between confirmed and denied; support below 0.6"
    unjudged = rows["unjudged"]
    assert (unjudged["verdict"], unjudged["status"], unjudged["reason"]) == (
        None,
        "needs adjudication",
        "no accepted mentions",
    )
    assert counts(unjudged) == (0, 0, 0)


def test_simulated_judgments_are_kept_apart_unless_asked_for(store, story, rules):
    people = service.load_table(store.session, rules)
    everyone = service.load_table(store.session, rules, include_simulated=True)
    bot = story["annotators"]["bot"]
    assert bot not in set(people.judgments.annotators)
    assert everyone.judgments.n_judgments == people.judgments.n_judgments + 6
    target = service.verdict_set(store.session, rules, include_simulated=True)
    assert counts(rows_of(store.session, target)["shells"]) == (1, 0, 2)
    # the people-only set is another set, untouched
    assert counts(rows_of(store.session, service.verdict_set(store.session, rules))["shells"]) == (1, 0, 1)


def test_a_judgment_marked_simulated_by_a_person_account_is_kept_apart(store, rules):
    ana = store.annotator("ana")
    store.claim("c")
    mention = store.mention("c", store.article("a"))
    store.judge(mention, ana, "confirmed", simulated=True)
    assert service.load_table(store.session, rules).judgments.n_judgments == 0
    assert service.load_table(store.session, rules, include_simulated=True).judgments.n_judgments == 1


def test_skipped_deleted_rejected_and_empty_judgments_do_not_count(store, rules):
    people = [store.annotator(n) for n in "abcdef"]
    store.claim("c")
    mention = store.mention("c", store.article("x"))
    store.judge(mention, people[0], "confirmed")
    store.judge(mention, people[1], "denied", state=JudgmentState.SKIPPED)
    store.judge(mention, people[2], "denied", state=JudgmentState.DELETED)
    store.judge(mention, people[3], "denied", state=JudgmentState.REJECTED)
    store.judge(mention, people[4], None)
    rejected = store.judge(mention, people[5], "denied", state=JudgmentState.REJECTED)
    rejected.mention_id = None  # as the gathering stores them
    store.session.flush()
    table = service.load_table(store.session, rules)
    assert table.judgments.n_judgments == 1
    assert service.claim_frame(table, rules, "majority").loc["c", "n_confirmed"] == 1


def test_judgments_of_mentions_not_accepted_do_not_count(store, rules):
    ana, budi = store.annotator("ana"), store.annotator("budi")
    store.claim("c")
    article = store.article("x")
    pending = store.mention("c", article, status=MentionStatus.PENDING, origin=MentionOrigin.SUGGESTED)
    rejected = store.mention("c", store.article("y"), status=MentionStatus.REJECTED)
    store.judge(pending, ana, "denied")
    store.judge(rejected, budi, "denied")
    table = service.load_table(store.session, rules)
    assert table.judgments.n_judgments == 0
    assert table.dropped == {"mention not accepted": 2}
    row = service.claim_frame(table, rules, "majority").loc["c"]
    assert (row["n_judgments"], row["reason"]) == (0, "no accepted mentions")


def test_a_verdict_outside_the_configured_labels_never_enters_a_figure(store, story, rules):
    two = dataclasses.replace(rules, labels=LabelSet(("confirmed", "denied"), ordered=True))
    table = service.load_table(store.session, two)
    assert table.dropped == {"verdict not among the configured labels": 4}
    assert set(table.judgments.frame["label"]) == {"confirmed", "denied"}
    target = service.verdict_set(store.session, two)
    pact = store.session.get(ClaimVerdict, (target.id, "pact"))
    assert (pact.n_confirmed, pact.n_disputed, pact.n_denied, pact.n_judgments) == (2, 0, 1, 3)


def test_a_claim_in_two_revisions_of_one_article_is_one_unit(store, rules):
    ana, budi, citra = (store.annotator(n) for n in ("ana", "budi", "citra"))
    store.claim("c")
    first = store.article("x", "2024-06-01")
    old = store.mention("c", first)
    new = store.mention("c", store.revision(first.article, "2024-06-02"))
    suggested = store.mention("c", new.revision, origin=MentionOrigin.SUGGESTED)
    store.judge(old, ana, "denied")
    store.judge(old, budi, "disputed")
    store.judge(new, ana, "confirmed")  # ana again, on the newer text: this one counts
    store.judge(suggested, citra, "confirmed")
    table = service.load_table(store.session, rules)
    assert list(table.mentions.units) == [new.id]
    assert table.merged(new.id) == [new.id, *sorted((old.id, suggested.id))]
    assert table.dropped == {"superseded duplicate": 1}
    row = service.claim_frame(table, rules, "majority").loc["c"]
    assert (row["n_confirmed"], row["n_disputed"], row["n_denied"], row["n_articles"]) == (2, 1, 0, 1)
    detail = service.mention_detail(store.session, rules, old.id)
    assert (detail["mention_id"], detail["requested_mention_id"]) == (new.id, old.id)
    assert detail["published_on"] == "2024-06-02"
    reasons = {
        j["annotator"]: (j["verdict"], j["counted"], j["not_counted_because"]) for j in detail["judgments"]
    }
    assert reasons["budi@example.org"] == ("disputed", True, None)
    judged = sorted(
        (j["verdict"], j["counted"]) for j in detail["judgments"] if j["annotator"] == "ana@example.org"
    )
    assert judged == [("confirmed", True), ("denied", False)]


def test_stored_rows_equal_the_core_on_the_same_table(store, story, rules):
    for method in service.METHODS:
        target = service.verdict_set(store.session, rules, method)
        table = service.load_table(store.session, rules)
        model = service.model_from_params(target.model, rules.labels) if target.model else None
        expected = claim_verdicts(table.judgments, table.mentions, method, rules.status, model=model)
        rows = rows_of(store.session, target)
        for claim, row in expected.iterrows():
            assert rows[claim]["computed_verdict"] == row["verdict"]
            assert rows[claim]["support"] == pytest.approx(row["support"], rel=1e-12)
            assert rows[claim]["status"] == row["status"]
            assert rows[claim]["reason"] == row["reason"]


def test_dawid_skene_set_keeps_its_fitted_model(store, story, rules):
    target = service.verdict_set(store.session, rules, "dawid-skene")
    assert target.model["annotators"] == sorted(v for k, v in story["annotators"].items() if k != "bot")
    assert target.model_judgments == 16
    table = service.load_table(store.session, rules)
    fitted = service.fit_model(table, rules)
    model = service.model_from_params(target.model, rules.labels)
    assert model.errors_ == pytest.approx(fitted.errors_, rel=1e-12)
    ds = service.claim_frame(table, rules, "dawid-skene", fitted)
    rows = rows_of(store.session, target)
    for claim in ("pact", "shells", "troops"):
        assert rows[claim]["support"] == pytest.approx(ds.loc[claim, "support"], rel=1e-9)


# -- freshness -------------------------------------------------------------------------------


def test_refresh_recomputes_only_the_claims_named(store, story, rules):
    target = service.verdict_set(store.session, rules)
    store.commit()
    before = rows_of(store.session, target)
    ana, budi, citra = (
        store.session.get(Annotator, story["annotators"][n]) for n in ("ana", "budi", "citra")
    )
    shells = store.session.get(Mention, story["mentions"]["shells-a2"])
    store.judge(shells, citra, "confirmed")
    service.refresh_verdicts(store.session, {"shells"}, rules=rules)
    store.commit()
    after = rows_of(store.session, target)
    assert (after["shells"]["verdict"], after["shells"]["status"], counts(after["shells"])) == (
        "confirmed",
        "settled",
        (2, 0, 1),
    )
    assert after["troops"]["computed_at"] == before["troops"]["computed_at"]
    # fresh: the next read does not rebuild
    again = service.verdict_set(store.session, rules)
    assert rows_of(store.session, again)["troops"]["computed_at"] == before["troops"]["computed_at"]
    # and what the refresh left equals a rebuild from scratch
    rebuilt = rows_of(store.session, service.verdict_set(store.session, rules, refit=True))
    for claim in rebuilt:
        for key in ("verdict", "status", "support", "counts", "n_articles", "n_annotators", "reason"):
            assert after[claim][key] == rebuilt[claim][key], (claim, key)


def test_refresh_by_mention_ids(store, story, rules):
    target = service.verdict_set(store.session, rules)
    mention = store.session.get(Mention, story["mentions"]["pact-a4"])
    judgment = mention.judgments[0]  # ana's "disputed" becomes a skip
    judgment.state = JudgmentState.SKIPPED
    store.session.flush()
    service.refresh_verdicts(store.session, mention_ids=[mention.id], rules=rules)
    assert counts(rows_of(store.session, target)["pact"]) == (2, 2, 1)


def test_a_change_made_without_a_refresh_is_noticed_on_the_next_read(store, story, rules):
    target = service.verdict_set(store.session, rules)
    store.commit()
    mention = store.session.get(Mention, story["mentions"]["shells-a2"])
    mention.status = MentionStatus.REJECTED
    store.commit()
    rows = rows_of(store.session, service.verdict_set(store.session, rules))
    assert (rows["shells"]["n_judgments"], rows["shells"]["reason"]) == (0, "no accepted mentions")
    assert target.id == service.verdict_set(store.session, rules).id


def test_new_claims_appear_and_a_change_of_rules_rebuilds(store, story, rules):
    service.verdict_set(store.session, rules)
    store.commit()
    store.claim("later")
    store.commit()
    assert "later" in rows_of(store.session, service.verdict_set(store.session, rules))
    lenient = dataclasses.replace(rules, status=dataclasses.replace(rules.status, min_support=0.5))
    rows = rows_of(store.session, service.verdict_set(store.session, lenient))
    assert rows["pact"]["status"] == "settled"


def test_refresh_scores_with_the_stored_model_and_refits_when_stale(store, story, rules):
    generous = dataclasses.replace(rules, dawid_skene=dataclasses.replace(rules.dawid_skene, refit_share=1.0))
    target = service.verdict_set(store.session, generous, "dawid-skene")
    store.session.commit()  # not store.commit(): that would rebuild under the app's rules
    store.session.refresh(target)
    fitted_at = target.fitted_at
    troops = store.session.get(Mention, story["mentions"]["troops-a3"])
    citra = store.session.get(Annotator, story["annotators"]["citra"])
    store.judge(troops, citra, "confirmed")
    service.refresh_verdicts(store.session, {"troops"}, rules=generous)
    store.session.commit()  # not store.commit(): that would rebuild under the app's rules
    store.session.refresh(target)
    assert target.fitted_at == fitted_at  # scored with the stored model
    assert target.changed_since_fit == 9  # the claim's judgments now
    table = service.load_table(store.session, generous)
    model = service.model_from_params(target.model, generous.labels)
    expected = service.claim_frame(table, generous, "dawid-skene", model)
    assert rows_of(store.session, target)["troops"]["support"] == pytest.approx(
        expected.loc["troops", "support"], rel=1e-12
    )
    # past the refit share: refitted
    service.refresh_verdicts(store.session, {"troops"}, rules=generous)
    store.session.commit()  # not store.commit(): that would rebuild under the app's rules
    store.session.refresh(target)
    assert target.fitted_at != fitted_at and target.changed_since_fit == 0
    assert target.model_judgments == 17
    # an annotator the model does not know: refitted
    fitted_at = target.fitted_at
    shells = store.session.get(Mention, story["mentions"]["shells-a2"])
    dewi = store.annotator("dewi")
    store.judge(shells, dewi, "denied")
    service.refresh_verdicts(store.session, {"shells"}, rules=generous)
    store.session.commit()  # not store.commit(): that would rebuild under the app's rules
    store.session.refresh(target)
    assert dewi.id in target.model["annotators"]
    assert target.fitted_at != fitted_at and target.changed_since_fit == 0


def test_refresh_without_sets_or_claims_does_nothing(store, story, rules):
    store.session.execute(sa.delete(VerdictSet))
    service.refresh_verdicts(store.session, {"troops"}, rules=rules)
    assert store.session.scalar(sa.select(sa.func.count()).select_from(VerdictSet)) == 0
    target = service.verdict_set(store.session, rules)
    signature, computed_at = target.signature, target.computed_at
    service.refresh_verdicts(store.session, (), rules=rules)
    assert (target.signature, target.computed_at) == (signature, computed_at)


def test_refresh_rebuilds_a_set_built_under_other_rules(store, story, rules):
    strict = dataclasses.replace(rules, status=dataclasses.replace(rules.status, min_judgments=10))
    target = service.verdict_set(store.session, rules)
    service.refresh_verdicts(store.session, {"troops"}, rules=strict)
    assert target.rules == strict.as_dict()
    judged = [r for r in rows_of(store.session, target).values() if r["n_judgments"]]
    assert judged and {r["status"] for r in judged} == {"needs adjudication"}


# -- claim and mention detail --------------------------------------------------------------------


def test_claim_detail_orders_mentions_by_date_and_gives_the_timeline(store, story, rules):
    detail = service.claim_detail(store.session, rules, "troops")
    assert [m["published_on"] for m in detail["mentions"]] == ["2024-06-20", "2024-06-27", "2024-10-31"]
    assert detail["mentions"][2]["published_year_inferred"] is True
    assert [(t["date"], counts(t), t["n_articles"], t["status"]) for t in detail["timeline"]] == [
        ("2024-06-20", (3, 0, 0), 1, "settled"),
        ("2024-06-27", (5, 1, 0), 2, "settled"),
        ("2024-10-31", (7, 1, 0), 3, "settled"),
    ]
    pact = service.claim_detail(store.session, rules, "pact")
    assert [m["article"] for m in pact["mentions"]] == ["a1", "a4"]  # undated last
    assert [t["date"] for t in pact["timeline"]] == ["2024-06-20"]
    with pytest.raises(NotFound):
        service.claim_detail(store.session, rules, "nope")


def test_mention_detail_lists_the_judgments_and_what_counts(store, story, rules):
    detail = service.mention_detail(store.session, rules, story["mentions"]["pact-a1"])
    assert (detail["verdict"], detail["tie"], counts(detail)) == ("disputed", True, (1, 1, 1))
    assert [(j["annotator"], j["counted"], j["not_counted_because"]) for j in detail["judgments"]][-1] == (
        "bot@example.org",
        False,
        "simulated",
    )
    with pytest.raises(NotFound):
        service.mention_detail(store.session, rules, 999)


def test_pending_mentions(store, story, rules):
    pending = service.pending_mentions(store.session, rules)
    assert [(m["claim_id"], m["article"]) for m in pending] == [
        ("pact", "a1"),
        ("shells", "a2"),
        ("troops", "a3"),
    ]
    assert [m["reason"] for m in pending][2] == "fewer than 3 judgments"


# -- adjudication ----------------------------------------------------------------------------


def adjudicate(store, rules, **kwargs):
    values = {
        "claim_id": "pact",
        "verdict": "denied",
        "reason": "the pact text",
        "actor": Actor(label="eko", via="tests"),
    } | kwargs
    return service.record_adjudication(store.session, rules, **values)


def test_an_adjudication_stands_with_the_counts_still_shown(store, story, rules):
    majority = service.verdict_set(store.session, rules)
    ds = service.verdict_set(store.session, rules, "dawid-skene")
    first = adjudicate(store, rules)
    store.commit()
    for target in (majority, ds):
        pact = rows_of(store.session, target)["pact"]
        assert (pact["verdict"], pact["status"], pact["reason"]) == ("denied", "adjudicated", None)
        assert pact["computed_verdict"] == "disputed"
        assert counts(pact) == (2, 3, 1)
        assert pact["adjudication"]["adjudicator"] == "eko"
    (trail,) = service.adjudication_dicts(store.session, [first])
    assert trail["replaced"] is None and trail["standing"] is True
    assert trail["computed"] == {
        "method": "majority",
        "include_simulated": False,
        "verdict": "disputed",
        "status": "needs adjudication",
        "reason": "support below 0.6",
        "support": 0.5,
        "counts": {"confirmed": 2, "disputed": 3, "denied": 1},
        "n_judgments": 6,
    }

    second = adjudicate(store, rules, verdict="confirmed", reason="signed in June", actor=Actor(label="fitri", via="tests"))
    store.commit()
    assert second.replaces_id == first.id
    newest, oldest = service.adjudication_dicts(
        store.session, store.session.scalars(service.adjudication_trail(store.session, claim_id="pact"))
    )
    assert (newest["id"], newest["replaced"]["verdict"], newest["replaced"]["adjudicator"]) == (
        second.id,
        "denied",
        "eko",
    )
    assert (oldest["standing"], oldest["replaced_by_id"]) == (False, second.id)
    assert rows_of(store.session, majority)["pact"]["verdict"] == "confirmed"

    # a new judgment and a rebuild keep it standing
    mention = store.session.get(Mention, story["mentions"]["pact-a4"])
    store.judge(mention, store.annotator("gita"), "denied")
    service.refresh_verdicts(store.session, {"pact"}, rules=rules)
    pact = rows_of(store.session, majority)["pact"]
    assert (pact["verdict"], pact["status"], counts(pact)) == ("confirmed", "adjudicated", (2, 3, 2))
    rebuilt = rows_of(store.session, service.verdict_set(store.session, rules, refit=True))["pact"]
    assert (rebuilt["verdict"], rebuilt["adjudication"]["id"]) == ("confirmed", second.id)


def test_a_mention_level_adjudication_settles_the_mention_only(store, story, rules):
    mention_id = story["mentions"]["shells-a2"]
    adjudicate(store, rules, claim_id="shells", mention_id=mention_id, verdict="confirmed")
    detail = service.mention_detail(store.session, rules, mention_id)
    assert (detail["verdict"], detail["status"], detail["computed_verdict"]) == (
        "confirmed",
        "adjudicated",
        "denied",
    )
    claim = service.claim_detail(store.session, rules, "shells")
    assert (claim["status"], claim["mentions"][0]["status"]) == ("needs adjudication", "adjudicated")
    assert [m["article"] for m in service.pending_mentions(store.session, rules)] == ["a1", "a3"]


@pytest.mark.parametrize(
    ("values", "error", "key"),
    [
        ({"claim_id": "nope"}, NotFound, "claim_id"),
        ({"verdict": "maybe"}, InputError, "verdict"),
        ({"reason": "  "}, InputError, "reason"),
        ({"mention_id": 999}, NotFound, "mention_id"),
    ],
    ids=["unknown claim", "bad verdict", "empty reason", "unknown mention"],
)
def test_a_bad_adjudication_is_refused(store, story, rules, values, error, key):
    with pytest.raises(error) as caught:
        adjudicate(store, rules, **values)
    assert key in caught.value.errors


def test_a_mention_of_another_claim_is_refused(store, story, rules):
    with pytest.raises(InputError, match="not recorded") as caught:
        adjudicate(store, rules, mention_id=story["mentions"]["troops-a1"])
    assert "troops" in caught.value.errors["mention_id"][0]
