"""``annotator verdicts``: verdicts per claim or per mention from the store, or per unit
of any CSV file of judgments (:mod:`annotator.cli.judgments_csv`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from .base import echo_json, echo_table, main, with_app
from .judgments_csv import csv_input, labels_text, read_csv_judgments, table_facts, table_summary
from .verdict_format import (
    print_claims,
    read_claim_page,
    counts_text,
    fresh_verdicts,
    include_simulated_option,
    json_option,
    jsonable,
    method_option,
    number,
    population,
    print_mentions,
    status_option,
    verdict_rules,
    verdict_text,
)

if TYPE_CHECKING:
    from pathlib import Path

    import pandas as pd

    from ..verdicts import Judgments, StatusRule


@main.group()
def verdicts() -> None:
    """Verdicts per claim or per mention: counts, verdict, support, status.

    Ties name the label first in the tie order and need adjudication; so do
    verdicts with fewer than k judgments or support below the threshold
    (config/verdicts.yaml).
    """


# -- over the store --------------------------------------------------------------------------


@verdicts.command("list")
@method_option
@include_simulated_option
@status_option
@json_option
@with_app
def verdicts_list(method, include_simulated, status, as_json) -> None:
    """Every claim's verdict, with how many claims have each status."""
    page = read_claim_page(method, include_simulated, status=status)
    if as_json:
        shown = {key: page[key] for key in ("method", "include_simulated", "statuses")}
        echo_json(jsonable(shown | {"claims": page["items"]}))
        return
    statuses = page["statuses"]
    click.echo(
        f"{page['method']}, {population(include_simulated)}: {sum(statuses.values())} claims — "
        + ", ".join(f"{n} {s}" for s, n in statuses.items())
    )
    print_claims(page["items"])


@verdicts.command("claim")
@click.argument("claim_id")
@method_option
@include_simulated_option
@json_option
@with_app
def verdicts_claim(claim_id, method, include_simulated, as_json) -> None:
    """One claim: its verdict, its mentions by publication date, and its timeline."""
    from ..services.verdicts import claim_detail

    with fresh_verdicts(method, include_simulated) as session:
        detail = claim_detail(session, verdict_rules(), claim_id, method, include_simulated)
    if as_json:
        echo_json(jsonable(detail))
        return
    _print_claim(detail)
    click.echo("\nmentions, by publication date:")
    echo_table(
        ["mention", "article", "published", "verdict", "status", "support", "counts", "why"],
        [
            [
                str(m["mention_id"]),
                m["article"] or str(m["article_id"]),
                (m["published_on"] or "undated") + (" (year inferred)" if m["published_year_inferred"] else ""),
                verdict_text(m),
                m["status"],
                number(m["support"], 2),
                counts_text(m["counts"]),
                m["reason"] or "",
            ]
            for m in detail["mentions"]
        ],
    )
    click.echo("\ntimeline (majority as of each date, pooling the mentions published by then):")
    echo_table(
        ["date", "verdict", "status", "support", "counts", "articles"],
        [
            [
                t["date"],
                verdict_text(t),
                t["status"],
                number(t["support"], 2),
                counts_text(t["counts"]),
                str(t["n_articles"]),
            ]
            for t in detail["timeline"]
        ],
    )


def _print_claim(d: dict) -> None:
    click.echo(f"{d['claim_id']}: {d['claim_text']}")
    click.echo(
        f"  {d['method']}, {population(d['include_simulated'])}: {verdict_text(d)} — {d['status']}"
        + (f" ({d['reason']})" if d["reason"] else "")
    )
    click.echo(
        f"  counts {', '.join(f'{k} {v}' for k, v in d['counts'].items())}, support {number(d['support'], 2)},"
        f" {d['n_judgments']} judgments by {d['n_annotators']} annotators in {d['n_articles']} articles"
    )
    if d["adjudication"]:
        a = d["adjudication"]
        click.echo(
            f"  adjudicated {a['verdict']} by {a['adjudicator']} at {jsonable(a['created_at'])}: {a['reason']}"
            f" (computed: {d['computed_verdict'] or '-'})"
        )


@verdicts.command("mentions")
@method_option
@include_simulated_option
@status_option
@json_option
@with_app
def verdicts_mentions(method, include_simulated, status, as_json) -> None:
    """Every mention's verdict (one claim in one article), by claim and publication date."""
    from ..services.verdicts import mention_rows_all

    method = method or verdict_rules().method
    with fresh_verdicts(method, include_simulated) as session:
        rows = mention_rows_all(session, verdict_rules(), method, include_simulated)
    rows = [r for r in rows if status is None or r["status"] == status]
    print_mentions(rows, method, include_simulated, as_json)


@verdicts.command("rebuild")
@method_option
@include_simulated_option
@json_option
@with_app
def verdicts_rebuild(method, include_simulated, as_json) -> None:
    """Recompute a verdict set from the whole store (refits Dawid–Skene)."""
    from ..db import transaction
    from ..services.audit import Actor, record
    from ..services.verdicts import set_summary, verdict_set

    with transaction() as session:
        rebuilt = verdict_set(session, verdict_rules(), method, include_simulated, refit=True)
        record(session, Actor.local_operator(), "verdicts.rebuild", rebuilt,
               after={"method": rebuilt.method, "include_simulated": rebuilt.include_simulated})
        summary = set_summary(session, rebuilt)
    if as_json:
        echo_json(jsonable(summary))
        return
    fitted = f", fitted on {summary['model_judgments']} judgments" if summary["fitted_at"] else ""
    click.echo(
        f"rebuilt {summary['method']}, {population(include_simulated)}: {summary['claims']} claims — "
        + ", ".join(f"{n} {s}" for s, n in summary["statuses"].items())
        + fitted
    )


# -- over a CSV file -------------------------------------------------------------------------


@verdicts.command("csv")
@csv_input
@method_option
@status_option
@click.option("--min-judgments", type=click.IntRange(min=1), help="k (default: config/verdicts.yaml).")
@click.option("--min-support", type=click.FloatRange(0, 1), help="The agreement threshold (default: config).")
@json_option
@with_app
def verdicts_csv(path, labels, ordered, duplicates, method, status, min_judgments, min_support, as_json) -> None:
    """Verdicts per unit of a CSV file of judgments (columns unit, annotator, label)."""
    method = method or verdict_rules().method
    rule = _status_rule(min_judgments, min_support)
    j = read_csv_judgments(path, labels, ordered=ordered, duplicates=duplicates)
    frame = _csv_verdicts(j, method, rule)
    if status is not None:
        frame = frame[frame["status"] == status]
    rows = _unit_rows(frame, j)
    statuses = {s: int((frame["status"] == s).sum()) for s in ("settled", "needs adjudication")}
    if as_json:
        echo_json(
            jsonable(
                table_facts(path, j)
                | {
                    "method": method,
                    "tie_order": list(j.labels.tie_order),
                    "rule": {"min_judgments": rule.min_judgments, "min_support": rule.min_support},
                    "statuses": statuses,
                    "units": rows,
                }
            )
        )
        return
    _print_units(path, j, method, rule, rows)


def _status_rule(min_judgments: int | None, min_support: float | None) -> StatusRule:
    from ..verdicts import StatusRule

    base = verdict_rules().status
    return StatusRule(
        base.min_judgments if min_judgments is None else min_judgments,
        base.min_support if min_support is None else min_support,
    )


def _csv_verdicts(j: Judgments, method: str, rule: StatusRule) -> pd.DataFrame:
    from ..verdicts import DawidSkeneModel, dawid_skene, majority_vote

    if method == "dawid-skene":
        fit = verdict_rules().dawid_skene
        model = DawidSkeneModel(fit.max_iterations, fit.tolerance)
        return dawid_skene(j, rule, model=model.fit(j) if j.n_judgments else None)
    return majority_vote(j, rule)


def _unit_rows(frame: pd.DataFrame, j: Judgments) -> list[dict[str, Any]]:
    from ..services.verdicts import clean
    from ..verdicts import count_column

    return [
        {
            "unit": clean(unit),
            "verdict": row["verdict"],
            "status": row["status"],
            "reason": row["reason"],
            "support": clean(row["support"]),
            "tie": bool(row["tie"]),
            "counts": {str(label): int(row[count_column(label)]) for label in j.labels.labels},
            "n_judgments": int(row["n_judgments"]),
            "n_annotators": int(row["n_annotators"]),
        }
        for unit, row in frame.iterrows()
    ]


def _print_units(path: Path, j: Judgments, method: str, rule: StatusRule, rows: list[dict]) -> None:
    click.echo(f"{path.name}: {table_summary(j)}")
    click.echo(
        f"{method}; {labels_text(j)}; ties name the first of them;"
        f" settled needs >= {rule.min_judgments} judgments, no tie, support >= {rule.min_support:g}"
    )
    echo_table(
        ["unit", "verdict", "status", "support", "counts (" + " ".join(map(str, j.labels.labels)) + ")", "why"],
        [
            [
                str(r["unit"]),
                verdict_text(r),
                r["status"],
                number(r["support"], 2),
                counts_text(r["counts"]),
                r["reason"] or "",
            ]
            for r in rows
        ],
    )
