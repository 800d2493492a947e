"""A store with judgments written directly (no Label Studio), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import pytest

from annotator.db import get_session
from annotator.models import (
    Annotator,
    Article,
    ArticleRevision,
    Claim,
    Judgment,
    JudgmentState,
    Mention,
    MentionOrigin,
    MentionStatus,
    Verdict,
)
from annotator.verdicts_config import DEFAULT_RULES

REPO = Path(__file__).resolve().parents[2]

#: Krippendorff (2011), nominal data with missing values: observers x units.
KRIPPENDORFF_2011 = {
    "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    "C": [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
}


class Store:
    """Writes claims, articles, mentions, annotators and judgments; ``commit()`` stores them."""

    def __init__(self, session):
        self.session = session
        self._numbers = itertools.count(1)

    def commit(self) -> None:
        self.session.commit()

    def annotator(self, name: str, *, simulated: bool = False) -> Annotator:
        annotator = Annotator(email=f"{name}@example.org", name=name, simulated=simulated)
        self.session.add(annotator)
        self.session.flush()
        return annotator

    def claim(self, claim_id: str, text: str | None = None) -> Claim:
        claim = Claim(id=claim_id, text=text or f"Claim {claim_id}")
        self.session.add(claim)
        self.session.flush()
        return claim

    def article(
        self, external_id: str, published_on: dt.date | str | None = None, *, inferred: bool = False
    ) -> ArticleRevision:
        article = Article(external_id=external_id)
        self.session.add(article)
        self.session.flush()
        return self.revision(article, published_on, inferred=inferred)

    def revision(
        self, article: Article, published_on: dt.date | str | None = None, *, inferred: bool = False
    ) -> ArticleRevision:
        if isinstance(published_on, str):
            published_on = dt.date.fromisoformat(published_on)
        number = len(article.revisions) + 1
        revision = ArticleRevision(
            article=article,
            number=number,
            content_hash=f"{article.external_id}-{number}",
            source=f"{article.external_id}.txt",
            outlet=f"Outlet {article.external_id}",
            title=f"Title {article.external_id}",
            published_on=published_on,
            published_year_inferred=inferred,
            raw_text="text",
            body="text",
        )
        self.session.add(revision)
        self.session.flush()
        return revision

    def mention(
        self,
        claim: Claim | str,
        revision: ArticleRevision,
        *,
        status: MentionStatus = MentionStatus.ACCEPTED,
        origin: MentionOrigin = MentionOrigin.CATALOGUE,
    ) -> Mention:
        claim_id = claim if isinstance(claim, str) else claim.id
        mention = Mention(
            claim_id=claim_id,
            revision_id=revision.id,
            origin=origin,
            status=status,
            dedup_key=claim_id if origin is MentionOrigin.CATALOGUE else f"{next(self._numbers)}-0",
            spans=[[0, 4]],
        )
        self.session.add(mention)
        self.session.flush()
        return mention

    def judge(
        self,
        mention: Mention,
        annotator: Annotator,
        verdict: str | None,
        *,
        state: JudgmentState = JudgmentState.ACTIVE,
        simulated: bool | None = None,
        confidence: int | None = None,
    ) -> Judgment:
        judgment = Judgment(
            mention_id=mention.id,
            annotator_id=annotator.id,
            verdict=Verdict(verdict) if verdict else None,
            state=state,
            simulated=annotator.simulated if simulated is None else simulated,
            confidence=confidence,
            ls_annotation_id=next(self._numbers),
            claim_index=0,
        )
        self.session.add(judgment)
        self.session.flush()
        return judgment

    def judge_all(self, mention: Mention, annotators: list[Annotator], verdicts: str) -> list[Judgment]:
        """One judgment per annotator: ``verdicts`` as letters c/u/d (confirmed, disputed,
        denied), ``.`` for none."""
        letters = {"c": "confirmed", "u": "disputed", "d": "denied"}
        return [
            self.judge(mention, who, letters[letter])
            for who, letter in zip(annotators, verdicts, strict=True)
            if letter != "."
        ]


@pytest.fixture
def store(app):
    with app.app_context():
        session = get_session()
        yield Store(session)
        session.rollback()


@pytest.fixture
def rules():
    return DEFAULT_RULES


@pytest.fixture
def story(store):
    """A small story: three claims over four dated articles, three annotators and a
    simulated one.

    * ``troops``: 3 articles; c c c / c c u / c c .  -> confirmed, settled
    * ``pact``:   2 articles; c u d / u u c          -> majority disputed 3 of 6: needs adjudication
    * ``shells``: 1 article;  c d                    -> fewer than 3: tie, needs adjudication
    * ``unjudged``: no mention at all
    """
    ana, budi, citra = (store.annotator(n) for n in ("ana", "budi", "citra"))
    bot = store.annotator("bot", simulated=True)
    a1 = store.article("a1", "2024-06-20")
    a2 = store.article("a2", "2024-06-27")
    a3 = store.article("a3", "2024-10-31", inferred=True)
    a4 = store.article("a4")
    for claim in ("troops", "pact", "shells", "unjudged"):
        store.claim(claim)
    m = {
        "troops-a1": store.mention("troops", a1),
        "troops-a2": store.mention("troops", a2),
        "troops-a3": store.mention("troops", a3),
        "pact-a1": store.mention("pact", a1),
        "pact-a4": store.mention("pact", a4),
        "shells-a2": store.mention("shells", a2),
    }
    people = [ana, budi, citra]
    store.judge_all(m["troops-a1"], people, "ccc")
    store.judge_all(m["troops-a2"], people, "ccu")
    store.judge_all(m["troops-a3"], people, "cc.")
    store.judge_all(m["pact-a1"], people, "cud")
    store.judge_all(m["pact-a4"], people, "uuc")
    store.judge_all(m["shells-a2"], people, "cd.")
    for mention in m.values():
        store.judge(mention, bot, "denied")
    store.commit()
    return {"mentions": {k: v.id for k, v in m.items()}, "annotators": {a.name: a.id for a in (*people, bot)}}
