"""Published worked examples, reproduced to their published precision.

Each data set is transcribed from its source (named in the test), and where
the source prints intermediate figures the transcription is checked against
them too, so a typo in a table cannot hide behind a lucky total.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from annotator.verdicts import (
    LabelSet,
    fleiss_kappa,
    judgments,
    krippendorff_alpha,
    percent_agreement,
    project_agreement,
)

NUMBERS_1_TO_5 = LabelSet((1, 2, 3, 4, 5), ordered=True)

#: The data sets, transcribed from their sources into tests/data/ as long tables
#: (unit, annotator, label); tests/data/README.md names each source.
DATA = Path(__file__).resolve().parents[1] / "data"

FLEISS_1971_CATEGORIES = (
    "depression",
    "personality disorder",
    "schizophrenia",
    "neurosis",
    "other",
)


def published(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA / f"{name}.csv")


def raters_per_category(data: pd.DataFrame, labels: tuple) -> np.ndarray:
    """Fleiss form: raters per category (columns, in ``labels`` order) per subject."""
    return pd.crosstab(data["unit"], data["label"]).reindex(columns=list(labels), fill_value=0).to_numpy()


class TestKrippendorff2011:
    def table(self):
        return judgments(published("krippendorff_2011"), NUMBERS_1_TO_5)

    def test_nominal_alpha_is_0_743(self):
        figure = krippendorff_alpha(self.table(), "nominal")
        assert round(figure.value, 3) == 0.743
        # 11 units are pairable (unit 12 has a single value), holding 40 values
        assert figure.n_units == 11
        assert self.table().counts[self.table().counts.sum(axis=1) >= 2].sum() == 40

    def test_interval_alpha_is_0_849(self):
        assert round(krippendorff_alpha(self.table(), "interval").value, 3) == 0.849

    def test_ordinal_alpha_is_0_815(self):
        assert round(krippendorff_alpha(self.table(), "ordinal").value, 3) == 0.815

    def test_a_distance_matrix_reproduces_the_named_metrics(self):
        table = self.table()
        values = np.arange(1, 6, dtype=float)
        nominal = 1 - np.eye(5)
        interval = (values[:, None] - values[None, :]) ** 2
        assert krippendorff_alpha(table, nominal).value == pytest.approx(
            krippendorff_alpha(table, "nominal").value, rel=1e-12
        )
        assert krippendorff_alpha(table, interval).value == pytest.approx(
            krippendorff_alpha(table, "interval").value, rel=1e-12
        )


class TestWikipediaFleiss:
    labels = LabelSet((1, 2, 3, 4, 5))

    def test_kappa_is_0_210(self):
        table = judgments(published("wikipedia_fleiss"), self.labels)
        figure = fleiss_kappa(table)
        assert round(figure.value, 3) == 0.210
        assert figure.n_units == 10

    def test_transcription_matches_the_published_intermediate_figures(self):
        counts = raters_per_category(published("wikipedia_fleiss"), self.labels.labels)
        assert (counts.sum(axis=1) == 14).all()
        assert (counts.sum(axis=0) / counts.sum()).round(3).tolist() == [
            0.143,
            0.2,
            0.279,
            0.15,
            0.229,
        ]
        p_i = ((counts * counts).sum(axis=1) - 14) / (14 * 13)
        assert p_i.round(3).tolist() == [
            1.0,
            0.253,
            0.308,
            0.44,
            0.33,
            0.462,
            0.242,
            0.176,
            0.286,
            0.286,
        ]

    def test_percent_agreement_is_fleiss_p_bar_0_378(self):
        table = judgments(published("wikipedia_fleiss"), self.labels)
        assert round(percent_agreement(table).value, 3) == 0.378


class TestFleiss1971:
    labels = LabelSet(FLEISS_1971_CATEGORIES)

    def test_kappa_is_0_430(self):
        table = judgments(published("fleiss_1971"), self.labels)
        figure = fleiss_kappa(table)
        assert round(figure.value, 3) == 0.430
        assert figure.n_units == 30

    def test_transcription_matches_the_published_proportions(self):
        counts = raters_per_category(published("fleiss_1971"), FLEISS_1971_CATEGORIES)
        assert (counts.sum(axis=1) == 6).all()
        assert (counts.sum(axis=0) / counts.sum()).round(3).tolist() == [
            0.144,
            0.144,
            0.167,
            0.306,
            0.239,
        ]

    @pytest.mark.parametrize(
        ("category", "kappa"),
        [
            ("depression", 0.245),
            ("personality disorder", 0.245),
            ("schizophrenia", 0.520),
            ("neurosis", 0.471),
            ("other", 0.566),
        ],
        ids=lambda v: str(v),
    )
    def test_per_category_kappa(self, category, kappa):
        # Fleiss' kappa for one category = kappa of "category" vs "any other"
        data = published("fleiss_1971")
        data["label"] = np.where(data["label"] == category, "yes", "no")
        assert round(fleiss_kappa(judgments(data, LabelSet(("yes", "no")))).value, 3) == kappa


def test_wikipedia_cohen_kappa_is_0_40():
    # Wikipedia, "Cohen's kappa", first example: 50 grant proposals read by
    # A and B; yes/yes 20, yes/no 5, no/yes 10, no/no 15.
    cells = [("yes", "yes", 20), ("yes", "no", 5), ("no", "yes", 10), ("no", "no", 15)]
    rows, unit = [], 0
    for a, b, count in cells:
        for _ in range(count):
            unit += 1
            rows += [
                {"unit": unit, "annotator": "A", "label": a},
                {"unit": unit, "annotator": "B", "label": b},
            ]
    report = project_agreement(judgments(pd.DataFrame(rows), LabelSet(("yes", "no"))))
    pair = report.pairs.iloc[0]
    assert (pair["n_units"], pair["agreement"]) == (50, 0.7)
    assert round(pair["kappa"], 2) == 0.40
    assert report.kappa_matrix.loc["A", "B"] == report.kappa_matrix.loc["B", "A"] == pair["kappa"]
