"""Desk accounts: people, their roles, their passwords and their API tokens.

Passwords are hashed with Argon2id (argon2-cffi's defaults, RFC 9106's second
recommended profile) and never kept or logged in clear.  API tokens are 256
random bits, shown once and stored as a SHA-256 digest (see
:class:`annotator.models.ApiToken`).  Every change is written to the audit log
by the caller's :class:`~annotator.services.audit.Actor`; nobody may change their
own roles, so a coordinator cannot make themselves an admin.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session, joinedload

from ..errors import Conflict, Forbidden, InputError, NotFound
from ..models import ApiToken, Person, PersonRole, as_utc, utcnow
from ..vocabulary import ROLES, Role
from .audit import Actor, record

__all__ = [
    "TOKEN_PREFIX",
    "MIN_PASSWORD_LENGTH",
    "hash_password",
    "add_person",
    "find_person",
    "person_by_email",
    "require_person",
    "set_roles",
    "rename",
    "set_password",
    "deactivate",
    "reactivate",
    "check_password",
    "acting_for",
    "issue_token",
    "revoke_token",
    "person_for_token",
    "person_dict",
    "token_dict",
]

#: Marks the service's tokens, so a leaked one is recognisable in a log or a scan.
TOKEN_PREFIX = "ann_"
MIN_PASSWORD_LENGTH = 12
_HASHER = PasswordHasher()
#: Verified when the e-mail is unknown, so a login takes as long either way.
_DUMMY_HASH = _HASHER.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputError(
            f"the password is too short: use at least {MIN_PASSWORD_LENGTH} characters",
            {"password": [f"at least {MIN_PASSWORD_LENGTH} characters"]},
        )
    if len(password) > 1024:
        raise InputError("the password is too long", {"password": ["at most 1024 characters"]})
    return _HASHER.hash(password)


def _normal_email(email: str) -> str:
    email = email.strip().lower()
    if "@" not in email or len(email) > 255:
        raise InputError(f"not an e-mail address: {email!r}", {"email": ["an e-mail address, at most 255 characters"]})
    return email


def _roles(roles: Iterable[str]) -> set[Role]:
    unknown = sorted(set(roles) - set(ROLES))
    if unknown:
        raise InputError(
            f"unknown role(s): {', '.join(unknown)}", {"roles": [f"choose from {', '.join(ROLES)}"]}
        )
    return {Role(role) for role in roles}


def find_person(session: Session, email: str) -> Person | None:
    return session.scalar(sa.select(Person).where(Person.email == email.strip().lower()))


def person_by_email(session: Session, email: str) -> Person:
    person = find_person(session, email)
    if person is None:
        raise NotFound(f"no desk account for {email}: `annotator people add` makes one", {"email": [email]})
    return person


def require_person(session: Session, person_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(f"no person {person_id}", {"person_id": [str(person_id)]})
    return person


def person_dict(person: Person) -> dict:
    return {
        "id": person.id,
        "email": person.email,
        "name": person.name,
        "roles": sorted(person.roles),
        "active": person.active,
        "can_log_in": person.password_hash is not None,
        "annotator_id": person.annotator_id,
        "created_at": person.created_at,
        "deactivated_at": person.deactivated_at,
    }


def add_person(
    session: Session,
    actor: Actor,
    email: str,
    *,
    name: str | None = None,
    roles: Iterable[str] = (),
    password: str | None = None,
    annotator_id: int | None = None,
) -> Person:
    """Add someone to the desk with ``roles`` (and a password, to log in to the service)."""
    email = _normal_email(email)
    if find_person(session, email) is not None:
        raise Conflict(f"{email} already has a desk account", {"email": [email]})
    granted = _roles(roles)
    _may_grant(actor, granted)
    person = Person(
        email=email,
        name=(name or "").strip() or None,
        password_hash=hash_password(password) if password else None,
        annotator_id=annotator_id,
        role_rows=[PersonRole(role=role) for role in sorted(granted)],
    )
    session.add(person)
    session.flush()
    record(session, actor, "person.add", person, after=_public(person))
    return person


def _may_grant(actor: Actor, roles: set[Role]) -> None:
    # Only an admin hands out admin; the local operator (the CLI) stands for the
    # machine's owner and may.
    if Role.ADMIN in roles and not actor.is_operator and Role.ADMIN not in actor.roles:
        raise Forbidden("only an admin may grant the admin role", {"roles": ["admin"]})


def set_roles(session: Session, actor: Actor, person: Person, roles: Iterable[str]) -> Person:
    """Replace ``person``'s roles; nobody changes their own."""
    if actor.person_id == person.id:
        raise Forbidden("nobody may change their own roles: ask another admin", {"roles": ["your own"]})
    granted = _roles(roles)
    if (Role.ADMIN in granted) != (Role.ADMIN in person.roles):
        _may_grant(actor, {Role.ADMIN})
    before = _public(person)
    person.role_rows = [PersonRole(role=role) for role in sorted(granted)]
    session.flush()
    record(session, actor, "person.roles", person, before=before, after=_public(person))
    return person


def rename(session: Session, actor: Actor, person: Person, name: str | None) -> Person:
    name = (name or "").strip() or None
    if name != person.name:
        before = _public(person)
        person.name = name
        record(session, actor, "person.rename", person, before=before, after=_public(person))
    return person


def set_password(session: Session, actor: Actor, person: Person, password: str) -> Person:
    person.password_hash = hash_password(password)
    record(session, actor, "person.password", person)
    return person


def deactivate(session: Session, actor: Actor, person: Person) -> Person:
    """Stop ``person`` from logging in or using a token; what they did stays theirs."""
    if actor.person_id == person.id:
        raise Forbidden("you cannot deactivate yourself: ask another admin", {"person_id": [str(person.id)]})
    if person.active:
        before = _public(person)
        person.active = False
        person.deactivated_at = utcnow()
        record(session, actor, "person.deactivate", person, before=before, after=_public(person))
    return person


def reactivate(session: Session, actor: Actor, person: Person) -> Person:
    if not person.active:
        before = _public(person)
        person.active = True
        person.deactivated_at = None
        record(session, actor, "person.reactivate", person, before=before, after=_public(person))
    return person


def check_password(session: Session, email: str, password: str) -> Person | None:
    """The active person with this e-mail and password, else None (in the same time)."""
    person = find_person(session, email)
    stored = person.password_hash if person is not None else None
    try:
        _HASHER.verify(stored or _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if person is None or stored is None or not person.active:
        return None
    if _HASHER.check_needs_rehash(stored):
        person.password_hash = _HASHER.hash(password)
    return person


def acting_for(session: Session, email: str, role: Role) -> Actor:
    """The local operator entering a decision on behalf of the desk person ``email``,
    who must be active and hold ``role`` (or admin)."""
    person = find_person(session, email)
    if person is None:
        raise NotFound(f"no desk account for {email}: add it with `annotator people add`", {"by": [email]})
    if not person.active:
        raise Forbidden(f"{person.email} is deactivated", {"by": [email]})
    if role not in person.roles and Role.ADMIN not in person.roles:
        raise Forbidden(f"{person.email} does not hold the {role.value} role", {"by": [email]})
    operator = Actor.local_operator()
    return Actor(label=person.label, via=f"cli, entered by {operator.label}", person_id=person.id, roles=person.roles)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(
    session: Session, actor: Actor, person: Person, name: str, *, expires_in_days: int | None = None
) -> tuple[ApiToken, str]:
    """A new token for ``person``: the row, and the token itself (shown once, never stored)."""
    name = name.strip()
    if not name or len(name) > 100:
        raise InputError("name the token (at most 100 characters)", {"name": ["1 to 100 characters"]})
    if not person.active:
        raise Conflict(f"{person.email} is deactivated: reactivate them first", {"person_id": [str(person.id)]})
    clash = session.scalar(
        sa.select(ApiToken.id).where(
            ApiToken.person_id == person.id, ApiToken.name == name, ApiToken.revoked_at.is_(None)
        )
    )
    if clash is not None:
        raise Conflict(f"{person.email} already has a token named {name!r}: revoke it first", {"name": [name]})
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires_at = utcnow() + dt.timedelta(days=expires_in_days) if expires_in_days else None
    token = ApiToken(person_id=person.id, name=name, prefix=secret[:12], digest=_digest(secret), expires_at=expires_at)
    session.add(token)
    session.flush()
    record(session, actor, "token.issue", token, after=token_dict(token))
    return token, secret


def revoke_token(session: Session, actor: Actor, token_id: int) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(f"no token {token_id}", {"token_id": [str(token_id)]})
    if not (actor.is_operator or actor.person_id == token.person_id or Role.ADMIN in actor.roles):
        raise Forbidden("only its owner or an admin may revoke a token", {"token_id": [str(token_id)]})
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        record(session, actor, "token.revoke", token, after=token_dict(token))
    return token


def person_for_token(session: Session, secret: str) -> tuple[Person, ApiToken] | None:
    """The active person a live token belongs to, stamping its last use; else None."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = session.scalar(
        sa.select(ApiToken).where(ApiToken.digest == _digest(secret)).options(joinedload(ApiToken.person))
    )
    now = utcnow()
    if token is None or token.revoked_at is not None:
        return None
    if token.expires_at is not None and as_utc(token.expires_at) <= now:
        return None
    if not token.person.active:
        return None
    return token.person, token


def token_dict(token: ApiToken) -> dict:
    return {
        "id": token.id,
        "person_id": token.person_id,
        "name": token.name,
        "prefix": token.prefix,
        "created_at": token.created_at,
        "expires_at": token.expires_at,
        "last_used_at": token.last_used_at,
        "revoked_at": token.revoked_at,
    }


def _public(person: Person) -> dict:
    """What the audit log keeps of a person: never the password hash."""
    return {
        "email": person.email,
        "name": person.name,
        "roles": sorted(person.roles),
        "active": person.active,
        "annotator_id": person.annotator_id,
    }
