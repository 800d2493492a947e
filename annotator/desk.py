"""The desk's people kept in step with Label Studio, as the API and the CLI change them.

An annotator's Label Studio login is made only here, by a coordinator, and is
linked to a desk account with the ``annotator`` role; deactivating that account
deactivates the Label Studio login too, so it can no longer read anything there.
The desk side is stored first: if Label Studio then refuses, the person is still
locked out of the service and the error says to run the command again.
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from sqlalchemy.orm import Session

from .config import Settings
from .db import transaction
from .errors import Conflict, LabelStudioError
from .labelstudio.annotators import NewAnnotator, add_annotator, set_login_active
from .models import Annotator, Person, PersonRole
from .services import accounts
from .services.audit import Actor, record
from .vocabulary import Role

__all__ = ["add_annotator_account", "set_person_active", "link_annotators", "first_admin"]


def add_annotator_account(
    session: Session, actor: Actor, settings: Settings, email: str, *, name: str | None = None, password: str | None = None
) -> NewAnnotator:
    """A Label Studio login for ``email`` and the desk account it belongs to (made, or
    given the annotator role)."""
    new = add_annotator(session, settings, email, name=name, password=password)
    person = accounts.find_person(session, email)
    if person is None:
        accounts.add_person(
            session, actor, email, name=name, roles=[Role.ANNOTATOR], annotator_id=new.annotator.id
        )
    else:
        if person.annotator_id is not None:
            raise Conflict(f"{email} is already linked to annotator {person.annotator_id}", {"email": [email]})
        person.annotator_id = new.annotator.id
        if Role.ANNOTATOR not in person.roles:
            accounts.set_roles(session, actor, person, [*person.roles, Role.ANNOTATOR])
    record(session, actor, "annotator.add", new.annotator, after={"email": email, "ls_user_id": new.annotator.ls_user_id})
    return new


def set_person_active(actor: Actor, settings: Settings, *, person_id: int | None = None, email: str | None = None,
                      active: bool) -> dict:
    """(De)activate a desk account and, for an annotator, their Label Studio login."""
    with transaction() as session:
        person = (
            accounts.require_person(session, person_id)
            if person_id is not None
            else accounts.person_by_email(session, email or "")
        )
        (accounts.reactivate if active else accounts.deactivate)(session, actor, person)
        annotator = person.annotator
        summary = accounts.person_dict(person)
    if annotator is not None and annotator.ls_user_id is not None and not annotator.simulated:
        try:
            set_login_active(settings, annotator.ls_user_id, active)
        except LabelStudioError as error:
            state = "reactivated" if active else "deactivated"
            raise LabelStudioError(
                f"{summary['email']} is {state} here, but Label Studio did not follow: {error.message}."
                " Run the same command again once Label Studio answers.",
                error.errors,
            ) from error
        with transaction() as session:
            record(session, actor, "annotator.login", annotator, after={"ls_user_id": annotator.ls_user_id, "active": active})
    return summary


def link_annotators(session: Session, actor: Actor) -> int:
    """Give every annotator without a desk account one (the annotator role, no
    password): the demo's simulated annotators, and people an existing Label Studio
    named in their first judgment.  Returns how many were made."""
    linked = sa.select(Person.annotator_id).where(Person.annotator_id.is_not(None))
    made = 0
    for annotator in session.scalars(sa.select(Annotator).where(Annotator.id.not_in(linked)).order_by(Annotator.id)):
        if accounts.find_person(session, annotator.email) is None:
            accounts.add_person(
                session, actor, annotator.email, name=annotator.name, roles=[Role.ANNOTATOR], annotator_id=annotator.id
            )
            made += 1
    return made


def first_admin(session: Session, actor: Actor, settings: Settings) -> tuple[str, str | None]:
    """Make the first admin when the desk has none: ``settings.admin_email`` with
    ``settings.admin_password``, else a generated password.  Returns the admin's e-mail
    and the password to print once (None when an admin existed or one was configured)."""
    existing = session.scalar(
        sa.select(Person.email).join(PersonRole).where(PersonRole.role == Role.ADMIN, Person.active).order_by(Person.id)
    )
    if existing is not None:
        return existing, None
    password = settings.admin_password or secrets.token_urlsafe(15)
    person = accounts.find_person(session, settings.admin_email)
    if person is None:
        accounts.add_person(session, actor, settings.admin_email, name="Desk admin", roles=[Role.ADMIN], password=password)
    else:  # the address is on the desk already: make that person the admin
        accounts.set_roles(session, actor, person, [*person.roles, Role.ADMIN])
        accounts.set_password(session, actor, person, password)
        accounts.reactivate(session, actor, person)
    return settings.admin_email, None if settings.admin_password else password
