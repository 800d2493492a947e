import krippendorff
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa

from annotator.verdicts import (
    VERDICTS,
    Figure,
    LabelSet,
    agreement_by_group,
    cohen_kappa_pairs,
    consensus_agreement,
    fleiss_kappa,
    judgments,
    krippendorff_alpha,
    pair_matrix,
    percent_agreement,
    project_agreement,
)


def table(rows, labels=VERDICTS):
    return judgments(pd.DataFrame(rows, columns=["unit", "annotator", "label"]), labels)


def reliability_matrix(j):
    """annotator x unit matrix of label positions, NaN where missing."""
    matrix = np.full((len(j.annotators), len(j.units)), np.nan)
    matrix[j.annotator, j.unit] = j.label
    return matrix


class TestAgainstLibraries:
    def test_alpha_equals_krippendorff_on_the_reliability_matrix(self, synthetic):
        j = judgments(synthetic(missing=0.4))
        expected = krippendorff.alpha(reliability_matrix(j), level_of_measurement="nominal")
        assert krippendorff_alpha(j).value == pytest.approx(expected, rel=1e-12)
        # a squared-distance matrix reproduces the interval metric on positions 0, 1, 2
        positions = np.arange(3.0)
        interval = krippendorff.alpha(
            reliability_matrix(j), level_of_measurement="interval", value_domain=positions
        )
        squared = (positions[:, None] - positions[None, :]) ** 2
        assert krippendorff_alpha(j, squared).value == pytest.approx(interval, rel=1e-12)

    def test_linear_alpha_sits_between_nominal_and_interval_for_graded_disagreement(
        self, synthetic
    ):
        j = judgments(synthetic())
        nominal, linear = (
            krippendorff_alpha(j, "nominal").value,
            krippendorff_alpha(j, "linear").value,
        )
        assert nominal != linear
        assert krippendorff_alpha(j, VERDICTS.distance("linear") * 7).value == pytest.approx(
            linear, rel=1e-12
        )

    def test_fleiss_equals_statsmodels_on_the_modal_units(self, synthetic):
        j = judgments(synthetic(missing=0.3))
        n = j.counts.sum(axis=1)
        modal = np.bincount(n).argmax()
        figure = fleiss_kappa(j)
        assert figure.value == pytest.approx(sm_fleiss_kappa(j.counts[n == modal]), rel=1e-12)
        assert figure.n_units == (n == modal).sum()
        assert figure.note.startswith(f"{figure.n_units} units with {modal} judgments each")

    def test_fleiss_mode_tie_takes_the_larger_number(self):
        rows = [
            ("u1", "a", "confirmed"),
            ("u1", "b", "confirmed"),
            ("u2", "a", "confirmed"),
            ("u2", "b", "denied"),
            ("u2", "c", "denied"),
            ("u3", "a", "denied"),
        ]
        figure = fleiss_kappa(table(rows))
        assert figure.n_units == 1
        assert "1 units with 3 judgments each; 1 units with another number" in figure.note

    def test_cohen_pairs_equal_sklearn(self, synthetic):
        j = judgments(synthetic(missing=0.3))
        pairs = cohen_kappa_pairs(j)
        assert len(pairs) == 10
        wide = pd.DataFrame(reliability_matrix(j).T, columns=j.annotators)
        for row in pairs.itertuples():
            both = wide[[row.annotator_a, row.annotator_b]].dropna()
            assert row.n_units == len(both)
            expected = cohen_kappa_score(both[row.annotator_a], both[row.annotator_b])
            assert row.kappa == pytest.approx(expected, rel=1e-12)
            assert row.agreement == pytest.approx(
                (both[row.annotator_a] == both[row.annotator_b]).mean(), rel=1e-15
            )

    def test_percent_agreement_by_definition(self, synthetic):
        j = judgments(synthetic(n_units=50))
        shares = []
        for u in range(len(j.units)):
            labels = j.label[j.unit == u]
            if len(labels) >= 2:
                pairs = [(x, y) for i, x in enumerate(labels) for y in labels[i + 1 :]]
                shares.append(np.mean([x == y for x, y in pairs]))
        assert percent_agreement(j).value == pytest.approx(np.mean(shares), rel=1e-12)


class TestConsensus:
    def test_leave_one_out_majority(self):
        rows = [
            ("u1", "ana", "confirmed"),
            ("u1", "budi", "confirmed"),
            ("u1", "citra", "denied"),
            ("u2", "ana", "denied"),
            ("u2", "budi", "confirmed"),
            ("u2", "citra", "denied"),
            ("u3", "ana", "disputed"),
        ]
        out = consensus_agreement(table(rows))
        # ana: u1 others {c, d} tie -> skipped; u2 others {c, d} tie; u3 alone
        assert out.loc["ana", ["n_judgments", "n_compared", "n_alone", "n_tied"]].tolist() == [
            3,
            0,
            1,
            2,
        ]
        assert np.isnan(out.loc["ana", "agreement"])
        assert out.loc["ana", "reason"] == "no unit with a consensus of the others"
        # budi: u1 others {c, d} tie; u2 others {d, d} -> denied vs budi's confirmed
        assert out.loc["budi", ["n_compared", "agreement"]].tolist() == [1, 0.0]
        # citra: u1 others {c, c} -> confirmed vs denied; u2 others {d, c} tie
        assert out.loc["citra", ["n_compared", "n_tied", "agreement"]].tolist() == [1, 1, 0.0]

    def test_kappa_against_consensus_equals_sklearn(self, synthetic):
        j = judgments(synthetic())
        out = consensus_agreement(j)
        counts = j.counts[j.unit].copy()
        counts[np.arange(j.n_judgments), j.label] -= 1
        best = counts.max(axis=1)
        ok = (best > 0) & ((counts == best[:, None]).sum(axis=1) == 1)
        for code, name in enumerate(j.annotators):
            mine = ok & (j.annotator == code)
            assert out.loc[name, "n_compared"] == mine.sum()
            expected = cohen_kappa_score(j.label[mine], counts[mine].argmax(axis=1))
            assert out.loc[name, "kappa"] == pytest.approx(expected, rel=1e-12)


class TestUndefined:
    """Undefined figures are None/NaN with a reason, never a silent 1.0 or 0.0."""

    def all_figures(self, j):
        report = project_agreement(j)
        return [
            report.alpha_nominal,
            report.alpha_linear,
            report.fleiss_kappa,
            report.percent_agreement,
        ]

    def test_one_category_only(self):
        j = table(
            [
                ("u1", "a", "confirmed"),
                ("u1", "b", "confirmed"),
                ("u2", "a", "confirmed"),
                ("u2", "b", "confirmed"),
            ]
        )
        report = project_agreement(j)
        for figure in (report.alpha_nominal, report.alpha_linear, report.fleiss_kappa):
            assert figure.value is None and figure.reason == "only one label used (confirmed)"
        assert (
            report.percent_agreement.value == 1.0
        )  # observed agreement is defined: everyone agreed
        pair = report.pairs.iloc[0]
        assert (
            np.isnan(pair["kappa"])
            and pair["reason"] == "both used only confirmed: chance agreement is 1"
        )
        assert pair["agreement"] == 1.0

    def test_single_annotator(self):
        j = table([("u1", "a", "confirmed"), ("u2", "a", "denied")])
        for figure in self.all_figures(j):
            assert figure.value is None and figure.reason == "only one annotator (a)"
        assert cohen_kappa_pairs(j).empty
        assert consensus_agreement(j).loc["a", "reason"] == "no unit with a consensus of the others"

    def test_no_pairable_units(self):
        j = table([("u1", "a", "confirmed"), ("u2", "b", "denied")])
        for figure in self.all_figures(j):
            assert figure.value is None and figure.reason == "no unit with two or more judgments"
        pair = cohen_kappa_pairs(j).iloc[0]
        assert (
            pair["n_units"] == 0
            and np.isnan(pair["kappa"])
            and pair["reason"] == "no units judged by both"
        )
        assert np.isnan(pair_matrix(cohen_kappa_pairs(j)).loc["a", "b"])

    def test_all_missing(self):
        j = table([("u1", "a", ""), ("u1", "b", None)])
        assert j.n_judgments == 0
        for figure in self.all_figures(j):
            assert figure.value is None and figure.reason == "no judgments"

    def test_unit_with_one_judgment_is_not_pairable(self):
        rows = [
            ("u1", "a", "confirmed"),
            ("u1", "b", "denied"),
            ("u2", "a", "confirmed"),
            ("u2", "b", "confirmed"),
            ("u3", "a", "denied"),
        ]
        with_single = table(rows)
        without = table(rows[:-1])
        assert krippendorff_alpha(with_single).n_units == 2
        assert krippendorff_alpha(with_single).value == krippendorff_alpha(without).value
        assert percent_agreement(with_single).value == 0.5

    def test_unordered_labels_have_no_linear_alpha(self):
        j = table([("u1", "a", "x"), ("u1", "b", "y")], LabelSet(("x", "y")))
        assert (
            project_agreement(j).alpha_linear.reason
            == "labels have no order, so no linear distance"
        )

    def test_figure_is_value_or_reason(self, synthetic):
        with pytest.raises(ValueError):
            Figure(None, 0)
        with pytest.raises(ValueError):
            Figure(0.5, 3, "why")
        assert Figure(0.5, 3).defined and not Figure(None, 0, "why").defined


class TestByGroup:
    def grouped(self, synthetic, seed=3, n_groups=40):
        data = synthetic(n_units=400, missing=0.45, seed=seed)
        j = judgments(data)
        rng = np.random.default_rng(seed)
        by = pd.Series(rng.integers(0, n_groups, len(j.units)), index=j.units, name="claim").map(
            lambda g: f"c{g:02d}"
        )
        return j, by

    def test_equals_the_library_figures_per_group(self, synthetic):
        j, by = self.grouped(synthetic)
        out = agreement_by_group(j, by)
        assert out.index.name == "claim" and len(out) == 40
        for claim, row in out.iterrows():
            part = j.subset(by.index[by == claim])
            for column, figure in [
                ("alpha_nominal", krippendorff_alpha(part, "nominal")),
                ("alpha_linear", krippendorff_alpha(part, "linear")),
                ("fleiss_kappa", fleiss_kappa(part)),
                ("percent_agreement", percent_agreement(part)),
            ]:
                if figure.defined:
                    assert row[column] == pytest.approx(figure.value, rel=1e-12, abs=1e-14), (
                        claim,
                        column,
                    )
                    assert row[f"{column}_reason"] is None
                else:
                    assert np.isnan(row[column]) and row[f"{column}_reason"], (claim, column)
            assert row["fleiss_units"] == fleiss_kappa(part).n_units
            assert row["n_units"] == len(part.units) and row["n_judgments"] == part.n_judgments

    def test_degenerate_groups_have_reasons(self):
        rows = [
            ("u1", "a", "confirmed"),
            ("u1", "b", "confirmed"),  # g1: one label
            ("u2", "a", "confirmed"),
            ("u3", "a", "denied"),  # g2: one annotator
            ("u4", "a", "confirmed"),
            ("u5", "b", "denied"),  # g3: nothing pairable
            ("u6", "a", "confirmed"),
            ("u6", "b", "denied"),  # g4: defined
        ]
        by = pd.Series({"u1": "g1", "u2": "g2", "u3": "g2", "u4": "g3", "u5": "g3", "u6": "g4"})
        out = agreement_by_group(table(rows), by)
        assert out["alpha_nominal_reason"].tolist() == [
            "only one label used",
            "only one annotator",
            "no unit with two or more judgments",
            None,
        ]
        assert out["fleiss_kappa_reason"].tolist() == out["alpha_nominal_reason"].tolist()
        assert out["percent_agreement"].tolist()[0] == 1.0 and out[
            "percent_agreement_reason"
        ].tolist()[1:3] == ["only one annotator", "no unit with two or more judgments"]
        assert out.loc["g4", "alpha_nominal"] == krippendorff_alpha(table(rows[-2:])).value

    def test_fleiss_reason_when_only_the_modal_units_share_one_label(self):
        rows = [
            ("u1", "a", "confirmed"),
            ("u1", "b", "confirmed"),
            ("u2", "a", "confirmed"),
            ("u2", "b", "confirmed"),
            ("u3", "a", "confirmed"),
            ("u3", "b", "denied"),
            ("u3", "c", "denied"),
        ]
        out = agreement_by_group(table(rows), pd.Series({"u1": "g", "u2": "g", "u3": "g"}))
        assert np.isnan(out.loc["g", "fleiss_kappa"])
        assert out.loc["g", "fleiss_kappa_reason"] == "only one label used"
        assert fleiss_kappa(table(rows)).reason == "only one label used (confirmed)"
        assert out.loc["g", "alpha_nominal_reason"] is None
