"""Dates in Indonesian news text, and the publication date of an article.

Forms read (weekday names and month names are Indonesian, any letter case):

* attribution form, weekday and day/month in parentheses, year optional:
  ``Kamis (27/6/2024)``, ``Senin (28/10)``, and ``(31/10/2024)`` without a weekday;
* long form, day and month name, year and weekday optional:
  ``26 Juni 2024``, ``Senin, 28 Oktober``, ``Pada 26 Juni`` (read as ``26 Juni``).

A date whose year is not written is *inferred* only when a weekday pins it down:
the latest year, up to the reference date, in which that day falls on that
weekday (``Senin (28/10)`` read on 2026-11-22 is 2024-10-28, a Monday).  With
neither a year nor a weekday there is nothing to go on, so no date is read.

The publication date of an article is the latest attribution-form date in its
body: Indonesian outlets stamp a statement with the day it was made
("kata Singh, Senin (28/10)"), which is the news day of the article.  Long-form
dates are not used: in running text they date events ("Pada 26 Juni, ...
melaporkan"), not the article, so an article with only those has no
publication date rather than a guessed one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

__all__ = [
    "PublicationDate",
    "find_dates",
    "parse_date",
    "parse_published",
    "publication_date",
]

#: Indonesian weekday names -> ``date.weekday()`` (Monday is 0).
WEEKDAYS = {
    "senin": 0,
    "selasa": 1,
    "rabu": 2,
    "kamis": 3,
    "jumat": 4,
    "jum'at": 4,
    "jum’at": 4,
    "sabtu": 5,
    "minggu": 6,
    "ahad": 6,
}
#: Indonesian month names and their usual abbreviations -> month number.
# fmt: off
MONTHS = {
    "januari": 1, "jan": 1,
    "februari": 2, "pebruari": 2, "feb": 2,
    "maret": 3, "mar": 3,
    "april": 4, "apr": 4,
    "mei": 5,
    "juni": 6, "jun": 6,
    "juli": 7, "jul": 7,
    "agustus": 8, "agu": 8, "agt": 8, "ags": 8,
    "september": 9, "sep": 9, "sept": 9,
    "oktober": 10, "okt": 10,
    "november": 11, "nov": 11,
    "desember": 12, "des": 12,
}
# fmt: on
_WEEKDAY_NAMES = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
_ENGLISH_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
#: How far back year inference looks; 29 February on a given weekday recurs
#: every 28 years, every other day/weekday pair sooner.
_INFER_YEARS_BACK = 100


def _alternation(names: dict[str, int]) -> str:
    # Longest first, so "Juni" is not read as "Jun" + "i".
    return "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))


_WEEKDAY = rf"(?P<weekday>{_alternation(WEEKDAYS)})"
_YEAR = r"(?P<year>\d{4}|\d{2})"
_ATTRIBUTION = re.compile(
    rf"(?:\b{_WEEKDAY}\s*,?\s*)?"
    rf"\(\s*(?P<day>\d{{1,2}})\s*/\s*(?P<month>\d{{1,2}})(?:\s*/\s*{_YEAR})?\s*\)",
    re.IGNORECASE,
)
_LONG = re.compile(
    rf"(?:\b{_WEEKDAY}\s*,?\s*)?"
    rf"\b(?P<day>\d{{1,2}})\s+(?P<monthname>{_alternation(MONTHS)})\.?"
    rf"(?:\s+(?P<year>\d{{4}}))?(?!\w)",
    re.IGNORECASE,
)
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ].*)?")
#: "28/10/2024" without parentheses: accepted from a record's field, not read
#: from running text, where slashes also write ratios and scores.
_SLASHED = re.compile(r"(?P<day>\d{1,2})/(?P<month>\d{1,2})/(?P<year>\d{4})")


@dataclass(frozen=True)
class PublicationDate:
    """A calendar date read from an article (or given by its record).

    ``text`` is the exact span read; ``how`` says in a few words how the date
    was obtained, so a reader can check an inferred year.
    """

    value: date
    year_inferred: bool
    text: str
    how: str


def parse_date(text: str, *, reference_date: date | None = None) -> PublicationDate | None:
    """Read ``text`` as one date expression; None if it is not a readable date."""
    stripped = text.strip()
    for pattern in (_ATTRIBUTION, _LONG):
        found = _search_whole(pattern, stripped)
        if found is not None:
            return _resolve(found, reference_date or date.today())
    return None


def find_dates(text: str, *, reference_date: date | None = None) -> list[PublicationDate]:
    """Read every date in ``text`` that can be resolved, in order of appearance."""
    return [found for _, found in _scan(text, reference_date or date.today())]


def publication_date(body: str, *, reference_date: date | None = None) -> PublicationDate | None:
    """Return the latest attribution-form date in ``body``, or None if it has none."""
    attributed = [
        found for attribution, found in _scan(body, reference_date or date.today()) if attribution
    ]
    # max() keeps the first of equal dates, so the span is its first mention.
    return max(attributed, key=lambda found: found.value, default=None)


def parse_published(value: str) -> date:
    """Read a publication date given by a structured record; it must name the year.

    Accepts ISO 8601 (``2024-10-28``, ``2024-10-28T09:15:00+07:00``: the date as
    written, since that is the outlet's own calendar day) and the Indonesian
    forms above with a year, also as ``28/10/2024``.  Raises ValueError saying
    what to write instead.
    """
    stripped = value.strip()
    if _ISO.fullmatch(stripped):
        try:
            return datetime.fromisoformat(stripped).date()
        except ValueError:
            raise ValueError(f"{value!r} is not a valid date; use YYYY-MM-DD") from None
    for pattern in (_SLASHED, _ATTRIBUTION, _LONG):
        found = _search_whole(pattern, stripped)
        if found is not None and found["year"]:
            resolved = _resolve(found, date.max)
            if resolved is not None:
                return resolved.value
    raise ValueError(f"{value!r} is not a date with a year; use YYYY-MM-DD")


def _search_whole(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    # "Pada" ("on") is how running text introduces a date; it is not part of it.
    return pattern.fullmatch(re.sub(r"^(?i:pada)\s+", "", text))


def _scan(text: str, reference: date) -> list[tuple[bool, PublicationDate]]:
    """Every resolvable date with whether it is in the attribution form."""
    found = [(m.start(), True, m) for m in _ATTRIBUTION.finditer(text)]
    found += [(m.start(), False, m) for m in _LONG.finditer(text)]
    resolved = []
    for _, attribution, match in sorted(found, key=lambda item: item[0]):
        date_read = _resolve(match, reference)
        if date_read is not None:
            resolved.append((attribution, date_read))
    return resolved


def _resolve(match: re.Match[str], reference: date) -> PublicationDate | None:
    groups = match.groupdict()
    day = int(groups["day"])
    month = MONTHS[groups["monthname"].lower()] if groups.get("monthname") else int(groups["month"])
    weekday_name = groups.get("weekday")
    weekday = WEEKDAYS[weekday_name.lower()] if weekday_name else None
    span = match.group(0)
    if not _exists(day, month):
        return None  # 32/13, 31/4: not a date in any year
    if groups["year"]:
        year = int(groups["year"])
        year += 2000 if year < 100 else 0  # "(27/6/24)": two-digit years are this century
        if not _exists(day, month, year):
            return None  # 29/2 in a common year
        value = date(year, month, day)
        how = "day, month and year as written"
        if weekday is not None and value.weekday() != weekday:
            actual = _WEEKDAY_NAMES[value.weekday()]
            how += f"; the weekday {weekday_name} does not match ({value} is a {actual})"
        return PublicationDate(value, False, span, how)
    if weekday is None:
        return None  # no year and no weekday: any year fits, so do not guess
    for year in range(reference.year, reference.year - _INFER_YEARS_BACK, -1):
        if not _exists(day, month, year):
            continue  # 29/2 in a common year
        value = date(year, month, day)
        if value <= reference and value.weekday() == weekday:
            how = (
                f"year not written: {year} is the latest year up to {reference} "
                f"in which {day}/{month} falls on a {_WEEKDAY_NAMES[weekday]} "
                f"({_ENGLISH_WEEKDAYS[weekday]})"
            )
            return PublicationDate(value, True, span, how)
    return None


def _exists(day: int, month: int, year: int = 2000) -> bool:
    """Whether day/month is a date in ``year`` (by default a leap year)."""
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True
