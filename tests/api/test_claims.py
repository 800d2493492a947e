"""Claims over HTTP: CRUD, catalogue upload, and what bad requests get."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def ingest_seeds(client) -> None:
    files = [(io.BytesIO(p.read_bytes()), p.name) for p in sorted(SEEDS.glob("*.txt"))]
    response = client.post("/api/articles", data={"file": files}, content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()


def upload_catalogue(client, data: bytes, name: str = "claims.yaml"):
    return client.post(
        "/api/claims/catalogue", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data"
    )


def test_claim_lifecycle(client):
    created = client.post("/api/claims", json={"id": "pact-june", "text": "Pakta ditandatangani Juni 2024."})
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["mention_count"] == 0
    patched = client.patch("/api/claims/pact-june", json={"text_en": "The pact was signed in June 2024."})
    assert patched.get_json()["text_en"] == "The pact was signed in June 2024."
    assert client.get("/api/claims").get_json()["total"] == 1
    assert client.delete("/api/claims/pact-june").status_code == 204
    assert client.get("/api/claims/pact-june").status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": "no id"}, "json.id"),
        ({"id": "Not A Slug", "text": "x"}, "json.id"),
        ({"id": "ok", "text": "   "}, "json.text"),
        ({"id": "ok", "text": 42}, "json.text"),
        ({"id": "ok", "text": "x", "colour": "red"}, "json.colour"),
    ],
    ids=["missing-id", "bad-slug", "blank-text", "text-not-a-string", "unknown-field"],
)
def test_bad_claim_gets_field_errors(client, body, field):
    response = client.post("/api/claims", json=body)
    assert response.status_code == 422
    assert field in response.get_json()["errors"], response.get_json()
    assert client.get("/api/claims").get_json()["total"] == 0


def test_duplicate_claim_id_is_409(client):
    client.post("/api/claims", json={"id": "a", "text": "x"})
    response = client.post("/api/claims", json={"id": "a", "text": "y"})
    assert response.status_code == 409
    assert client.get("/api/claims/a").get_json()["text"] == "x"


def test_seed_catalogue_loads_with_located_mentions(client):
    ingest_seeds(client)
    response = upload_catalogue(client, (SEEDS / "claims.yaml").read_bytes())
    report = response.get_json()
    assert response.status_code == 200, report
    assert report["claims_created"] >= 10
    assert report["mentions_created"] >= report["claims_created"]
    again = upload_catalogue(client, (SEEDS / "claims.yaml").read_bytes()).get_json()
    assert again["claims_created"] == again["mentions_created"] == 0
    assert again["claims_unchanged"] == report["claims_created"]

    mentions = client.get("/api/mentions?origin=catalogue&per_page=500").get_json()["items"]
    for mention in mentions:
        body = client.get(f"/api/articles/{mention['article_id']}").get_json()["current"]["body"]
        for (start, end), quote in zip(mention["spans"], mention["quotes"]):
            assert 0 <= start < end <= len(body)
            if mention["match_method"] == "exact":
                assert body[start:end] == quote


def test_catalogue_with_an_unlocatable_quote_stores_nothing(client):
    ingest_seeds(client)
    catalogue = b"""
story: test
title: Test
version: 1
claims:
  - id: shells
    text: Korea Utara mengirim 1,6 juta peluru.
    text_en: North Korea sent 1.6 million shells.
    mentions:
      - article: 000_6d5ce1f4fcefeb83
        quote: mengirimkan hingga 1,6 juta peluru
  - id: moon
    text: Bulan terbuat dari keju.
    text_en: The moon is made of cheese.
    mentions:
      - article: 000_6d5ce1f4fcefeb83
        quote: bulan terbuat dari keju hijau yang sangat lezat
      - article: no_such_article
        quote: apa saja
"""
    response = upload_catalogue(client, catalogue)
    body = response.get_json()
    assert response.status_code == 400, body
    assert set(body["errors"]) == {"moon @ 000_6d5ce1f4fcefeb83", "moon @ no_such_article"}
    assert "nothing from this file was stored" in body["message"]
    assert client.get("/api/claims").get_json()["total"] == 0
    assert client.get("/api/mentions?origin=catalogue").get_json()["total"] == 0


def test_claim_with_judgments_cannot_be_deleted(app, client):
    from annotator.db import get_session
    from annotator.models import Annotator, Judgment, Mention, Verdict

    ingest_seeds(client)
    upload_catalogue(client, (SEEDS / "claims.yaml").read_bytes())
    with app.app_context():
        session = get_session()
        mention = session.query(Mention).filter(Mention.claim_id.isnot(None)).first()
        annotator = Annotator(email="a@example.org")
        session.add_all([annotator, Judgment(mention=mention, annotator=annotator, verdict=Verdict.CONFIRMED)])
        session.commit()
        claim_id = mention.claim_id
    response = client.delete(f"/api/claims/{claim_id}")
    assert response.status_code == 409
    assert client.get(f"/api/claims/{claim_id}").status_code == 200
