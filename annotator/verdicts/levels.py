"""Verdicts and agreement at two levels: per mention and per claim.

A *mention* is one claim in one article; it is the unit of the judgments
table.  :class:`Mentions` maps each mention to its claim, its article and
(optionally) the article's date.

* **Per mention**: the annotators' judgments of that claim in that article.
  Every listed mention gets a row; one nobody judged has no verdict and needs
  adjudication ("no judgments").
* **Per claim**: all judgments of all its mentions, pooled.  Majority counts
  every judgment once (an annotator who judged the claim in three articles
  casts three votes); Dawid–Skene scores the pooled judgments as one task
  with the parameters fitted per mention.  ``n_articles`` is the number of
  the claim's articles with at least one judgment; ``n_annotators`` the
  distinct annotators among them.
* **Timeline** (majority): a claim's pooled verdict as of each date, from the
  mentions dated on or before it; undated mentions are left out of it.

To recompute one claim cheaply, cut both tables down to it and pass the
project's fitted :class:`~annotator.verdicts.aggregation.DawidSkeneModel`::

    part = mentions.for_claims(["c7"])
    claim_verdicts(table.subset(part.units), part, method="dawid-skene", model=model)

Majority and per-claim Dawid–Skene results recomputed this way equal the full
run's.  Per-mention Dawid–Skene ones are re-scored under the fitted
parameters, one EM step past the full run's crowd-kit posteriors: close, not
equal (see :class:`~annotator.verdicts.aggregation.DawidSkeneModel`).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

import numpy as np
import pandas as pd

from annotator.errors import InputError
from annotator.verdicts.aggregation import (
    DawidSkeneModel,
    Method,
    Status,
    StatusRule,
    count_column,
    dawid_skene,
    majority_from_counts,
    majority_vote,
)
from annotator.verdicts._vector import blank, positions, stripped
from annotator.verdicts.agreement import agreement_by_group
from annotator.verdicts.table import Judgments, invalid_rows

__all__ = [
    "Mentions",
    "mentions",
    "mention_verdicts",
    "claim_verdicts",
    "claim_agreement",
    "claim_timeline",
]

MENTION_COLUMNS = ("unit", "claim", "article")

MethodName = Literal["majority", "dawid-skene"]


@dataclass(frozen=True, eq=False)
class Mentions:
    """Mention → claim, article (and date) map; ``frame`` is indexed by unit."""

    frame: pd.DataFrame
    _located: dict[str, tuple[pd.Index, np.ndarray]] = field(
        default_factory=dict, init=False, repr=False
    )

    @property
    def units(self) -> pd.Index:
        return self.frame.index

    @property
    def claim_of(self) -> pd.Series:
        return self.frame["claim"]

    @cached_property
    def claim_codes(self) -> tuple[np.ndarray, pd.Index]:
        """Each mention's position in the sorted index of claims, and that index."""
        codes, claims = pd.factorize(self.frame["claim"], sort=True)
        return codes.astype(np.int64), pd.Index(claims, name="claim")

    def for_claims(self, claims: Iterable[Hashable]) -> Mentions:
        """The mentions of ``claims`` only."""
        return Mentions(self.frame[self.frame["claim"].isin(list(claims))])

    def locate(self, j: Judgments) -> np.ndarray:
        """Row of each of ``j``'s units in ``frame``; an error if one is missing."""
        last = self._located.get("last")
        if last is not None and last[0] is j.units:  # the same table again: a report
            return last[1]
        rows = positions(self.units, j.units)
        if (rows < 0).any():
            raise InputError(
                "judged units missing from the mentions",
                {repr(u): ["judged, but not a listed mention"] for u in j.units[rows < 0][:20]},
            )
        self._located["last"] = (j.units, rows)
        return rows

    def claims_by_unit(self, j: Judgments) -> pd.Series:
        """The claim of each of ``j``'s units, indexed by ``j.units``."""
        codes, claims = self.claim_codes
        return pd.Series(claims.take(codes[self.locate(j)]), index=j.units, name="claim")


def mentions(data: pd.DataFrame) -> Mentions:
    """Validate a mention table: columns ``unit``, ``claim``, ``article`` and
    optionally ``date`` (anything ``pandas.to_datetime`` reads; empty means
    undated).  Units are unique, and so are (claim, article) pairs: a claim
    has one mention per article.
    """
    if not isinstance(data, pd.DataFrame):
        raise InputError("mentions must be a table", {"data": [f"got {type(data).__name__}"]})
    missing = [c for c in MENTION_COLUMNS if c not in data.columns]
    if missing:
        raise InputError(
            f"missing column(s): {', '.join(missing)}",
            {"columns": [f"missing {c!r}" for c in missing]},
        )
    columns = [*MENTION_COLUMNS, *(["date"] if "date" in data.columns else [])]
    frame = pd.DataFrame({c: stripped(data[c]) for c in columns})

    def where(rows: np.ndarray) -> list[str]:
        return [f"row {data.index[p]}" for p in rows]

    for name in MENTION_COLUMNS:
        missing_value = blank(frame[name])
        if missing_value.any():
            rows = np.flatnonzero(missing_value)
            raise invalid_rows(f"empty {name}", where(rows), [f"no {name}"] * len(rows))
    codes = {c: pd.factorize(frame[c])[0].astype(np.int64) for c in MENTION_COLUMNS}
    for key, subset, what in (
        (codes["unit"], ["unit"], "unit listed twice"),
        (
            codes["claim"] * (codes["article"].max() + 1) + codes["article"],
            ["claim", "article"],
            "claim has two mentions in one article",
        ),
    ):
        again = pd.Series(key).duplicated().to_numpy()
        if again.any():
            rows = np.flatnonzero(again)
            raise invalid_rows(
                what,
                where(rows),
                [", ".join(f"{c} {frame.at[p, c]!r}" for c in subset) for p in rows],
            )
    if "date" in frame.columns:
        text = frame["date"].astype(str).str.strip()
        empty = frame["date"].isna() | text.isin(["", "NaT", "None", "nan"])
        dates = pd.to_datetime(frame["date"].where(~empty), errors="coerce")
        bad = (dates.isna() & ~empty).to_numpy()
        if bad.any():
            rows = np.flatnonzero(bad)
            raise invalid_rows(
                "unreadable date",
                where(rows),
                [repr(frame.at[p, "date"]) for p in rows],
            )
        frame["date"] = dates
    return Mentions(frame.set_index("unit"))


def _aggregate(
    j: Judgments,
    method: MethodName,
    rule: StatusRule | None,
    model: DawidSkeneModel | None,
    *,
    by: pd.Series | None = None,
) -> pd.DataFrame:
    """The verdicts of ``method`` per unit (or per group of ``by``)."""
    if method == Method.MAJORITY:
        return majority_vote(j, rule, by=by)
    if method == Method.DAWID_SKENE:
        return dawid_skene(j, rule, by=by, model=model)
    raise InputError(f"unknown method {method!r}", {"method": ["use 'majority' or 'dawid-skene'"]})


def mention_verdicts(
    j: Judgments,
    m: Mentions,
    method: MethodName = "majority",
    rule: StatusRule | None = None,
    *,
    model: DawidSkeneModel | None = None,
) -> pd.DataFrame:
    """One row per mention: ``claim``, ``article`` (, ``date``), then the
    verdict columns of :func:`~annotator.verdicts.aggregation.majority_vote`."""
    rows = m.locate(j)
    verdicts = _aggregate(j, method, rule, model)
    found = np.full(len(m.units), -1)
    found[rows] = np.arange(len(rows))
    full = _with_unjudged(verdicts, found, m.units, j, method)
    return pd.concat([m.frame, full.set_axis(m.frame.index)], axis=1)


def claim_verdicts(
    j: Judgments,
    m: Mentions,
    method: MethodName = "majority",
    rule: StatusRule | None = None,
    *,
    model: DawidSkeneModel | None = None,
) -> pd.DataFrame:
    """One row per claim, pooling its mentions' judgments (see the module
    docstring); columns as :func:`mention_verdicts` plus ``n_articles``."""
    verdicts = _aggregate(j, method, rule, model, by=m.claims_by_unit(j))
    codes, claims = m.claim_codes
    full = _with_unjudged(verdicts, positions(verdicts.index, claims), claims, j, method)
    full.insert(
        full.columns.get_loc("n_annotators") + 1,
        "n_articles",
        np.bincount(codes[m.locate(j)], minlength=len(claims)),
    )
    return full


def claim_agreement(j: Judgments, m: Mentions) -> pd.DataFrame:
    """Agreement per claim over its mentions (see
    :func:`~annotator.verdicts.agreement.agreement_by_group`); a claim nobody
    judged has every figure undefined with reason "no judgments"."""
    frame = agreement_by_group(j, m.claims_by_unit(j))
    claims = m.claim_codes[1]
    found = positions(frame.index, claims)
    frame = _spread(frame, found, claims)
    unjudged = found < 0
    for column in frame.columns:
        if column.endswith("_reason"):
            frame.loc[unjudged, column] = "no judgments"
        elif column.startswith("n_") or column == "fleiss_units":
            frame.loc[unjudged, column] = 0
            frame[column] = frame[column].astype(np.int64)
        else:
            frame.loc[unjudged, column] = np.nan
    return frame


def claim_timeline(j: Judgments, m: Mentions, rule: StatusRule | None = None) -> pd.DataFrame:
    """A claim's majority verdict as of each date on which one of its judged
    mentions appeared, pooling the mentions dated up to then.

    Indexed by (claim, date); columns as :func:`claim_verdicts`
    (``n_articles`` and ``n_annotators`` cumulative).
    """
    if "date" not in m.frame.columns:
        raise InputError("a timeline needs mention dates", {"columns": ["missing 'date'"]})
    info = m.frame.iloc[m.locate(j)]
    dated = info["date"].notna().to_numpy()
    k = len(j.labels)
    keys = pd.DataFrame(
        {"claim": info["claim"].to_numpy()[dated], "date": info["date"].to_numpy()[dated]}
    )
    step_codes, steps = pd.MultiIndex.from_frame(keys).factorize(sort=True)
    steps = steps.set_names(["claim", "date"])
    counts = np.zeros((len(steps), k), dtype=np.int64)
    np.add.at(counts, step_codes, j.counts[dated])
    articles = np.bincount(step_codes, minlength=len(steps))
    # an annotator counts from the first step (in date order) of the claim they judged in
    judgment_step = np.full(len(j.units), -1)
    judgment_step[dated] = step_codes
    step = judgment_step[j.unit]
    valid = step >= 0
    claim_codes = pd.factorize(steps.get_level_values("claim"), sort=True)[0]
    first = (
        pd.DataFrame(
            {
                "claim": claim_codes[step[valid]],
                "annotator": j.annotator[valid],
                "step": step[valid],
            }
        )
        .groupby(["claim", "annotator"])["step"]
        .min()
    )
    new_annotators = np.bincount(first.to_numpy(), minlength=len(steps))
    cumulative = (
        pd.DataFrame(np.column_stack([counts, articles, new_annotators]))
        .groupby(claim_codes)
        .cumsum()
        .to_numpy()
    )
    frame = majority_from_counts(cumulative[:, :k], steps, j.labels, rule, cumulative[:, k + 1])
    frame.insert(frame.columns.get_loc("n_annotators") + 1, "n_articles", cumulative[:, k])
    return frame


def _with_unjudged(
    verdicts: pd.DataFrame, found: np.ndarray, index: pd.Index, j: Judgments, method: str
) -> pd.DataFrame:
    """``verdicts`` over all of ``index`` (``found``: row in ``verdicts`` or
    -1); rows nobody judged have zero counts and need adjudication."""
    full = _spread(verdicts, found, index)
    unjudged = found < 0
    if not unjudged.any():
        return full
    counts = [count_column(label) for label in j.labels.labels] + ["n_judgments", "n_annotators"]
    full.loc[unjudged, counts] = 0
    full[counts] = full[counts].astype(np.int64)
    full["method"] = str(method)
    full.loc[unjudged, "tie"] = False
    full.loc[unjudged, "support"] = np.nan
    full["verdict"] = full["verdict"].where(~unjudged, None)
    full.loc[unjudged, "status"] = Status.NEEDS_ADJUDICATION.value
    full.loc[unjudged, "reason"] = "no judgments"
    return full


def _spread(frame: pd.DataFrame, found: np.ndarray, index: pd.Index) -> pd.DataFrame:
    """Rows ``found`` of ``frame`` (-1: a placeholder row), indexed by ``index``."""
    if frame.empty:
        return frame.reindex(range(len(index))).set_axis(index)
    return frame.iloc[np.maximum(found, 0)].set_axis(index)
