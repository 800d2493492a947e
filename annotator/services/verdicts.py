"""Verdicts from the store: judgments -> long table -> :mod:`annotator.verdicts` -> verdict sets.

**What counts** (:func:`load_table`): an *active* judgment with a verdict among
the configured labels, of an *accepted* mention that names a claim, by an
annotator who is not simulated (unless ``include_simulated``: then a judgment
counts whether or not its annotator or itself is marked simulated).  Skipped,
deleted and rejected judgments never count; a verdict outside the configured
labels is left out and counted in ``dropped``.

**Units.**  The unit is one claim in one article.  When a claim has several
accepted mentions in one article (one per revision of a changed article, or a
suggested sentence accepted for a claim the catalogue already places there),
they are one unit, named by the mention in the newest revision (lowest id on a
tie), dated by that revision.  An annotator who judged the claim in that
article more than once counts once: the judgment of the newest revision wins,
and within one revision the one stored last.

**Verdict sets.**  Claim verdicts are kept in the store, one
:class:`~annotator.models.VerdictSet` per (method, population) with one
:class:`~annotator.models.ClaimVerdict` per catalogue claim.  A set is built on
first use (:func:`verdict_set`), rebuilt when the rules in ``config/`` change or
the store changed behind its back (its *signature*: counts and last changes of
mentions, claims, annotators, revisions and judgments), and otherwise kept
fresh claim by claim by :func:`refresh_verdicts`, which the gathering of
judgments (webhook, sync) calls with the claims it touched.  Dawid–Skene sets
keep their fitted model: a refresh scores the changed claims with it (equal to
a full run under the same model), and refits everything when an annotator it
does not know has judged or when the judgments of the claims refreshed since
the fit reach ``dawid_skene.refit_share`` of those it was fitted on.

Mention-level verdicts, a claim's timeline and agreement are computed when
asked, from that claim's judgments (cheap) or the whole store.

**Adjudication** (:func:`record_adjudication`): a verdict, a reason and a name,
for a claim or one of its mentions.  It replaces the one that stood for the
same claim (or mention), never overwrites it (``replaces_id`` chains them: the
audit trail), stands as the verdict with status *adjudicated*, and keeps the
vote counts and the method's own verdict (``computed_verdict``) beside it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import itertools
import math
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased, selectinload

from ..db import conflict_free_insert
from ..errors import InputError, NotFound
from ..models import (
    Adjudication,
    AdjudicationBasis,
    Annotator,
    Article,
    ArticleRevision,
    Claim,
    ClaimVerdict,
    Judgment,
    JudgmentState,
    Mention,
    MentionStatus,
    Verdict,
    VerdictSet,
    VerdictStatus,
    utcnow,
)
from ..verdicts import (
    DawidSkeneModel,
    Judgments,
    LabelSet,
    Mentions,
    Method,
    claim_timeline,
    claim_verdicts,
    count_column,
    judgments,
    mention_verdicts,
    mentions,
)
from ..verdicts_config import VerdictRules

__all__ = [
    "METHODS",
    "StoreTable",
    "load_table",
    "fit_model",
    "model_params",
    "model_from_params",
    "claim_frame",
    "mention_frame",
    "verdict_set",
    "rebuild_verdicts",
    "refresh_verdicts",
    "claim_verdict_rows",
    "status_counts",
    "set_summary",
    "claim_verdict_dict",
    "claim_detail",
    "mention_detail",
    "mention_rows_all",
    "judgment_rows",
    "pending_mentions",
    "record_adjudication",
    "adjudication_trail",
    "adjudication_dict",
    "adjudication_dicts",
    "Computed",
    "compute_all",
    "require_claim",
    "clean",
]

METHODS = tuple(m.value for m in Method)
STORE_VERDICTS = tuple(v.value for v in Verdict)

#: Refreshes of more claims than this load the whole store and cut it down.
MAX_CLAIMS_IN_QUERY = 2000


def clean(value: Any) -> Any:
    """A value fit for JSON: NaN and NaT as None, NumPy scalars as Python ones."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else float(value)
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


# -- the long table ------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class StoreTable:
    """What counts in the store, ready for :mod:`annotator.verdicts`.

    ``judgments``: unit = the unit's mention id, annotator = annotator id.
    ``mentions``: unit -> claim, article id, date.  ``claims``: the claims asked
    for (every catalogue claim, or those named), sorted.  ``units``: per unit
    its revision and year-inferred flag (:meth:`merged`: the mention ids
    counted as it).  ``mention_units``: every counted mention id -> its unit.  ``annotators``:
    id -> email, name, simulated.  ``dropped``: judgments left out, by rule.
    """

    judgments: Judgments
    mentions: Mentions
    claims: pd.Index
    units: pd.DataFrame
    mention_units: pd.Series
    annotators: pd.DataFrame
    dropped: dict[str, int]

    def merged(self, unit: int) -> list[int]:
        """The mention ids counted as ``unit`` (itself first)."""
        others = self._merged.get(int(unit), [])
        return [int(unit), *others]

    @functools.cached_property
    def _merged(self) -> dict[int, list[int]]:
        units = self.mention_units
        extra = units[units.index.to_numpy() != units.to_numpy()]
        merged: dict[int, list[int]] = {}
        for mention, unit in zip(extra.index, extra, strict=True):
            merged.setdefault(int(unit), []).append(int(mention))
        return {unit: sorted(ids) for unit, ids in merged.items()}

    def unit_of(self, mention_id: int) -> int | None:
        """The unit a mention belongs to (None: not a counted mention)."""
        unit = self.mention_units.get(int(mention_id))
        return None if unit is None else int(unit)


def _chunks(items: list, size: int = 1000) -> list[list]:
    """Short enough for an ``IN (...)`` on any database."""
    return [items[start : start + size] for start in range(0, len(items), size)]


def _claim_filter(claim_ids: Iterable[str] | None) -> list[str] | None:
    if claim_ids is None:
        return None
    ids = sorted({str(c) for c in claim_ids if c is not None})
    return None if len(ids) > MAX_CLAIMS_IN_QUERY else ids


def _rows(connection: sa.Connection, query: sa.Select) -> list[tuple]:
    """The driver's own tuples: no Row objects and no type processing, which at
    a million judgments cost more than the query (the columns asked for are
    integers, strings and dates, which both drivers return as such or as text)."""
    result = connection.execute(query)
    try:
        return result.cursor.fetchall() if result.cursor is not None else []
    finally:
        result.close()


def _ints(rows: list[tuple], width: int) -> np.ndarray:
    return np.fromiter(itertools.chain.from_iterable(rows), dtype=np.int64, count=len(rows) * width).reshape(
        -1, width
    )


def load_table(
    session: Session,
    rules: VerdictRules,
    *,
    include_simulated: bool = False,
    claim_ids: Iterable[str] | None = None,
) -> StoreTable:
    """Read what counts (see the module docstring) into a :class:`StoreTable`.

    Four narrow queries (claims, annotators, accepted mentions with their
    revision, active judgments as integer codes), no ORM objects; ``claim_ids``
    limits them to those claims.
    """
    wanted = None if claim_ids is None else {str(c) for c in claim_ids if c is not None}
    in_query = _claim_filter(wanted)
    connection = session.connection()

    claims_q = sa.select(Claim.id).order_by(Claim.id)
    if in_query is not None:
        claims_q = claims_q.where(Claim.id.in_(in_query))
    claims = [c for (c,) in _rows(connection, claims_q)]
    if wanted is not None:
        claims = [c for c in claims if c in wanted]
    claim_index = pd.Index(claims, dtype=object, name="claim")

    mentions_q = (
        sa.select(
            Mention.id,
            ArticleRevision.article_id,
            ArticleRevision.number,
            Mention.claim_id,
            ArticleRevision.published_on,
            ArticleRevision.published_year_inferred,
        )
        .join(ArticleRevision, ArticleRevision.id == Mention.revision_id)
        .where(Mention.status == MentionStatus.ACCEPTED, Mention.claim_id.is_not(None))
    )
    if in_query is not None:
        mentions_q = mentions_q.where(Mention.claim_id.in_(in_query))
    rows = _rows(connection, mentions_q)
    columns = list(zip(*rows)) or [()] * 6
    found = pd.DataFrame(
        {
            "mention": np.asarray(columns[0], dtype=np.int64),
            "article": np.asarray(columns[1], dtype=np.int64),
            "revision": np.asarray(columns[2], dtype=np.int64),
            "claim": np.asarray(columns[3], dtype=object),
            "date": pd.to_datetime(pd.Series(columns[4], dtype=object), errors="coerce"),
            "inferred": np.asarray(columns[5], dtype=bool),
        }
    )
    del rows, columns
    if wanted is not None and in_query is None:
        found = found[found["claim"].isin(claims)]
    # the unit of a (claim, article): its mention in the newest revision, lowest id first
    found["unit"] = found["mention"]
    shared = found.duplicated(["claim", "article"], keep=False).to_numpy()
    if shared.any():
        several = found[shared].sort_values(
            ["claim", "article", "revision", "mention"], ascending=[True, True, False, True]
        )
        heads_of = several.groupby(["claim", "article"], sort=False)["mention"].transform("first")
        found.loc[heads_of.index, "unit"] = heads_of.to_numpy()
    heads = found[found["mention"].to_numpy() == found["unit"].to_numpy()]

    annotators = pd.DataFrame(
        _rows(connection, sa.select(Annotator.id, Annotator.email, Annotator.name, Annotator.simulated)),
        columns=["id", "email", "name", "simulated"],
    ).set_index("id")
    annotators["simulated"] = annotators["simulated"].astype(bool)

    verdict_code = sa.case(
        {v: i for i, v in enumerate(STORE_VERDICTS)}, value=sa.type_coerce(Judgment.verdict, sa.String)
    )
    judgments_q = sa.select(Judgment.id, Judgment.mention_id, Judgment.annotator_id, verdict_code).where(
        Judgment.state == JudgmentState.ACTIVE,
        Judgment.mention_id.is_not(None),
        Judgment.verdict.is_not(None),
    )
    if not include_simulated:
        judgments_q = judgments_q.where(Judgment.simulated.is_(False))
    if in_query is not None:
        judgments_q = judgments_q.where(
            Judgment.mention_id.in_(sa.select(Mention.id).where(Mention.claim_id.in_(in_query)))
        )
    raw = _ints(_rows(connection, judgments_q), 4)
    dropped: dict[str, int] = {}

    # judgments of mentions that do not count (pending, rejected, no claim, not asked for)
    mention_pos = pd.Index(found["mention"].to_numpy()).get_indexer(raw[:, 1])
    counted = mention_pos >= 0
    if wanted is None and (~counted).any():
        dropped["mention not accepted"] = int((~counted).sum())
    raw, mention_pos = raw[counted], mention_pos[counted]
    if not include_simulated and len(annotators):
        simulated_ids = annotators.index[annotators["simulated"].to_numpy(dtype=bool)].to_numpy()
        person = ~np.isin(raw[:, 2], simulated_ids)
        if (~person).any():
            dropped["simulated annotator"] = int((~person).sum())
        raw, mention_pos = raw[person], mention_pos[person]

    table = judgments(
        pd.DataFrame(
            {
                "unit": found["unit"].to_numpy()[mention_pos],
                "annotator": raw[:, 2],
                "label": pd.Categorical.from_codes(raw[:, 3], categories=list(STORE_VERDICTS)),
                # newest revision wins, then the judgment stored last
                "order": found["revision"].to_numpy()[mention_pos] * (1 << 40) + raw[:, 0],
            }
        ),
        rules.labels,
        order_by="order",
        on_unknown="drop",
    )
    for rule, count in table.dropped.items():
        dropped[{"unknown label": "verdict not among the configured labels"}.get(rule, rule)] = count

    link_frame = pd.DataFrame(
        {
            "unit": heads["mention"].to_numpy(),
            "claim": heads["claim"].to_numpy(dtype=object),
            "article": heads["article"].to_numpy(),
            "date": heads["date"].to_numpy(),
        }
    )
    if len(link_frame):
        links = mentions(link_frame)
    else:  # the core's validation needs a row; there is nothing to validate
        links = Mentions(link_frame.set_index("unit"))
    units = pd.DataFrame(
        {"revision": heads["revision"].to_numpy(), "inferred": heads["inferred"].to_numpy()},
        index=pd.Index(heads["mention"].to_numpy(), name="unit"),
    )
    mention_units = pd.Series(found["unit"].to_numpy(), index=found["mention"].to_numpy(), name="unit")
    return StoreTable(table, links, claim_index, units, mention_units, annotators, dropped)


# -- Dawid–Skene models ----------------------------------------------------------------------


def fit_model(table: StoreTable, rules: VerdictRules) -> DawidSkeneModel | None:
    """Dawid–Skene fitted on the table (None when it holds no judgment)."""
    if table.judgments.n_judgments == 0:
        return None
    settings = rules.dawid_skene
    return DawidSkeneModel(n_iter=settings.max_iterations, tol=settings.tolerance).fit(table.judgments)


def model_params(model: DawidSkeneModel) -> dict[str, Any]:
    """A fitted model's parameters as JSON-able data (what a verdict set stores)."""
    return {
        "labels": list(model.labels_.labels),
        "annotators": [int(a) for a in model.annotators_],
        "classes": [int(c) for c in model.classes_],
        "priors": [float(p) for p in model.priors_],
        "errors": model.errors_.tolist(),
        "n_iter": int(model.n_iter_),
    }


def model_from_params(params: dict[str, Any], labels: LabelSet) -> DawidSkeneModel | None:
    """The stored model, ready to score (None if it was fitted on other labels)."""
    if list(params.get("labels", ())) != list(labels.labels):
        return None
    model = DawidSkeneModel()
    model.table_ = None
    model.labels_ = labels
    model.annotators_ = pd.Index(params["annotators"], dtype=np.int64)
    model.classes_ = np.asarray(params["classes"], dtype=np.int64)
    model.priors_ = np.asarray(params["priors"], dtype=float)
    model.errors_ = np.asarray(params["errors"], dtype=float)
    model.n_iter_ = params.get("n_iter", 0)
    return model


def _knows_all(model: DawidSkeneModel | None, table: StoreTable) -> bool:
    if model is None:
        return table.judgments.n_judgments == 0
    return bool((model.annotators_.get_indexer(table.judgments.annotators) >= 0).all())


# -- computing -------------------------------------------------------------------------------


def _placeholder(index: pd.Index, labels: LabelSet, method: str, reason: str) -> pd.DataFrame:
    """Rows for claims with nothing to add up."""
    frame = pd.DataFrame({count_column(label): 0 for label in labels.labels}, index=index)
    for column in ("n_judgments", "n_annotators", "n_articles"):
        frame[column] = 0
    frame["method"] = method
    frame["verdict"] = pd.Series([None] * len(index), index=index, dtype=object)
    frame["support"] = np.nan
    frame["tie"] = False
    frame["status"] = VerdictStatus.NEEDS_ADJUDICATION.value
    frame["reason"] = pd.Series([reason] * len(index), index=index, dtype=object)
    return frame


def claim_frame(
    table: StoreTable, rules: VerdictRules, method: str, model: DawidSkeneModel | None = None
) -> pd.DataFrame:
    """One row per claim of ``table.claims`` (the core's columns of
    :func:`~annotator.verdicts.claim_verdicts`); a claim without an accepted
    mention needs adjudication for that reason."""
    _check_method(method)
    if len(table.mentions.units) == 0:
        return _placeholder(table.claims, rules.labels, method, "no accepted mentions")
    frame = claim_verdicts(table.judgments, table.mentions, method, rules.status, model=model)
    missing = table.claims.difference(frame.index)
    if len(missing):
        frame = pd.concat([frame, _placeholder(missing, rules.labels, method, "no accepted mentions")])
    return frame.reindex(table.claims)


def mention_frame(
    table: StoreTable, rules: VerdictRules, method: str, model: DawidSkeneModel | None = None
) -> pd.DataFrame:
    """One row per unit: claim, article, date, then the core's verdict columns."""
    _check_method(method)
    if len(table.mentions.units) == 0:
        empty = _placeholder(pd.Index([], name="unit"), rules.labels, method, "")
        return pd.concat(
            [pd.DataFrame(columns=["claim", "article", "date"]), empty.drop(columns="n_articles")], axis=1
        )
    return mention_verdicts(table.judgments, table.mentions, method, rules.status, model=model)


def _check_method(method: str) -> None:
    if method not in METHODS:
        raise InputError(f"unknown method {method!r}", {"method": [f"use one of: {', '.join(METHODS)}"]})


# -- adjudications ---------------------------------------------------------------------------


def _active_adjudications(session: Session, claim_ids: list[str] | None = None) -> list[Adjudication]:
    """The adjudications no later one replaced, oldest first."""
    later = aliased(Adjudication)
    query = (
        sa.select(Adjudication)
        .where(~sa.exists().where(later.replaces_id == Adjudication.id))
        .order_by(Adjudication.id)
    )
    if claim_ids is not None:
        query = query.where(Adjudication.claim_id.in_(claim_ids))
    return list(session.scalars(query))


def _overlay(frame: pd.DataFrame, adjudications: dict[Any, Adjudication]) -> pd.DataFrame:
    """Adjudicated rows: their verdict stands, the computed one is kept beside it."""
    frame = frame.copy()
    frame["computed_verdict"] = frame["verdict"]
    frame["adjudication_id"] = pd.Series([None] * len(frame), index=frame.index, dtype=object)
    keys = [k for k in adjudications if k in frame.index]
    if keys:
        frame.loc[keys, "verdict"] = [adjudications[k].verdict.value for k in keys]
        frame.loc[keys, "status"] = VerdictStatus.ADJUDICATED.value
        frame.loc[keys, "reason"] = None
        frame.loc[keys, "adjudication_id"] = [adjudications[k].id for k in keys]
    return frame


# -- verdict sets ----------------------------------------------------------------------------


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


def _get_set(session: Session, method: str, include_simulated: bool, *, lock: bool = False) -> VerdictSet:
    """The set, created empty if missing; ``lock``: locked for this transaction
    (its latest committed state), so one writer at a time rebuilds or refreshes it."""
    query = sa.select(VerdictSet).where(
        VerdictSet.method == method, VerdictSet.include_simulated.is_(include_simulated)
    )
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
    _check_method(method)
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
        for part in _chunks(claims):
            session.execute(delete.where(table.c.claim_id.in_(part)))
    standing = [
        a
        for part in ([None] if claims is None else _chunks(claims))
        for a in _active_adjudications(session, part)
    ]
    adjudications = {a.claim_id: a for a in standing if a.mention_id is None}
    frame = _overlay(frame, adjudications)
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
    rules: VerdictRules | None = None,
) -> None:
    """Bring the stored verdicts of these claims up to date after their judgments changed.

    Call it after storing judgments (webhook, sync), in the same transaction,
    with every claim whose judgments changed — a judgment that moved from one
    claim to another (or to none) changes both — or with the ``mention_ids``
    judged.  Each existing verdict set recomputes just those claims; a
    Dawid–Skene set scores them with its stored model, and refits it when the
    model is stale (see the module docstring).  A set whose rules differ from
    ``rules`` is left for its next read to rebuild.  Flushes; the caller commits.
    """
    claims = {str(c) for c in claim_ids if c is not None}
    mention_ids = [int(m) for m in mention_ids if m is not None]
    for part in _chunks(mention_ids):
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
    if not sets:
        return
    rules = rules or _current_rules()
    judged = None
    tables: dict[bool, StoreTable] = {}
    for target in sets:
        if target.rules != rules.as_dict():
            continue
        if judged is None:
            structure, judged = _signature(session)
        key = bool(target.include_simulated)
        if key not in tables:
            tables[key] = load_table(session, rules, include_simulated=key, claim_ids=claims)
        table = tables[key]
        model = None
        if target.method == Method.DAWID_SKENE:
            model = model_from_params(target.model, rules.labels) if target.model else None
            changed = target.changed_since_fit + table.judgments.n_judgments
            limit = rules.dawid_skene.refit_share * (target.model_judgments or 0)
            if not _knows_all(model, table) or (model is not None and changed > limit):
                rebuild_verdicts(session, rules, target, signature=(structure, judged))
                continue
            target.changed_since_fit = changed
        _write_rows(session, target, claim_frame(table, rules, target.method, model), rules, sorted(claims))
        # the structure part stays: a change there made without a refresh still rebuilds
        target.signature = f"{target.signature.partition('|')[0]}|{judged}"
        target.computed_at = utcnow()
    session.flush()


def _current_rules() -> VerdictRules:
    from flask import current_app, has_app_context

    if has_app_context() and "annotator.verdict_rules" in current_app.extensions:
        return current_app.extensions["annotator.verdict_rules"]
    from ..config import load_settings
    from ..verdicts_config import FILE_NAME, load_verdict_rules

    return load_verdict_rules(load_settings().rule_file(FILE_NAME))


# -- reading ---------------------------------------------------------------------------------


def claim_verdict_rows(
    target: VerdictSet, *, status: str | None = None, claim_id: str | None = None
) -> sa.Select:
    """The query for a set's claim rows (by claim id), with claim and adjudication."""
    query = (
        sa.select(ClaimVerdict)
        .where(ClaimVerdict.set_id == target.id)
        .order_by(ClaimVerdict.claim_id)
        .options(selectinload(ClaimVerdict.claim), selectinload(ClaimVerdict.adjudication))
    )
    if status is not None:
        query = query.where(ClaimVerdict.status == VerdictStatus(status))
    if claim_id is not None:
        query = query.where(ClaimVerdict.claim_id == claim_id)
    return query


def status_counts(session: Session, target: VerdictSet) -> dict[str, int]:
    """How many of the set's claims have each status."""
    counts = {status.value: 0 for status in VerdictStatus}
    query = (
        sa.select(ClaimVerdict.status, sa.func.count())
        .where(ClaimVerdict.set_id == target.id)
        .group_by(ClaimVerdict.status)
    )
    for status, count in session.execute(query):
        counts[status.value] = count
    return counts


def set_summary(session: Session, target: VerdictSet) -> dict[str, Any]:
    """What a verdict set holds and when it was computed (and fitted)."""
    return {
        "method": target.method,
        "include_simulated": target.include_simulated,
        "claims": session.scalar(
            sa.select(sa.func.count()).select_from(ClaimVerdict).where(ClaimVerdict.set_id == target.id)
        ),
        "statuses": status_counts(session, target),
        "computed_at": target.computed_at,
        "fitted_at": target.fitted_at,
        "model_judgments": target.model_judgments,
    }


def _counts(source: Any, labels: LabelSet) -> dict[str, int]:
    get = source.get if isinstance(source, dict) else lambda key: getattr(source, key)
    return {str(label): int(get(count_column(label))) for label in labels.labels}


def _frame_verdict(row: pd.Series, labels: LabelSet) -> dict[str, Any]:
    """The verdict, its standing and its counts from one row of a verdict frame."""
    return {
        "verdict": row["verdict"],
        "status": row["status"],
        "reason": row["reason"],
        "support": clean(row["support"]),
        "tie": bool(row["tie"]),
        "counts": _counts(dict(row), labels),
        "n_judgments": int(row["n_judgments"]),
        "n_annotators": int(row["n_annotators"]),
    }


def claim_verdict_dict(row: ClaimVerdict, target: VerdictSet, labels: LabelSet) -> dict[str, Any]:
    """A stored claim verdict as plain data (API and CLI)."""
    return {
        "claim_id": row.claim_id,
        "claim_text": row.claim.text if row.claim is not None else None,
        "method": target.method,
        "include_simulated": target.include_simulated,
        "verdict": row.verdict.value if row.verdict else None,
        "status": row.status.value,
        "reason": row.reason,
        "computed_verdict": row.computed_verdict.value if row.computed_verdict else None,
        "support": row.support,
        "tie": row.tie,
        "counts": _counts(row, labels),
        "n_judgments": row.n_judgments,
        "n_annotators": row.n_annotators,
        "n_articles": row.n_articles,
        "adjudication": adjudication_dict(row.adjudication) if row.adjudication else None,
        "computed_at": row.computed_at,
    }


def require_claim(session: Session, claim_id: str) -> Claim:
    claim = session.get(Claim, claim_id)
    if claim is None:
        raise NotFound(f"no claim with id {claim_id!r}", {"claim_id": ["unknown claim"]})
    return claim


def _scoring_model(
    session: Session, rules: VerdictRules, target: VerdictSet, table: StoreTable
) -> DawidSkeneModel | None:
    """The set's model, refitted first if it cannot score ``table``."""
    if target.method != Method.DAWID_SKENE:
        return None
    model = model_from_params(target.model, rules.labels) if target.model else None
    if not _knows_all(model, table):
        rebuild_verdicts(session, rules, target)
        model = model_from_params(target.model, rules.labels) if target.model else None
    return model


def _mention_rows(
    session: Session, table: StoreTable, frame: pd.DataFrame, rules: VerdictRules, method: str
) -> list[dict[str, Any]]:
    """Mention verdicts as plain data, in publication order (undated last)."""
    if frame.empty:
        return []
    adjudications: dict[int, Adjudication] = {}
    claims = sorted(set(frame["claim"]))
    for adjudication in _active_adjudications(session, claims):
        if adjudication.mention_id is not None:
            unit = table.unit_of(adjudication.mention_id)
            if unit is not None and (unit not in adjudications or adjudications[unit].id < adjudication.id):
                adjudications[unit] = adjudication
    frame = _overlay(frame, adjudications)
    articles = {
        a.id: a
        for a in session.scalars(
            sa.select(Article)
            .where(Article.id.in_([int(a) for a in frame["article"].unique()]))
            .options(selectinload(Article.revisions))
        )
    }
    by_id = {a.id: a for a in adjudications.values()}
    rows = []
    for unit, row in frame.iterrows():
        article = articles.get(int(row["article"]))
        info = table.units.loc[unit]
        revision = (
            next((r for r in article.revisions if r.number == info["revision"]), None) if article else None
        )
        rows.append(
            {
                "mention_id": int(unit),
                "merged_mention_ids": table.merged(unit),
                "claim_id": row["claim"],
                "article_id": int(row["article"]),
                "article": article.external_id if article else None,
                "revision": int(info["revision"]),
                "outlet": revision.outlet if revision else None,
                "title": revision.title if revision else None,
                "published_on": clean(row["date"]),
                "published_year_inferred": bool(info["inferred"]) if clean(row["date"]) else False,
                "method": method,
                **_frame_verdict(row, rules.labels),
                "computed_verdict": row["computed_verdict"],
                "adjudication": (
                    adjudication_dict(by_id[row["adjudication_id"]])
                    if row["adjudication_id"] is not None
                    else None
                ),
            }
        )
    rows.sort(key=lambda r: (r["published_on"] is None, r["published_on"] or "", r["article_id"]))
    return rows


def _timeline(table: StoreTable, rules: VerdictRules) -> list[dict[str, Any]]:
    """The claim's majority verdict as of each publication date."""
    dates = table.mentions.frame["date"]
    judged_units = table.judgments.units
    if table.judgments.n_judgments == 0 or dates.reindex(judged_units).isna().all():
        return []
    frame = claim_timeline(table.judgments, table.mentions, rules.status)
    dated = table.mentions.frame.loc[table.mentions.frame.index.isin(judged_units)]
    out = []
    for (_claim, date), row in frame.iterrows():
        out.append(
            {
                "date": clean(date),
                "mention_ids": sorted(int(u) for u in dated.index[dated["date"] == date]),
                "method": Method.MAJORITY.value,
                **_frame_verdict(row, rules.labels),
                "n_articles": int(row["n_articles"]),
            }
        )
    return out


def claim_detail(
    session: Session,
    rules: VerdictRules,
    claim_id: str,
    method: str | None = None,
    include_simulated: bool = False,
) -> dict[str, Any]:
    """A claim's verdict, its mentions' verdicts by publication date, and its timeline."""
    require_claim(session, claim_id)
    target = verdict_set(session, rules, method, include_simulated)
    row = session.scalars(claim_verdict_rows(target, claim_id=claim_id)).one_or_none()
    if row is None:  # the claim was added after the set's signature was taken in this transaction
        target = verdict_set(session, rules, method, include_simulated, refit=True)
        row = session.scalars(claim_verdict_rows(target, claim_id=claim_id)).one()
    table = load_table(session, rules, include_simulated=include_simulated, claim_ids=[claim_id])
    model = _scoring_model(session, rules, target, table)
    frame = mention_frame(table, rules, target.method, model)
    return claim_verdict_dict(row, target, rules.labels) | {
        "rules": rules.as_dict() | {"method": target.method},
        "dropped": table.dropped,
        "mentions": _mention_rows(session, table, frame, rules, target.method),
        "timeline": _timeline(table, rules),
    }


def mention_detail(
    session: Session,
    rules: VerdictRules,
    mention_id: int,
    method: str | None = None,
    include_simulated: bool = False,
) -> dict[str, Any]:
    """One mention's verdict, with the judgments behind it."""
    mention = session.get(Mention, mention_id)
    if mention is None:
        raise NotFound(f"no mention with id {mention_id}", {"mention_id": ["unknown mention"]})
    if mention.claim_id is None or mention.status is not MentionStatus.ACCEPTED:
        raise NotFound(
            f"mention {mention_id} has no verdict: it is {mention.status.value}"
            + ("" if mention.claim_id else " and names no claim"),
            {"mention_id": ["only accepted mentions of a claim are judged"]},
        )
    target = verdict_set(session, rules, method, include_simulated)
    table = load_table(session, rules, include_simulated=include_simulated, claim_ids=[mention.claim_id])
    model = _scoring_model(session, rules, target, table)
    frame = mention_frame(table, rules, target.method, model)
    unit = table.unit_of(mention_id)
    if unit is None:  # pragma: no cover - an accepted mention of a claim is always a unit
        raise NotFound(f"mention {mention_id} has no verdict", {"mention_id": ["not a counted mention"]})
    rows = _mention_rows(session, table, frame.loc[[unit]], rules, target.method)
    result = rows[0]
    result["requested_mention_id"] = mention_id
    result["judgments"] = judgment_rows(session, rules, result["merged_mention_ids"], include_simulated)
    return result


def judgment_rows(
    session: Session, rules: VerdictRules, mention_ids: list[int], include_simulated: bool
) -> list[dict[str, Any]]:
    """Every judgment of a unit's mentions, each saying whether it counts and if not, why."""
    judged = session.execute(
        sa.select(Judgment, Annotator, ArticleRevision.number)
        .join(Annotator, Annotator.id == Judgment.annotator_id)
        .join(Mention, Mention.id == Judgment.mention_id)
        .join(ArticleRevision, ArticleRevision.id == Mention.revision_id)
        .where(Judgment.mention_id.in_(mention_ids))
        .order_by(Judgment.id)
    ).all()
    why_not: dict[int, str] = {}
    best: dict[int, tuple[tuple[int, int], int]] = {}
    for judgment, annotator, revision in judged:
        simulated = bool(judgment.simulated or annotator.simulated)
        if judgment.state is not JudgmentState.ACTIVE:
            why_not[judgment.id] = judgment.state.value
        elif judgment.verdict is None:
            why_not[judgment.id] = "no verdict"
        elif judgment.verdict.value not in rules.labels.labels:
            why_not[judgment.id] = "verdict not among the configured labels"
        elif simulated and not include_simulated:
            why_not[judgment.id] = "simulated"
        else:
            key = (revision, judgment.id)
            previous = best.get(annotator.id)
            if previous is None or key > previous[0]:
                if previous is not None:
                    why_not[previous[1]] = f"superseded by judgment {judgment.id}"
                best[annotator.id] = (key, judgment.id)
            else:
                why_not[judgment.id] = f"superseded by judgment {previous[1]}"
    return [
        {
            "id": judgment.id,
            "mention_id": judgment.mention_id,
            "annotator_id": annotator.id,
            "annotator": annotator.email,
            "verdict": judgment.verdict.value if judgment.verdict else None,
            "state": judgment.state.value,
            "simulated": bool(judgment.simulated or annotator.simulated),
            "confidence": judgment.confidence,
            "note": judgment.note,
            "evidence": judgment.evidence,
            "counted": judgment.id not in why_not,
            "not_counted_because": why_not.get(judgment.id),
            "updated_at": judgment.updated_at,
        }
        for judgment, annotator, _revision in judged
    ]


def mention_rows_all(
    session: Session,
    rules: VerdictRules,
    method: str | None = None,
    include_simulated: bool = False,
    claim_id: str | None = None,
) -> list[dict[str, Any]]:
    """Every mention's verdict (computed now, over the store or one claim), by claim
    and publication date."""
    if claim_id is not None:
        require_claim(session, claim_id)
    target = verdict_set(session, rules, method, include_simulated)
    table = load_table(
        session,
        rules,
        include_simulated=include_simulated,
        claim_ids=None if claim_id is None else [claim_id],
    )
    model = _scoring_model(session, rules, target, table)
    rows = _mention_rows(
        session, table, mention_frame(table, rules, target.method, model), rules, target.method
    )
    return sorted(rows, key=lambda r: r["claim_id"])  # stable: dates stay in order within a claim


def pending_mentions(
    session: Session,
    rules: VerdictRules,
    method: str | None = None,
    include_simulated: bool = False,
    claim_id: str | None = None,
) -> list[dict[str, Any]]:
    """Mentions whose verdict needs adjudication (see :func:`mention_rows_all`)."""
    rows = mention_rows_all(session, rules, method, include_simulated, claim_id)
    return [r for r in rows if r["status"] == VerdictStatus.NEEDS_ADJUDICATION.value]


# -- adjudication ----------------------------------------------------------------------------


def record_adjudication(
    session: Session,
    rules: VerdictRules,
    *,
    claim_id: str,
    verdict: str,
    reason: str,
    adjudicator: str,
    mention_id: int | None = None,
    include_simulated: bool = False,
) -> Adjudication:
    """Record an adjudicator's verdict on a claim (or one of its mentions).

    It replaces the adjudication that stood for the same claim or mention (the
    audit trail keeps both), and stands in every verdict set at once.  What it
    replaced — the standing adjudication, or the configured method's computed
    verdict and counts over ``include_simulated``'s population — is recorded
    with it.  Unknown claim or mention: :class:`NotFound`; a verdict outside
    the configured labels, an empty reason or name, a mention of another claim
    or one not accepted: :class:`InputError`.  Flushes; the caller commits.
    """
    errors: dict[str, list[str]] = {}
    if verdict not in rules.labels.labels:
        errors["verdict"] = [f"{verdict!r} is not one of the verdicts: {', '.join(rules.labels.labels)}"]
    if not (reason or "").strip():
        errors["reason"] = ["say why: an adjudication needs a reason"]
    if not (adjudicator or "").strip():
        errors["adjudicator"] = ["name who decided"]
    elif len(adjudicator.strip()) > 255:
        errors["adjudicator"] = ["at most 255 characters"]
    claim = session.get(Claim, claim_id, with_for_update=True)
    if claim is None:
        raise NotFound(f"no claim with id {claim_id!r}", {"claim_id": ["unknown claim"]})
    if mention_id is not None:
        mention = session.get(Mention, mention_id)
        if mention is None:
            raise NotFound(f"no mention with id {mention_id}", {"mention_id": ["unknown mention"]})
        if mention.claim_id != claim_id:
            errors["mention_id"] = [
                f"mention {mention_id} is a mention of {mention.claim_id!r}, not {claim_id!r}"
            ]
        elif mention.status is not MentionStatus.ACCEPTED:
            errors["mention_id"] = [
                f"mention {mention_id} is {mention.status.value}: only accepted mentions are judged"
            ]
    if errors:
        raise InputError("the adjudication was not recorded", errors)

    standing = session.scalar(
        sa.select(Adjudication)
        .where(
            Adjudication.claim_id == claim_id,
            (
                Adjudication.mention_id.is_(None)
                if mention_id is None
                else Adjudication.mention_id == mention_id
            ),
            ~sa.exists().where(aliased(Adjudication).replaces_id == Adjudication.id),
        )
        .order_by(Adjudication.id.desc())
        .limit(1)
    )
    basis = _basis(session, rules, claim_id, mention_id, include_simulated)
    adjudication = Adjudication(
        claim_id=claim_id,
        mention_id=mention_id,
        verdict=Verdict(verdict),
        reason=reason.strip(),
        adjudicator=adjudicator.strip(),
        replaces_id=standing.id if standing else None,
        created_at=utcnow(),
    )
    session.add(adjudication)
    session.flush()
    session.add(AdjudicationBasis(adjudication_id=adjudication.id, **basis))
    if mention_id is None:
        # it stands in every set at once: no recomputation, the counts stay
        session.execute(
            sa.update(ClaimVerdict)
            .where(ClaimVerdict.claim_id == claim_id)
            .values(
                verdict=Verdict(verdict),
                status=VerdictStatus.ADJUDICATED,
                reason=None,
                adjudication_id=adjudication.id,
            )
            .execution_options(synchronize_session=False)
        )
    session.flush()
    return adjudication


def _basis(
    session: Session, rules: VerdictRules, claim_id: str, mention_id: int | None, include_simulated: bool
) -> dict[str, Any]:
    """The computed verdict an adjudication replaces, as it stood when it was made."""
    table = load_table(session, rules, include_simulated=include_simulated, claim_ids=[claim_id])
    method = rules.method
    target = verdict_set(session, rules, method, include_simulated)
    model = _scoring_model(session, rules, target, table)
    if mention_id is None:
        frame = claim_frame(table, rules, method, model)
        row = frame.loc[claim_id]
    else:
        unit = table.unit_of(mention_id)
        row = mention_frame(table, rules, method, model).loc[unit]
    return {
        "method": method,
        "include_simulated": include_simulated,
        "computed_verdict": Verdict(row["verdict"]) if row["verdict"] else None,
        "status": row["status"],
        "reason": row["reason"],
        "support": clean(row["support"]),
        "counts": _counts(dict(row), rules.labels),
        "n_judgments": int(row["n_judgments"]),
    }


def adjudication_dict(
    adjudication: Adjudication,
    *,
    replaced: Adjudication | None = None,
    replaced_by: int | None = None,
) -> dict[str, Any]:
    """An adjudication as plain data: who decided what, when, and what it replaced
    (the adjudication that stood before, if given, and the computed verdict)."""
    basis = adjudication.basis
    return {
        "id": adjudication.id,
        "claim_id": adjudication.claim_id,
        "mention_id": adjudication.mention_id,
        "verdict": adjudication.verdict.value,
        "reason": adjudication.reason,
        "adjudicator": adjudication.adjudicator,
        "created_at": adjudication.created_at,
        "standing": replaced_by is None,
        "replaced_by_id": replaced_by,
        "replaces_id": adjudication.replaces_id,
        "replaced": (
            {
                "id": replaced.id,
                "verdict": replaced.verdict.value,
                "reason": replaced.reason,
                "adjudicator": replaced.adjudicator,
                "created_at": replaced.created_at,
            }
            if replaced is not None
            else None
        ),
        "computed": (
            {
                "method": basis.method,
                "include_simulated": basis.include_simulated,
                "verdict": basis.computed_verdict.value if basis.computed_verdict else None,
                "status": basis.status,
                "reason": basis.reason,
                "support": basis.support,
                "counts": basis.counts,
                "n_judgments": basis.n_judgments,
            }
            if basis is not None
            else None
        ),
    }


def adjudication_dicts(session: Session, adjudications: Iterable[Adjudication]) -> list[dict[str, Any]]:
    """:func:`adjudication_dict` of each, with what each replaced and what replaced it."""
    items = list(adjudications)
    ids = [a.id for a in items]
    earlier = {a.replaces_id for a in items if a.replaces_id is not None}
    replaced = (
        {a.id: a for a in session.scalars(sa.select(Adjudication).where(Adjudication.id.in_(earlier)))}
        if earlier
        else {}
    )
    later = (
        dict(
            session.execute(
                sa.select(Adjudication.replaces_id, Adjudication.id).where(Adjudication.replaces_id.in_(ids))
            ).all()
        )
        if ids
        else {}
    )
    return [
        adjudication_dict(a, replaced=replaced.get(a.replaces_id), replaced_by=later.get(a.id)) for a in items
    ]


def adjudication_trail(
    session: Session, *, claim_id: str | None = None, mention_id: int | None = None
) -> sa.Select:
    """The audit trail's query, newest first: every adjudication, standing or replaced."""
    query = sa.select(Adjudication).order_by(Adjudication.id.desc()).options(selectinload(Adjudication.basis))
    if claim_id is not None:
        require_claim(session, claim_id)
        query = query.where(Adjudication.claim_id == claim_id)
    if mention_id is not None:
        query = query.where(Adjudication.mention_id == mention_id)
    return query


# -- everything at once ----------------------------------------------------------------------


@dataclasses.dataclass
class Computed:
    """Every verdict and agreement figure of one population (see :func:`compute_all`)."""

    table: StoreTable
    model: DawidSkeneModel | None
    claims: dict[str, pd.DataFrame]
    mentions: dict[str, pd.DataFrame]
    agreement: Any
    claim_agreement: pd.DataFrame


def compute_all(session: Session, rules: VerdictRules, *, include_simulated: bool = False) -> Computed:
    """Load the store once and compute everything: majority and Dawid–Skene verdicts
    per claim and per mention, and every agreement figure (project, pairs, each
    annotator against the consensus, per claim).  Stores nothing."""
    from ..verdicts import claim_agreement, project_agreement

    table = load_table(session, rules, include_simulated=include_simulated)
    model = fit_model(table, rules)
    claims = {
        method: claim_frame(table, rules, method, model if method == Method.DAWID_SKENE else None)
        for method in METHODS
    }
    per_mention = {
        method: mention_frame(table, rules, method, model if method == Method.DAWID_SKENE else None)
        for method in METHODS
    }
    return Computed(
        table,
        model,
        claims,
        per_mention,
        project_agreement(table.judgments),
        claim_agreement(table.judgments, table.mentions) if len(table.mentions.units) else pd.DataFrame(),
    )
