"""Verdicts, agreement and adjudication: over the store, or over any CSV of judgments.

``annotator verdicts`` and ``annotator agreement`` read the store by default.
With ``--csv FILE`` they read a file with the columns ``unit``, ``annotator``
and ``label`` instead (other columns are ignored), so a researcher can use them
on any data.  CSV rules:

* any label set: the labels found in the file (numbers in numeric order,
  otherwise alphabetical), or the ones given with ``--labels a,b,c`` — then a
  label outside them is an error naming the lines; nominal unless
  ``--ordered`` says the ``--labels`` order is a scale;
* an empty label is not a judgment (a skip): left out and counted;
* a missing column, an empty unit or annotator, an unreadable file: an error
  naming the column or the lines (exit 3);
* the same (unit, annotator) twice: an error naming the lines, or with
  ``--duplicates last`` the later line wins;
* one annotator only: verdicts as usual, agreement figures undefined with the
  reason;
* ties: the tied label that comes first in the label order is named, and the
  verdict is flagged and needs adjudication.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..errors import InputError
from ..vocabulary import METHODS
from .base import echo_json, echo_table, main, with_app

if TYPE_CHECKING:
    import pandas as pd

    from ..rules.verdicts import VerdictRules
    from ..verdicts import Judgments, StatusRule

__all__ = ["read_csv_judgments"]

FIGURE_NAMES = {
    "alpha_nominal": "Krippendorff's alpha (nominal)",
    "alpha_linear": "Krippendorff's alpha (ordered scale)",
    "fleiss_kappa": "Fleiss' kappa",
    "percent_agreement": "percent agreement",
}


# -- shared ----------------------------------------------------------------------------------


def _rules() -> VerdictRules:
    from flask import current_app

    return current_app.extensions["annotator.rules"].verdicts


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.datetime):
        return value.isoformat()
    from ..services import verdicts as service

    return service.clean(value)


def _number(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _population(include_simulated: bool) -> str:
    return (
        "all annotators, simulated included"
        if include_simulated
        else "people only (simulated annotators left out)"
    )


def _dropped(dropped: dict[str, int]) -> str:
    return "; ".join(f"{count} {what}" for what, count in dropped.items())


def _counts_text(counts: dict[str, int]) -> str:
    return " ".join(f"{count}" for count in counts.values())


def _store_only(labels: str | None, ordered: bool, duplicates: str | None) -> None:
    given = [
        name
        for name, value in (("--labels", labels), ("--ordered", ordered), ("--duplicates", duplicates))
        if value
    ]
    if given:
        raise click.UsageError(
            f"{', '.join(given)} only apply with --csv (the store uses config/verdicts.yaml)"
        )


def _csv_only(**options: Any) -> None:
    given = [f"--{name.replace('_', '-')}" for name, value in options.items() if value]
    if given:
        raise click.UsageError(f"{', '.join(given)} only apply to the store, not with --csv")


common_csv = [
    click.option(
        "--csv",
        "csv_path",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="Read judgments from this CSV file (columns unit, annotator, label) instead of the store.",
    ),
    click.option("--labels", help="CSV: the label set, comma-separated (default: the labels found)."),
    click.option(
        "--ordered", is_flag=True, help="CSV: the --labels order is a scale (ordinal), not just names."
    ),
    click.option(
        "--duplicates",
        type=click.Choice(["error", "last"]),
        help="CSV: the same unit and annotator twice is an error (default), or the later line wins.",
    ),
    click.option(
        "--include-simulated", is_flag=True, help="Store: count simulated annotators' judgments too."
    ),
    click.option("--json", "as_json", is_flag=True, help="Print JSON."),
]


def _options(options):
    def decorate(command):
        for option in reversed(options):
            command = option(command)
        return command

    return decorate


# -- CSV -------------------------------------------------------------------------------------


def _natural(labels: list[str]) -> list[str]:
    try:
        return sorted(labels, key=float)
    except ValueError:
        return sorted(labels)


def _as_lines(error: InputError) -> InputError:
    """Name rows as the file's lines (the header is line 1)."""

    def fix(text: str) -> str:
        text = text.replace(
            "give order_by to keep the latest", "use --duplicates last to keep the later line"
        )
        return re.sub(r"\brow (\d+)\b", r"line \1", text)

    renamed = InputError(fix(error.message), {fix(k): [fix(m) for m in v] for k, v in error.errors.items()})
    return renamed


def read_csv_judgments(
    path: Path, labels: str | None = None, *, ordered: bool = False, duplicates: str | None = None
) -> Judgments:
    """A CSV file of judgments under the CSV rules of this module's docstring."""
    import numpy as np
    import pandas as pd

    from ..verdicts import COLUMNS, LabelSet, judgments

    try:
        data = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise InputError(f"cannot read {path} as CSV", {str(path): [str(error).strip()]}) from None
    data.index = pd.RangeIndex(2, len(data) + 2)  # error messages name the file's lines
    missing = [c for c in COLUMNS if c not in data.columns]
    if missing:
        raise InputError(
            f"{path}: missing column(s): {', '.join(missing)}",
            {"columns": [f"missing {c!r}: the file needs unit, annotator, label" for c in missing]},
        )
    if labels is not None:
        names = [name.strip() for name in labels.split(",")]
        if any(not name for name in names):
            raise InputError("--labels has an empty label", {"--labels": [repr(labels)]})
    else:
        found = data["label"].str.strip()
        names = _natural(sorted(set(found[found != ""])))
        if ordered:
            raise click.UsageError("--ordered needs --labels: the order of the scale")
        if len(names) < 2:
            used = f"only one label is used ({names[0]})" if names else "no label is used"
            raise InputError(
                f"{path}: {used}: give the label set with --labels",
                {"label": [f"only {names[0]!r} found" if names else "no labels found"]},
            )
    try:
        label_set = LabelSet(tuple(names), ordered=ordered)
        if duplicates == "last":
            data["_line"] = np.arange(len(data))
        return judgments(data, label_set, order_by="_line" if duplicates == "last" else None)
    except InputError as error:
        raise _as_lines(error) from None


def _status_rule(min_judgments: int | None, min_support: float | None) -> StatusRule:
    from ..verdicts import StatusRule

    base = _rules().status
    return StatusRule(
        base.min_judgments if min_judgments is None else min_judgments,
        base.min_support if min_support is None else min_support,
    )


def _csv_verdicts(j: Judgments, method: str, rule: StatusRule) -> pd.DataFrame:
    from ..verdicts import DawidSkeneModel, dawid_skene, majority_vote

    if method == "dawid-skene":
        model = DawidSkeneModel(_rules().dawid_skene.max_iterations, _rules().dawid_skene.tolerance)
        return dawid_skene(j, rule, model=model.fit(j) if j.n_judgments else None)
    return majority_vote(j, rule)


def _table_summary(j: Judgments) -> str:
    text = f"{j.n_judgments} judgments of {len(j.units)} units by {len(j.annotators)} annotators"
    if j.dropped:
        text += f" (left out: {_dropped(dict(j.dropped))})"
    return text


# -- annotator verdicts ----------------------------------------------------------------------


@main.command()
@_options(common_csv)
@click.option("--method", type=click.Choice(METHODS), help="Default: config/verdicts.yaml.")
@click.option("--claim", "claim_id", help="Store: one claim, with its mentions by date and its timeline.")
@click.option(
    "--mentions", "per_mention", is_flag=True, help="Store: every mention's verdict, not the claims'."
)
@click.option(
    "--status", type=click.Choice(["settled", "needs adjudication", "adjudicated"]), help="Only this status."
)
@click.option("--refit", is_flag=True, help="Store: recompute everything first (refits Dawid–Skene).")
@click.option("--min-judgments", type=click.IntRange(min=1), help="CSV: k (default: config/verdicts.yaml).")
@click.option(
    "--min-support", type=click.FloatRange(0, 1), help="CSV: the agreement threshold (default: config)."
)
@with_app
def verdicts(
    csv_path,
    labels,
    ordered,
    duplicates,
    include_simulated,
    as_json,
    method,
    claim_id,
    per_mention,
    status,
    refit,
    min_judgments,
    min_support,
) -> None:
    """Verdicts per claim (or per mention): counts, verdict, support, status.

    Ties name the label first in the tie order and need adjudication; so do
    verdicts with fewer than k judgments or support below the threshold
    (config/verdicts.yaml).
    """
    from ..db import transaction
    from ..services import verdicts as service

    method = method or _rules().method
    if csv_path is not None:
        _csv_only(claim=claim_id, mentions=per_mention, refit=refit, include_simulated=include_simulated)
        _verdicts_csv(
            csv_path,
            labels,
            ordered,
            duplicates,
            method,
            _status_rule(min_judgments, min_support),
            status,
            as_json,
        )
        return
    _store_only(labels, ordered, duplicates)
    if min_judgments is not None or min_support is not None:
        raise click.UsageError(
            "--min-judgments and --min-support apply with --csv; the store uses config/verdicts.yaml"
        )
    if claim_id is not None:
        with transaction() as session:
            if refit:
                service.verdict_set(session, _rules(), method, include_simulated, refit=True)
            detail = service.claim_detail(session, _rules(), claim_id, method, include_simulated)
        _print_claim(detail, as_json)
        return
    if per_mention:
        with transaction() as session:
            if refit:
                service.verdict_set(session, _rules(), method, include_simulated, refit=True)
            rows = service.mention_rows_all(session, _rules(), method, include_simulated)
        rows = [r for r in rows if status is None or r["status"] == status]
        _print_mentions(rows, method, include_simulated, as_json)
        return
    with transaction() as session:
        target = service.verdict_set(session, _rules(), method, include_simulated, refit=refit)
        rows = [
            service.claim_verdict_dict(row, target, _rules().labels)
            for row in session.scalars(service.claim_verdict_rows(target, status=status))
        ]
        statuses = service.status_counts(session, target)
    if as_json:
        echo_json(
            _jsonable(
                {
                    "method": method,
                    "include_simulated": include_simulated,
                    "statuses": statuses,
                    "claims": rows,
                }
            )
        )
        return
    click.echo(
        f"{method}, {_population(include_simulated)}: {sum(statuses.values())} claims — "
        + ", ".join(f"{n} {s}" for s, n in statuses.items())
    )
    labels_order = list(_rules().labels.labels)
    echo_table(
        [
            "claim",
            "verdict",
            "status",
            "support",
            "/".join(l[:4] for l in labels_order),
            "judg.",
            "annot.",
            "articles",
            "why",
        ],
        [
            [
                r["claim_id"],
                (r["verdict"] or "-") + (" (tie)" if r["tie"] else ""),
                r["status"],
                _number(r["support"], 2),
                _counts_text(r["counts"]),
                str(r["n_judgments"]),
                str(r["n_annotators"]),
                str(r["n_articles"]),
                r["reason"]
                or (
                    f"by {r['adjudication']['adjudicator']}; computed {r['computed_verdict'] or '-'}"
                    if r["adjudication"]
                    else ""
                ),
            ]
            for r in rows
        ],
    )


def _verdicts_csv(path, labels, ordered, duplicates, method, rule, status, as_json) -> None:
    from ..services import verdicts as service
    from ..verdicts import count_column

    j = read_csv_judgments(path, labels, ordered=ordered, duplicates=duplicates)
    frame = _csv_verdicts(j, method, rule)
    if status is not None:
        frame = frame[frame["status"] == status]
    rows = [
        {
            "unit": service.clean(unit),
            "verdict": row["verdict"],
            "status": row["status"],
            "reason": row["reason"],
            "support": service.clean(row["support"]),
            "tie": bool(row["tie"]),
            "counts": {str(label): int(row[count_column(label)]) for label in j.labels.labels},
            "n_judgments": int(row["n_judgments"]),
            "n_annotators": int(row["n_annotators"]),
        }
        for unit, row in frame.iterrows()
    ]
    statuses = {s: int((frame["status"] == s).sum()) for s in ("settled", "needs adjudication")}
    if as_json:
        echo_json(
            _jsonable(
                {
                    "source": str(path),
                    "method": method,
                    "labels": list(j.labels.labels),
                    "ordered": j.labels.ordered,
                    "tie_order": list(j.labels.tie_order),
                    "rule": {"min_judgments": rule.min_judgments, "min_support": rule.min_support},
                    "n_units": len(j.units),
                    "n_judgments": j.n_judgments,
                    "n_annotators": len(j.annotators),
                    "dropped": dict(j.dropped),
                    "statuses": statuses,
                    "units": rows,
                }
            )
        )
        return
    click.echo(f"{path.name}: {_table_summary(j)}")
    click.echo(
        f"{method}; labels {', '.join(map(str, j.labels.labels))}"
        f" ({'ordered' if j.labels.ordered else 'nominal'}); ties name the first of them;"
        f" settled needs >= {rule.min_judgments} judgments, no tie, support >= {rule.min_support:g}"
    )
    echo_table(
        [
            "unit",
            "verdict",
            "status",
            "support",
            "counts (" + " ".join(map(str, j.labels.labels)) + ")",
            "why",
        ],
        [
            [
                str(r["unit"]),
                (str(r["verdict"]) if r["verdict"] is not None else "-") + (" (tie)" if r["tie"] else ""),
                r["status"],
                _number(r["support"], 2),
                _counts_text(r["counts"]),
                r["reason"] or "",
            ]
            for r in rows
        ],
    )


def _print_claim(detail: dict, as_json: bool) -> None:
    if as_json:
        echo_json(_jsonable(detail))
        return
    d = detail
    click.echo(f"{d['claim_id']}: {d['claim_text']}")
    click.echo(
        f"  {d['method']}, {_population(d['include_simulated'])}: {d['verdict'] or '-'}"
        f"{' (tie)' if d['tie'] else ''} — {d['status']}" + (f" ({d['reason']})" if d["reason"] else "")
    )
    click.echo(
        f"  counts {', '.join(f'{k} {v}' for k, v in d['counts'].items())}, support {_number(d['support'], 2)}, {d['n_judgments']} judgments"
        f" by {d['n_annotators']} annotators in {d['n_articles']} articles"
    )
    if d["adjudication"]:
        a = d["adjudication"]
        click.echo(
            f"  adjudicated {a['verdict']} by {a['adjudicator']} at {_jsonable(a['created_at'])}: {a['reason']}"
            f" (computed: {d['computed_verdict'] or '-'})"
        )
    click.echo("\nmentions, by publication date:")
    echo_table(
        ["mention", "article", "published", "verdict", "status", "support", "counts", "why"],
        [
            [
                str(m["mention_id"]),
                m["article"] or str(m["article_id"]),
                (m["published_on"] or "undated")
                + (" (year inferred)" if m["published_year_inferred"] else ""),
                (m["verdict"] or "-") + (" (tie)" if m["tie"] else ""),
                m["status"],
                _number(m["support"], 2),
                _counts_text(m["counts"]),
                m["reason"] or "",
            ]
            for m in d["mentions"]
        ],
    )
    click.echo("\ntimeline (majority as of each date, pooling the mentions published by then):")
    echo_table(
        ["date", "verdict", "status", "support", "counts", "articles"],
        [
            [
                t["date"],
                (t["verdict"] or "-") + (" (tie)" if t["tie"] else ""),
                t["status"],
                _number(t["support"], 2),
                _counts_text(t["counts"]),
                str(t["n_articles"]),
            ]
            for t in d["timeline"]
        ],
    )


def _print_mentions(rows: list[dict], method: str, include_simulated: bool, as_json: bool) -> None:
    if as_json:
        echo_json(_jsonable({"method": method, "include_simulated": include_simulated, "mentions": rows}))
        return
    click.echo(f"{method}, {_population(include_simulated)}: {len(rows)} mentions")
    echo_table(
        ["mention", "claim", "article", "published", "verdict", "status", "support", "counts", "why"],
        [
            [
                str(m["mention_id"]),
                m["claim_id"],
                m["article"] or str(m["article_id"]),
                m["published_on"] or "undated",
                (m["verdict"] or "-") + (" (tie)" if m["tie"] else ""),
                m["status"],
                _number(m["support"], 2),
                _counts_text(m["counts"]),
                m["reason"] or "",
            ]
            for m in rows
        ],
    )


# -- annotator agreement ---------------------------------------------------------------------


@main.command()
@_options(common_csv)
@click.option("--claim", "claim_id", help="Store: one claim's agreement, over its mentions.")
@click.option("--claims", "per_claim", is_flag=True, help="Store: every claim's figures.")
@with_app
def agreement(csv_path, labels, ordered, duplicates, include_simulated, as_json, claim_id, per_claim) -> None:
    """Agreement between annotators: Krippendorff's alpha, Fleiss' kappa, percent
    agreement, Cohen's kappa per pair, each annotator against the consensus.

    An undefined figure is shown as undefined, with the reason.
    """
    from ..db import get_session
    from ..services.verdicts import agreement as agreement_service
    from ..verdicts import project_agreement

    if csv_path is not None:
        _csv_only(claim=claim_id, claims=per_claim, include_simulated=include_simulated)
        j = read_csv_judgments(csv_path, labels, ordered=ordered, duplicates=duplicates)
        report = project_agreement(j)
        data = {
            "source": str(csv_path),
            "labels": list(j.labels.labels),
            "ordered": j.labels.ordered,
            "n_units": len(j.units),
            "n_judgments": j.n_judgments,
            "n_annotators": len(j.annotators),
            "dropped": dict(j.dropped),
            **agreement_service.figures_dict(report),
            "pairs": agreement_service.pairs_dict(report),
            "annotators": agreement_service.annotators_list(report),
        }
        if as_json:
            echo_json(_jsonable(data))
        else:
            click.echo(f"{csv_path.name}: {_table_summary(j)}")
            click.echo(
                f"labels {', '.join(map(str, j.labels.labels))} ({'ordered' if j.labels.ordered else 'nominal'})"
            )
            _print_agreement(data)
        return
    _store_only(labels, ordered, duplicates)
    session = get_session()
    if per_claim:
        rows = agreement_service.claims_agreement_store(session, _rules(), include_simulated)
        if as_json:
            echo_json(_jsonable({"include_simulated": include_simulated, "claims": rows}))
            return
        click.echo(f"agreement per claim, over its mentions; {_population(include_simulated)}")
        echo_table(
            [
                "claim",
                "units",
                "judg.",
                "annot.",
                "alpha",
                "alpha (ordered)",
                "fleiss",
                "percent",
                "undefined because",
            ],
            [
                [
                    r["claim_id"],
                    str(r["n_units"]),
                    str(r["n_judgments"]),
                    str(r["n_annotators"]),
                    *[_number(r[f]["value"]) for f in agreement_service.FIGURES],
                    "; ".join(sorted({r[f]["reason"] for f in agreement_service.FIGURES if r[f]["reason"]})),
                ]
                for r in rows
            ],
        )
        return
    if claim_id is not None:
        data = agreement_service.claim_agreement_store(session, _rules(), claim_id, include_simulated)
        title = f"claim {claim_id}, over its mentions"
    else:
        data = agreement_service.full_agreement_store(session, _rules(), include_simulated)
        title = "the project"
    if as_json:
        echo_json(_jsonable(data))
        return
    click.echo(
        f"{title}; {_population(include_simulated)}: {data['n_judgments']} judgments of {data['n_units']} mentions"
        f" by {data['n_annotators']} annotators"
        + (f" (left out: {_dropped(data['dropped'])})" if data["dropped"] else "")
    )
    _print_agreement(data)


def _name(who: dict) -> str:
    return str(who.get("email") or who["annotator"])


def _print_agreement(data: dict) -> None:
    from ..services.verdicts import agreement as agreement_service

    echo_table(
        ["figure", "value", "units", "note"],
        [
            [
                FIGURE_NAMES[name],
                _number(data[name]["value"]) if data[name]["defined"] else "undefined",
                str(data[name]["n_units"]),
                data[name]["reason"] or data[name]["note"] or "",
            ]
            for name in agreement_service.FIGURES
        ],
    )
    pairs = data["pairs"]
    names = [_name(w) for w in pairs["annotators"]]
    if len(names) >= 2:
        click.echo("\nCohen's kappa, annotator x annotator (units both judged in brackets):")
        echo_table(
            ["", *names],
            [
                [
                    name,
                    *[
                        (
                            "-"
                            if i == k
                            else (
                                f"{_number(kappa)} ({units})"
                                if kappa is not None
                                else f"undefined ({units or 0})"
                            )
                        )
                        for k, (kappa, units) in enumerate(
                            zip(pairs["matrix"]["kappa"][i], pairs["matrix"]["n_units"][i], strict=True)
                        )
                    ],
                ]
                for i, name in enumerate(names)
            ],
        )
        undefined = [p for p in pairs["pairs"] if p["reason"]]
        for p in undefined:
            click.echo(f"  {p['annotator_a']} / {p['annotator_b']}: undefined, {p['reason']}")
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
                _number(a["agreement"]),
                _number(a["kappa"]),
                a["reason"] or "",
            ]
            for a in data["annotators"]
        ],
    )


# -- adjudication ----------------------------------------------------------------------------


@main.command()
@click.argument("claim_id")
@click.argument("verdict")
@click.option("--reason", required=True, help="Why: kept in the audit trail.")
@click.option("--by", "adjudicator", required=True, help="Who decides.")
@click.option("--mention", "mention_id", type=int, help="Adjudicate one mention of the claim, not the claim.")
@click.option(
    "--include-simulated", is_flag=True, help="Record the computed verdict with simulated judgments."
)
@click.option("--json", "as_json", is_flag=True)
@with_app
def adjudicate(claim_id, verdict, reason, adjudicator, mention_id, include_simulated, as_json) -> None:
    """Record an adjudicator's VERDICT on CLAIM_ID; it stands from now on.

    It replaces the adjudication that stood for the claim (or mention), which
    stays in the audit trail; the vote counts stay visible beside it.
    """
    from ..db import transaction
    from ..services import verdicts as service

    with transaction() as session:
        adjudication = service.record_adjudication(
            session,
            _rules(),
            claim_id=claim_id,
            verdict=verdict,
            reason=reason,
            adjudicator=adjudicator,
            mention_id=mention_id,
            include_simulated=include_simulated,
        )
        data = service.adjudication_dicts(session, [adjudication])[0]
    if as_json:
        echo_json(_jsonable(data))
        return
    target = f"claim {claim_id}" + (f", mention {mention_id}" if mention_id else "")
    click.echo(f"adjudication {data['id']}: {target} is {data['verdict']} (by {data['adjudicator']})")
    click.echo(f"  replaces: {_replaced_text(data)}")


def _replaced_text(data: dict) -> str:
    parts = []
    if data["replaced"]:
        r = data["replaced"]
        parts.append(f"adjudication {r['id']} ({r['verdict']} by {r['adjudicator']})")
    computed = data["computed"]
    if computed:
        parts.append(
            f"computed {computed['method']} verdict {computed['verdict'] or '-'}"
            f" ({computed['status']}{': ' + computed['reason'] if computed['reason'] else ''};"
            f" counts {_counts_text(computed['counts'])})"
        )
    return "; ".join(parts) or "-"


@main.command()
@click.option("--pending", is_flag=True, help="What needs adjudication, instead of the audit trail.")
@click.option("--mentions", "per_mention", is_flag=True, help="With --pending: mentions, not claims.")
@click.option("--claim", "claim_id", help="Only this claim.")
@click.option(
    "--method", type=click.Choice(METHODS), help="With --pending; default: config/verdicts.yaml."
)
@click.option(
    "--include-simulated", is_flag=True, help="With --pending: count simulated annotators' judgments too."
)
@click.option("--json", "as_json", is_flag=True)
@with_app
def adjudications(pending, per_mention, claim_id, method, include_simulated, as_json) -> None:
    """The audit trail of adjudications (newest first), or with --pending what needs one."""
    from ..db import get_session, transaction
    from ..services import verdicts as service

    method = method or _rules().method
    if pending and per_mention:
        with transaction() as session:
            rows = service.pending_mentions(session, _rules(), method, include_simulated, claim_id)
        _print_mentions(rows, method, include_simulated, as_json)
        return
    if pending:
        with transaction() as session:
            target = service.verdict_set(session, _rules(), method, include_simulated)
            query = service.claim_verdict_rows(target, status="needs adjudication", claim_id=claim_id)
            rows = [
                service.claim_verdict_dict(row, target, _rules().labels) for row in session.scalars(query)
            ]
        if as_json:
            echo_json(_jsonable({"method": method, "include_simulated": include_simulated, "claims": rows}))
            return
        click.echo(f"{len(rows)} claims need adjudication ({method}, {_population(include_simulated)})")
        echo_table(
            ["claim", "verdict", "support", "counts", "judg.", "articles", "why"],
            [
                [
                    r["claim_id"],
                    (r["verdict"] or "-") + (" (tie)" if r["tie"] else ""),
                    _number(r["support"], 2),
                    _counts_text(r["counts"]),
                    str(r["n_judgments"]),
                    str(r["n_articles"]),
                    r["reason"] or "",
                ]
                for r in rows
            ],
        )
        return
    if per_mention:
        raise click.UsageError("--mentions goes with --pending")
    session = get_session()
    rows = service.adjudication_dicts(
        session, session.scalars(service.adjudication_trail(session, claim_id=claim_id))
    )
    if as_json:
        echo_json(_jsonable(rows))
        return
    echo_table(
        ["id", "when", "claim", "mention", "verdict", "by", "standing", "replaces", "reason"],
        [
            [
                str(r["id"]),
                _jsonable(r["created_at"])[:19],
                r["claim_id"],
                str(r["mention_id"] or "-"),
                r["verdict"],
                r["adjudicator"],
                "yes" if r["standing"] else f"no (by {r['replaced_by_id']})",
                _replaced_text(r),
                r["reason"],
            ]
            for r in rows
        ],
    )
