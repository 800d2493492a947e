"""Agreement between annotators: for the project, per annotator pair, per group.

Every figure is a :class:`Figure` (or a row with a ``reason`` column): an
undefined value — one label only, a single annotator, no unit with two
judgments — is ``None``/NaN *with the reason*, never a silent 1.0 or 0.0.

Definitions (the stated rules):

* **Krippendorff's alpha** — ``krippendorff.alpha`` on the units' value
  counts; missing judgments simply are not counted, units with one judgment
  are not pairable.  ``metric="nominal"``; ``"linear"`` passes the package a
  distance *callable* built from :meth:`LabelSet.distance` (for the verdicts
  confirmed–disputed 0.5, disputed–denied 0.5, confirmed–denied 1: disputed
  sits half-way), rather than its ``"ordinal"`` metric, whose distances
  depend on how often each label is used; ``"ordinal"``, ``"interval"`` or any
  ``K x K`` matrix may also be asked for.
* **Fleiss' kappa** — ``statsmodels.stats.inter_rater.fleiss_kappa``, which
  needs the same number of judgments per unit.  Rule: only units with the
  *modal* number ``m >= 2`` of judgments enter (on a tie of modes, the larger
  ``m``); ``note`` says how many units were left out.
* **Cohen's kappa** per annotator pair — ``statsmodels`` ``cohens_kappa`` on
  the pair's confusion table over the units both judged (equal to
  ``sklearn.metrics.cohen_kappa_score`` on the same units).
* **Percent agreement** — per unit with ``n >= 2`` judgments, the share of
  agreeing pairs among its ``n(n-1)/2`` pairs of judgments, averaged over
  those units with equal weight (Fleiss' ``P-bar``).  Per pair: the share of
  units both judged on which they gave the same label.
* **Annotator against consensus** — leave-one-out: on each unit an annotator
  judged, the consensus is the majority label of the *other* annotators;
  units where no one else judged, or the others tie, are left out and counted.

Per group (e.g. per claim, :func:`agreement_by_group`) the same formulas run
vectorised over all groups at once, by hand, because one library call per
claim was measured too slow; tests hold them to the library values.  They live
in :mod:`annotator.verdicts._group_agreement` and are re-exported here.

>>> import pandas as pd
>>> from annotator.verdicts.table import judgments
>>> j = judgments(pd.DataFrame({
...     "unit": ["m1", "m1", "m2", "m2", "m3", "m3"],
...     "annotator": ["ana", "budi"] * 3,
...     "label": ["confirmed", "confirmed", "denied", "denied", "confirmed", "disputed"],
... }))
>>> round(krippendorff_alpha(j).value, 4), percent_agreement(j).value
(0.5455, 0.6666666666666666)
>>> krippendorff_alpha(j.subset(["m1"]))
Figure(value=None, n_units=1, reason='only one label used (confirmed)', note=None)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import krippendorff
import numpy as np
import pandas as pd
from statsmodels.stats.inter_rater import cohens_kappa, fleiss_kappa as sm_fleiss_kappa

from annotator.errors import InputError
from annotator.verdicts._group_agreement import agreement_by_group
from annotator.verdicts.table import Judgments, LabelSet

__all__ = [
    "Figure",
    "AgreementReport",
    "krippendorff_alpha",
    "fleiss_kappa",
    "percent_agreement",
    "cohen_kappa_pairs",
    "pair_matrix",
    "consensus_agreement",
    "project_agreement",
    "agreement_by_group",
]

Metric = str | Sequence[Sequence[float]] | np.ndarray


@dataclass(frozen=True)
class Figure:
    """An agreement figure over ``n_units`` units; ``value`` is None exactly
    when the figure is undefined, and ``reason`` then says why.  ``note``
    states how the data was selected, when it matters (Fleiss' kappa)."""

    value: float | None
    n_units: int
    reason: str | None = None
    note: str | None = None

    def __post_init__(self) -> None:
        if (self.value is None) == (self.reason is None):
            raise ValueError("a Figure has either a value or a reason, not both")

    @property
    def defined(self) -> bool:
        return self.value is not None


@dataclass(frozen=True)
class AgreementReport:
    """Every agreement figure of one table (see :func:`project_agreement`)."""

    alpha_nominal: Figure
    alpha_linear: Figure
    fleiss_kappa: Figure
    percent_agreement: Figure
    pairs: pd.DataFrame
    annotators: pd.DataFrame

    @property
    def kappa_matrix(self) -> pd.DataFrame:
        return pair_matrix(self.pairs, "kappa")


def krippendorff_alpha(j: Judgments, metric: Metric = "nominal") -> Figure:
    """Krippendorff's alpha by ``krippendorff.alpha`` (see the module rules).

    ``metric``: ``"nominal"``, ``"linear"``, ``"ordinal"`` (Krippendorff's,
    in label order), ``"interval"`` (numeric labels) or a ``K x K`` matrix.
    """
    labels = j.labels
    domain: np.ndarray = np.arange(len(labels))
    if isinstance(metric, str) and metric == "ordinal":
        if not labels.ordered:
            raise InputError(
                "the 'ordinal' metric needs an ordered label set",
                {"metric": ["labels have no order"]},
            )
        level: object = "ordinal"
    elif isinstance(metric, str) and metric == "interval":
        labels.distance("interval")  # validates: ordered, numeric
        level, domain = "interval", np.asarray(labels.labels, dtype=float)
    elif isinstance(metric, str) and metric == "nominal":
        level = "nominal"
    else:
        level = _matrix_metric(labels.distance(metric))
    counts = j.counts
    pairable = counts.sum(axis=1) >= 2
    reason = _undefined(j, counts[pairable])
    if reason:
        return Figure(None, int(pairable.sum()), reason)
    value = float(
        krippendorff.alpha(
            value_counts=counts[pairable], value_domain=domain, level_of_measurement=level
        )
    )
    if not np.isfinite(value):
        return Figure(None, int(pairable.sum()), "expected disagreement is zero under this metric")
    return Figure(value, int(pairable.sum()))


def fleiss_kappa(j: Judgments) -> Figure:
    """Fleiss' kappa by statsmodels, on the units with the modal number of
    judgments (see the module rules); ``note`` reports the selection."""
    counts = j.counts
    n = counts.sum(axis=1)
    if not (n >= 2).any():
        return Figure(None, 0, _undefined(j, counts[:0]))
    sizes = np.bincount(n[n >= 2])
    m = len(sizes) - 1 - int(np.argmax(sizes[::-1]))  # the largest of the modes
    table = counts[n == m]
    left_out = int((n >= 2).sum()) - len(table)
    note = (
        f"{len(table)} units with {m} judgments each; "
        f"{left_out} units with another number of judgments (>= 2) left out"
    )
    reason = _undefined(j, table)
    if reason:
        return Figure(None, len(table), reason, note)
    return Figure(float(sm_fleiss_kappa(table, method="fleiss")), len(table), None, note)


def percent_agreement(j: Judgments) -> Figure:
    """Mean over units with >= 2 judgments of the share of agreeing pairs."""
    counts = j.counts
    n = counts.sum(axis=1)
    pairable = n >= 2
    if not pairable.any():
        return Figure(None, 0, _undefined(j, counts[pairable]))
    c, m = counts[pairable], n[pairable]
    share = (c * (c - 1)).sum(axis=1) / (m * (m - 1))
    return Figure(float(share.mean()), int(pairable.sum()))


def cohen_kappa_pairs(j: Judgments) -> pd.DataFrame:
    """Cohen's kappa and percent agreement for every pair of annotators.

    One row per pair ``annotator_a < annotator_b`` with ``n_units`` (judged by
    both), ``agreement``, ``kappa`` and ``reason`` (why a value is NaN).
    """
    a_count = len(j.annotators)
    k = len(j.labels)
    left, right = _pairs_within_units(j)
    key = j.annotator[left] * a_count + j.annotator[right]
    tables = np.bincount(
        key * k * k + j.label[left] * k + j.label[right], minlength=a_count * a_count * k * k
    ).reshape(a_count, a_count, k, k)
    first, second = np.triu_indices(a_count, 1)
    rows = [
        _kappa_row(tables[a, b], j.labels, "no units judged by both", "both used only")
        for a, b in zip(first, second, strict=True)
    ]
    return pd.DataFrame(
        {
            "annotator_a": j.annotators.take(first),
            "annotator_b": j.annotators.take(second),
            "n_units": [r[0] for r in rows],
            "agreement": [r[1] for r in rows],
            "kappa": [r[2] for r in rows],
            "reason": pd.Series([r[3] for r in rows], dtype=object),
        }
    )


def pair_matrix(pairs: pd.DataFrame, value: str = "kappa") -> pd.DataFrame:
    """The annotator x annotator matrix of one column of :func:`cohen_kappa_pairs`.

    Symmetric; the diagonal (not a pair) and undefined values are NaN.
    """
    names = pd.Index(
        pd.unique(pd.concat([pairs["annotator_a"], pairs["annotator_b"]])), name="annotator"
    ).sort_values()
    a, b = names.get_indexer(pairs["annotator_a"]), names.get_indexer(pairs["annotator_b"])
    matrix = np.full((len(names), len(names)), np.nan)
    matrix[a, b] = matrix[b, a] = pairs[value].to_numpy(dtype=float)
    return pd.DataFrame(matrix, index=names, columns=names)


def consensus_agreement(j: Judgments) -> pd.DataFrame:
    """Each annotator against the leave-one-out majority of the others.

    Index ``annotator``; columns ``n_judgments``, ``n_compared``, ``n_alone``
    (no other judgment on the unit), ``n_tied`` (the others tie),
    ``agreement``, ``kappa`` (Cohen's, annotator vs consensus), ``reason``.
    """
    k = len(j.labels)
    a_count = len(j.annotators)
    others = j.counts[j.unit].copy()
    others[np.arange(j.n_judgments), j.label] -= 1
    best = others.max(axis=1, initial=0)
    alone = best == 0
    tied = ~alone & ((others == best[:, None]).sum(axis=1) > 1)
    compared = ~alone & ~tied
    consensus = others.argmax(axis=1)
    a = j.annotator[compared]
    tables = np.bincount(
        a * k * k + j.label[compared] * k + consensus[compared], minlength=a_count * k * k
    ).reshape(a_count, k, k)
    rows = [
        _kappa_row(
            tables[i],
            j.labels,
            "no unit with a consensus of the others",
            "annotator and consensus used only",
        )
        for i in range(a_count)
    ]
    return pd.DataFrame(
        {
            "n_judgments": np.bincount(j.annotator, minlength=a_count),
            "n_compared": [r[0] for r in rows],
            "n_alone": np.bincount(j.annotator[alone], minlength=a_count),
            "n_tied": np.bincount(j.annotator[tied], minlength=a_count),
            "agreement": [r[1] for r in rows],
            "kappa": [r[2] for r in rows],
            "reason": pd.Series([r[3] for r in rows], dtype=object),
        }
    ).set_axis(j.annotators)


def project_agreement(j: Judgments) -> AgreementReport:
    """All figures for one table: the whole project, or one claim's mentions."""
    linear = (
        krippendorff_alpha(j, "linear")
        if j.labels.ordered
        else Figure(None, 0, "labels have no order, so no linear distance")
    )
    return AgreementReport(
        alpha_nominal=krippendorff_alpha(j, "nominal"),
        alpha_linear=linear,
        fleiss_kappa=fleiss_kappa(j),
        percent_agreement=percent_agreement(j),
        pairs=cohen_kappa_pairs(j),
        annotators=consensus_agreement(j),
    )


def _undefined(j: Judgments, pairable_counts: np.ndarray) -> str | None:
    """Why a chance-corrected figure over these pairable units is undefined."""
    if j.n_judgments == 0:
        return "no judgments"
    if len(j.annotators) == 1:
        return f"only one annotator ({j.annotators[0]})"
    if len(pairable_counts) == 0:
        return "no unit with two or more judgments"
    used = np.flatnonzero(pairable_counts.sum(axis=0))
    if len(used) == 1:
        return f"only one label used ({j.labels.labels[used[0]]})"
    return None


def _matrix_metric(distance: np.ndarray) -> Callable[..., np.ndarray]:
    """A distance matrix as a metric for ``krippendorff.alpha``: it is called
    with the label positions ``i1`` and ``i2`` among its arguments."""

    def metric(
        v1: np.ndarray,
        v2: np.ndarray,
        i1: np.ndarray,
        i2: np.ndarray,
        n_v: np.ndarray,
        dtype: np.dtype = np.float64,
    ) -> np.ndarray:
        return distance[i1, i2].astype(dtype)

    return metric


def _pairs_within_units(j: Judgments) -> tuple[np.ndarray, np.ndarray]:
    """Positions ``left < right`` of every pair of judgments of the same unit.

    Judgments are sorted by (unit, annotator), so ``annotator[left] <
    annotator[right]``.
    """
    n_u = np.bincount(j.unit, minlength=len(j.units))
    start = np.cumsum(n_u) - n_u
    rank = np.arange(j.n_judgments) - start[j.unit]
    repeats = n_u[j.unit] - 1 - rank
    left = np.repeat(np.arange(j.n_judgments), repeats)
    offset = np.arange(len(left)) - np.repeat(np.cumsum(repeats) - repeats, repeats) + 1
    return left, left + offset


def _kappa_row(
    table: np.ndarray, labels: LabelSet, empty: str, only: str
) -> tuple[int, float, float, str | None]:
    """``(n_units, agreement, kappa, reason)`` of one confusion table."""
    total = int(table.sum())
    if total == 0:
        return 0, np.nan, np.nan, empty
    agreement = float(np.trace(table) / total)
    rows, cols = np.flatnonzero(table.sum(axis=1)), np.flatnonzero(table.sum(axis=0))
    if len(rows) == 1 and len(cols) == 1 and rows[0] == cols[0]:
        return total, agreement, np.nan, f"{only} {labels.labels[rows[0]]}: chance agreement is 1"
    return total, agreement, float(cohens_kappa(table, return_results=False)), None
