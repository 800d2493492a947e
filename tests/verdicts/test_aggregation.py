import warnings

import numpy as np
import pandas as pd
import pytest
from crowdkit.aggregation import DawidSkene, MajorityVote

from annotator.errors import InputError
from annotator.verdicts import (
    DawidSkeneModel,
    LabelSet,
    StatusRule,
    apply_adjudications,
    dawid_skene,
    judgments,
    majority_from_counts,
    majority_vote,
)

LABELS = ("confirmed", "disputed", "denied")


def crowdkit(model, data):
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", module=r"crowdkit\.")
        return model.fit(data.rename(columns={"unit": "task", "annotator": "worker"}))


class TestMajority:
    def test_equals_crowdkit_where_there_is_no_tie(self, synthetic):
        data = synthetic()
        ours = majority_vote(judgments(data))
        theirs = crowdkit(MajorityVote(), data)
        untied = ~ours["tie"]
        assert untied.sum() > 200 and ours["tie"].sum() > 10
        assert (ours.loc[untied, "verdict"] == theirs.labels_.loc[ours.index[untied]]).all()
        best = theirs.probas_.max(axis=1).loc[ours.index]
        np.testing.assert_allclose(ours["support"], best, rtol=1e-15)

    def test_counts_and_columns(self):
        j = judgments(
            pd.DataFrame(
                {
                    "unit": ["m1"] * 4,
                    "annotator": list("abcd"),
                    "label": ["confirmed"] * 3 + ["denied"],
                }
            )
        )
        row = majority_vote(j).iloc[0]
        assert row[
            ["n_confirmed", "n_disputed", "n_denied", "n_judgments", "n_annotators"]
        ].tolist() == [3, 0, 1, 4, 4]
        assert (row["method"], row["verdict"], row["support"], row["tie"]) == (
            "majority",
            "confirmed",
            0.75,
            False,
        )
        assert (row["status"], row["reason"]) == ("settled", None)

    @pytest.mark.parametrize(
        ("votes", "verdict"),
        [
            (["confirmed", "denied"], "denied"),
            (["confirmed", "disputed"], "disputed"),
            (["denied", "disputed"], "disputed"),
            (["confirmed", "disputed", "denied"], "disputed"),
            (["confirmed", "confirmed", "denied", "denied"], "denied"),
        ],
        ids=["confirmed-denied", "confirmed-disputed", "denied-disputed", "three-way", "two-two"],
    )
    def test_tie_rule_follows_tie_order_and_needs_adjudication(self, votes, verdict):
        data = pd.DataFrame(
            {"unit": "m1", "annotator": [f"a{i}" for i in range(len(votes))], "label": votes}
        )
        for rows in (data, data.iloc[::-1]):
            row = majority_vote(judgments(rows)).iloc[0]
            assert (row["verdict"], row["tie"], row["status"]) == (
                verdict,
                True,
                "needs adjudication",
            )
            assert "tie between" in row["reason"]

    def test_tie_order_of_a_custom_label_set(self):
        labels = LabelSet(("yes", "no"), tie_order=("yes", "no"))
        j = judgments(
            pd.DataFrame({"unit": "u", "annotator": ["a", "b"], "label": ["no", "yes"]}), labels
        )
        assert majority_vote(j)["verdict"].iloc[0] == "yes"

    @pytest.mark.parametrize(
        ("votes", "rule", "status", "reason"),
        [
            (["confirmed"] * 2, StatusRule(3, 0.6), "needs adjudication", "fewer than 3 judgments"),
            (["confirmed"] * 2, StatusRule(2, 0.6), "settled", None),
            (["confirmed"] * 2 + ["denied"], StatusRule(3, 0.6), "settled", None),
            (
                ["confirmed"] * 2 + ["denied"],
                StatusRule(3, 0.7),
                "needs adjudication",
                "support below 0.7",
            ),
            (["confirmed"] * 3 + ["denied"] * 2, StatusRule(3, 0.6), "settled", None),
            (
                ["confirmed"] * 2 + ["denied", "disputed"],
                StatusRule(3, 0.6),
                "needs adjudication",
                "support below 0.6",
            ),
        ],
        ids=["too-few", "k-2", "2-of-3", "2-of-3-strict", "3-of-5", "2-of-4"],
    )
    def test_status_rule(self, votes, rule, status, reason):
        data = pd.DataFrame(
            {"unit": "m1", "annotator": [f"a{i}" for i in range(len(votes))], "label": votes}
        )
        row = majority_vote(judgments(data), rule).iloc[0]
        assert (row["status"], row["reason"]) == (status, reason)

    @pytest.mark.parametrize(
        "kwargs",
        [
            {"min_judgments": 0},
            {"min_judgments": 2.5},
            {"min_support": 1.5},
            {"min_support": "high"},
        ],
    )
    def test_bad_status_rule(self, kwargs):
        with pytest.raises(InputError, match="invalid status rule"):
            StatusRule(**kwargs)

    def test_pooled_by_group(self):
        data = pd.DataFrame(
            {
                "unit": ["m1", "m1", "m2", "m2", "m3"],
                "annotator": ["ana", "budi", "ana", "citra", "ana"],
                "label": ["confirmed", "confirmed", "denied", "confirmed", "denied"],
            }
        )
        by = pd.Series({"m1": "c1", "m2": "c1", "m3": "c2"}, name="claim")
        out = majority_vote(judgments(data), by=by)
        assert out.index.name == "claim"
        assert out.loc[
            "c1", ["n_confirmed", "n_denied", "n_judgments", "n_annotators", "verdict"]
        ].tolist() == [3, 1, 4, 3, "confirmed"]

    def test_unit_without_group_is_an_error(self):
        j = judgments(
            pd.DataFrame({"unit": ["m1", "m2"], "annotator": "ana", "label": "confirmed"})
        )
        with pytest.raises(InputError, match="units without a group"):
            majority_vote(j, by=pd.Series({"m1": "c1"}))

    def test_from_counts(self):
        out = majority_from_counts(np.array([[1, 1, 0], [0, 0, 0]]), pd.Index(["a", "b"]))
        assert out.loc["a", "verdict"] == "disputed" and out.loc["a", "tie"]
        assert out.loc["b", "verdict"] is None and np.isnan(out.loc["b", "support"])


class TestDawidSkene:
    def test_equals_crowdkit(self, synthetic):
        data = synthetic()
        ours = dawid_skene(judgments(data))
        theirs = crowdkit(DawidSkene(n_iter=100), data)
        probas = theirs.probas_.loc[ours.index]
        np.testing.assert_allclose(ours["support"], probas.max(axis=1), rtol=1e-13)
        untied = ~ours["tie"]
        assert untied.all()
        assert (ours["verdict"] == theirs.labels_.loc[ours.index]).all()
        assert ours["method"].eq("dawid-skene").all()

    def test_model_keeps_crowdkit_parameters(self, synthetic):
        data = synthetic()
        model = DawidSkeneModel().fit(judgments(data))
        theirs = crowdkit(DawidSkene(n_iter=100), data)
        np.testing.assert_allclose(
            model.probas_[list(LABELS)],
            theirs.probas_.loc[model.table_.units, list(LABELS)],
            rtol=1e-13,
        )
        for (worker, observed), row in theirs.errors_.iterrows():
            a, k = model.annotators_.get_loc(worker), LABELS.index(observed)
            np.testing.assert_allclose(
                model.errors_[a, k, [LABELS.index(t) for t in row.index]],
                row.to_numpy(),
                rtol=1e-13,
            )
        assert model.n_iter_ == len(theirs.loss_history_)

    def test_posteriors_equal_crowdkit_e_step(self, synthetic):
        data = synthetic()
        theirs = crowdkit(DawidSkene(n_iter=100), data)
        model = DawidSkeneModel().fit(judgments(data))
        renamed = data.rename(columns={"unit": "task", "annotator": "worker"})
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", module=r"crowdkit\.")
            e_step = DawidSkene._e_step(renamed, theirs.priors_.copy(), theirs.errors_)
        ours = model.posteriors(judgments(data))
        np.testing.assert_allclose(
            ours, e_step.loc[model.table_.units, list(LABELS)].to_numpy(), rtol=1e-12, atol=1e-15
        )
        # one E-step past crowd-kit's last one: close to probas_, not equal
        assert 0 < np.abs(ours - model.probas_.to_numpy()).max() < 1e-2

    def test_the_fitted_table_gets_crowdkits_posteriors_and_others_are_rescored(self, synthetic):
        j = judgments(synthetic())
        model = DawidSkeneModel().fit(j)
        pd.testing.assert_frame_equal(dawid_skene(j, model=model), dawid_skene(j))
        np.testing.assert_array_equal(
            dawid_skene(j, model=model)["support"], model.probas_.max(axis=1)
        )
        part = dawid_skene(j.subset(["m0003", "m0010"]), model=model)
        rescored = model.posteriors(j)[[3, 10]]
        np.testing.assert_allclose(part["support"], rescored.max(axis=1), rtol=1e-15)
        # rescoring is one E-step past the fit, so close to the full run, not equal
        whole = dawid_skene(j).loc[["m0003", "m0010"]]
        assert (part["verdict"] == whole["verdict"]).all()
        np.testing.assert_allclose(part["support"], whole["support"], atol=1e-2)

    def test_crowdkits_own_example(self):
        # crowd-kit's MajorityVote docstring example data, under Dawid–Skene
        data = pd.DataFrame(
            [
                ["t1", "p1", "yes"],
                ["t1", "p2", "yes"],
                ["t1", "p3", "no"],
                ["t2", "p1", "no"],
                ["t2", "p2", "yes"],
                ["t2", "p3", "no"],
            ],
            columns=["unit", "annotator", "label"],
        )
        ours = dawid_skene(judgments(data, LabelSet(("yes", "no"))))
        theirs = crowdkit(DawidSkene(n_iter=100), data)
        np.testing.assert_allclose(
            ours["support"], theirs.probas_.max(axis=1).loc[ours.index], rtol=1e-13
        )
        assert ours["verdict"].tolist() == theirs.labels_.loc[ours.index].tolist()

    def test_unknown_annotator_needs_a_refit(self, synthetic):
        model = DawidSkeneModel().fit(judgments(synthetic()))
        stranger = judgments(
            pd.DataFrame({"unit": ["m1"], "annotator": ["zed"], "label": ["denied"]})
        )
        with pytest.raises(InputError, match="refit"):
            dawid_skene(stranger, model=model)

    def test_label_set_must_match_the_model(self, synthetic):
        model = DawidSkeneModel().fit(judgments(synthetic()))
        other = judgments(
            pd.DataFrame({"unit": ["m1"], "annotator": ["a0"], "label": ["yes"]}),
            LabelSet(("yes", "no")),
        )
        with pytest.raises(InputError, match="label set"):
            model.posteriors(other)

    def test_unfitted_model_and_empty_table(self):
        empty = judgments(pd.DataFrame({"unit": ["m1"], "annotator": ["a"], "label": [""]}))
        with pytest.raises(InputError, match="not fitted"):
            DawidSkeneModel().posteriors(empty)
        with pytest.raises(InputError, match="at least one judgment"):
            DawidSkeneModel().fit(empty)
        assert dawid_skene(empty).empty

    def test_label_nobody_used_has_zero_posterior(self, synthetic):
        data = synthetic()
        data = data[data["label"] != "disputed"]
        out = dawid_skene(judgments(data))
        assert (out["verdict"] != "disputed").all()
        model = DawidSkeneModel().fit(judgments(data))
        assert (model.probas_["disputed"] == 0).all() and model.priors_[1] == 0


class TestAdjudication:
    def verdicts(self):
        j = judgments(
            pd.DataFrame(
                {
                    "unit": ["m1", "m1", "m2"],
                    "annotator": ["a", "b", "a"],
                    "label": ["confirmed", "denied", "denied"],
                }
            )
        )
        return majority_vote(j)

    def test_replaces_verdict_and_keeps_the_computed_one(self):
        out = apply_adjudications(self.verdicts(), {"m1": "confirmed"})
        assert out.loc["m1", ["verdict", "computed_verdict", "status", "reason"]].tolist() == [
            "confirmed",
            "denied",
            "adjudicated",
            None,
        ]
        assert out.loc["m2", "status"] == "needs adjudication"

    def test_unknown_unit_or_label_is_an_error(self):
        with pytest.raises(InputError) as caught:
            apply_adjudications(self.verdicts(), {"m9": "confirmed", "m1": "true"})
        assert set(caught.value.errors) == {"'m9'", "'m1'"}
