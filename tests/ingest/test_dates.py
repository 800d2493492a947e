"""Indonesian dates: forms, year inference, validation, the publication date."""

from __future__ import annotations

from datetime import date

import pytest

from annotator.ingest import find_dates, parse_date, parse_published, publication_date

REFERENCE = date(2026, 11, 22)


@pytest.mark.parametrize(
    ("text", "value", "year_inferred"),
    [
        pytest.param("Kamis (27/6/2024)", date(2024, 6, 27), False, id="weekday-d-m-y"),
        pytest.param("(31/10/2024)", date(2024, 10, 31), False, id="d-m-y-no-weekday"),
        pytest.param("Senin (28/10)", date(2024, 10, 28), True, id="weekday-d-m-year-inferred"),
        pytest.param("Jumat (25/10)", date(2024, 10, 25), True, id="jumat-inferred"),
        pytest.param("Jum'at (25/10)", date(2024, 10, 25), True, id="jum-apostrophe-at"),
        pytest.param("KAMIS (27/6/2024)", date(2024, 6, 27), False, id="capitals"),
        pytest.param("Kamis, (27/06/24)", date(2024, 6, 27), False, id="two-digit-year"),
        pytest.param("26 Juni 2024", date(2024, 6, 26), False, id="d-month-y"),
        pytest.param("pada 26 Juni 2024", date(2024, 6, 26), False, id="pada-d-month-y"),
        pytest.param("Senin, 28 Oktober", date(2024, 10, 28), True, id="weekday-d-month-inferred"),
        pytest.param("Rabu, 5 Mei 2021", date(2021, 5, 5), False, id="weekday-d-month-y"),
        pytest.param("3 Agt. 2024", date(2024, 8, 3), False, id="abbreviated-month"),
        pytest.param("Kamis (29/2)", date(2024, 2, 29), True, id="leap-day-inferred"),
    ],
)
def test_reads_indonesian_date_forms(text: str, value: date, year_inferred: bool) -> None:
    found = parse_date(text, reference_date=REFERENCE)
    assert found is not None
    assert (found.value, found.year_inferred) == (value, year_inferred)
    assert found.text == text.removeprefix("pada ")


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("Pada 26 Juni", id="no-year-no-weekday-long"),
        pytest.param("(28/10)", id="no-year-no-weekday-numeric"),
        pytest.param("(32/13/2024)", id="day-and-month-out-of-range"),
        pytest.param("Senin (32/13)", id="out-of-range-with-weekday"),
        pytest.param("(31/4/2024)", id="april-has-30-days"),
        pytest.param("(29/2/2023)", id="no-leap-day-in-2023"),
        pytest.param("(0/5/2024)", id="day-zero"),
        pytest.param("Senin (31/4)", id="april-31-never-exists"),
        pytest.param("pekan lalu", id="not-a-date"),
    ],
)
def test_does_not_read_what_is_not_a_date(text: str) -> None:
    assert parse_date(text, reference_date=REFERENCE) is None


@pytest.mark.parametrize(
    ("reference", "value"),
    [
        pytest.param(date(2026, 11, 22), date(2024, 10, 28), id="today"),
        pytest.param(date(2024, 10, 28), date(2024, 10, 28), id="same-day"),
        # 28 Oct 2024 would be in the future: the previous Monday 28 Oct is 2019.
        pytest.param(date(2024, 10, 27), date(2019, 10, 28), id="day-before"),
        pytest.param(date(2031, 1, 1), date(2030, 10, 28), id="later-reference"),
    ],
)
def test_inferred_year_is_latest_matching_up_to_reference(reference: date, value: date) -> None:
    found = parse_date("Senin (28/10)", reference_date=reference)
    assert found is not None and found.value == value
    assert found.how == (
        f"year not written: {value.year} is the latest year up to {reference} "
        "in which 28/10 falls on a Senin (Monday)"
    )


def test_default_reference_is_today() -> None:
    found = parse_date("Senin (28/10)")
    assert found is not None
    assert found.value <= date.today() and found.value.weekday() == 0


def test_written_date_with_wrong_weekday_is_kept_and_flagged() -> None:
    found = parse_date("Jumat (27/6/2024)")
    assert found is not None and found.value == date(2024, 6, 27)
    assert found.how == (
        "day, month and year as written; the weekday Jumat does not match (2024-06-27 is a Kamis)"
    )


def test_find_dates_reads_every_resolvable_date_in_order() -> None:
    text = (
        "Pada 26 Juni, kata dia. “Ya,” kata Yoon, Jumat (25/10). "
        "Ia berbicara Senin (28/10) dan 26 Juni 2024, lalu (31/10/2024)."
    )
    assert [(d.text, d.value) for d in find_dates(text, reference_date=REFERENCE)] == [
        ("Jumat (25/10)", date(2024, 10, 25)),
        ("Senin (28/10)", date(2024, 10, 28)),
        ("26 Juni 2024", date(2024, 6, 26)),
        ("(31/10/2024)", date(2024, 10, 31)),
    ]


def test_numbers_that_look_like_dates_are_not_read() -> None:
    text = "1,6 juta peluru, 10 beberapa ribu pasukan, 24 jam, 20 unit rudal, 3 marinir."
    assert find_dates(text, reference_date=REFERENCE) == []


@pytest.mark.parametrize(
    ("body", "text", "value"),
    [
        pytest.param(
            "“Ini provokasi,” kata Yoon, Jumat (25/10). “Sebagian,” kata Singh, Senin (28/10).",
            "Senin (28/10)",
            date(2024, 10, 28),
            id="latest-not-last",
        ),
        pytest.param(
            "Kata Singh, Senin (28/10). Kata Yoon, Jumat (25/10).",
            "Senin (28/10)",
            date(2024, 10, 28),
            id="latest-first",
        ),
        pytest.param(
            "Pada 26 Juni 2024 pakta diteken. Dikutip AFP, Kamis (31/10/2024).",
            "Kamis (31/10/2024)",
            date(2024, 10, 31),
            id="long-form-dates-are-events",
        ),
        pytest.param(
            "Kata dia, Senin (28/10). Ia mengulanginya Senin (28/10).",
            "Senin (28/10)",
            date(2024, 10, 28),
            id="tie-keeps-first",
        ),
    ],
)
def test_publication_date_is_latest_attribution_date(body: str, text: str, value: date) -> None:
    found = publication_date(body, reference_date=REFERENCE)
    assert found is not None and (found.text, found.value) == (text, value)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("Pada 26 Juni, Keamanan Pertahanan Asia melaporkan ...", id="event-date-only"),
        pytest.param(
            "Politico Europe melaporkan pada 26 Juni 2024 bahwa ...", id="long-form-with-year"
        ),
        pytest.param("Kata Yoon (28/10) kepada wartawan.", id="no-year-no-weekday"),
        pytest.param("Putin berkunjung pekan lalu.", id="no-date"),
    ],
)
def test_no_publication_date_without_attribution_date(body: str) -> None:
    assert publication_date(body, reference_date=REFERENCE) is None


@pytest.mark.parametrize(
    ("given", "value"),
    [
        pytest.param("2024-10-28", date(2024, 10, 28), id="iso-date"),
        pytest.param("2024-10-28T23:30:00+07:00", date(2024, 10, 28), id="iso-local-time"),
        pytest.param("2024-10-28T16:30:00Z", date(2024, 10, 28), id="iso-utc"),
        pytest.param("28/10/2024", date(2024, 10, 28), id="d-m-y"),
        pytest.param("Senin, 28 Oktober 2024", date(2024, 10, 28), id="indonesian-long"),
        pytest.param(" Kamis (31/10/2024) ", date(2024, 10, 31), id="attribution-form"),
    ],
)
def test_parse_published_reads_given_dates(given: str, value: date) -> None:
    assert parse_published(given) == value


@pytest.mark.parametrize(
    ("given", "message"),
    [
        pytest.param("Senin (28/10)", "'Senin (28/10)' is not a date with a year", id="no-year"),
        pytest.param("kemarin", "'kemarin' is not a date with a year", id="words"),
        pytest.param("2024-13-45", "'2024-13-45' is not a valid date", id="iso-out-of-range"),
        pytest.param("(31/4/2024)", "'(31/4/2024)' is not a date with a year", id="april-31"),
    ],
)
def test_parse_published_refuses_dates_without_a_year(given: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_published(given)
    assert str(caught.value).startswith(message)
    assert "use YYYY-MM-DD" in str(caught.value)
