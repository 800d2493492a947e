import io

import numpy as np
import pandas as pd
import pytest

from annotator.errors import InputError
from annotator.verdicts import (
    VERDICTS,
    LabelSet,
    judgments,
    krippendorff_alpha,
    majority_vote,
    read_judgments_csv,
)


def frame(rows, columns=("unit", "annotator", "label")):
    return pd.DataFrame(rows, columns=list(columns))


def test_codes_are_sorted_by_unit_then_annotator_and_independent_of_row_order():
    rows = [("m2", "budi", "denied"), ("m1", "citra", "confirmed"), ("m1", "ana", "disputed")]
    a = judgments(frame(rows))
    b = judgments(frame(rows[::-1]))
    assert list(a.units) == ["m1", "m2"] and list(a.annotators) == ["ana", "budi", "citra"]
    assert (
        a.frame.to_dict("records")
        == b.frame.to_dict("records")
        == [
            {"unit": "m1", "annotator": "ana", "label": "disputed"},
            {"unit": "m1", "annotator": "citra", "label": "confirmed"},
            {"unit": "m2", "annotator": "budi", "label": "denied"},
        ]
    )
    assert a.counts.tolist() == [[1, 1, 0], [0, 0, 1]]


def test_missing_columns_are_named():
    with pytest.raises(InputError) as caught:
        judgments(frame([("m1", "x")], ("unit", "verdict")))
    assert caught.value.errors == {"columns": ["missing 'annotator'", "missing 'label'"]}


def test_not_a_table():
    with pytest.raises(InputError, match="must be a table"):
        judgments([("m1", "ana", "confirmed")])


@pytest.mark.parametrize("blank", ["", "   ", None, np.nan], ids=["empty", "spaces", "None", "NaN"])
def test_empty_label_is_not_a_judgment(blank):
    j = judgments(frame([("m1", "ana", "confirmed"), ("m1", "budi", blank)]))
    assert j.n_judgments == 1
    assert j.dropped == {"empty label": 1}


@pytest.mark.parametrize("column", ["unit", "annotator"])
def test_empty_unit_or_annotator_is_an_error_naming_the_row(column):
    data = frame([("m1", "ana", "confirmed"), ("m1", "budi", "denied")])
    data.loc[1, column] = " "
    with pytest.raises(InputError) as caught:
        judgments(data)
    assert caught.value.errors == {"row 1": [f"no {column}"]}


def test_unknown_label_is_an_error_naming_rows_and_labels():
    data = frame([("m1", "ana", "confirmed"), ("m1", "budi", "Confirmed"), ("m2", "ana", "true")])
    with pytest.raises(InputError) as caught:
        judgments(data)
    assert "label outside the label set (2 rows)" in str(caught.value)
    assert list(caught.value.errors) == ["row 1", "row 2"]
    assert "unknown label 'Confirmed'" in caught.value.errors["row 1"][0]


def test_unknown_label_can_be_dropped_and_never_enters_a_figure():
    clean = [
        ("m1", "ana", "confirmed"),
        ("m1", "budi", "denied"),
        ("m2", "ana", "denied"),
        ("m2", "budi", "denied"),
    ]
    noisy = clean + [("m1", "citra", "maybe"), ("m2", "citra", "TRUE")]
    dropped = judgments(frame(noisy), on_unknown="drop")
    assert dropped.dropped == {"unknown label": 2}
    assert list(dropped.annotators) == ["ana", "budi"]
    assert krippendorff_alpha(dropped).value == krippendorff_alpha(judgments(frame(clean))).value
    assert majority_vote(dropped).equals(majority_vote(judgments(frame(clean))))


def test_on_unknown_must_be_known():
    with pytest.raises(InputError, match="on_unknown"):
        judgments(frame([("m1", "ana", "confirmed")]), on_unknown="ignore")


def test_labels_and_names_are_stripped():
    j = judgments(frame([(" m1 ", " ana", "confirmed  ")]))
    assert (list(j.units), list(j.annotators), j.label.tolist()) == (["m1"], ["ana"], [0])


def test_duplicates_are_an_error_naming_both_rows():
    data = frame([("m1", "ana", "confirmed"), ("m1", "budi", "denied"), ("m1", "ana", "denied")])
    with pytest.raises(InputError) as caught:
        judgments(data)
    assert list(caught.value.errors) == ["row 2"]
    message = caught.value.errors["row 2"][0]
    assert "unit 'm1' judged again by annotator 'ana' (first at row 0)" in message


def test_duplicates_with_order_by_keep_the_latest():
    data = pd.DataFrame(
        {
            "unit": ["m1", "m1", "m1", "m2", "m2"],
            "annotator": ["ana", "ana", "budi", "ana", "ana"],
            "label": ["denied", "confirmed", "denied", "confirmed", "disputed"],
            "updated": ["2024-11-02", "2024-11-01", "2024-11-01", "2024-11-05", "2024-11-05"],
        }
    )
    j = judgments(data, order_by="updated")
    # m1/ana: the later timestamp wins; m2/ana: equal timestamps, the later row wins
    assert j.frame.to_dict("records") == [
        {"unit": "m1", "annotator": "ana", "label": "denied"},
        {"unit": "m1", "annotator": "budi", "label": "denied"},
        {"unit": "m2", "annotator": "ana", "label": "disputed"},
    ]
    assert j.dropped == {"superseded duplicate": 2}


def test_a_later_empty_label_withdraws_the_judgment():
    data = pd.DataFrame(
        {
            "unit": ["m1", "m1"],
            "annotator": ["ana", "ana"],
            "label": ["confirmed", ""],
            "updated": [1, 2],
        }
    )
    j = judgments(data, order_by="updated")
    assert j.n_judgments == 0
    assert j.dropped == {"superseded duplicate": 1, "empty label": 1}


def test_order_by_column_must_exist_and_be_filled():
    data = frame([("m1", "ana", "confirmed")])
    with pytest.raises(InputError, match="missing column"):
        judgments(data, order_by="updated")
    data["updated"] = [None]
    with pytest.raises(InputError, match="needed to order duplicates"):
        judgments(data, order_by="updated")


def test_one_annotator_is_accepted_by_rule():
    j = judgments(frame([("m1", "ana", "confirmed"), ("m2", "ana", "denied")]))
    assert list(j.annotators) == ["ana"]
    assert krippendorff_alpha(j).reason == "only one annotator (ana)"
    assert set(majority_vote(j)["status"]) == {"needs adjudication"}


def test_subset_recodes_units_and_annotators():
    j = judgments(
        frame([("m1", "ana", "confirmed"), ("m2", "budi", "denied"), ("m2", "citra", "denied")])
    )
    part = j.subset(["m2", "nope"])
    assert list(part.units) == ["m2"] and list(part.annotators) == ["budi", "citra"]
    assert part.counts.tolist() == [[0, 0, 2]]


class TestCsv:
    def test_reads_and_names_lines(self):
        text = "unit,annotator,label\nm1,ana,confirmed\nm1,ana,denied\n"
        with pytest.raises(InputError) as caught:
            read_judgments_csv(io.StringIO(text))
        assert list(caught.value.errors) == ["line 3"]
        assert "first at line 2" in caught.value.errors["line 3"][0]

    def test_na_is_a_name_and_an_empty_cell_is_empty(self):
        text = "unit,annotator,label\nm1,NA,confirmed\nm1,budi,\n"
        j = read_judgments_csv(io.StringIO(text))
        assert list(j.annotators) == ["NA"]
        assert j.dropped == {"empty label": 1}

    def test_missing_column(self):
        with pytest.raises(InputError, match="missing column"):
            read_judgments_csv(io.StringIO("unit,annotator\nm1,ana\n"))

    def test_missing_file(self, tmp_path):
        with pytest.raises(InputError, match="no such file"):
            read_judgments_csv(tmp_path / "nope.csv")

    def test_empty_and_malformed_files(self, tmp_path):
        empty = tmp_path / "empty.csv"
        empty.write_text("")
        with pytest.raises(InputError, match="cannot read"):
            read_judgments_csv(empty)
        ragged = tmp_path / "ragged.csv"
        ragged.write_text('unit,annotator,label\nm1,ana,"confirmed\n')
        with pytest.raises(InputError, match="cannot read"):
            read_judgments_csv(ragged)
        binary = tmp_path / "binary.csv"
        binary.write_bytes(b"unit,annotator,label\n\xff\xfe,ana,confirmed\n")
        with pytest.raises(InputError, match="cannot read"):
            read_judgments_csv(binary)

    def test_many_bad_rows_are_summarised(self):
        text = "unit,annotator,label\n" + "".join(f"m{i},ana,bogus\n" for i in range(25))
        with pytest.raises(InputError) as caught:
            read_judgments_csv(io.StringIO(text))
        assert len(caught.value.errors) == 21
        assert caught.value.errors["..."] == ["and 5 more"]


class TestLabelSet:
    def test_needs_two_distinct_labels(self):
        with pytest.raises(InputError):
            LabelSet(("only",))
        with pytest.raises(InputError):
            LabelSet(("a", "a"))

    def test_tie_order_is_a_permutation(self):
        with pytest.raises(InputError, match="tie_order"):
            LabelSet(("a", "b"), tie_order=("a",))

    def test_verdict_distances(self):
        assert VERDICTS.distance("linear").tolist() == [[0, 0.5, 1], [0.5, 0, 0.5], [1, 0.5, 0]]
        assert VERDICTS.tie_order == ("disputed", "denied", "confirmed")

    @pytest.mark.parametrize(
        "metric",
        [
            "euclid",
            [[0, 1], [1, 0]],
            [[0, 1, 1], [2, 0, 1], [1, 1, 0]],
            [[1, 1, 1], [1, 0, 1], [1, 1, 0]],
        ],
        ids=["unknown-name", "wrong-shape", "asymmetric", "nonzero-diagonal"],
    )
    def test_bad_metrics(self, metric):
        with pytest.raises(InputError):
            VERDICTS.distance(metric)

    def test_unordered_sets_have_no_linear_distance_and_strings_no_interval(self):
        with pytest.raises(InputError, match="ordered"):
            LabelSet(("a", "b")).distance("linear")
        with pytest.raises(InputError, match="numeric"):
            VERDICTS.distance("interval")
