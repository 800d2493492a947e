"""Who may call what: every route of the URL map, called anonymously, with each role and
with a revoked token, answers as :data:`annotator.api.access.ACCESS` declares.

Allowed callers must pass the gate (no 401 or 403); what the route then answers to
an empty request (422, 404, 2xx) is the route's own business, tested beside it.
"""

from __future__ import annotations

import re

import pytest

from annotator.api.access import ACCESS, PAGES, Gate, allows, gate_of
from annotator.vocabulary import ROLES, Role

#: URL variables of every route, filled with the story's ids
URL_VALUES = {
    "claim_id": "troops", "article_id": 1, "number": 1, "filename": "swagger-ui.css", "name": "none.json",
    "person_id": 1, "token_id": 1, "kind": "json", "mention_id": 1,
}


def _operations(app) -> list[tuple[str, str, str]]:
    """(method, url, endpoint) of every operation the app serves."""
    found = []
    for rule in app.url_map.iter_rules():
        url = rule.rule
        for name in rule.arguments:
            url = re.sub(rf"<(\w+:)?{name}>", str(URL_VALUES[name]), url)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((method, url, rule.endpoint))
    return sorted(found)


def test_every_route_declares_who_may_call_it(app):
    operations = _operations(app)
    assert len(operations) > 40
    assert [op for op in operations if gate_of(op[2], op[0]) is None] == []
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert set(ACCESS) - endpoints == set(), "declared, but no such route"


def test_an_undeclared_route_fails_the_app_at_start(app):
    from annotator.api.access import init_app

    app.add_url_rule("/undeclared", "undeclared", lambda: "x")
    with pytest.raises(RuntimeError, match="undeclared"):
        init_app(app)


def _call(client, method: str, url: str, headers: dict | None = None):
    return client.open(url, method=method, headers=headers or {}, json={} if method != "GET" else None)


def test_every_operation_answers_each_caller_as_declared(app, story, desk):
    desk("viewer", email="target@desk.example")  # person 1 and token 1: what the URLs name
    callers = {role: desk(role)[1] for role in ROLES}
    revoked_id, revoked = desk("admin")
    anonymous = app.test_client()
    with app.test_client() as client:
        assert client.delete(f"/api/people/{revoked_id}/tokens/{_token_id(app, revoked_id)}", headers=callers["admin"]).status_code == 204
    wrong = []
    for method, url, endpoint in _operations(app):
        gate = gate_of(endpoint, method)
        client = app.test_client()
        answer = _call(anonymous, method, url)
        if gate in (Gate.PUBLIC,):
            ok = answer.status_code != 401 and (answer.status_code != 403 or answer.json["type"] == "csrf_failed")
        elif gate is Gate.WEBHOOK:
            ok = answer.status_code == 401  # no shared secret
        elif endpoint in PAGES and method == "GET":
            ok = answer.status_code == 302 and "/login" in answer.headers["Location"]
        else:
            ok = answer.status_code == 401 and answer.json["type"] == "unauthorized"
        if not ok:
            wrong.append(("anonymous", method, url, answer.status_code))
        answer = _call(client, method, url, revoked)
        if answer.status_code != 401:
            wrong.append(("revoked token", method, url, answer.status_code))
        if gate in (Gate.PUBLIC, Gate.WEBHOOK):
            continue
        for role, headers in callers.items():
            answer = _call(client, method, url, headers)
            passes = allows(gate, frozenset({Role(role)}), reports_public=False)
            if passes and answer.status_code in (401, 403):
                wrong.append((role, method, url, answer.status_code, answer.json))
            if not passes and not (answer.status_code == 403 and answer.json["type"] == "forbidden"):
                wrong.append((role, method, url, answer.status_code))
    assert wrong == [], "\n".join(map(str, wrong))


def _token_id(app, person_id: int) -> int:
    import sqlalchemy as sa

    from annotator.db import get_session
    from annotator.models import ApiToken

    with app.app_context():
        return get_session().scalar(sa.select(ApiToken.id).where(ApiToken.person_id == person_id))


def test_401_and_403_use_the_one_error_shape(app, anonymous, desk):
    _, viewer = desk("viewer")
    unauthorized = anonymous.get("/api/claims")
    assert unauthorized.status_code == 401
    assert unauthorized.headers["WWW-Authenticate"].startswith("Bearer")
    assert set(unauthorized.json) == {"code", "status", "message", "errors", "type"}
    forbidden = anonymous.post("/api/claims", json={"id": "x", "text": "y"}, headers=viewer)
    assert (forbidden.status_code, forbidden.json["type"]) == (403, "forbidden")
    assert "coordinator" in forbidden.json["message"]
    not_bearer = anonymous.get("/api/claims", headers={"Authorization": "Basic YTpi"})
    assert not_bearer.status_code == 401


def test_an_annotator_reads_nothing_of_the_desk(app, story, desk):
    _, annotator = desk("annotator")
    client = app.test_client()
    for url in ("/api/verdicts", "/api/agreement", "/api/claims", "/api/reports/download/json", "/api/adjudications"):
        assert client.get(url, headers=annotator).status_code == 403, url
    assert client.get("/api/me", headers=annotator).json["roles"] == ["annotator"]


def test_public_reports_open_the_reads_of_reports_only(database_url, tmp_path, story):
    from annotator import create_app

    app = create_app({"database_url": database_url, "exports_dir": tmp_path / "e", "reports_public": True})
    client = app.test_client()
    assert client.get("/").status_code == 200
    assert client.get("/api/verdicts").status_code == 200
    assert client.get("/api/claims").status_code == 401  # the desk's material stays closed
    assert client.post("/api/adjudications", json={}).status_code == 401
    app.extensions["annotator.engine"].dispose()


def test_health_is_open_and_says_nothing_of_internals(anonymous):
    body = anonymous.get("/api/health").json
    assert body["status"] == "ok"
    assert "database" not in body and "schema_revision" not in body
