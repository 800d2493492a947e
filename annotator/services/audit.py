"""The audit log: every change to the store, with who made it, how and when, and what
it was before and after.

An :class:`Actor` is whoever a write path acts for: a desk person who logged in or
sent a token (built by the API from the request), the local operator on the CLI
(:meth:`Actor.local_operator`), or Label Studio delivering a judgment.  A write
path records its event in the same transaction as its change, so the log holds
exactly what was stored.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import getpass
import socket
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..models import AuditEvent
from ..vocabulary import Role

__all__ = ["Actor", "record", "events", "event_dict", "LABEL_STUDIO"]


@dataclasses.dataclass(frozen=True)
class Actor:
    """Who a write is made for.  ``person_id`` is None for the local operator and for
    Label Studio."""

    label: str
    via: str
    person_id: int | None = None
    roles: frozenset[Role] = frozenset()

    @property
    def is_operator(self) -> bool:
        """The CLI on this machine: whoever can run it can already write the store."""
        return self.via == "cli"

    @classmethod
    def for_person(cls, person, via: str) -> Actor:
        return cls(label=person.label, via=via, person_id=person.id, roles=person.roles)

    @classmethod
    def local_operator(cls) -> Actor:
        try:
            user = getpass.getuser()
        except (KeyError, OSError):  # no name for this uid (containers)
            user = "unknown"
        return cls(label=f"local operator {user}@{socket.gethostname()}", via="cli")


#: Label Studio delivering annotations by webhook: each judgment's author is the
#: annotator Label Studio names (kept on the judgment); the delivery is Label Studio's.
LABEL_STUDIO = Actor(label="Label Studio", via="labelstudio")


def record(
    session: Session,
    actor: Actor,
    action: str,
    target: Any = None,
    *,
    target_type: str | None = None,
    target_id: Any = None,
    claim_id: str | None = None,
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEvent:
    """Add one event: ``action`` (``claim.update``, ``adjudication.add``, ...) on ``target``
    (a model row, or ``target_type``/``target_id``)."""
    if target is not None:
        target_type = target_type or target.__tablename__
        target_id = target_id if target_id is not None else getattr(target, "id", None)
    event = AuditEvent(
        actor_id=actor.person_id,
        actor=actor.label[:255],
        via=actor.via[:120],
        action=action,
        target_type=target_type or "store",
        target_id=None if target_id is None else str(target_id),
        claim_id=claim_id,
        before=_jsonable(before),
        after=_jsonable(after),
    )
    session.add(event)
    return event


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_jsonable(v) for v in value]
        return sorted(items, key=str) if isinstance(value, (set, frozenset)) else items
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def events(
    *,
    claim_id: str | None = None,
    actor_id: int | None = None,
    action: str | None = None,
    since: dt.datetime | None = None,
) -> sa.Select:
    """The log, newest first, narrowed by the given filters (a query for paging)."""
    query = sa.select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if claim_id is not None:
        query = query.where(AuditEvent.claim_id == claim_id)
    if actor_id is not None:
        query = query.where(AuditEvent.actor_id == actor_id)
    if action is not None:
        query = query.where(
            AuditEvent.action.startswith(action, autoescape=True) if action.endswith(".") else AuditEvent.action == action
        )
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    return query


def event_dict(event: AuditEvent) -> dict:
    return {
        "id": event.id,
        "at": event.at,
        "actor": event.actor,
        "actor_id": event.actor_id,
        "via": event.via,
        "action": event.action,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "claim_id": event.claim_id,
        "before": event.before,
        "after": event.after,
    }
