"""The long-table contract: one row per judgment, ``(unit, annotator, label)``.

This is crowd-kit's ``(task, worker, label)`` contract under the names this
service uses: a *unit* is a mention (one claim in one article), an *annotator*
is a person, a *label* is a verdict.  Every figure in :mod:`annotator.verdicts`
is computed from a validated :class:`Judgments`, never from raw input.

Rules for bad input (each raises :class:`~annotator.errors.InputError`, whose
``errors`` name the offending rows, or is a stated rule):

==============================  ==============================================
missing column                  error naming the missing columns
empty unit or annotator         error naming the rows
empty label (blank or NaN)      *rule*: not a judgment (a skip); left out and
                                counted in ``Judgments.dropped``
label outside the label set     error naming the rows and labels; or, with
                                ``on_unknown="drop"``, left out and counted.
                                Either way it never enters a figure.
duplicated (unit, annotator)    error naming the rows; or, with ``order_by``,
                                *last wins*: the row with the greatest
                                ``order_by`` value (the later row on equal
                                values) is kept, the others counted as
                                superseded.  Deduplication comes before the
                                empty-label rule, so a later blank label
                                withdraws an earlier judgment.
one annotator only              *rule*: accepted; verdicts as usual (each
                                unit has one judgment, so below ``k`` unless
                                ``k`` is 1); agreement figures are undefined,
                                each with its reason
==============================  ==============================================

Labels, units and annotators that are strings are stripped of surrounding
white space; labels are otherwise matched exactly (``"Confirmed"`` is not
``"confirmed"``).

One module though past 400 lines: the rules above, the label set they check
against and the table they produce are one contract, read and changed together.

>>> import pandas as pd
>>> j = judgments(pd.DataFrame({
...     "unit": ["m1", "m1", "m2", "m2"],
...     "annotator": ["ana", "budi", "ana", "budi"],
...     "label": ["confirmed", "denied", "disputed", " "],
... }))
>>> j.n_judgments, list(j.units), dict(j.dropped)
(3, ['m1', 'm2'], {'empty label': 1})
>>> j.counts.tolist()
[[1, 0, 1], [0, 1, 0]]
"""

from __future__ import annotations

import os
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import IO, Literal

import numpy as np
import pandas as pd

from annotator.errors import InputError
from annotator.verdicts._vector import blank, positions, stripped

__all__ = [
    "COLUMNS",
    "LabelSet",
    "VERDICTS",
    "Judgments",
    "judgments",
    "read_judgments_csv",
    "invalid_rows",
]

#: The columns of the long table, in crowd-kit's order (task, worker, label).
COLUMNS = ("unit", "annotator", "label")

#: How many offending rows an error names before it summarises the rest.
MAX_ROWS_NAMED = 20


@dataclass(frozen=True)
class LabelSet:
    """The labels a judgment may carry, their order and the tie rule.

    ``labels`` fixes the column order of every count and, when ``ordered``,
    the scale: the *linear* distance between two labels is their number of
    steps apart over ``len(labels) - 1``.  ``tie_order`` is the preference
    used to name a verdict when labels tie (the verdict is still flagged as a
    tie); empty means ``labels``.

    >>> s = LabelSet(("low", "mid", "high"), ordered=True)
    >>> s.distance("linear").tolist()
    [[0.0, 0.5, 1.0], [0.5, 0.0, 0.5], [1.0, 0.5, 0.0]]
    >>> s.tie_order
    ('low', 'mid', 'high')
    """

    labels: tuple[Hashable, ...]
    ordered: bool = False
    tie_order: tuple[Hashable, ...] = ()

    def __post_init__(self) -> None:
        labels = tuple(self.labels)
        if len(labels) < 2:
            raise InputError(
                "a label set needs at least two labels",
                {"labels": [f"got {list(labels)!r}"]},
            )
        if len(set(labels)) != len(labels):
            raise InputError("labels repeat in the label set", {"labels": [repr(list(labels))]})
        tie_order = tuple(self.tie_order) or labels
        if sorted(map(repr, tie_order)) != sorted(map(repr, labels)):
            raise InputError(
                "tie_order must list each label exactly once",
                {"tie_order": [f"labels {list(labels)!r}, got {list(tie_order)!r}"]},
            )
        object.__setattr__(self, "labels", labels)
        object.__setattr__(self, "tie_order", tie_order)

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def tie_rank(self) -> np.ndarray:
        """Rank of each label (in ``labels`` order) in ``tie_order``; 0 wins."""
        return np.array([self.tie_order.index(label) for label in self.labels])

    def distance(self, metric: str | Sequence[Sequence[float]] | np.ndarray) -> np.ndarray:
        """The ``K x K`` distance matrix of a named metric, or a checked matrix.

        ``"nominal"``: 0 for equal labels, 1 otherwise.  ``"linear"`` (needs
        ``ordered``): steps apart over ``K - 1``, so for the verdicts
        *disputed* sits half-way between *confirmed* and *denied*.
        ``"interval"`` (needs ``ordered`` numeric labels): squared difference
        of the values, Krippendorff's interval metric.  A matrix must be square
        ``K x K``, symmetric, non-negative, with a zero diagonal.
        """
        k = len(self.labels)
        if isinstance(metric, str):
            rank = np.arange(k, dtype=float)
            if metric == "nominal":
                return 1.0 - np.eye(k)
            if metric not in ("linear", "interval"):
                raise InputError(
                    f"unknown distance metric {metric!r}",
                    {"metric": ["use 'nominal', 'linear', 'interval' or a K x K matrix"]},
                )
            if not self.ordered:
                raise InputError(
                    f"the {metric!r} metric needs an ordered label set",
                    {"metric": [f"labels {list(self.labels)!r} have no order"]},
                )
            if metric == "linear":
                return np.abs(rank[:, None] - rank[None, :]) / (k - 1)
            values = np.asarray(self.labels)
            if values.dtype.kind not in "iuf":
                raise InputError(
                    "the 'interval' metric needs numeric labels",
                    {"metric": [f"labels {list(self.labels)!r} are not numbers"]},
                )
            values = values.astype(float)
            return (values[:, None] - values[None, :]) ** 2
        matrix = np.asarray(metric, dtype=float)
        problems = []
        if matrix.shape != (k, k):
            problems.append(f"shape {matrix.shape}, expected {(k, k)}")
        elif not (
            np.allclose(matrix, matrix.T) and np.all(np.diag(matrix) == 0) and np.all(matrix >= 0)
        ):
            problems.append("must be symmetric, non-negative, with a zero diagonal")
        if problems:
            raise InputError("invalid distance matrix", {"metric": problems})
        return matrix


#: The three verdicts, ordered confirmed < disputed < denied.  A tie is named
#: *disputed* when disputed is among the tied labels, else *denied*: a tie is
#: itself a disagreement, and it never publishes a claim as confirmed.
VERDICTS = LabelSet(
    ("confirmed", "disputed", "denied"),
    ordered=True,
    tie_order=("disputed", "denied", "confirmed"),
)


@dataclass(frozen=True, eq=False)
class Judgments:
    """A validated long table, held as integer codes sorted by (unit, annotator).

    ``unit[i]``, ``annotator[i]`` and ``label[i]`` are positions in
    ``units``, ``annotators`` and ``labels.labels``; ``dropped`` counts the
    rows left out under the stated rules.  Build one with :func:`judgments`
    or :func:`read_judgments_csv`.
    """

    units: pd.Index
    annotators: pd.Index
    labels: LabelSet
    unit: np.ndarray
    annotator: np.ndarray
    label: np.ndarray
    dropped: Mapping[str, int] = field(default_factory=dict)

    @property
    def n_judgments(self) -> int:
        return len(self.unit)

    @cached_property
    def counts(self) -> np.ndarray:
        """``(n_units, K)`` number of judgments of each label per unit."""
        k = len(self.labels)
        flat = np.bincount(self.unit * k + self.label, minlength=len(self.units) * k)
        return flat.reshape(len(self.units), k)

    @cached_property
    def frame(self) -> pd.DataFrame:
        """The table back as a DataFrame with columns ``unit, annotator, label``."""
        labels = np.empty(len(self.labels), dtype=object)
        labels[:] = self.labels.labels
        return pd.DataFrame(
            {
                "unit": self.units.take(self.unit),
                "annotator": self.annotators.take(self.annotator),
                "label": labels[self.label],
            }
        )

    def subset(self, units: Iterable[Hashable]) -> Judgments:
        """The judgments of ``units`` only, re-coded (cheap: no re-validation).

        Units absent from this table are ignored.
        """
        wanted = positions(self.units, pd.Index(list(units), dtype=object))
        keep = np.isin(self.unit, wanted[wanted >= 0])
        return _encoded(
            self.unit[keep],
            self.units,
            self.annotator[keep],
            self.annotators,
            self.label[keep],
            self.labels,
            self.dropped,
        )


def judgments(
    data: pd.DataFrame,
    labels: LabelSet = VERDICTS,
    *,
    order_by: str | None = None,
    on_unknown: Literal["error", "drop"] = "error",
) -> Judgments:
    """Validate a long table of judgments (see the module docstring for rules).

    ``data`` needs the columns ``unit``, ``annotator`` and ``label`` (others
    are ignored); errors name rows by their index label, ``"row 3"``.
    """
    return _validate(data, labels, order_by, on_unknown, lambda pos: f"row {data.index[pos]}")


def read_judgments_csv(
    source: str | os.PathLike[str] | IO[str],
    labels: LabelSet = VERDICTS,
    *,
    order_by: str | None = None,
    on_unknown: Literal["error", "drop"] = "error",
) -> Judgments:
    """Read and validate a CSV file of judgments.

    Every cell is read as text (``"NA"`` is an annotator's name, not a missing
    value; an empty cell is empty).  Errors name rows as ``"line N"``,
    counting the header as line 1.
    """
    name = getattr(source, "name", source)
    try:
        data = pd.read_csv(source, dtype=str, keep_default_na=False)
    except FileNotFoundError:
        raise InputError(f"no such file: {name}", {str(name): ["file not found"]}) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {name} as CSV", {str(name): [str(exc).strip()]}) from None
    return _validate(data, labels, order_by, on_unknown, lambda pos: f"line {pos + 2}")


def invalid_rows(message: str, where: Sequence[str], details: Sequence[str]) -> InputError:
    """An :class:`InputError` naming at most :data:`MAX_ROWS_NAMED` rows."""
    errors: dict[str, list[str]] = {}
    for place, detail in list(zip(where, details, strict=True))[:MAX_ROWS_NAMED]:
        errors.setdefault(place, []).append(detail)
    extra = len(where) - MAX_ROWS_NAMED
    if extra > 0:
        errors["..."] = [f"and {extra} more"]
    return InputError(f"{message} ({len(where)} rows)", errors)


def _validate(
    data: pd.DataFrame,
    labels: LabelSet,
    order_by: str | None,
    on_unknown: str,
    where: Callable[[int], str],
) -> Judgments:
    """The module's rules applied in their stated order; ``where`` names a row position."""
    _check_shape(data, order_by, on_unknown)
    unit, annotator, label = (stripped(data[c]) for c in COLUMNS)
    for name, column in (("unit", unit), ("annotator", annotator)):
        _reject_blank(column, f"empty {name}", f"no {name}", where)
    if order_by is not None:
        _reject_blank(
            stripped(data[order_by]), f"empty {order_by!r}, needed to order duplicates", f"no {order_by}", where
        )
    empty = blank(label)
    codes = _label_codes(label, labels)
    unknown = ~empty & (codes < 0)
    dropped: dict[str, int] = {}
    if unknown.any():
        if on_unknown == "error":
            allowed = ", ".join(map(str, labels.labels))
            raise invalid_rows(
                "label outside the label set",
                [where(p) for p in np.flatnonzero(unknown)],
                [f"unknown label {v!r} (allowed: {allowed})" for v in label.to_numpy()[unknown]],
            )
        dropped["unknown label"] = int(unknown.sum())
    unit_codes, units = _factorize(unit, "unit")
    annotator_codes, annotators = _factorize(annotator, "annotator")
    pair = pd.Series(unit_codes * len(annotators) + annotator_codes)
    duplicated = pair.duplicated(keep=False).to_numpy()
    keep = np.ones(len(data), dtype=bool)
    if duplicated.any():
        if order_by is None:
            raise _duplicates_error(unit.to_numpy(), annotator.to_numpy(), np.flatnonzero(duplicated), where)
        superseded = _superseded(data, order_by, pair)
        keep &= ~superseded
        dropped["superseded duplicate"] = int(superseded.sum())
    if (empty & keep).any():
        dropped["empty label"] = int((empty & keep).sum())
    keep &= ~empty & ~unknown
    return _encoded(unit_codes[keep], units, annotator_codes[keep], annotators, codes[keep], labels, dropped)


def _check_shape(data: pd.DataFrame, order_by: str | None, on_unknown: str) -> None:
    """Raise unless ``data`` is a table with the columns asked for and ``on_unknown`` a rule."""
    if not isinstance(data, pd.DataFrame):
        raise InputError("judgments must be a table", {"data": [f"got {type(data).__name__}"]})
    if on_unknown not in ("error", "drop"):
        raise InputError(
            f"on_unknown must be 'error' or 'drop', not {on_unknown!r}",
            {"on_unknown": [repr(on_unknown)]},
        )
    required = [*COLUMNS, *([order_by] if order_by is not None else [])]
    missing = [c for c in required if c not in data.columns]
    if missing:
        raise InputError(
            f"missing column(s): {', '.join(missing)}",
            {"columns": [f"missing {c!r}" for c in missing]},
        )


def _reject_blank(column: pd.Series, message: str, detail: str, where: Callable[[int], str]) -> None:
    rows = np.flatnonzero(blank(column))
    if len(rows):
        raise invalid_rows(message, [where(p) for p in rows], [detail] * len(rows))


def _label_codes(label: pd.Series, labels: LabelSet) -> np.ndarray:
    """Each row's position in ``labels`` (-1: blank or unknown), matching each distinct value once."""
    value_codes, values = pd.factorize(label)
    return np.where(
        value_codes >= 0,
        pd.Index(list(labels.labels), dtype=object).get_indexer(values)[value_codes],
        -1,
    )


def _superseded(data: pd.DataFrame, order_by: str, pair: pd.Series) -> np.ndarray:
    """The rows a later judgment of the same (unit, annotator) ``pair`` replaces:
    the greatest ``order_by`` value wins, the later row on equal values."""
    try:
        order = np.argsort(data[order_by].to_numpy(), kind="stable")
    except TypeError:
        raise InputError(
            f"{order_by!r} values cannot be ordered",
            {order_by: ["mixed types; use one type, e.g. ISO 8601 timestamps"]},
        ) from None
    superseded = np.zeros(len(data), dtype=bool)
    superseded[order[pair.iloc[order].duplicated(keep="last").to_numpy()]] = True
    return superseded


def _encoded(
    unit: np.ndarray,
    units: pd.Index,
    annotator: np.ndarray,
    annotators: pd.Index,
    label: np.ndarray,
    labels: LabelSet,
    dropped: Mapping[str, int],
) -> Judgments:
    """A :class:`Judgments` from codes: unused units and annotators dropped,
    rows sorted by (unit, annotator)."""
    unit, units = _compact(unit, units)
    annotator, annotators = _compact(annotator, annotators)
    order = np.lexsort((annotator, unit))
    return Judgments(
        units=units,
        annotators=annotators,
        labels=labels,
        unit=unit[order],
        annotator=annotator[order],
        label=np.asarray(label, dtype=np.int64)[order],
        dropped=dict(dropped),
    )


def _compact(codes: np.ndarray, index: pd.Index) -> tuple[np.ndarray, pd.Index]:
    used = np.bincount(codes, minlength=len(index)) > 0
    if used.all():
        return codes.astype(np.int64), index
    renumber = np.cumsum(used) - 1
    return renumber[codes].astype(np.int64), index[used]


def _factorize(values: pd.Series, name: str) -> tuple[np.ndarray, pd.Index]:
    codes, uniques = pd.factorize(values, sort=True)
    return codes.astype(np.int64), pd.Index(uniques, name=name)


def _duplicates_error(
    unit: np.ndarray, annotator: np.ndarray, rows: np.ndarray, where: Callable[[int], str]
) -> InputError:
    first: dict[tuple[Hashable, Hashable], int] = {}
    places, details = [], []
    for pos in rows:
        key = (unit[pos], annotator[pos])
        if key in first:
            places.append(where(pos))
            details.append(
                f"unit {key[0]!r} judged again by annotator {key[1]!r} "
                f"(first at {where(first[key])}); give order_by to keep the latest"
            )
        else:
            first[key] = pos
    return invalid_rows("duplicated (unit, annotator)", places, details)
