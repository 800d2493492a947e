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
        return self._unit_by_mention.get(int(mention_id))

    @functools.cached_property
    def _unit_by_mention(self) -> dict[int, int]:
        # a dict, not the Series: a report asks once per judgment (measured: ~10 µs a
        # Series lookup, most of the JSON download's time in judgments)
        return dict(zip(self.mention_units.index.tolist(), self.mention_units.tolist(), strict=True))


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

    Four narrow queries (claims, accepted mentions with their revision,
    annotators, active judgments as integer codes), no ORM objects, however many
    claims; ``claim_ids`` limits them to those claims.
    """
    wanted = None if claim_ids is None else {str(c) for c in claim_ids if c is not None}
    in_query = _claim_filter(wanted)
    connection = session.connection()
    claims = _claims(connection, wanted, in_query)
    found = _accepted_mentions(connection, in_query)
    if wanted is not None and in_query is None:
        found = found[found["claim"].isin(claims)]
    found["unit"] = _units(found)
    annotators = _annotators(connection)
    codes = _judgment_codes(connection, include_simulated, in_query)
    table, dropped = _counted_judgments(
        codes, found, annotators, rules, include_simulated=include_simulated, whole_store=wanted is None
    )
    links, units = _unit_frames(found[found["mention"].to_numpy() == found["unit"].to_numpy()])
    mention_units = pd.Series(found["unit"].to_numpy(), index=found["mention"].to_numpy(), name="unit")
    claim_index = pd.Index(claims, dtype=object, name="claim")
    return StoreTable(table, links, claim_index, units, mention_units, annotators, dropped)


def _claims(connection: sa.Connection, wanted: set[str] | None, in_query: list[str] | None) -> list[str]:
    """The catalogue's claim ids (those ``wanted``, if given), sorted."""
    query = sa.select(Claim.id).order_by(Claim.id)
    if in_query is not None:
        query = query.where(Claim.id.in_(in_query))
    claims = [c for (c,) in _rows(connection, query)]
    return claims if wanted is None else [c for c in claims if c in wanted]


def _accepted_mentions(connection: sa.Connection, in_query: list[str] | None) -> pd.DataFrame:
    """Every accepted mention of a claim: mention, article, revision, claim, date, inferred."""
    query = (
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
        query = query.where(Mention.claim_id.in_(in_query))
    columns = list(zip(*_rows(connection, query))) or [()] * 6
    return pd.DataFrame(
        {
            "mention": np.asarray(columns[0], dtype=np.int64),
            "article": np.asarray(columns[1], dtype=np.int64),
            "revision": np.asarray(columns[2], dtype=np.int64),
            "claim": np.asarray(columns[3], dtype=object),
            "date": pd.to_datetime(pd.Series(columns[4], dtype=object), errors="coerce"),
            "inferred": np.asarray(columns[5], dtype=bool),
        }
    )


def _units(found: pd.DataFrame) -> pd.Series:
    """Each mention's unit: the mention of its (claim, article) in the newest revision, lowest id first."""
    unit = found["mention"].copy()
    shared = found.duplicated(["claim", "article"], keep=False).to_numpy()
    if shared.any():
        several = found[shared].sort_values(
            ["claim", "article", "revision", "mention"], ascending=[True, True, False, True]
        )
        heads_of = several.groupby(["claim", "article"], sort=False)["mention"].transform("first")
        unit.loc[heads_of.index] = heads_of.to_numpy()
    return unit


def _annotators(connection: sa.Connection) -> pd.DataFrame:
    annotators = pd.DataFrame(
        _rows(connection, sa.select(Annotator.id, Annotator.email, Annotator.name, Annotator.simulated)),
        columns=["id", "email", "name", "simulated"],
    ).set_index("id")
    annotators["simulated"] = annotators["simulated"].astype(bool)
    return annotators


def _judgment_codes(connection: sa.Connection, include_simulated: bool, in_query: list[str] | None) -> np.ndarray:
    """Active judgments with a verdict as rows of (id, mention, annotator, verdict code)."""
    verdict_code = sa.case(
        {v: i for i, v in enumerate(STORE_VERDICTS)}, value=sa.type_coerce(Judgment.verdict, sa.String)
    )
    query = sa.select(Judgment.id, Judgment.mention_id, Judgment.annotator_id, verdict_code).where(
        Judgment.state == JudgmentState.ACTIVE,
        Judgment.mention_id.is_not(None),
        Judgment.verdict.is_not(None),
    )
    if not include_simulated:
        query = query.where(Judgment.simulated.is_(False))
    if in_query is not None:
        query = query.where(Judgment.mention_id.in_(sa.select(Mention.id).where(Mention.claim_id.in_(in_query))))
    return _ints(_rows(connection, query), 4)


def _counted_judgments(
    codes: np.ndarray,
    found: pd.DataFrame,
    annotators: pd.DataFrame,
    rules: VerdictRules,
    *,
    include_simulated: bool,
    whole_store: bool,
) -> tuple[Judgments, dict[str, int]]:
    """The judgments that count, each in its unit, and how many each rule left out
    (judgments of mentions that do not count only when reading the whole store)."""
    dropped: dict[str, int] = {}
    mention_pos = pd.Index(found["mention"].to_numpy()).get_indexer(codes[:, 1])
    counted = mention_pos >= 0  # not: pending, rejected, naming no claim, or not asked for
    if whole_store and (~counted).any():
        dropped["mention not accepted"] = int((~counted).sum())
    codes, mention_pos = codes[counted], mention_pos[counted]
    if not include_simulated and len(annotators):
        simulated_ids = annotators.index[annotators["simulated"].to_numpy(dtype=bool)].to_numpy()
        person = ~np.isin(codes[:, 2], simulated_ids)
        if (~person).any():
            dropped["simulated annotator"] = int((~person).sum())
        codes, mention_pos = codes[person], mention_pos[person]
    table = judgments(
        pd.DataFrame(
            {
                "unit": found["unit"].to_numpy()[mention_pos],
                "annotator": codes[:, 2],
                "label": pd.Categorical.from_codes(codes[:, 3], categories=list(STORE_VERDICTS)),
                # newest revision wins, then the judgment stored last
                "order": found["revision"].to_numpy()[mention_pos] * (1 << 40) + codes[:, 0],
            }
        ),
        rules.labels,
        order_by="order",
        on_unknown="drop",
    )
    for rule, count in table.dropped.items():
        dropped[{"unknown label": "verdict not among the configured labels"}.get(rule, rule)] = count
    return table, dropped


def _unit_frames(heads: pd.DataFrame) -> tuple[Mentions, pd.DataFrame]:
    """From the mentions that name their unit: the core's unit -> claim, article,
    date links, and per unit its revision and year-inferred flag."""
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
    return links, units


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
