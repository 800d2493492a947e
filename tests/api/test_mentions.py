"""Mentions over HTTP: suggestions to review, manual mentions, span checks."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
SEED = "000_6d5ce1f4fcefeb83.txt"


@pytest.fixture
def article_id(client) -> int:
    data = {"file": (io.BytesIO((SEEDS / SEED).read_bytes()), SEED)}
    response = client.post("/api/articles", data=data, content_type="multipart/form-data")
    client.post("/api/claims", json={"id": "shells", "text": "Korea Utara mengirim 1,6 juta peluru ke Rusia."})
    return response.get_json()["files"][0]["outcomes"][0]["article_id"]


def pending(client) -> list[dict]:
    return client.get("/api/mentions?origin=suggested&status=pending&per_page=500").get_json()["items"]


def test_ingest_suggests_check_worthy_sentences(client, article_id):
    suggestions = pending(client)
    assert suggestions, "the seed has figures, quotes and attributions"
    shells = [s for s in suggestions if "1,6 juta peluru" in s["quotes"][0]]
    assert len(shells) == 1 and shells[0]["claim_id"] is None
    assert shells[0]["score"] > 0 and shells[0]["reasons"]


def test_accept_and_reject_suggestions(client, article_id):
    suggestions = pending(client)
    shells = next(s for s in suggestions if "1,6 juta peluru" in s["quotes"][0])
    other = next(s for s in suggestions if s["id"] != shells["id"])

    no_claim = client.post(f"/api/mentions/{shells['id']}/accept", json={})
    assert no_claim.status_code == 400 and "claim_id" in no_claim.get_json()["errors"]
    unknown = client.post(f"/api/mentions/{shells['id']}/accept", json={"claim_id": "nope"})
    assert unknown.status_code == 404

    accepted = client.post(f"/api/mentions/{shells['id']}/accept", json={"claim_id": "shells"})
    assert accepted.status_code == 200
    assert (accepted.get_json()["status"], accepted.get_json()["claim_id"]) == ("accepted", "shells")
    assert client.post(f"/api/mentions/{other['id']}/reject", json={}).get_json()["status"] == "rejected"
    assert len(pending(client)) == len(suggestions) - 2


def test_reingest_does_not_duplicate_suggestions(client, article_id):
    before = len(pending(client))
    data = {"file": (io.BytesIO((SEEDS / SEED).read_bytes()), SEED)}
    client.post("/api/articles", data=data, content_type="multipart/form-data")
    assert len(pending(client)) == before


def test_manual_mention(client, article_id):
    body = client.get(f"/api/articles/{article_id}").get_json()["current"]["body"]
    start = body.index("1,6 juta peluru")
    response = client.post(
        "/api/mentions", json={"claim_id": "shells", "article_id": article_id, "spans": [[start, start + 15]]}
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["quotes"] == ["1,6 juta peluru"]
    duplicate = client.post(
        "/api/mentions", json={"claim_id": "shells", "article_id": article_id, "spans": [[0, 5]]}
    )
    assert duplicate.status_code == 409


@pytest.mark.parametrize(
    ("spans", "status"),
    [
        ([[10, 5]], 400),
        ([[-1, 5]], 400),
        ([[0, 10_000_000]], 400),
        ([[0, 20], [10, 30]], 400),
        ([[0]], 422),
        ([["a", "b"]], 422),
        ([], 422),
    ],
    ids=["reversed", "negative", "past-the-end", "overlapping", "one-number", "not-numbers", "none"],
)
def test_bad_spans_are_rejected(client, article_id, spans, status):
    response = client.post("/api/mentions", json={"claim_id": "shells", "article_id": article_id, "spans": spans})
    assert response.status_code == status, response.get_json()
    assert response.get_json()["errors"]
    assert client.get("/api/mentions?origin=annotator").get_json()["total"] == 0


def test_unknown_article_or_mention(client, article_id):
    response = client.post("/api/mentions", json={"claim_id": "shells", "article_id": 999, "spans": [[0, 5]]})
    assert response.status_code == 404
    assert client.post("/api/mentions/999/reject", json={}).status_code == 404
    assert client.get("/api/mentions?status=maybe").status_code == 422
