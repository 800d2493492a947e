"""Agreement between annotators, from the store (or any judgments table), as plain data.

The figures are :mod:`annotator.verdicts.agreement`'s: Krippendorff's alpha
(nominal, and with the verdict distance when the labels are ordered), Fleiss'
kappa, percent agreement, pairwise Cohen's kappa and each annotator against
the leave-one-out consensus of the others.  Over the store they count what
verdicts count (:func:`annotator.services.verdicts.table.load_table`): for the whole
project, per claim (its mentions are the units), per annotator pair and per
annotator.  An undefined figure is ``{"value": None, "defined": False,
"reason": ...}``, never a silent 0 or 1.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from ...verdicts import AgreementReport, Figure, Judgments, claim_agreement, pair_matrix, project_agreement
from ...rules.verdicts import VerdictRules
from .table import StoreTable, clean, load_table, require_claim

__all__ = [
    "FIGURES",
    "figure_dict",
    "figures_dict",
    "pairs_dict",
    "annotators_list",
    "claim_rows",
    "project_agreement_store",
    "full_agreement_store",
    "full_agreement",
    "claims_agreement",
    "claim_agreement_store",
    "claims_agreement_store",
    "pairs_store",
    "annotators_store",
]

#: The project-wide figures, in the order they are shown.
FIGURES = ("alpha_nominal", "alpha_linear", "fleiss_kappa", "percent_agreement")


def figure_dict(figure: Figure) -> dict[str, Any]:
    return {
        "value": figure.value,
        "defined": figure.defined,
        "n_units": figure.n_units,
        "reason": figure.reason,
        "note": figure.note,
    }


def figures_dict(report: AgreementReport) -> dict[str, dict[str, Any]]:
    return {name: figure_dict(getattr(report, name)) for name in FIGURES}


def _who(annotators: pd.DataFrame | None, annotator: Any) -> dict[str, Any]:
    """How an annotator is shown: the store's id with e-mail and name, or a CSV's name."""
    if annotators is None or annotator not in annotators.index:
        return {"annotator": clean(annotator)}
    info = annotators.loc[annotator]
    return {
        "annotator": int(annotator),
        "email": info["email"],
        "name": info["name"],
        "simulated": bool(info["simulated"]),
    }


def pairs_dict(report: AgreementReport, annotators: pd.DataFrame | None = None) -> dict[str, Any]:
    """Cohen's kappa per pair, as a list and as annotator x annotator matrices."""
    pairs = report.pairs
    rows = [
        {
            "annotator_a": clean(row.annotator_a),
            "annotator_b": clean(row.annotator_b),
            "n_units": int(row.n_units),
            "agreement": clean(row.agreement),
            "kappa": clean(row.kappa),
            "reason": row.reason,
        }
        for row in pairs.itertuples(index=False)
    ]
    names = report.annotators.index
    matrices: dict[str, list[list[Any]]] = {}
    for value in ("kappa", "agreement", "n_units"):
        if len(pairs):
            matrix = pair_matrix(pairs, value).reindex(index=names, columns=names)
        else:
            matrix = pd.DataFrame(np.nan, index=names, columns=names)
        matrices[value] = [
            [None if np.isnan(v) else (int(v) if value == "n_units" else float(v)) for v in line]
            for line in matrix.to_numpy(dtype=float)
        ]
    return {
        "annotators": [_who(annotators, a) for a in names],
        "pairs": rows,
        "matrix": matrices,
    }


def annotators_list(report: AgreementReport, annotators: pd.DataFrame | None = None) -> list[dict[str, Any]]:
    """Each annotator against the consensus of the others."""
    return [
        _who(annotators, who)
        | {
            "n_judgments": int(row["n_judgments"]),
            "n_compared": int(row["n_compared"]),
            "n_alone": int(row["n_alone"]),
            "n_tied": int(row["n_tied"]),
            "agreement": clean(row["agreement"]),
            "kappa": clean(row["kappa"]),
            "reason": row["reason"],
        }
        for who, row in report.annotators.iterrows()
    ]


def _summary(j: Judgments) -> dict[str, Any]:
    return {
        "n_units": len(j.units),
        "n_judgments": j.n_judgments,
        "n_annotators": len(j.annotators),
    }


def claim_rows(frame: pd.DataFrame, claims: pd.Index) -> list[dict[str, Any]]:
    """Per-claim figures (:func:`annotator.verdicts.claim_agreement`) as plain data,
    one per claim of ``claims``; a claim without an accepted mention has every
    figure undefined for that reason."""
    rows = []
    for claim in claims:
        if claim in frame.index:
            row = frame.loc[claim]
            figures = {
                name: {
                    "value": clean(row[name]),
                    "defined": row[f"{name}_reason"] is None,
                    "reason": row[f"{name}_reason"],
                }
                for name in FIGURES
            }
            figures["fleiss_kappa"]["n_units"] = int(row["fleiss_units"])
            counts = {k: int(row[k]) for k in ("n_units", "n_judgments", "n_annotators")}
        else:
            figures = {
                name: {"value": None, "defined": False, "reason": "no accepted mentions"} for name in FIGURES
            }
            counts = {"n_units": 0, "n_judgments": 0, "n_annotators": 0}
        rows.append({"claim_id": claim, **counts, **figures})
    return rows


# -- over the store --------------------------------------------------------------------------


def _table(session: Session, rules: VerdictRules, include_simulated: bool, claim_ids=None) -> StoreTable:
    return load_table(session, rules, include_simulated=include_simulated, claim_ids=claim_ids)


def _whole(table: StoreTable, include_simulated: bool) -> dict[str, Any]:
    return {"include_simulated": include_simulated, **_summary(table.judgments), "dropped": table.dropped}


def project_agreement_store(
    session: Session, rules: VerdictRules, include_simulated: bool = False
) -> dict[str, Any]:
    """The project's four figures (and what they were computed on)."""
    table = _table(session, rules, include_simulated)
    report = project_agreement(table.judgments)
    return _whole(table, include_simulated) | figures_dict(report)


def full_agreement_store(
    session: Session, rules: VerdictRules, include_simulated: bool = False
) -> dict[str, Any]:
    """The project's figures, pairs and annotators from one reading of the store."""
    return full_agreement(_table(session, rules, include_simulated), include_simulated)


def full_agreement(table: StoreTable, include_simulated: bool) -> dict[str, Any]:
    """The project's figures, pairs and annotators over ``table``."""
    report = project_agreement(table.judgments)
    return (
        _whole(table, include_simulated)
        | figures_dict(report)
        | {
            "pairs": pairs_dict(report, table.annotators),
            "annotators": annotators_list(report, table.annotators),
        }
    )


def claim_agreement_store(
    session: Session, rules: VerdictRules, claim_id: str, include_simulated: bool = False
) -> dict[str, Any]:
    """One claim's figures over its mentions, with its pairs and annotators."""
    require_claim(session, claim_id)
    table = _table(session, rules, include_simulated, [claim_id])
    report = project_agreement(table.judgments)
    return (
        {"claim_id": claim_id}
        | _whole(table, include_simulated)
        | figures_dict(report)
        | {
            "pairs": pairs_dict(report, table.annotators),
            "annotators": annotators_list(report, table.annotators),
        }
    )


def claims_agreement_store(
    session: Session, rules: VerdictRules, include_simulated: bool = False
) -> list[dict[str, Any]]:
    """Every claim's figures, computed for all claims at once."""
    return claims_agreement(_table(session, rules, include_simulated))


def claims_agreement(table: StoreTable, claim_ids: list[str] | None = None) -> list[dict[str, Any]]:
    """The figures over its mentions of each claim of ``claim_ids`` (None: of ``table``)."""
    frame = claim_agreement(table.judgments, table.mentions) if len(table.mentions.units) else pd.DataFrame()
    return claim_rows(frame, table.claims if claim_ids is None else pd.Index(claim_ids))


def pairs_store(session: Session, rules: VerdictRules, include_simulated: bool = False) -> dict[str, Any]:
    """Cohen's kappa for every pair of annotators over the whole project."""
    table = _table(session, rules, include_simulated)
    report = project_agreement(table.judgments)
    return _whole(table, include_simulated) | pairs_dict(report, table.annotators)


def annotators_store(
    session: Session, rules: VerdictRules, include_simulated: bool = False
) -> dict[str, Any]:
    """Each annotator against the consensus, over the whole project."""
    table = _table(session, rules, include_simulated)
    report = project_agreement(table.judgments)
    return _whole(table, include_simulated) | {"annotators": annotators_list(report, table.annotators)}
