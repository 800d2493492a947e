"""Verdict sets: the stored claim verdicts, and the only code that writes them.

One :class:`~annotator.models.VerdictSet` per (method, population) with one
:class:`~annotator.models.ClaimVerdict` per catalogue claim.  Reads only read a
stored set (:func:`stored_set`); the write paths keep the sets fresh:
:func:`update_verdict_sets` builds every set at start-up (and before a CLI read),
rebuilding one whose rules in ``config/`` changed or whose store changed behind
its back (its *signature*: counts and last changes of mentions, claims,
annotators, revisions and judgments), and every write that changes what a claim's
verdict depends on — gathering (webhook, sync), catalogue and mention edits,
ingest — calls :func:`refresh_verdicts` in its transaction with the claims or
mentions it touched.  Dawid–Skene sets keep their fitted model: a refresh scores
the changed claims with it (equal to a full run under the same model), and refits
everything when an annotator it does not know has judged or when the judgments of
the claims refreshed since the fit reach ``dawid_skene.refit_share`` of those it
was fitted on.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from ...db import conflict_free_insert
from ...errors import NotReady
from ...models import Annotator, ArticleRevision, Claim, ClaimVerdict, Judgment, Mention, VerdictSet, utcnow
from ...rules.verdicts import VerdictRules
from ...verdicts import DawidSkeneModel, Method, count_column
from ...vocabulary import METHODS, STORE_VERDICTS
from .compute import check_method, claim_frame, fit_model, knows_all, model_from_params, model_params, overlay
from .table import StoreTable, chunks, load_table, standing_adjudications

__all__ = [
    "stored_set",
    "verdict_set",
    "update_verdict_sets",
    "rebuild_verdicts",
    "refresh_verdicts",
    "scoring_model",
]


def _signature(session: Session) -> tuple[str, str]:
    """The state of the store a set reflects: (structure, judgments).

    A refresh follows the judgments' part only, so a change to mentions, claims
    or annotators made without one is still noticed and rebuilds the set.
    """

    def stats(model: type, *values: Any) -> Any:
        return sa.select(*values).select_from(model).subquery()

    simulated = sa.func.sum(sa.case((Annotator.simulated, 1), else_=0))
    # one scan per table: single-row subqueries joined side by side
    parts = [
        stats(Mention, sa.func.count(), sa.func.max(Mention.updated_at)),
        stats(Claim, sa.func.count(), sa.func.max(Claim.updated_at)),
        stats(Annotator, sa.func.count(), simulated),
        stats(ArticleRevision, sa.func.max(ArticleRevision.id)),
        stats(Judgment, sa.func.count(), sa.func.max(Judgment.updated_at)),
    ]
    query = sa.select(*[c for part in parts for c in part.c]).select_from(parts[0])
    for part in parts[1:]:
        query = query.join(part, sa.true())
    row = [str(v) for v in session.execute(query).one()]
    return ":".join(row[:-2]), ":".join(row[-2:])


def _set_query(method: str, include_simulated: bool) -> sa.Select:
    return sa.select(VerdictSet).where(
        VerdictSet.method == method, VerdictSet.include_simulated.is_(include_simulated)
    )


def stored_set(
    session: Session, rules: VerdictRules, method: str | None = None, include_simulated: bool = False
) -> VerdictSet:
    """The set of ``method`` (default: the configured one) as the write paths left it,
    for a read: never built, refreshed or locked here."""
    method = method or rules.method
    check_method(method)
    found = session.scalar(_set_query(method, include_simulated))
    if found is None or found.rules != rules.as_dict():
        population = "with" if include_simulated else "without"
        raise NotReady(
            f"the {method} verdicts ({population} simulated annotators) are not built"
            f" for the rules in config/ yet",
            {"verdicts": ["restart the service, or run `annotator verdicts rebuild`, to build them"]},
        )
    return found


def update_verdict_sets(session: Session, rules: VerdictRules) -> list[VerdictSet]:
    """Every set (each method, with and without simulated annotators), built if
    missing and rebuilt if stale: what start-up and the CLI's reads do first."""
    return [verdict_set(session, rules, method, simulated) for method in METHODS for simulated in (False, True)]


def _get_set(session: Session, method: str, include_simulated: bool, *, lock: bool = False) -> VerdictSet:
    """The set, created empty if missing; ``lock``: locked for this transaction
    (its latest committed state), so one writer at a time rebuilds or refreshes it."""
    query = _set_query(method, include_simulated)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    found = session.scalar(query)
    if found is not None:
        return found
    values = {
        "method": method,
        "include_simulated": include_simulated,
        "rules": {},
        "signature": "",
        "changed_since_fit": 0,
        "computed_at": utcnow(),
    }
    # two first readers at once: one creates it, the other finds it
    session.execute(conflict_free_insert(session.get_bind().dialect.name, VerdictSet.__table__), values)
    return session.scalars(query.execution_options(populate_existing=True)).one()


def _fresh(target: VerdictSet, rules: VerdictRules, signature: tuple[str, str]) -> bool:
    return target.rules == rules.as_dict() and target.signature == "|".join(signature)


def verdict_set(
    session: Session,
    rules: VerdictRules,
    method: str | None = None,
    include_simulated: bool = False,
    *,
    refit: bool = False,
) -> VerdictSet:
    """The verdict set of ``method`` (default: the configured one), fresh.

    Built if missing; rebuilt (and a Dawid–Skene model refitted) when the rules
    or the store's signature changed, or with ``refit``.  A fresh set is read
    without a lock.  Flushes; the caller commits.
    """
    method = method or rules.method
    check_method(method)
    current = _get_set(session, method, include_simulated)
    signature = _signature(session)
    if not refit and _fresh(current, rules, signature):
        return current
    current = _get_set(session, method, include_simulated, lock=True)
    if refit or not _fresh(current, rules, signature):  # unless another writer just rebuilt it
        rebuild_verdicts(session, rules, current, signature=signature)
    return current


def rebuild_verdicts(
    session: Session,
    rules: VerdictRules,
    target: VerdictSet,
    *,
    signature: tuple[str, str] | None = None,
    table: StoreTable | None = None,
) -> pd.DataFrame:
    """Recompute a whole set from the store (refitting Dawid–Skene); its claim frame."""
    signature = signature or _signature(session)
    table = table or load_table(session, rules, include_simulated=target.include_simulated)
    model = None
    if target.method == Method.DAWID_SKENE:
        model = fit_model(table, rules)
        target.model = model_params(model) if model is not None else None
        target.model_judgments = table.judgments.n_judgments
        target.changed_since_fit = 0
        target.fitted_at = utcnow()
    frame = claim_frame(table, rules, target.method, model)
    _write_rows(session, target, frame, rules, None)
    target.rules = rules.as_dict()
    target.signature = "|".join(signature)
    target.computed_at = utcnow()
    session.flush()
    return frame


def _write_rows(
    session: Session, target: VerdictSet, frame: pd.DataFrame, rules: VerdictRules, claims: list[str] | None
) -> None:
    """Replace the set's rows of ``claims`` (all: None) by ``frame``'s."""
    table = ClaimVerdict.__table__
    delete = sa.delete(table).where(table.c.set_id == target.id)
    if claims is None:
        session.execute(delete)
    else:
        for part in chunks(claims):
            session.execute(delete.where(table.c.claim_id.in_(part)))
    standing = [
        a
        for part in ([None] if claims is None else chunks(claims))
        for a in standing_adjudications(session, part)
    ]
    adjudications = {a.claim_id: a for a in standing if a.mention_id is None}
    frame = overlay(frame, adjudications)
    if frame.empty:
        return
    now = utcnow()
    n = len(frame)
    columns: dict[str, Any] = {
        "set_id": [target.id] * n,
        "claim_id": frame.index.tolist(),
        "n_judgments": frame["n_judgments"].astype(int).tolist(),
        "n_annotators": frame["n_annotators"].astype(int).tolist(),
        "n_articles": frame["n_articles"].astype(int).tolist(),
        "computed_verdict": frame["computed_verdict"].tolist(),
        "support": [None if math.isnan(s) else float(s) for s in frame["support"].to_numpy(dtype=float)],
        "tie": frame["tie"].astype(bool).tolist(),
        "verdict": frame["verdict"].tolist(),
        "status": frame["status"].tolist(),
        "reason": frame["reason"].tolist(),
        "adjudication_id": frame["adjudication_id"].tolist(),
        "computed_at": [now] * n,
    }
    for verdict in STORE_VERDICTS:
        name = count_column(verdict)
        columns[name] = frame[name].astype(int).tolist() if name in frame else [0] * n
    # Core inserts: a set is thousands of rows, and the ORM would build an object for each
    session.execute(sa.insert(table), [dict(zip(columns, values)) for values in zip(*columns.values())])


def refresh_verdicts(
    session: Session,
    claim_ids: Iterable[str] = (),
    *,
    mention_ids: Iterable[int] = (),
    rules: VerdictRules,
) -> None:
    """Bring the stored verdicts of these claims up to date after a write touched them.

    Every write path calls it in its own transaction, with every claim whose
    verdict may have changed — a judgment or mention that moved from one claim
    to another (or to none) changes both — or with the ``mention_ids`` it
    touched.  Each existing set recomputes just those claims and takes the
    store's new signature; a Dawid–Skene set scores them with its stored model,
    and refits it when the model is stale (see the module docstring).  A set
    built under other rules is rebuilt.  Flushes; the caller commits.
    """
    claims = {str(c) for c in claim_ids if c is not None}
    mention_ids = [int(m) for m in mention_ids if m is not None]
    for part in chunks(mention_ids):
        claims |= set(
            session.scalars(
                sa.select(Mention.claim_id).where(Mention.id.in_(part), Mention.claim_id.is_not(None))
            )
        )
    if not claims:
        return
    sets = list(
        session.scalars(
            sa.select(VerdictSet)
            .order_by(VerdictSet.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    )
    signature = _signature(session) if sets else ("", "")
    tables: dict[bool, StoreTable] = {}
    for target in sets:
        if target.rules != rules.as_dict():
            rebuild_verdicts(session, rules, target, signature=signature)
            continue
        key = bool(target.include_simulated)
        if key not in tables:
            tables[key] = load_table(session, rules, include_simulated=key, claim_ids=claims)
        _refresh_claims(session, rules, target, tables[key], sorted(claims), signature)
    session.flush()


def _refresh_claims(
    session: Session,
    rules: VerdictRules,
    target: VerdictSet,
    table: StoreTable,
    claims: list[str],
    signature: tuple[str, str],
) -> None:
    """Recompute ``claims`` of one set from their ``table`` (or refit a stale model)."""
    model = None
    if target.method == Method.DAWID_SKENE:
        model = model_from_params(target.model, rules.labels) if target.model else None
        changed = target.changed_since_fit + table.judgments.n_judgments
        limit = rules.dawid_skene.refit_share * (target.model_judgments or 0)
        if not knows_all(model, table) or (model is not None and changed > limit):
            rebuild_verdicts(session, rules, target, signature=signature)
            return
        target.changed_since_fit = changed
    _write_rows(session, target, claim_frame(table, rules, target.method, model), rules, claims)
    # the caller passed every claim its write touched: the whole set is now current
    target.signature = "|".join(signature)
    target.computed_at = utcnow()


def scoring_model(rules: VerdictRules, target: VerdictSet, table: StoreTable) -> DawidSkeneModel | None:
    """The set's Dawid–Skene model (None for other methods), which a fresh set's
    refreshes keep able to score every annotator in ``table``."""
    if target.method != Method.DAWID_SKENE:
        return None
    model = model_from_params(target.model, rules.labels) if target.model else None
    if not knows_all(model, table):
        raise NotReady(
            f"the {target.method} model has not seen every annotator yet",
            {"verdicts": ["run `annotator verdicts rebuild --method dawid-skene` to refit it"]},
        )
    return model
