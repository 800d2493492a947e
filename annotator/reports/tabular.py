"""The CSV reports: one row per claim, and one row per mention (claim in one article)."""

from __future__ import annotations

import csv
import io
from typing import Any

__all__ = ["claims_csv", "mentions_csv"]


def _figure(figure: dict | None) -> Any:
    """An agreement figure's value, or empty when undefined (its reason is in the JSON)."""
    return "" if not figure or figure.get("value") is None else round(figure["value"], 6)


def _write(header: list[str], rows: list[list[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def claims_csv(data: dict) -> str:
    """One row per claim: verdict, method, counts per verdict, support, annotators,
    articles, agreement and status."""
    labels = data["rules"]["labels"]
    header = [
        "claim_id", "claim", "claim_en", "verdict", "computed_verdict", "method", "status", "reason",
        *[f"n_{label}" for label in labels],
        "n_judgments", "support", "tie", "n_annotators", "n_articles",
        "alpha_nominal", "alpha_verdict_distance", "fleiss_kappa", "percent_agreement",
        "adjudicated_by", "adjudication_reason", "simulated_included",
    ]
    rows = []
    for claim in data["claims"]:
        agreement = claim.get("agreement") or {}
        adjudication = claim.get("adjudication") or {}
        rows.append(
            [
                claim["id"], claim["text"], claim.get("text_en") or "", claim["verdict"] or "",
                claim["computed_verdict"] or "", claim["method"], claim["status"], claim["reason"] or "",
                *[claim["counts"].get(label, 0) for label in labels],
                claim["n_judgments"], "" if claim["support"] is None else round(claim["support"], 6),
                claim["tie"], claim["n_annotators"], claim["n_articles"],
                _figure(agreement.get("alpha_nominal")), _figure(agreement.get("alpha_linear")),
                _figure(agreement.get("fleiss_kappa")), _figure(agreement.get("percent_agreement")),
                adjudication.get("adjudicator", ""), adjudication.get("reason", ""), data["include_simulated"],
            ]
        )
    return _write(header, rows)


def mentions_csv(data: dict) -> str:
    """One row per mention: the claim in one article, with that article's verdict."""
    labels = data["rules"]["labels"]
    header = [
        "claim_id", "mention_id", "article", "outlet", "title", "published_on", "published_year_inferred",
        "verdict", "computed_verdict", "method", "status", "reason",
        *[f"n_{label}" for label in labels], "n_judgments", "support", "tie", "n_annotators", "evidence",
    ]
    rows = []
    for claim in data["claims"]:
        for mention in claim["mentions"]:
            article = mention["article"]
            rows.append(
                [
                    claim["id"], mention["mention_id"], article["external_id"], article["outlet"] or "",
                    article["title"] or "", article["published_on"] or "", article["published_year_inferred"],
                    mention["verdict"] or "", mention["computed_verdict"] or "", claim["method"],
                    mention["status"], mention["reason"] or "",
                    *[mention["counts"].get(label, 0) for label in labels], mention["n_judgments"],
                    "" if mention["support"] is None else round(mention["support"], 6), mention["tie"],
                    mention["n_annotators"], " … ".join(e["text"] for e in mention["evidence"]),
                ]
            )
    return _write(header, rows)
