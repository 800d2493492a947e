"""GETs only read; the write paths keep the verdict sets fresh.

Every GET route of the app runs on a store holding the story, with a listener on
the engine that records any statement that would change it; a write attempted
inside a GET is refused by the database itself (a read-only transaction); and
after each kind of API write every verdict set is as fresh as a rebuild would
make it.
"""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from annotator.api.access import ACCESS
from annotator.db import get_session
from annotator.models import Claim, ClaimVerdict, VerdictSet
from annotator.services import verdicts as service
from annotator.vocabulary import Role

WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|CREATE|ALTER|DROP|REPLACE)\b", re.IGNORECASE)
#: The one write a read may cause, on a connection of its own: a token's last use
#: (at most once a minute, annotator/api/auth.py).
TOKEN_STAMP = re.compile(r"^\s*UPDATE api_tokens SET last_used_at=", re.IGNORECASE)
#: values for the URL variables of the GET routes (the story's ids)
URL_VALUES = {
    "claim_id": "troops", "article_id": 1, "number": 1, "filename": "swagger-ui.css", "name": "none.json",
    "person_id": 1, "token_id": 1,
}
VARIANTS = ["", "?method=dawid-skene", "?include_simulated=true", "?method=dawid-skene&include_simulated=true"]


def _get_urls(app, story) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        values = URL_VALUES | {"mention_id": story["mentions"]["troops-a1"]}
        if "kind" in rule.arguments:
            from annotator.api.reports import DOWNLOADS

            urls += [rule.rule.replace("<kind>", kind) for kind in DOWNLOADS]
            continue
        url = rule.rule
        for name in rule.arguments:
            url = re.sub(rf"<(\w+:)?{name}>", str(values[name]), url)
        urls.append(url)
    return sorted(urls)


@pytest.fixture
def writes(app):
    """The changing statements the engine runs while the test reads."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        if WRITE.match(statement) and not TOKEN_STAMP.match(statement):
            seen.append(statement.split("\n")[0])

    engine = app.extensions["annotator.engine"]
    sa.event.listen(engine, "before_cursor_execute", record)
    yield seen
    sa.event.remove(engine, "before_cursor_execute", record)


def test_no_get_writes_to_the_store(app, client, story, writes):
    urls = _get_urls(app, story)
    assert "/" in urls and "/api/reports/download/json" in urls and len(urls) > 20
    answered = {}
    for url in urls:
        for variant in VARIANTS if url.startswith(("/api/verdicts", "/api/adjudications", "/claims", "/api/reports")) or url == "/" else [""]:
            response = client.get(url + ("&" + variant[1:] if "?" in url and variant else variant))
            answered[url + variant] = response.status_code
            body = response.get_json(silent=True) or {}
            # Label Studio is not configured here: only its routes may answer 5xx, and say why
            assert response.status_code < 500 or body.get("type", "").startswith("label_studio"), (url, body)
    assert writes == [], writes
    assert answered["/api/verdicts"] == 200 and answered["/api/reports/download/json"] == 200


def test_a_write_inside_a_get_is_refused_by_the_database(app, client, story, monkeypatch):
    def sneak_in():
        session = get_session()
        session.add(Claim(id="sneaked", text="written by a read"))
        session.commit()
        return "stored"

    app.add_url_rule("/test/sneak", "sneak", sneak_in, methods=["GET", "POST"])
    monkeypatch.setitem(ACCESS, "sneak", {"GET": Role.VIEWER, "POST": Role.COORDINATOR})
    with pytest.raises(sa.exc.DBAPIError, match="(?i)read-only|readonly"):
        client.get("/test/sneak")
    with app.app_context():
        assert get_session().get(Claim, "sneaked") is None
    # the same connection is writable again for a write request
    assert client.post("/test/sneak").status_code == 200


def _snapshot(session) -> dict:
    """Every set's rows, without the time they were computed."""
    session.expire_all()
    skip = {"computed_at"}
    columns = [c for c in ClaimVerdict.__table__.c if c.name not in skip]
    rows = session.execute(sa.select(VerdictSet.method, VerdictSet.include_simulated, *columns).join(VerdictSet))
    return {(r[0], r[1], r.claim_id): tuple(r[2:]) for r in rows}


def _fresh_as_a_rebuild(app) -> None:
    """Each set matches a rebuild from the whole store, and reading it would rebuild nothing."""
    rules = app.extensions["annotator.rules"].verdicts
    with app.app_context():
        session = get_session()
        stored = _snapshot(session)
        sets = {(s.method, s.include_simulated): s.computed_at for s in session.scalars(sa.select(VerdictSet))}
        assert len(sets) == 4
        for method, simulated in sets:
            service.verdict_set(session, rules, method, simulated)  # rebuilds only what is stale
        assert {(s.method, s.include_simulated): s.computed_at for s in session.scalars(sa.select(VerdictSet))} == sets
        for target in session.scalars(sa.select(VerdictSet).where(VerdictSet.method == "majority")):
            service.rebuild_verdicts(session, rules, target)
        rebuilt = _snapshot(session)
        session.rollback()
    majority = {k: v for k, v in stored.items() if k[0] == "majority"}
    assert majority == {k: v for k, v in rebuilt.items() if k[0] == "majority"}
    # Dawid–Skene: refreshed claims are scored with the stored model, so only the counts must match
    assert {k for k in stored if k[0] != "majority"} == {k for k in rebuilt if k[0] != "majority"}


CATALOGUE = b"""version: 1
story: test-story
title: A test story
claims:
  - id: shells
    text: Shells fell on the town.
    mentions:
      - article: a1
        quote: text
"""


def _upload(client, url: str, name: str, data: bytes):
    return client.post(url, data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def test_every_write_leaves_the_verdicts_fresh(app, client, story):
    mentions = story["mentions"]
    steps = [
        lambda: client.post("/api/claims", json={"id": "new-claim", "text": "A new claim"}),
        lambda: client.patch("/api/claims/new-claim", json={"text": "A reworded claim"}),
        lambda: client.post(
            "/api/mentions", json={"claim_id": "new-claim", "article_id": 3, "spans": [[0, 4]]}
        ),
        lambda: client.post(f"/api/mentions/{mentions['troops-a3']}/reject", json={}),
        lambda: client.post(f"/api/mentions/{mentions['troops-a3']}/accept", json={}),
        lambda: client.patch(f"/api/mentions/{mentions['troops-a2']}", json={"spans": [[0, 3]]}),
        lambda: _upload(client, "/api/articles", "a2.txt", b"text, revised with more words"),
        lambda: client.post(
            "/api/adjudications", json={"claim_id": "pact", "verdict": "denied", "reason": "the record"}
        ),
        lambda: _upload(client, "/api/claims/catalogue", "claims.yaml", CATALOGUE),
        lambda: client.delete("/api/claims/unjudged"),
    ]
    for number, step in enumerate(steps):
        response = step()
        assert response.status_code < 300, (number, response.get_json())
        _fresh_as_a_rebuild(app)
    shown = client.get("/api/verdicts/claims/new-claim").get_json()
    assert shown["claim_id"] == "new-claim" and shown["n_judgments"] == 0
    assert client.get("/api/verdicts/claims/unjudged").status_code == 404


def test_a_read_before_the_sets_exist_says_what_to_do(app, client, story):
    with app.app_context():
        session = get_session()
        session.execute(sa.delete(VerdictSet))
        session.commit()
    response = client.get("/api/verdicts")
    assert response.status_code == 503
    body = response.get_json()
    assert body["type"] == "not_ready" and "restart the service" in body["errors"]["verdicts"][0]
