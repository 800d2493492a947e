"""``annotator people``, ``annotator tokens`` and ``annotator audit``: the desk's accounts
from the machine the store is on.

The command line acts as the local operator (whoever can run it can already write
the store): it may add anyone, grant any role and revoke any token, and the audit
log names it as ``local operator <user>@<host>``.
"""

from __future__ import annotations

import click

from ..vocabulary import ROLES
from .base import echo_json, echo_table, main, with_app
from .verdict_format import json_option, jsonable

role_option = click.option(
    "--role", "roles", multiple=True, type=click.Choice(ROLES), help="A role to hold (repeat for several)."
)


def _operator():
    from ..services.audit import Actor

    return Actor.local_operator()


def _person(session, email: str):
    from ..services.accounts import person_by_email

    return person_by_email(session, email)


def _generated_password() -> str:
    import secrets

    return secrets.token_urlsafe(15)


@main.group()
def people() -> None:
    """Desk accounts and their roles."""


@people.command("add")
@click.argument("email")
@role_option
@click.option("--name", help="Display name (shown beside their decisions).")
@click.option("--login", is_flag=True, help="Give them a generated password for the service's pages, printed once.")
@with_app
def people_add(email: str, roles: tuple[str, ...], name: str | None, login: bool) -> None:
    """Add a person with their roles (--role, at least one)."""
    from ..db import transaction
    from ..errors import InputError
    from ..services.accounts import add_person

    if not roles:
        raise InputError("give at least one --role", {"--role": [f"one of {', '.join(ROLES)}"]})
    password = _generated_password() if login else None
    with transaction() as session:
        person = add_person(session, _operator(), email, name=name, roles=roles, password=password)
        summary = f"{person.label}: {', '.join(sorted(person.roles))}"
    click.echo(f"added {summary}")
    if password:
        click.echo(f"  password: {password}  (shown once)")


@people.command("list")
@json_option
@with_app
def people_list(as_json: bool) -> None:
    """Everyone on the desk, active or not."""
    import sqlalchemy as sa

    from ..db import get_session
    from ..models import Person
    from ..services.accounts import person_dict

    rows = [person_dict(p) for p in get_session().scalars(sa.select(Person).order_by(Person.id))]
    if as_json:
        echo_json(jsonable(rows))
        return
    echo_table(
        ["id", "email", "name", "roles", "state"],
        [
            [str(r["id"]), r["email"], r["name"] or "", ",".join(r["roles"]) or "-",
             ("active" if r["active"] else "deactivated") + ("" if r["can_log_in"] else ", no password")]
            for r in rows
        ],
    )


@people.command("roles")
@click.argument("email")
@role_option
@with_app
def people_roles(email: str, roles: tuple[str, ...]) -> None:
    """Replace a person's roles with the --role options given (none: no role)."""
    from ..db import transaction
    from ..services.accounts import set_roles

    with transaction() as session:
        person = set_roles(session, _operator(), _person(session, email), roles)
        click.echo(f"{person.label}: {', '.join(sorted(person.roles)) or 'no role'}")


@people.command("password")
@click.argument("email")
@with_app
def people_password(email: str) -> None:
    """Give a person a new generated password (printed once); their sessions end."""
    from ..db import transaction
    from ..services.accounts import set_password

    password = _generated_password()
    with transaction() as session:
        set_password(session, _operator(), _person(session, email), password)
    click.echo(f"password: {password}  (shown once)")


@people.command("deactivate")
@click.argument("email")
@with_app
def people_deactivate(email: str) -> None:
    """Stop a person logging in or using tokens (their Label Studio login too); their work stays theirs."""
    click.echo(f"{_set_active(email, False)} deactivated")


@people.command("reactivate")
@click.argument("email")
@with_app
def people_reactivate(email: str) -> None:
    """Let a deactivated person in again (their Label Studio login too)."""
    click.echo(f"{_set_active(email, True)} active again")


def _set_active(email: str, active: bool) -> str:
    from flask import current_app

    from ..desk import set_person_active

    return set_person_active(_operator(), current_app.extensions["annotator.settings"], email=email, active=active)["email"]


@main.group()
def tokens() -> None:
    """API tokens for scripts (sent as `Authorization: Bearer <token>`)."""


@tokens.command("issue")
@click.argument("email")
@click.argument("name")
@click.option("--expires-in-days", type=click.IntRange(1, 3650), help="Default: valid until revoked.")
@with_app
def tokens_issue(email: str, name: str, expires_in_days: int | None) -> None:
    """Make an API token NAME for the person EMAIL; it is printed once."""
    from ..db import transaction
    from ..services.accounts import issue_token

    with transaction() as session:
        token, secret = issue_token(session, _operator(), _person(session, email), name, expires_in_days=expires_in_days)
        token_id = token.id
    click.echo(f"token {token_id} ({name}) for {email}:")
    click.echo(secret)
    click.echo("  shown once: store it now (the service keeps only its digest)", err=True)


@tokens.command("list")
@click.argument("email", required=False)
@json_option
@with_app
def tokens_list(email: str | None, as_json: bool) -> None:
    """Tokens (of EMAIL, or everyone's): prefix, last use, revoked or not."""
    import sqlalchemy as sa

    from ..db import get_session
    from ..models import ApiToken
    from ..services.accounts import token_dict

    session = get_session()
    query = sa.select(ApiToken).order_by(ApiToken.id)
    if email:
        query = query.where(ApiToken.person_id == _person(session, email).id)
    rows = [token_dict(t) | {"email": t.person.email} for t in session.scalars(query)]
    if as_json:
        echo_json(jsonable(rows))
        return
    echo_table(
        ["id", "email", "name", "prefix", "last used", "state"],
        [
            [str(r["id"]), r["email"], r["name"], r["prefix"] + "…", str(jsonable(r["last_used_at"]) or "never"),
             "revoked" if r["revoked_at"] else "live"]
            for r in rows
        ],
    )


@tokens.command("revoke")
@click.argument("token_id", type=int)
@with_app
def tokens_revoke(token_id: int) -> None:
    """Revoke a token: it stops working at once."""
    from ..db import transaction
    from ..services.accounts import revoke_token

    with transaction() as session:
        revoke_token(session, _operator(), token_id)
    click.echo(f"token {token_id} revoked")


@main.command()
@click.option("--claim", "claim_id", help="Only events about this claim.")
@click.option("--action", help="One action (claim.update), or a prefix ending in a dot (person.).")
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True)
@json_option
@with_app
def audit(claim_id: str | None, action: str | None, limit: int, as_json: bool) -> None:
    """The audit log, newest first: who changed what, when, and how."""
    from ..db import get_session
    from ..services.audit import event_dict, events

    rows = [event_dict(e) for e in get_session().scalars(events(claim_id=claim_id, action=action).limit(limit))]
    if as_json:
        echo_json(jsonable(rows))
        return
    echo_table(
        ["at", "who", "via", "action", "target"],
        [
            [str(jsonable(r["at"]))[:19], r["actor"], r["via"], r["action"],
             f"{r['target_type']} {r['target_id'] or ''}".strip() + (f" (claim {r['claim_id']})" if r["claim_id"] else "")]
            for r in rows
        ],
    )
