"""Find a quoted passage in an article body, and check evidence spans given as offsets.

:func:`locate_quote` tries three tiers, strictest first, and stops at the first
that finds anything:

``exact``
    the quote (outer whitespace aside) is a substring of the body;
``normalized``
    equal once both sides are folded: case, accents, whitespace and punctuation
    (typographic quotes and dashes included) are ignored, so ``"umpan meriam,"``
    finds ``“umpan meriam”`` and ``Rusia - Korut`` finds ``Rusia–Korut``; the
    match must start and end on word boundaries;
``fuzzy``
    the folded passage most similar to the folded quote (``rapidfuzz``),
    accepted when its similarity is at least ``fuzzy_threshold``.

A quote that fits more than one place equally well is *ambiguous*: rather than
pick one silently, the result says so and lists the places, so the catalogue's
author can lengthen the quote.  Offsets are always into the original body and
count code points (Python ``str`` indices).

>>> body = "Pentagon: “Mereka akan jadi umpan meriam.”"
>>> result = locate_quote(body, '"mereka akan jadi umpan meriam"')
>>> result.status, result.span.method, body[result.span.start : result.span.end]
('found', 'normalized', 'Mereka akan jadi umpan meriam')
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from rapidfuzz import fuzz

__all__ = [
    "Span",
    "LocateResult",
    "locate_quote",
    "validate_spans",
    "FUZZY_MIN_CHARS",
]

Method = Literal["exact", "normalized", "fuzzy"]
Status = Literal["found", "ambiguous", "not_found"]

#: Shorter (folded) quotes are never matched approximately: one typo in a short
#: quote already costs more than the threshold allows, and a short fuzzy match
#: is as likely to be a different phrase as the intended one.
FUZZY_MIN_CHARS = 20


@dataclass(frozen=True)
class Span:
    """A matched passage: ``body[start:end]``, how it was found, and how well (0-100)."""

    start: int
    end: int
    method: Method
    score: float


@dataclass(frozen=True)
class LocateResult:
    """The outcome of :func:`locate_quote`.

    ``status`` is ``"found"`` (``span`` is set), ``"ambiguous"`` (``candidates``
    lists every equally good place, ``span`` is ``None``) or ``"not_found"``;
    ``problem`` says in a sentence what is wrong and what to do about it.
    """

    status: Status
    span: Span | None = None
    candidates: tuple[Span, ...] = ()
    problem: str | None = None


@dataclass(frozen=True)
class _Folded:
    """Text reduced to its words (folded, one space apart, padded with a space each side).

    ``origin[k]`` is the index in the original text of the character that
    produced ``text[k]``.
    """

    text: str
    origin: list[int]

    def to_span(self, start: int, end: int, method: Method, score: float) -> Span:
        return Span(self.origin[start], self.origin[end - 1] + 1, method, score)


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    decomposed = unicodedata.normalize("NFKD", char)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _fold(text: str) -> _Folded:
    chars = [" "]
    origin = [-1]
    for index, char in enumerate(text):
        for folded in _fold_char(char):
            if folded.isalnum():
                chars.append(folded)
                origin.append(index)
            elif chars[-1] != " ":
                chars.append(" ")
                origin.append(index)
    if chars[-1] != " ":
        chars.append(" ")
        origin.append(len(text))
    return _Folded("".join(chars), origin)


def locate_quote(body: str, quote: str, *, fuzzy_threshold: float = 90.0) -> LocateResult:
    """Find ``quote`` in ``body``: exactly, then up to case/space/punctuation, then approximately."""
    if not 0 <= fuzzy_threshold <= 100:
        raise ValueError(f"fuzzy_threshold must be between 0 and 100, not {fuzzy_threshold}")
    quote = quote.strip()
    if not quote:
        return LocateResult("not_found", problem="the quote is empty: paste a passage of the body")

    exact = _all_occurrences(body, quote)
    if exact:
        spans = [Span(start, start + len(quote), "exact", 100.0) for start in exact]
        return _one_or_ambiguous(spans)

    folded_body = _fold(body)
    folded_quote = _fold(quote).text.strip()
    if not folded_quote:
        return LocateResult(
            "not_found", problem="the quote has no letters or digits: quote words of the body"
        )
    # Padding with spaces keeps matches on word boundaries ("sia" does not match in "Rusia").
    normalized = _all_occurrences(folded_body.text, f" {folded_quote} ")
    if normalized:
        spans = [
            folded_body.to_span(k + 1, k + 1 + len(folded_quote), "normalized", 100.0)
            for k in normalized
        ]
        return _one_or_ambiguous(spans)

    return _fuzzy(folded_body, folded_quote, fuzzy_threshold)


def _all_occurrences(text: str, needle: str) -> list[int]:
    starts = []
    start = text.find(needle)
    while start != -1:
        starts.append(start)
        start = text.find(needle, start + 1)
    return starts


def _one_or_ambiguous(spans: list[Span]) -> LocateResult:
    if len(spans) == 1:
        return LocateResult("found", span=spans[0])
    where = ", ".join(str(span.start) for span in spans)
    return LocateResult(
        "ambiguous",
        candidates=tuple(spans),
        problem=f"the quote fits {len(spans)} places in the body (at offsets {where}):"
        " quote a longer passage so that it is unique",
    )


def _fuzzy(body: _Folded, quote: str, threshold: float) -> LocateResult:
    not_found = "no passage matches exactly or up to case, spacing and punctuation"
    if len(quote) < FUZZY_MIN_CHARS:
        return LocateResult(
            "not_found",
            problem=f"{not_found}, and the quote is too short to match approximately:"
            " copy the passage from the article body",
        )
    best = _best_window(body.text, quote)
    if best is None or best[0] < threshold:
        closest = f"the closest scores {best[0]:.0f}/100" if best else "nothing is close"
        return LocateResult(
            "not_found",
            problem=f"{not_found}; {closest}, below the threshold {threshold:g}:"
            " copy the passage from the article body",
        )
    score, start, end = best
    found = body.to_span(start, end, "fuzzy", score)
    # Blank out the match and look again: an equally good second place means ambiguity.
    masked = body.text[:start] + "\0" * (end - start) + body.text[end:]
    second = _best_window(masked, quote)
    if second is not None and second[0] >= score:
        other = body.to_span(second[1], second[2], "fuzzy", second[0])
        return _one_or_ambiguous(sorted([found, other], key=lambda span: span.start))
    return LocateResult("found", span=found)


def _best_window(text: str, quote: str) -> tuple[float, int, int] | None:
    """The run of whole words in ``text`` most similar to ``quote``: (score, start, end).

    ``partial_ratio_alignment`` finds where the quote fits, in a window as long
    as the quote; the passage may be a little longer or shorter, so its edges
    are moved to the nearby word boundaries that score best.
    """
    if len(quote) > len(text):
        return None
    alignment = fuzz.partial_ratio_alignment(quote, text)
    slack = max(len(quote) // 4, 8)
    starts = [
        k
        for k in range(
            max(alignment.dest_start - slack, 1), min(alignment.dest_start + slack, len(text))
        )
        if text[k - 1] == " " and text[k] != " "
    ]
    ends = [
        k
        for k in range(
            max(alignment.dest_end - slack, 1), min(alignment.dest_end + slack, len(text))
        )
        if text[k] == " " and text[k - 1] != " "
    ]
    windows = [(fuzz.ratio(quote, text[s:e]), s, e) for s in starts for e in ends if s < e]
    if not windows:
        return None
    # Highest score; among equals, the earliest and shortest window.
    return max(windows, key=lambda window: (window[0], -window[1], -window[2]))


def validate_spans(spans: Iterable[tuple[int, int]], body_length: int) -> list[str]:
    """Say what is wrong with ``(start, end)`` offsets into a body of ``body_length``.

    A span must lie inside the body, be non-empty and overlap no other span.
    Return one message per problem, each naming the span by its position
    (``spans[1]: ...``); an empty list means the spans are fine.  The caller
    decides which error to raise, and under which key.
    """
    problems: list[str] = []
    valid: list[tuple[int, int, int]] = []
    for index, (start, end) in enumerate(spans):
        wrong = _range_problems(start, end, body_length)
        problems.extend(f"spans[{index}]: {message}" for message in wrong)
        if not wrong:
            valid.append((start, end, index))
    # Compare each span with the one reaching furthest so far, not just its neighbour:
    # (0, 100) overlaps (30, 40) even with (10, 20) between them.
    furthest: tuple[int, int, int] | None = None
    for start, end, index in sorted(valid):
        if furthest is not None and start < furthest[1]:
            problems.append(
                f"spans[{index}]: {start}-{end} overlaps spans[{furthest[2]}]"
                f" ({furthest[0]}-{furthest[1]}): merge the two spans or trim one"
            )
        if furthest is None or end > furthest[1]:
            furthest = (start, end, index)
    return problems


def _range_problems(start: int, end: int, body_length: int) -> list[str]:
    # bool is an int subclass, but `true` for an offset in an API payload is a mistake.
    if isinstance(start, bool) or isinstance(end, bool):
        return [f"start and end must be whole numbers, not {start!r} and {end!r}"]
    if not isinstance(start, int) or not isinstance(end, int):
        return [f"start and end must be whole numbers, not {start!r} and {end!r}"]
    problems = []
    if start < 0:
        problems.append(f"start {start} is negative: offsets count from 0")
    if end > body_length:
        problems.append(f"end {end} is past the end of the body (length {body_length})")
    if start >= end:
        problems.append(f"start {start} must be less than end {end}: a span cannot be empty")
    return problems
