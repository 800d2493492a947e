"""Agreement per group (e.g. per claim): :func:`agreement_by_group`.

The formulas of :mod:`annotator.verdicts.agreement` (which re-exports this)
written out by hand, vectorised over every group at once, with the same
reasons for an undefined value; see that module for why.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from annotator.verdicts._vector import distinct_per_group, group_codes
from annotator.verdicts.table import Judgments

__all__ = ["agreement_by_group"]


def agreement_by_group(j: Judgments, by: pd.Series) -> pd.DataFrame:
    """Alpha (nominal and linear), Fleiss' kappa and percent agreement per group.

    ``by`` maps each unit to its group (e.g. mention to claim).  One row per
    group with a judged unit: ``n_units``, ``n_judgments``, ``n_annotators``,
    then for each figure its value and ``<figure>_reason`` (None when
    defined); ``fleiss_units`` is how many units Fleiss' kappa used.  Values
    equal :func:`~annotator.verdicts.agreement.krippendorff_alpha`,
    :func:`~annotator.verdicts.agreement.fleiss_kappa` and
    :func:`~annotator.verdicts.agreement.percent_agreement` on each group's
    units to the last digits.
    """
    unit_group, index = group_codes(j.units, by)
    groups = len(index)
    judgment_group = unit_group[j.unit]
    n_annotators = distinct_per_group(judgment_group, j.annotator, groups, len(j.annotators))
    frame = pd.DataFrame(
        {
            "n_units": np.bincount(unit_group, minlength=groups),
            "n_judgments": np.bincount(judgment_group, minlength=groups),
            "n_annotators": n_annotators,
        },
        index=index,
    )
    pairable_units = np.bincount(unit_group[j.counts.sum(axis=1) >= 2], minlength=groups)
    undefined = _why_undefined(j.counts, unit_group, n_annotators, pairable_units)
    _put_alphas(frame, j, unit_group, undefined)
    _put_fleiss(frame, j.counts, unit_group, undefined)
    _put_percent(frame, j.counts, unit_group, n_annotators, pairable_units)
    return frame


def _why_undefined(
    counts: np.ndarray, unit_group: np.ndarray, n_annotators: np.ndarray, pairable_units: np.ndarray
) -> np.ndarray:
    """Per group, why every chance-corrected figure is undefined ("" where it may be defined)."""
    groups = len(n_annotators)
    pairable = counts.sum(axis=1) >= 2
    used = np.column_stack(
        [
            np.bincount(unit_group[pairable], weights=counts[pairable, c], minlength=groups)
            for c in range(counts.shape[1])
        ]
    )
    return np.select(
        [n_annotators == 1, pairable_units == 0, (used > 0).sum(axis=1) == 1],
        ["only one annotator", "no unit with two or more judgments", "only one label used"],
        default="",
    )


def _put_alphas(frame: pd.DataFrame, j: Judgments, unit_group: np.ndarray, undefined: np.ndarray) -> None:
    metrics = {"alpha_nominal": j.labels.distance("nominal")}
    if j.labels.ordered:
        metrics["alpha_linear"] = j.labels.distance("linear")
    for name, distance in metrics.items():
        value = _alpha_by_group(j.counts, unit_group, len(frame), distance)
        reason = np.where(
            undefined != "", undefined, np.where(np.isfinite(value), "", "expected disagreement is zero")
        )
        _put(frame, name, value, reason)
    if not j.labels.ordered:
        _put(frame, "alpha_linear", np.full(len(frame), np.nan), np.full(len(frame), "labels have no order"))


def _put_fleiss(frame: pd.DataFrame, counts: np.ndarray, unit_group: np.ndarray, undefined: np.ndarray) -> None:
    kappa, fleiss_units = _fleiss_by_group(counts, unit_group, len(frame))
    # the modal units alone may use one label even where the group uses more
    reason = np.where(undefined != "", undefined, np.where(np.isfinite(kappa), "", "only one label used"))
    _put(frame, "fleiss_kappa", kappa, reason)
    frame["fleiss_units"] = fleiss_units


def _put_percent(
    frame: pd.DataFrame,
    counts: np.ndarray,
    unit_group: np.ndarray,
    n_annotators: np.ndarray,
    pairable_units: np.ndarray,
) -> None:
    n = counts.sum(axis=1)
    pairable = n >= 2
    with np.errstate(invalid="ignore", divide="ignore"):
        share = (counts * (counts - 1)).sum(axis=1) / (n * (n - 1))
        percent = np.bincount(unit_group[pairable], weights=share[pairable], minlength=len(frame)) / pairable_units
    reason = np.where(n_annotators == 1, "only one annotator", "no unit with two or more judgments")
    _put(frame, "percent_agreement", percent, np.where(pairable_units == 0, reason, ""))


def _alpha_by_group(
    counts: np.ndarray, unit_group: np.ndarray, groups: int, distance: np.ndarray
) -> np.ndarray:
    """Krippendorff's alpha of each group, from the coincidence matrices."""
    k = counts.shape[1]
    n = counts.sum(axis=1)
    pairable = n >= 2
    c = counts[pairable].astype(float)
    weight = 1.0 / (n[pairable] - 1)
    g = unit_group[pairable]
    observed = np.empty((groups, k, k))
    for a in range(k):
        for b in range(k):
            pair = c[:, a] * (c[:, b] - (a == b))
            observed[:, a, b] = np.bincount(g, weights=pair * weight, minlength=groups)
    n_v = observed.sum(axis=1)
    total = n_v.sum(axis=1)
    expected = n_v[:, :, None] * n_v[:, None, :] - n_v[:, :, None] * np.eye(k)
    with np.errstate(invalid="ignore", divide="ignore"):
        expected /= (total - 1)[:, None, None]
        return 1 - (observed * distance).sum(axis=(1, 2)) / (expected * distance).sum(axis=(1, 2))


def _fleiss_by_group(
    counts: np.ndarray, unit_group: np.ndarray, groups: int
) -> tuple[np.ndarray, np.ndarray]:
    """Fleiss' kappa of each group on its units with the modal number of judgments."""
    n = counts.sum(axis=1)
    top = int(n.max(initial=0))
    sizes = np.bincount(unit_group * (top + 1) + n, minlength=groups * (top + 1)).reshape(
        groups, top + 1
    )
    sizes[:, :2] = 0
    modal = top - np.argmax(sizes[:, ::-1], axis=1)
    chosen = (n == modal[unit_group]) & (n >= 2)
    g = unit_group[chosen]
    c, m = counts[chosen].astype(float), n[chosen].astype(float)
    units = np.bincount(g, minlength=groups)
    p_unit = ((c * c).sum(axis=1) - m) / (m * (m - 1))
    with np.errstate(invalid="ignore", divide="ignore"):
        p_mean = np.bincount(g, weights=p_unit, minlength=groups) / units
        totals = np.column_stack(
            [np.bincount(g, weights=c[:, x], minlength=groups) for x in range(c.shape[1])]
        )
        p_cat = totals / totals.sum(axis=1, keepdims=True)
        p_exp = (p_cat * p_cat).sum(axis=1)
        kappa = (p_mean - p_exp) / (1 - p_exp)
    return np.where(units > 0, kappa, np.nan), units


def _put(frame: pd.DataFrame, name: str, value: np.ndarray, reason: np.ndarray) -> None:
    undefined = reason != ""
    frame[name] = np.where(undefined, np.nan, value)
    frame[f"{name}_reason"] = pd.Series(
        np.where(undefined, reason, None), index=frame.index, dtype=object
    )
