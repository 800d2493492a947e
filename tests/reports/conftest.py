"""An HTML reader for the report page, and the seed story judged in the store."""

from __future__ import annotations

import random
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import sqlalchemy as sa

from annotator.models import Mention, MentionOrigin, MentionStatus

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
VERDICTS = ("confirmed", "disputed", "denied")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Node:
    """One element of a parsed page: ``tag``, ``attrs``, ``children`` (nodes and strings)."""

    def __init__(self, tag: str, attrs: dict[str, str | None], parent: Node | None = None):
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node | str] = []

    @property
    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())

    def text(self) -> str:
        """All text inside, whitespace collapsed."""
        parts = [c if isinstance(c, str) else c.text() for c in self.children]
        return re.sub(r"\s+", " ", " ".join(parts)).strip()

    def iter(self):
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.iter()

    def find_all(self, tag: str | None = None, *, cls: str | None = None, **attrs: str) -> list[Node]:
        """Elements below (and including) this one by tag, class and attributes
        (``data_claim_id="x"`` matches ``data-claim-id``; ``True`` matches any value)."""
        wanted = {k.replace("_", "-"): v for k, v in attrs.items()}
        return [
            node
            for node in self.iter()
            if (tag is None or node.tag == tag)
            and (cls is None or cls in node.classes)
            and all(k in node.attrs and (v is True or node.attrs[k] == v) for k, v in wanted.items())
        ]

    def find(self, tag: str | None = None, *, cls: str | None = None, **attrs: str) -> Node:
        found = self.find_all(tag, cls=cls, **attrs)
        assert found, f"no <{tag or '*'}> with class={cls!r} {attrs} on the page"
        return found[0]

    def by_id(self, element_id: str) -> Node:
        return self.find(id=element_id)


class _Builder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.current = self.root

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs), self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Node(tag, dict(attrs), self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        assert node is not None and node.parent is not None, f"</{tag}> closes nothing"
        self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse_html(text: str) -> Node:
    builder = _Builder()
    builder.feed(text)
    builder.close()
    assert builder.current is builder.root, f"<{builder.current.tag}> is never closed"
    return builder.root


@pytest.fixture
def parse():
    return parse_html


@pytest.fixture
def seed_judgments(cli, store):
    """The seed articles and catalogue in the store, every catalogue mention judged by
    ana, budi and citra and by one simulated annotator (deterministic verdicts that lean
    to one per claim, the first located quote as evidence)."""
    assert cli("ingest", SEEDS).exit_code == 0
    assert cli("claims", "load", SEEDS / "claims.yaml").exit_code == 0
    return judge_seed_story(store)


def judge_seed_story(store) -> dict:
    people = [store.annotator(name) for name in ("ana", "budi", "citra")]
    bot = store.annotator("simulated-1", simulated=True)
    mentions = store.session.scalars(
        sa.select(Mention)
        .where(Mention.origin == MentionOrigin.CATALOGUE, Mention.status == MentionStatus.ACCEPTED)
        .order_by(Mention.id)
    ).all()
    for mention in mentions:
        article = mention.revision.article.external_id
        leaning = random.Random(f"report:{mention.claim_id}").choice(VERDICTS)
        start, end = mention.spans[0]
        quote = {"start": start, "end": end, "text": mention.revision.body[start:end]}
        for annotator in (*people, bot):
            rng = random.Random(f"report:{mention.claim_id}:{article}:{annotator.name}")
            verdict = leaning if rng.random() < 0.6 else rng.choice(VERDICTS)
            judgment = store.judge(mention, annotator, verdict, confidence=rng.randint(1, 5))
            judgment.evidence = [quote]
    store.commit()
    return {
        "claims": len({m.claim_id for m in mentions}),
        "mentions": len(mentions),
        "articles": len({m.revision.article_id for m in mentions}),
        "people": len(people),
    }
