"""``annotator agreement``: agreement between annotators over the store (the project,
every claim, one claim) or over any CSV file of judgments."""

from __future__ import annotations

import click

from .base import echo_json, echo_table, main, with_app
from .judgments_csv import csv_input, labels_text, read_csv_judgments, table_facts, table_summary
from .verdict_format import (
    dropped_text,
    include_simulated_option,
    json_option,
    jsonable,
    number,
    population,
    verdict_rules,
)

FIGURE_NAMES = {
    "alpha_nominal": "Krippendorff's alpha (nominal)",
    "alpha_linear": "Krippendorff's alpha (ordered scale)",
    "fleiss_kappa": "Fleiss' kappa",
    "percent_agreement": "percent agreement",
}


@main.group()
def agreement() -> None:
    """Agreement between annotators: Krippendorff's alpha, Fleiss' kappa, percent
    agreement, Cohen's kappa per pair, each annotator against the consensus.

    An undefined figure is shown as undefined, with the reason.
    """


@agreement.command("project")
@include_simulated_option
@json_option
@with_app
def agreement_project(include_simulated, as_json) -> None:
    """The project's figures over every mention, the Cohen matrix, each annotator."""
    from ..db import get_session
    from ..services.verdicts.agreement import full_agreement_store

    data = full_agreement_store(get_session(), verdict_rules(), include_simulated)
    _print_store_agreement(data, "the project", include_simulated, as_json)


@agreement.command("claim")
@click.argument("claim_id")
@include_simulated_option
@json_option
@with_app
def agreement_claim(claim_id, include_simulated, as_json) -> None:
    """One claim's figures over its mentions, with its pairs and annotators."""
    from ..db import get_session
    from ..services.verdicts.agreement import claim_agreement_store

    data = claim_agreement_store(get_session(), verdict_rules(), claim_id, include_simulated)
    _print_store_agreement(data, f"claim {claim_id}, over its mentions", include_simulated, as_json)


def _print_store_agreement(data: dict, title: str, include_simulated: bool, as_json: bool) -> None:
    if as_json:
        echo_json(jsonable(data))
        return
    click.echo(
        f"{title}; {population(include_simulated)}: {data['n_judgments']} judgments of {data['n_units']} mentions"
        f" by {data['n_annotators']} annotators"
        + (f" (left out: {dropped_text(data['dropped'])})" if data["dropped"] else "")
    )
    _print_agreement(data)


@agreement.command("claims")
@include_simulated_option
@json_option
@with_app
def agreement_claims(include_simulated, as_json) -> None:
    """Every claim's figures, each over its mentions."""
    from ..db import get_session
    from ..services.verdicts.agreement import FIGURES, claims_agreement_store

    rows = claims_agreement_store(get_session(), verdict_rules(), include_simulated)
    if as_json:
        echo_json(jsonable({"include_simulated": include_simulated, "claims": rows}))
        return
    click.echo(f"agreement per claim, over its mentions; {population(include_simulated)}")
    echo_table(
        ["claim", "units", "judg.", "annot.", "alpha", "alpha (ordered)", "fleiss", "percent", "undefined because"],
        [
            [
                r["claim_id"],
                str(r["n_units"]),
                str(r["n_judgments"]),
                str(r["n_annotators"]),
                *[number(r[f]["value"]) for f in FIGURES],
                "; ".join(sorted({r[f]["reason"] for f in FIGURES if r[f]["reason"]})),
            ]
            for r in rows
        ],
    )


@agreement.command("csv")
@csv_input
@json_option
@with_app
def agreement_csv(path, labels, ordered, duplicates, as_json) -> None:
    """The figures of a CSV file of judgments (columns unit, annotator, label)."""
    from ..services.verdicts import agreement as agreement_service
    from ..verdicts import project_agreement

    j = read_csv_judgments(path, labels, ordered=ordered, duplicates=duplicates)
    report = project_agreement(j)
    data = table_facts(path, j) | {
        **agreement_service.figures_dict(report),
        "pairs": agreement_service.pairs_dict(report),
        "annotators": agreement_service.annotators_list(report),
    }
    if as_json:
        echo_json(jsonable(data))
        return
    click.echo(f"{path.name}: {table_summary(j)}")
    click.echo(labels_text(j))
    _print_agreement(data)


# -- printing --------------------------------------------------------------------------------


def _print_agreement(data: dict) -> None:
    from ..services.verdicts.agreement import FIGURES

    echo_table(
        ["figure", "value", "units", "note"],
        [
            [
                FIGURE_NAMES[name],
                number(data[name]["value"]) if data[name]["defined"] else "undefined",
                str(data[name]["n_units"]),
                data[name]["reason"] or data[name]["note"] or "",
            ]
            for name in FIGURES
        ],
    )
    _print_cohen_matrix(data["pairs"])
    click.echo("\neach annotator against the consensus of the others:")
    echo_table(
        ["annotator", "judgments", "compared", "alone", "others tied", "agreement", "kappa", "note"],
        [
            [
                _name(a),
                str(a["n_judgments"]),
                str(a["n_compared"]),
                str(a["n_alone"]),
                str(a["n_tied"]),
                number(a["agreement"]),
                number(a["kappa"]),
                a["reason"] or "",
            ]
            for a in data["annotators"]
        ],
    )


def _name(who: dict) -> str:
    return str(who.get("email") or who["annotator"])


def _kappa_cell(kappa: float | None, units: int | None) -> str:
    return f"{number(kappa)} ({units})" if kappa is not None else f"undefined ({units or 0})"


def _print_cohen_matrix(pairs: dict) -> None:
    """Cohen's kappa of every pair as an annotator x annotator table (with two or more)."""
    names = [_name(w) for w in pairs["annotators"]]
    if len(names) < 2:
        return
    matrix = pairs["matrix"]
    click.echo("\nCohen's kappa, annotator x annotator (units both judged in brackets):")
    echo_table(
        ["", *names],
        [
            [
                name,
                *[
                    "-" if i == k else _kappa_cell(kappa, units)
                    for k, (kappa, units) in enumerate(zip(matrix["kappa"][i], matrix["n_units"][i], strict=True))
                ],
            ]
            for i, name in enumerate(names)
        ],
    )
    for p in pairs["pairs"]:
        if p["reason"]:
            click.echo(f"  {p['annotator_a']} / {p['annotator_b']}: undefined, {p['reason']}")
