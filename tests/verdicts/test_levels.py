import warnings

import numpy as np
import pandas as pd
import pytest
from crowdkit.aggregation import DawidSkene

from annotator.errors import InputError
from annotator.verdicts import (
    DawidSkeneModel,
    claim_agreement,
    claim_timeline,
    claim_verdicts,
    judgments,
    mention_verdicts,
    mentions,
    project_agreement,
)

JUDGMENTS = pd.DataFrame(
    {
        "unit": ["m1", "m1", "m1", "m2", "m2", "m3", "m3", "m3"],
        "annotator": ["ana", "budi", "citra", "ana", "budi", "ana", "budi", "citra"],
        "label": [
            "confirmed",
            "confirmed",
            "denied",
            "denied",
            "denied",
            "disputed",
            "confirmed",
            "confirmed",
        ],
    }
)
MENTIONS = pd.DataFrame(
    {
        "unit": ["m1", "m2", "m3", "m4"],
        "claim": ["pact", "pact", "shells", "troops"],
        "article": ["kompas", "tribun", "kompas", "pahami"],
        "date": ["2024-06-27", "2024-10-28", "", None],
    }
)


LABELS = ("confirmed", "disputed", "denied")


@pytest.fixture
def big(synthetic):
    """300 mentions of 30 claims in 10 articles each, dated over 10 days."""
    data = synthetic()
    units = sorted(data["unit"].unique())
    links = pd.DataFrame(
        {
            "unit": units,
            "claim": [f"c{i // 10:02d}" for i in range(len(units))],
            "article": [f"a{i % 10}" for i in range(len(units))],
            "date": [f"2024-10-{1 + i % 10:02d}" for i in range(len(units))],
        }
    )
    return judgments(data), mentions(links)


class TestMentions:
    def test_missing_columns(self):
        with pytest.raises(InputError, match="missing column"):
            mentions(MENTIONS.drop(columns="article"))

    def test_not_a_table(self):
        with pytest.raises(InputError, match="must be a table"):
            mentions(["m1"])

    @pytest.mark.parametrize(
        ("change", "message"),
        [
            ({"unit": ["m1", "m1", "m3", "m4"]}, "unit listed twice"),
            ({"article": ["kompas", "kompas", "kompas", "pahami"]}, "two mentions in one article"),
            ({"claim": ["pact", "", "shells", "troops"]}, "empty claim"),
            ({"date": ["2024-06-27", "someday", "", None]}, "unreadable date"),
        ],
        ids=["duplicate-unit", "duplicate-claim-article", "empty-claim", "bad-date"],
    )
    def test_rules(self, change, message):
        with pytest.raises(InputError, match=message) as caught:
            mentions(MENTIONS.assign(**change))
        assert "row 1" in caught.value.errors

    def test_values_are_stripped_like_the_judgments(self):
        links = mentions(
            MENTIONS.assign(
                unit=[" m1", "m2 ", "m3", "m4"], claim=[" pact", "pact ", "shells", "troops"]
            )
        )
        assert links.units.tolist() == ["m1", "m2", "m3", "m4"]
        assert links.claim_of.tolist() == ["pact", "pact", "shells", "troops"]
        out = mention_verdicts(judgments(JUDGMENTS), links)
        assert out.loc["m1", "n_judgments"] == 3 and out.loc["m2", "verdict"] == "denied"

    def test_dates_are_parsed_and_empty_means_undated(self):
        frame = mentions(MENTIONS).frame
        assert frame.loc["m1", "date"] == pd.Timestamp("2024-06-27")
        assert frame["date"].isna().tolist() == [False, False, True, True]


class TestMentionLevel:
    def test_every_mention_has_a_row_and_unjudged_ones_need_adjudication(self):
        out = mention_verdicts(judgments(JUDGMENTS), mentions(MENTIONS))
        assert out.index.tolist() == ["m1", "m2", "m3", "m4"]
        assert out.loc["m1", ["claim", "article", "verdict", "status"]].tolist() == [
            "pact",
            "kompas",
            "confirmed",
            "settled",
        ]
        assert out.loc["m2", "reason"] == "fewer than 3 judgments"
        m4 = out.loc["m4"]
        assert (m4["n_judgments"], m4["verdict"], m4["status"], m4["reason"]) == (
            0,
            None,
            "needs adjudication",
            "no judgments",
        )
        assert m4["method"] == "majority" and not m4["tie"]

    def test_judged_unit_outside_the_mentions_is_an_error(self):
        extra = pd.concat(
            [JUDGMENTS, pd.DataFrame([{"unit": "m9", "annotator": "ana", "label": "denied"}])]
        )
        with pytest.raises(InputError, match="missing from the mentions"):
            mention_verdicts(judgments(extra), mentions(MENTIONS))

    def test_unknown_method(self):
        with pytest.raises(InputError, match="unknown method"):
            mention_verdicts(judgments(JUDGMENTS), mentions(MENTIONS), "plurality")
        with pytest.raises(InputError, match="unknown method"):
            claim_verdicts(judgments(JUDGMENTS), mentions(MENTIONS), "plurality")


class TestClaimLevel:
    def test_majority_pools_all_judgments_of_all_mentions(self):
        out = claim_verdicts(judgments(JUDGMENTS), mentions(MENTIONS))
        assert out.index.tolist() == ["pact", "shells", "troops"]
        pact = out.loc["pact"]
        assert pact[
            ["n_confirmed", "n_denied", "n_judgments", "n_annotators", "n_articles"]
        ].tolist() == [2, 3, 5, 3, 2]
        assert (pact["verdict"], pact["support"], pact["status"]) == ("denied", 0.6, "settled")
        assert out.loc["troops", ["n_articles", "status", "reason"]].tolist() == [
            0,
            "needs adjudication",
            "no judgments",
        ]

    def test_dawid_skene_scores_a_claim_as_one_task_with_the_mention_model(self, big):
        j, m = big
        model = DawidSkeneModel().fit(j)
        out = claim_verdicts(j, m, "dawid-skene", model=model)
        data = j.frame.assign(task=lambda f: f["unit"].map(m.claim_of)).rename(
            columns={"annotator": "worker"}
        )
        errors = model.errors_
        # crowd-kit's E-step on the pooled table, with the same parameters
        index = pd.MultiIndex.from_product(
            [range(len(model.annotators_)), range(3)], names=["worker", "label"]
        )
        errors_frame = pd.DataFrame(errors.reshape(-1, 3), index=index, columns=range(3))
        coded = pd.DataFrame(
            {
                "task": data["task"],
                "worker": model.annotators_.get_indexer(data["worker"]),
                "label": j.label,
            }
        )
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", module=r"crowdkit\.")
            e_step = DawidSkene._e_step(
                coded, pd.Series(model.priors_, index=range(3)), errors_frame
            )
        np.testing.assert_allclose(out["support"], e_step.loc[out.index].max(axis=1), rtol=1e-12)
        assert (
            out["verdict"] == e_step.loc[out.index].idxmax(axis=1).map(dict(enumerate(LABELS)))
        ).all()
        assert (out["n_articles"] == 10).all()

    def test_dawid_skene_fits_a_model_when_none_is_given(self, big):
        j, m = big
        fitted = claim_verdicts(j, m, "dawid-skene", model=DawidSkeneModel().fit(j))
        pd.testing.assert_frame_equal(claim_verdicts(j, m, "dawid-skene"), fitted)

    @pytest.mark.parametrize("method", ["majority", "dawid-skene"])
    def test_recomputing_one_claim_alone_equals_the_full_run(self, big, method):
        j, m = big
        model = DawidSkeneModel().fit(j)
        whole = claim_verdicts(j, m, method, model=model)
        part = m.for_claims(["c07"])
        alone = claim_verdicts(j.subset(part.units), part, method, model=model)
        pd.testing.assert_frame_equal(alone, whole.loc[["c07"]])

    def test_agreement_per_claim(self, big):
        j, m = big
        out = claim_agreement(j, m)
        assert len(out) == 30 and out.index.name == "claim"
        part = m.for_claims(["c03"])
        report = project_agreement(j.subset(part.units))
        assert out.loc["c03", "alpha_nominal"] == pytest.approx(
            report.alpha_nominal.value, rel=1e-12
        )
        assert out.loc["c03", "fleiss_kappa"] == pytest.approx(report.fleiss_kappa.value, rel=1e-12)

    def test_agreement_of_an_unjudged_claim_is_undefined_with_a_reason(self):
        out = claim_agreement(judgments(JUDGMENTS), mentions(MENTIONS))
        troops = out.loc["troops"]
        assert troops[["n_units", "n_judgments", "n_annotators", "fleiss_units"]].tolist() == [
            0,
            0,
            0,
            0,
        ]
        assert (
            np.isnan(troops["alpha_nominal"]) and troops["alpha_nominal_reason"] == "no judgments"
        )


class TestTimeline:
    def test_verdict_as_of_each_date(self):
        out = claim_timeline(judgments(JUDGMENTS), mentions(MENTIONS))
        # shells' only mention is undated, troops was never judged
        assert out.index.names == ["claim", "date"]
        assert out.index.tolist() == [
            ("pact", pd.Timestamp("2024-06-27")),
            ("pact", pd.Timestamp("2024-10-28")),
        ]
        assert out["verdict"].tolist() == ["confirmed", "denied"]
        assert out["n_articles"].tolist() == [1, 2]
        assert out["n_annotators"].tolist() == [3, 3]
        assert out["n_judgments"].tolist() == [3, 5]

    def test_last_step_equals_the_claim_verdict(self, big):
        j, m = big
        timeline = claim_timeline(j, m)
        last = timeline.groupby(level="claim").tail(1).droplevel("date")
        pd.testing.assert_frame_equal(last, claim_verdicts(j, m).loc[last.index])

    def test_needs_dates(self):
        with pytest.raises(InputError, match="needs mention dates"):
            claim_timeline(judgments(JUDGMENTS), mentions(MENTIONS.drop(columns="date")))


@pytest.mark.parametrize("method", ["majority", "dawid-skene"])
def test_a_table_without_any_judgment(method):
    empty = judgments(JUDGMENTS.assign(label=""))
    links = mentions(MENTIONS)
    per_mention = mention_verdicts(empty, links, method)
    per_claim = claim_verdicts(empty, links, method)
    for frame in (per_mention, per_claim):
        assert frame["reason"].eq("no judgments").all() and frame["verdict"].isna().all()
        assert frame["n_judgments"].dtype == np.int64 and frame["n_judgments"].eq(0).all()
    agreement = claim_agreement(empty, links)
    assert agreement["alpha_nominal_reason"].eq("no judgments").all()
    assert agreement["n_units"].dtype == np.int64
    assert claim_timeline(empty, links).empty
