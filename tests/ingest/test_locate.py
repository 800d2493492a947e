"""Finding quotes in bodies (exact, normalized, fuzzy, ambiguous) and checking spans."""

from __future__ import annotations

import pytest

from annotator.ingest.locate import LocateResult, Span, locate_quote, validate_spans

BODY = (
    "Juru bicara Pentagon Pat Ryder mengatakan: “Saya akan mempertanyakan pilihan saya "
    "dalam mengirimkan pasukan untuk menjadi umpan meriam.”\n\n"
    "Pyongyang dilaporkan telah mengirimkan hingga 1,6 juta peluru ke Rusia."
)


def found(body: str, quote: str, **kwargs) -> tuple[Span, str]:
    result = locate_quote(body, quote, **kwargs)
    assert result.status == "found", result.problem
    assert result.problem is None and result.candidates == ()
    return result.span, body[result.span.start : result.span.end]


def test_exact_match_is_the_quote_itself():
    span, passage = found(BODY, "1,6 juta peluru")
    assert passage == "1,6 juta peluru"
    assert span == Span(BODY.index("1,6 juta"), BODY.index("1,6 juta") + 15, "exact", 100.0)


def test_outer_whitespace_of_the_quote_does_not_count():
    span, passage = found(BODY, "  1,6 juta peluru\n")
    assert (passage, span.method) == ("1,6 juta peluru", "exact")


@pytest.mark.parametrize(
    ("body", "quote", "passage"),
    [
        ("Kata Ryder: Umpan Meriam.", "umpan meriam", "Umpan Meriam"),
        ("menjadi umpan\n\n  meriam dalam perang", "umpan meriam dalam", "umpan\n\n  meriam dalam"),
        ("Korea\u00a0Utara mengirim", "Korea Utara mengirim", "Korea\u00a0Utara mengirim"),
        (
            "bertajuk “kemitraan strategis komprehensif.”",
            '"kemitraan strategis komprehensif".',
            "kemitraan strategis komprehensif",
        ),
        ("aliansi Rusia–Korut tersebut", "Rusia - Korut", "Rusia–Korut"),
        ("Ukraina, kata Ryder, akan", "Ukraina kata Ryder akan", "Ukraina, kata Ryder, akan"),
        ("1,6 juta peluru", "1.6 juta peluru", "1,6 juta peluru"),
        ("pasukan Korps Génie tiba", "korps genie", "Korps Génie"),
    ],
    ids=[
        "case",
        "whitespace",
        "no-break-space",
        "typographic-quotes",
        "dash",
        "punctuation",
        "decimal-sign",
        "accents",
    ],
)
def test_normalized_match_maps_back_to_the_original_passage(body, quote, passage):
    span, actual = found(body, quote)
    assert (actual, span.method, span.score) == (passage, "normalized", 100.0)


def test_offsets_survive_characters_that_fold_to_several():
    # "ß" casefolds to "ss" and "ﬁ" decomposes to "fi": the folded copy is longer
    # than the original before the match, so a naive offset would be off by two.
    body = "Straße ﬁnal: “Kim Jong‑un” berkata"
    span, passage = found(body, "kim jong un")
    assert passage == "Kim Jong‑un"
    assert (span.start, span.end) == (14, 25)


def test_normalized_match_keeps_to_word_boundaries():
    # Folded, "sia, dan" would be a substring of "rusia dan"; only whole words count.
    result = locate_quote("Rusia dan Korut", "sia, dan")
    assert result.status == "not_found"


def test_a_unique_exact_match_wins_over_several_normalized_ones():
    body = "Kim Jong-un bertemu Putin; Kim Jong Un pulang."
    span, passage = found(body, "Kim Jong Un")
    assert (span.start, span.method) == (27, "exact")


FUZZY_BODY = "Pentagon mengatakan pengiriman pasukan Korea Utara ke Ukraina berarti pembantaian."


@pytest.mark.parametrize(
    ("quote", "passage"),
    [
        ("pengiriman pasukan Korea Utera ke Ukraina", "pengiriman pasukan Korea Utara ke Ukraina"),
        (
            "pengiriman pasukan Korea Utara Ukraina berarti",
            "pengiriman pasukan Korea Utara ke Ukraina berarti",
        ),
        (
            "pengiriman pasukan Korea Utara ke ke Ukraina",
            "pengiriman pasukan Korea Utara ke Ukraina",
        ),
    ],
    ids=["typo", "missing-word", "extra-word"],
)
def test_fuzzy_match_covers_whole_words(quote, passage):
    span, actual = found(FUZZY_BODY, quote)
    assert actual == passage
    assert span.method == "fuzzy" and 90 <= span.score < 100


def test_fuzzy_match_below_the_threshold_is_not_found():
    quote = "pengiriman pasukan Korea Utera ke Ukraina"
    assert locate_quote(FUZZY_BODY, quote).status == "found"
    result = locate_quote(FUZZY_BODY, quote, fuzzy_threshold=99)
    assert (result.status, result.span) == ("not_found", None)
    assert "below the threshold 99" in result.problem


def test_short_quote_is_never_matched_approximately():
    result = locate_quote(FUZZY_BODY, "Korea Utera", fuzzy_threshold=50)
    assert result.status == "not_found"
    assert "too short to match approximately" in result.problem


@pytest.mark.parametrize(
    ("body", "quote", "starts", "method"),
    [
        ("Kim berkata. Lalu Kim berkata lagi.", "Kim berkata", (0, 18), "exact"),
        ("Umpan meriam! Lalu umpan  meriam?", "UMPAN MERIAM", (0, 19), "normalized"),
        (
            "Pasukan tiba di wilayah Donetsk bulan depan. Pasukan tiba di wilayah Donetsk bulan depan.",
            "Pasukan tiba di wilayah Donetks bulan depan",
            (0, 45),
            "fuzzy",
        ),
    ],
    ids=["exact", "normalized", "fuzzy"],
)
def test_a_quote_fitting_two_places_is_ambiguous(body, quote, starts, method):
    result = locate_quote(body, quote)
    assert (result.status, result.span) == ("ambiguous", None)
    assert tuple(c.start for c in result.candidates) == starts
    assert {c.method for c in result.candidates} == {method}
    assert "fits 2 places" in result.problem and "quote a longer passage" in result.problem


@pytest.mark.parametrize(
    ("quote", "says"),
    [("", "the quote is empty"), ("   ", "the quote is empty"), ("“ — ”", "no letters or digits")],
    ids=["empty", "blank", "punctuation-only"],
)
def test_a_quote_without_words_is_not_found(quote, says):
    result = locate_quote(BODY, quote)
    assert result == LocateResult("not_found", problem=result.problem)
    assert says in result.problem


def test_threshold_outside_0_to_100_is_a_programming_error():
    with pytest.raises(ValueError, match="between 0 and 100"):
        locate_quote(BODY, "peluru", fuzzy_threshold=150)


@pytest.mark.parametrize(
    "spans",
    [[], [(0, 10)], [(0, 10), (10, 20)], [(30, 40), (0, 5)], [(0, 100)]],
    ids=["none", "one", "adjacent", "unordered", "whole-body"],
)
def test_valid_spans_have_no_problems(spans):
    assert validate_spans(spans, 100) == []


@pytest.mark.parametrize(
    ("spans", "problems"),
    [
        ([(-1, 5)], ["spans[0]: start -1 is negative: offsets count from 0"]),
        ([(90, 101)], ["spans[0]: end 101 is past the end of the body (length 100)"]),
        ([(5, 5)], ["spans[0]: start 5 must be less than end 5: a span cannot be empty"]),
        ([(10, 5)], ["spans[0]: start 10 must be less than end 5: a span cannot be empty"]),
        ([(0, "5")], ["spans[0]: start and end must be whole numbers, not 0 and '5'"]),
        ([(True, 5)], ["spans[0]: start and end must be whole numbers, not True and 5"]),
        (
            [(0, 20), (10, 30)],
            ["spans[1]: 10-30 overlaps spans[0] (0-20): merge the two spans or trim one"],
        ),
        (
            [(0, 100), (10, 20), (30, 40)],
            [
                "spans[1]: 10-20 overlaps spans[0] (0-100): merge the two spans or trim one",
                "spans[2]: 30-40 overlaps spans[0] (0-100): merge the two spans or trim one",
            ],
        ),
        (
            [(0, 5), (-3, 2), (4, 8)],
            [
                "spans[1]: start -3 is negative: offsets count from 0",
                "spans[2]: 4-8 overlaps spans[0] (0-5): merge the two spans or trim one",
            ],
        ),
    ],
    ids=[
        "negative-start",
        "end-past-body",
        "empty",
        "reversed",
        "not-a-number",
        "boolean",
        "overlapping",
        "overlap-across-a-gap",
        "several-problems",
    ],
)
def test_invalid_spans_are_named_with_what_to_fix(spans, problems):
    assert validate_spans(spans, 100) == problems
