"""Verdict frames from a judgment table: the verdict core called under the store's rules.

Pure: a :class:`~.table.StoreTable` in, DataFrames out.  Dawid–Skene models
travel as JSON-able parameters (:func:`model_params`), which a verdict set
stores so a refresh can score changed claims without refitting.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ...errors import InputError
from ...models import Adjudication, VerdictStatus
from ...rules.verdicts import VerdictRules
from ...verdicts import DawidSkeneModel, LabelSet, claim_verdicts, count_column, mention_verdicts
from ...vocabulary import METHODS
from .table import StoreTable

__all__ = [
    "METHODS",
    "fit_model",
    "model_params",
    "model_from_params",
    "knows_all",
    "claim_frame",
    "mention_frame",
    "check_method",
    "overlay",
    "counts_of",
]

def fit_model(table: StoreTable, rules: VerdictRules) -> DawidSkeneModel | None:
    """Dawid–Skene fitted on the table (None when it holds no judgment)."""
    if table.judgments.n_judgments == 0:
        return None
    settings = rules.dawid_skene
    return DawidSkeneModel(n_iter=settings.max_iterations, tol=settings.tolerance).fit(table.judgments)


def model_params(model: DawidSkeneModel) -> dict[str, Any]:
    """A fitted model's parameters as JSON-able data (what a verdict set stores)."""
    return {
        "labels": list(model.labels_.labels),
        "annotators": [int(a) for a in model.annotators_],
        "classes": [int(c) for c in model.classes_],
        "priors": [float(p) for p in model.priors_],
        "errors": model.errors_.tolist(),
        "n_iter": int(model.n_iter_),
    }


def model_from_params(params: dict[str, Any], labels: LabelSet) -> DawidSkeneModel | None:
    """The stored model, ready to score (None if it was fitted on other labels)."""
    if list(params.get("labels", ())) != list(labels.labels):
        return None
    model = DawidSkeneModel()
    model.table_ = None
    model.labels_ = labels
    model.annotators_ = pd.Index(params["annotators"], dtype=np.int64)
    model.classes_ = np.asarray(params["classes"], dtype=np.int64)
    model.priors_ = np.asarray(params["priors"], dtype=float)
    model.errors_ = np.asarray(params["errors"], dtype=float)
    model.n_iter_ = params.get("n_iter", 0)
    return model


def knows_all(model: DawidSkeneModel | None, table: StoreTable) -> bool:
    if model is None:
        return table.judgments.n_judgments == 0
    return bool((model.annotators_.get_indexer(table.judgments.annotators) >= 0).all())


def _placeholder(index: pd.Index, labels: LabelSet, method: str, reason: str) -> pd.DataFrame:
    """Rows for claims with nothing to add up."""
    frame = pd.DataFrame({count_column(label): 0 for label in labels.labels}, index=index)
    for column in ("n_judgments", "n_annotators", "n_articles"):
        frame[column] = 0
    frame["method"] = method
    frame["verdict"] = pd.Series([None] * len(index), index=index, dtype=object)
    frame["support"] = np.nan
    frame["tie"] = False
    frame["status"] = VerdictStatus.NEEDS_ADJUDICATION.value
    frame["reason"] = pd.Series([reason] * len(index), index=index, dtype=object)
    return frame


def claim_frame(
    table: StoreTable, rules: VerdictRules, method: str, model: DawidSkeneModel | None = None
) -> pd.DataFrame:
    """One row per claim of ``table.claims`` (the core's columns of
    :func:`~annotator.verdicts.claim_verdicts`); a claim without an accepted
    mention needs adjudication for that reason."""
    check_method(method)
    if len(table.mentions.units) == 0:
        return _placeholder(table.claims, rules.labels, method, "no accepted mentions")
    frame = claim_verdicts(table.judgments, table.mentions, method, rules.status, model=model)
    missing = table.claims.difference(frame.index)
    if len(missing):
        frame = pd.concat([frame, _placeholder(missing, rules.labels, method, "no accepted mentions")])
    return frame.reindex(table.claims)


def mention_frame(
    table: StoreTable, rules: VerdictRules, method: str, model: DawidSkeneModel | None = None
) -> pd.DataFrame:
    """One row per unit: claim, article, date, then the core's verdict columns."""
    check_method(method)
    if len(table.mentions.units) == 0:
        empty = _placeholder(pd.Index([], name="unit"), rules.labels, method, "")
        return pd.concat(
            [pd.DataFrame(columns=["claim", "article", "date"]), empty.drop(columns="n_articles")], axis=1
        )
    return mention_verdicts(table.judgments, table.mentions, method, rules.status, model=model)


def check_method(method: str) -> None:
    if method not in METHODS:
        raise InputError(f"unknown method {method!r}", {"method": [f"use one of: {', '.join(METHODS)}"]})


def overlay(frame: pd.DataFrame, adjudications: dict[Any, Adjudication]) -> pd.DataFrame:
    """Adjudicated rows: their verdict stands, the computed one is kept beside it."""
    frame = frame.copy()
    frame["computed_verdict"] = frame["verdict"]
    frame["adjudication_id"] = pd.Series([None] * len(frame), index=frame.index, dtype=object)
    keys = [k for k in adjudications if k in frame.index]
    if keys:
        frame.loc[keys, "verdict"] = [adjudications[k].verdict.value for k in keys]
        frame.loc[keys, "status"] = VerdictStatus.ADJUDICATED.value
        frame.loc[keys, "reason"] = None
        frame.loc[keys, "adjudication_id"] = [adjudications[k].id for k in keys]
    return frame


def counts_of(source: Any, labels: LabelSet) -> dict[str, int]:
    get = source.get if isinstance(source, dict) else lambda key: getattr(source, key)
    return {str(label): int(get(count_column(label))) for label in labels.labels}
