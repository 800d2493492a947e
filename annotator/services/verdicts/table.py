"""The judgment table: what counts in the store, read into the verdict core's long table.

**What counts**: an *active* judgment with a verdict among the configured labels,
of an *accepted* mention that names a claim, by an annotator who is not simulated
(unless ``include_simulated``: then a judgment counts whether or not its
annotator or itself is marked simulated).  Skipped, deleted and rejected
judgments never count; a verdict outside the configured labels is left out and
counted in ``dropped``.

**Units.**  The unit is one claim in one article.  When a claim has several
accepted mentions in one article (one per revision of a changed article, or a
suggested sentence accepted for a claim the catalogue already places there),
they are one unit, named by the mention in the newest revision (lowest id on a
tie), dated by that revision.  An annotator who judged the claim in that
article more than once counts once: the judgment of the newest revision wins,
and within one revision the one stored last.
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

from ...errors import NotFound
from ...models import (
    Adjudication,
    Annotator,
    ArticleRevision,
    Claim,
    Judgment,
    JudgmentState,
    Mention,
    MentionStatus,
)
from ...rules.verdicts import VerdictRules
from ...verdicts import Judgments, Mentions, judgments, mentions
from ...vocabulary import STORE_VERDICTS

__all__ = ["StoreTable", "load_table", "standing_adjudications", "require_claim", "clean", "chunks"]


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


def chunks(items: list, size: int = 1000) -> list[list]:
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


def standing_adjudications(session: Session, claim_ids: list[str] | None = None) -> list[Adjudication]:
    """The adjudications no later one replaced, oldest first."""
    later = aliased(Adjudication)
    query = (
        sa.select(Adjudication)
        .where(~sa.exists().where(later.replaces_id == Adjudication.id))
        .order_by(Adjudication.id)
        .options(selectinload(Adjudication.basis))
    )
    if claim_ids is not None:
        query = query.where(Adjudication.claim_id.in_(claim_ids))
    return list(session.scalars(query))


def require_claim(session: Session, claim_id: str) -> Claim:
    claim = session.get(Claim, claim_id)
    if claim is None:
        raise NotFound(f"no claim with id {claim_id!r}", {"claim_id": ["unknown claim"]})
    return claim
