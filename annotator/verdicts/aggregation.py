"""Verdicts by a named method, each with a support figure and a status.

Two methods, both over a :class:`~annotator.verdicts.table.Judgments` table:

* **majority** — the label with the most judgments.  ``support`` is its share
  of the judgments.  Equal to crowd-kit's ``MajorityVote`` wherever there is
  no tie.
* **dawid-skene** — annotator-reliability weighting, fitted by crowd-kit's
  ``DawidSkene`` (EM over per-annotator confusion matrices).  ``support`` is
  the posterior probability of the verdict.  Posteriors and verdicts equal
  crowd-kit's wherever there is no tie.

**Tie rule** (both methods): labels whose score is within
:data:`TIE_TOLERANCE` of the best are tied; the verdict is then the tied
label that comes first in the label set's ``tie_order`` (for the verdicts:
disputed, then denied, then confirmed), ``tie`` is true and the status is
*needs adjudication*.  Deterministic, and independent of row order.

**Status rule** (:class:`StatusRule`): *needs adjudication* when a unit has
fewer than ``min_judgments`` judgments, a tie, or ``support`` below
``min_support``; *settled* otherwise; *adjudicated* once
:func:`apply_adjudications` records a person's decision.

Pass ``by`` (a Series mapping unit to group, e.g. mention to claim) to pool
all judgments of a group's units into one verdict per group.

One module though past 400 lines: both methods end in the same tie and status
rules (``_verdicts``), which is what makes their verdicts comparable.

>>> import pandas as pd
>>> from annotator.verdicts.table import judgments
>>> j = judgments(pd.DataFrame({
...     "unit": ["m1"] * 3 + ["m2"] * 2,
...     "annotator": ["ana", "budi", "citra", "ana", "budi"],
...     "label": ["confirmed", "confirmed", "denied", "confirmed", "denied"],
... }))
>>> v = majority_vote(j)
>>> v[["verdict", "n_judgments", "support", "tie", "status"]].to_dict("records")[1]
{'verdict': 'denied', 'n_judgments': 2, 'support': 0.5, 'tie': True, 'status': 'needs adjudication'}
>>> v.loc["m1", "status"], v.loc["m1", "reason"]
('settled', None)
>>> v.loc["m2", "reason"]
'fewer than 3 judgments; tie between confirmed and denied; support below 0.6'
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
import pandas as pd
from crowdkit.aggregation import DawidSkene

from annotator.errors import InputError
from annotator.verdicts._vector import distinct_per_group, group_codes
from annotator.verdicts.table import VERDICTS, Judgments, LabelSet
from annotator.vocabulary import Method
from annotator.vocabulary import VerdictStatus as Status

__all__ = [
    "Method",
    "Status",
    "StatusRule",
    "DEFAULT_RULE",
    "TIE_TOLERANCE",
    "DawidSkeneModel",
    "majority_vote",
    "majority_from_counts",
    "dawid_skene",
    "apply_adjudications",
    "count_column",
]

#: Scores this close to the best one count as tied.  Posteriors reached along
#: different arithmetic paths differ in their last bits; counts never do.
TIE_TOLERANCE = 1e-12

#: crowd-kit's floor for probabilities (its ``_EPS``), used for the same
#: purpose when re-scoring with a fitted model.
EPS = 1e-10


@dataclass(frozen=True)
class StatusRule:
    """When a verdict is *settled*: at least ``min_judgments`` judgments, no
    tie, and ``support >= min_support``.

    Defaults: 3 judgments (the smallest number with a strict majority that is
    not unanimity) and support 0.6 (2 of 3, 3 of 4 and 3 of 5 settle; 2 of 4
    does not).
    """

    min_judgments: int = 3
    min_support: float = 0.6

    def __post_init__(self) -> None:
        errors = {}
        if (
            isinstance(self.min_judgments, bool)
            or not isinstance(self.min_judgments, Integral)
            or self.min_judgments < 1
        ):
            errors["min_judgments"] = [f"must be an integer >= 1, got {self.min_judgments!r}"]
        if (
            isinstance(self.min_support, bool)
            or not isinstance(self.min_support, Real)
            or not 0 <= self.min_support <= 1
        ):
            errors["min_support"] = [f"must be a number in [0, 1], got {self.min_support!r}"]
        if errors:
            raise InputError("invalid status rule", errors)


DEFAULT_RULE = StatusRule()


def count_column(label: Hashable) -> str:
    """The name of the column counting judgments of ``label``: ``n_<label>``."""
    return f"n_{label}"


class DawidSkeneModel:
    """Dawid–Skene fitted by crowd-kit, its parameters kept to re-score cheaply.

    :meth:`fit` runs ``crowdkit.aggregation.DawidSkene`` on the table's integer
    codes and keeps the table (``table_``) and crowd-kit's results:
    ``probas_`` (units x labels posteriors, 0 for a label nobody used),
    ``priors_`` and ``errors_`` (annotator x observed x true label
    probabilities) and ``n_iter_``.

    :meth:`posteriors` is the E-step under those fitted parameters, for any
    table of the same annotators: one claim's mentions after a change, or
    groups of units pooled (a claim's mentions as one task).  It equals
    crowd-kit's E-step to the last digits.  It is not a refit: on the fitted
    table it is one E-step past ``probas_`` (crowd-kit's last E-step used the
    parameters of the step before), so the two differ slightly — in the
    third decimal on the test data — and a full run reports ``probas_``.
    """

    def __init__(self, n_iter: int = 100, tol: float = 1e-5) -> None:
        self.n_iter = n_iter
        self.tol = tol

    def fit(self, j: Judgments) -> DawidSkeneModel:
        """Fit on ``j`` (at least one judgment) and return ``self``."""
        if j.n_judgments == 0:
            raise InputError(
                "Dawid–Skene needs at least one judgment", {"judgments": ["table is empty"]}
            )
        k = len(j.labels)
        model = DawidSkene(n_iter=self.n_iter, tol=self.tol)
        data = pd.DataFrame({"task": j.unit, "worker": j.annotator, "label": j.label})
        with warnings.catch_warnings():
            # crowd-kit 1.4 uses pandas idioms that pandas 3 deprecates
            warnings.filterwarnings("ignore", module=r"crowdkit\.")
            model.fit(data)
        classes = np.asarray(model.probas_.columns, dtype=np.int64)
        probas = np.zeros((len(j.units), k))
        probas[np.ix_(model.probas_.index.to_numpy(dtype=np.int64), classes)] = (
            model.probas_.to_numpy()
        )
        errors = np.full((len(j.annotators), k, k), EPS)
        rows = model.errors_.index
        errors[
            rows.get_level_values("worker").to_numpy(dtype=np.int64)[:, None],
            rows.get_level_values("label").to_numpy(dtype=np.int64)[:, None],
            np.asarray(model.errors_.columns, dtype=np.int64)[None, :],
        ] = model.errors_.to_numpy()
        priors = np.zeros(k)
        priors[np.asarray(model.priors_.index, dtype=np.int64)] = model.priors_.to_numpy()

        self.table_: Judgments = j
        self.labels_: LabelSet = j.labels
        self.annotators_: pd.Index = j.annotators
        self.classes_: np.ndarray = np.sort(classes)
        self.probas_: pd.DataFrame = pd.DataFrame(
            probas, index=j.units, columns=list(j.labels.labels)
        )
        self.priors_: np.ndarray = priors
        self.errors_: np.ndarray = errors
        self.n_iter_: int = len(model.loss_history_)
        return self

    def posteriors(
        self, j: Judgments, groups: np.ndarray | None = None, n_groups: int | None = None
    ) -> np.ndarray:
        """``(n_groups, K)`` posteriors of ``j``'s units, or of ``groups`` of them.

        ``groups[i]`` is the group of judgment ``i`` (default: its unit).  A
        judgment of a label its annotator never used in the fit carries no
        information (its likelihood is the same floor under every truth).
        """
        if not hasattr(self, "errors_"):
            raise InputError("the Dawid–Skene model is not fitted", {"model": ["call fit() first"]})
        if j.labels != self.labels_:
            raise InputError(
                "label set differs from the fitted model's", {"labels": [repr(j.labels.labels)]}
            )
        known = self.annotators_.get_indexer(j.annotators)
        if (known < 0).any():
            new = list(j.annotators[known < 0])
            raise InputError(
                "annotators unknown to the fitted Dawid–Skene model; refit it",
                {"annotators": [repr(a) for a in new]},
            )
        if groups is None:
            groups, n_groups = j.unit, len(j.units)
        elif n_groups is None:
            n_groups = int(groups.max()) + 1 if len(groups) else 0
        classes = self.classes_
        log_errors = np.log2(self.errors_[known[j.annotator], j.label][:, classes])
        log_lik = np.log2(np.clip(self.priors_[classes], EPS, None)) + np.column_stack(
            [
                np.bincount(groups, weights=log_errors[:, c], minlength=n_groups)
                for c in range(len(classes))
            ]
        )
        scaled = np.exp2(log_lik - log_lik.max(axis=1, keepdims=True))
        out = np.zeros((n_groups, len(self.labels_)))
        out[:, classes] = scaled / scaled.sum(axis=1, keepdims=True)
        return out


def majority_vote(
    j: Judgments, rule: StatusRule | None = None, *, by: pd.Series | None = None
) -> pd.DataFrame:
    """One majority verdict per unit (or per group of ``by``).

    Columns: ``n_<label>`` for each label, ``n_judgments``, ``n_annotators``,
    ``method``, ``verdict``, ``support`` (the verdict's share of judgments),
    ``tie``, ``status``, ``reason`` (why it needs adjudication, else None).
    """
    groups, index = _groups(j, by)
    counts = _group_counts(j, groups, len(index))
    return majority_from_counts(
        counts, index, j.labels, rule, _distinct_annotators(j, by, groups, len(index))
    )


def majority_from_counts(
    counts: np.ndarray,
    index: pd.Index,
    labels: LabelSet = VERDICTS,
    rule: StatusRule | None = None,
    n_annotators: np.ndarray | None = None,
) -> pd.DataFrame:
    """Majority verdicts from a ``(rows, K)`` table of label counts.

    For callers that hold counts rather than judgments (a timeline, a store).
    ``n_annotators`` defaults to the number of judgments.

    >>> v = majority_from_counts(np.array([[2, 0, 1]]), pd.Index(["c1"]))
    >>> v[["verdict", "n_judgments", "status"]].to_dict("records")
    [{'verdict': 'confirmed', 'n_judgments': 3, 'status': 'settled'}]
    """
    counts = np.asarray(counts, dtype=np.int64)
    n = counts.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        support = counts.max(axis=1, initial=0) / n
    return _verdicts(
        index,
        labels,
        counts,
        counts.astype(float),
        support,
        n if n_annotators is None else n_annotators,
        Method.MAJORITY,
        rule,
    )


def dawid_skene(
    j: Judgments,
    rule: StatusRule | None = None,
    *,
    by: pd.Series | None = None,
    model: DawidSkeneModel | None = None,
) -> pd.DataFrame:
    """One Dawid–Skene verdict per unit (or per group of ``by``).

    ``model`` defaults to one fitted on ``j``.  Per unit of the very table the
    model was fitted on, the posteriors are crowd-kit's (``probas_``); for any
    other table, and for groups (``by``: all judgments of a group's units as
    judgments of one task), they are :meth:`DawidSkeneModel.posteriors` under
    the fitted parameters.  Columns as :func:`majority_vote`; ``support`` is
    the verdict's posterior probability.
    """
    groups, index = _groups(j, by)
    counts = _group_counts(j, groups, len(index))
    if j.n_judgments == 0:
        posteriors = np.zeros((0, len(j.labels)))
    else:
        model = model if model is not None else DawidSkeneModel().fit(j)
        if by is None and model.table_ is j:
            posteriors = model.probas_.to_numpy()
        else:
            posteriors = model.posteriors(j, groups, len(index))
    return _verdicts(
        index,
        j.labels,
        counts,
        posteriors,
        posteriors.max(axis=1, initial=0),
        _distinct_annotators(j, by, groups, len(index)),
        Method.DAWID_SKENE,
        rule,
    )


def apply_adjudications(
    verdicts: pd.DataFrame, adjudications: Mapping[Hashable, Hashable], labels: LabelSet = VERDICTS
) -> pd.DataFrame:
    """Record people's decisions: verdict replaced, status *adjudicated*.

    ``adjudications`` maps an index entry of ``verdicts`` (a unit or a claim)
    to a label.  The method's own verdict is kept in ``computed_verdict``;
    ``reason`` is cleared.  Unknown entries or labels are an error.
    """
    unknown_keys = [k for k in adjudications if k not in verdicts.index]
    bad_labels = {k: v for k, v in adjudications.items() if v not in labels.labels}
    if unknown_keys or bad_labels:
        errors = {repr(k): ["not among the verdicts"] for k in unknown_keys}
        errors.update(
            {repr(k): [f"label {v!r} outside the label set"] for k, v in bad_labels.items()}
        )
        raise InputError("invalid adjudications", errors)
    out = verdicts.copy()
    out["computed_verdict"] = out["verdict"]
    keys = list(adjudications)
    out.loc[keys, "verdict"] = pd.Series(adjudications, dtype=object).loc[keys].to_numpy()
    out.loc[keys, "status"] = Status.ADJUDICATED.value
    out.loc[keys, "reason"] = None
    return out


def _groups(j: Judgments, by: pd.Series | None) -> tuple[np.ndarray, pd.Index]:
    """Group code of each judgment, and the group index."""
    if by is None:
        return j.unit, j.units
    unit_group, index = group_codes(j.units, by)
    return unit_group[j.unit], index


def _group_counts(j: Judgments, groups: np.ndarray, n_groups: int) -> np.ndarray:
    k = len(j.labels)
    return np.bincount(groups * k + j.label, minlength=n_groups * k).reshape(n_groups, k)


def _distinct_annotators(
    j: Judgments, by: pd.Series | None, groups: np.ndarray, n_groups: int
) -> np.ndarray:
    if by is None:  # one judgment per (unit, annotator)
        return np.bincount(j.unit, minlength=n_groups)
    return distinct_per_group(groups, j.annotator, n_groups, len(j.annotators))


def _verdicts(
    index: pd.Index,
    labels: LabelSet,
    counts: np.ndarray,
    scores: np.ndarray,
    support: np.ndarray,
    n_annotators: np.ndarray,
    method: Method,
    rule: StatusRule | None,
) -> pd.DataFrame:
    rule = rule or DEFAULT_RULE
    k = len(labels)
    n = counts.sum(axis=1)
    judged = n > 0
    top = (scores >= scores.max(axis=1, initial=0)[:, None] - TIE_TOLERANCE) & judged[:, None]
    tie = top.sum(axis=1) > 1
    code = np.argmin(np.where(top, labels.tie_rank, k), axis=1)
    names = np.empty(k, dtype=object)
    names[:] = labels.labels
    verdict = np.where(judged, names[code], None)
    support = np.where(judged, support, np.nan)

    few = n < rule.min_judgments
    low = judged & (support < rule.min_support - TIE_TOLERANCE)
    tie_bits = np.where(tie, top @ (1 << np.arange(k)), 0)
    key = few.astype(np.int64) | (low.astype(np.int64) << 1) | (tie_bits << 2)
    distinct, inverse = np.unique(key, return_inverse=True)
    phrases = np.array([_reason(int(v), labels, rule) for v in distinct], dtype=object)
    reason = phrases[inverse]
    status = np.where(key == 0, Status.SETTLED.value, Status.NEEDS_ADJUDICATION.value)

    frame = pd.DataFrame(
        {count_column(label): counts[:, i] for i, label in enumerate(labels.labels)}, index=index
    )
    frame["n_judgments"] = n
    frame["n_annotators"] = n_annotators
    frame["method"] = method.value
    frame["verdict"] = pd.Series(verdict, index=index, dtype=object)
    frame["support"] = support
    frame["tie"] = tie
    frame["status"] = status
    frame["reason"] = pd.Series(reason, index=index, dtype=object)
    return frame


def _reason(key: int, labels: LabelSet, rule: StatusRule) -> str | None:
    parts = []
    if key & 1:
        parts.append(f"fewer than {rule.min_judgments} judgments")
    tied = [label for i, label in enumerate(labels.labels) if (key >> 2) & (1 << i)]
    if tied:
        parts.append("tie between " + " and ".join(map(str, tied)))
    if key & 2:
        parts.append(f"support below {rule.min_support:g}")
    return "; ".join(parts) or None
