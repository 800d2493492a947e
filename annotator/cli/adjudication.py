"""``annotator adjudicate`` records an adjudicator's verdict; ``annotator adjudications``
reads the audit trail and what still needs adjudication."""

from __future__ import annotations

import click

from ..vocabulary import VerdictStatus
from .base import echo_json, echo_table, main, with_app
from .verdict_format import (
    counts_text,
    fresh_verdicts,
    include_simulated_option,
    json_option,
    jsonable,
    method_option,
    population,
    print_claims,
    read_claim_page,
    print_mentions,
    verdict_rules,
)

claim_option = click.option("--claim", "claim_id", help="Only this claim.")


@main.command()
@click.argument("claim_id")
@click.argument("verdict")
@click.option("--reason", required=True, help="Why: kept in the audit trail.")
@click.option(
    "--by",
    "editor_email",
    help="The editor (by desk e-mail) whose decision this is; default: recorded as the local operator's.",
)
@click.option("--mention", "mention_id", type=int, help="Adjudicate one mention of the claim, not the claim.")
@click.option(
    "--include-simulated", is_flag=True, help="Record the computed verdict with simulated judgments."
)
@json_option
@with_app
def adjudicate(claim_id, verdict, reason, editor_email, mention_id, include_simulated, as_json) -> None:
    """Record an adjudicator's VERDICT on CLAIM_ID; it stands from now on.

    It replaces the adjudication that stood for the claim (or mention), which
    stays in the audit trail; the vote counts stay visible beside it.
    """
    from ..db import transaction
    from ..services import verdicts as service
    from ..services.accounts import acting_for
    from ..services.audit import Actor
    from ..vocabulary import Role

    with transaction() as session:
        actor = acting_for(session, editor_email, Role.EDITOR) if editor_email else Actor.local_operator()
        adjudication = service.record_adjudication(
            session,
            verdict_rules(),
            claim_id=claim_id,
            verdict=verdict,
            reason=reason,
            actor=actor,
            mention_id=mention_id,
            include_simulated=include_simulated,
        )
        data = service.adjudication_dicts(session, [adjudication])[0]
    if as_json:
        echo_json(jsonable(data))
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
            f" counts {counts_text(computed['counts'])})"
        )
    return "; ".join(parts) or "-"


@main.group()
def adjudications() -> None:
    """The audit trail of adjudications, and what needs one."""


@adjudications.command("list")
@claim_option
@json_option
@with_app
def adjudications_list(claim_id, as_json) -> None:
    """The audit trail, newest first: who decided what, when, and what it replaced."""
    from ..db import get_session
    from ..services import verdicts as service

    session = get_session()
    rows = service.adjudication_dicts(
        session, session.scalars(service.adjudication_trail(session, claim_id=claim_id))
    )
    if as_json:
        echo_json(jsonable(rows))
        return
    echo_table(
        ["id", "when", "claim", "mention", "verdict", "by", "standing", "replaces", "reason"],
        [
            [
                str(r["id"]),
                jsonable(r["created_at"])[:19],
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


@adjudications.command("pending")
@claim_option
@method_option
@include_simulated_option
@json_option
@with_app
def adjudications_pending(claim_id, method, include_simulated, as_json) -> None:
    """The claims whose verdict needs adjudication, and why."""
    page = read_claim_page(method, include_simulated, status=VerdictStatus.NEEDS_ADJUDICATION.value, claim_id=claim_id)
    rows = page["items"]
    if as_json:
        echo_json(jsonable({"method": page["method"], "include_simulated": include_simulated, "claims": rows}))
        return
    click.echo(f"{len(rows)} claims need adjudication ({page['method']}, {population(include_simulated)})")
    print_claims(rows)


@adjudications.command("pending-mentions")
@claim_option
@method_option
@include_simulated_option
@json_option
@with_app
def adjudications_pending_mentions(claim_id, method, include_simulated, as_json) -> None:
    """The mentions (one claim in one article) whose verdict needs adjudication, and why."""
    from ..services.verdicts import pending_mentions

    method = method or verdict_rules().method
    with fresh_verdicts(method, include_simulated) as session:
        rows = pending_mentions(session, verdict_rules(), method, include_simulated, claim_id)
    print_mentions(rows, method, include_simulated, as_json)
