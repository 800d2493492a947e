"""What the verdict, agreement and adjudication commands share: the verdict rules, the
options they take alike, a verdict set brought up to date to read, and how they print."""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import TYPE_CHECKING, Any

import click

from ..vocabulary import METHODS, VerdictStatus, values
from .base import echo_json, echo_table

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sqlalchemy.orm import Session

    from ..rules.verdicts import VerdictRules

__all__ = [
    "method_option",
    "include_simulated_option",
    "status_option",
    "json_option",
    "verdict_rules",
    "fresh_verdicts",
    "jsonable",
    "number",
    "population",
    "dropped_text",
    "counts_text",
    "verdict_text",
    "print_mentions",
]

method_option = click.option("--method", type=click.Choice(METHODS), help="Default: config/verdicts.yaml.")
include_simulated_option = click.option(
    "--include-simulated", is_flag=True, help="Count simulated annotators' judgments too."
)
status_option = click.option("--status", type=click.Choice(values(VerdictStatus)), help="Only this status.")
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


def verdict_rules() -> VerdictRules:
    from flask import current_app

    return current_app.extensions["annotator.rules"].verdicts


@contextlib.contextmanager
def fresh_verdicts(method: str | None, include_simulated: bool) -> Iterator[Session]:
    """A transaction in which the verdict set of ``method`` (and population) is up to date.

    The service's reads only read stored sets, which its write paths and start-up keep
    fresh; a command runs without them, so it brings the set up to date itself first.
    """
    from ..db import transaction
    from ..services.verdicts import verdict_set

    with transaction() as session:
        verdict_set(session, verdict_rules(), method, include_simulated)
        yield session


def jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dt.datetime):
        return value.isoformat()
    from ..services.verdicts import clean

    return clean(value)


def number(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def population(include_simulated: bool) -> str:
    return (
        "all annotators, simulated included"
        if include_simulated
        else "people only (simulated annotators left out)"
    )


def dropped_text(dropped: dict[str, int]) -> str:
    return "; ".join(f"{count} {what}" for what, count in dropped.items())


def counts_text(counts: dict[str, int]) -> str:
    return " ".join(f"{count}" for count in counts.values())


def verdict_text(row: dict) -> str:
    """The verdict of a claim, mention, date or unit, flagged when it names one of a tie."""
    return ("-" if row["verdict"] is None else str(row["verdict"])) + (" (tie)" if row["tie"] else "")


def print_mentions(rows: list[dict], method: str, include_simulated: bool, as_json: bool) -> None:
    if as_json:
        echo_json(jsonable({"method": method, "include_simulated": include_simulated, "mentions": rows}))
        return
    click.echo(f"{method}, {population(include_simulated)}: {len(rows)} mentions")
    echo_table(
        ["mention", "claim", "article", "published", "verdict", "status", "support", "counts", "why"],
        [
            [
                str(m["mention_id"]),
                m["claim_id"],
                m["article"] or str(m["article_id"]),
                m["published_on"] or "undated",
                verdict_text(m),
                m["status"],
                number(m["support"], 2),
                counts_text(m["counts"]),
                m["reason"] or "",
            ]
            for m in rows
        ],
    )


def print_claims(rows: list[dict]) -> None:
    """Claim verdicts as a table (``verdicts list``, ``adjudications pending``)."""
    counts = "/".join(label[:4] for label in verdict_rules().labels.labels)
    echo_table(
        ["claim", "verdict", "status", "support", counts, "judg.", "annot.", "articles", "why"],
        [_claim_row(r) for r in rows],
    )


def _claim_row(r: dict) -> list[str]:
    adjudication = r["adjudication"]
    adjudicated = (
        f"by {adjudication['adjudicator']}; computed {r['computed_verdict'] or '-'}" if adjudication else ""
    )
    return [
        r["claim_id"],
        verdict_text(r),
        r["status"],
        number(r["support"], 2),
        counts_text(r["counts"]),
        str(r["n_judgments"]),
        str(r["n_annotators"]),
        str(r["n_articles"]),
        r["reason"] or adjudicated,
    ]


def read_claim_page(
    method: str | None, include_simulated: bool, *, status: str | None = None, claim_id: str | None = None
) -> dict:
    """Every claim verdict (of ``status``, or one claim), the set brought up to date first."""
    from ..services.verdicts import claim_page

    with fresh_verdicts(method, include_simulated) as session:
        return claim_page(
            session,
            verdict_rules(),
            method=method,
            include_simulated=include_simulated,
            status=status,
            claim_id=claim_id,
            per_page=None,
        )
