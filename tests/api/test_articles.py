"""Articles over HTTP: upload, revisions, listing, and what bad files get."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

SEEDS = Path(__file__).resolve().parents[2] / "seeds"

SEED = "000_6d5ce1f4fcefeb83.txt"


def upload(client, *files: tuple[str, bytes]):
    return client.post(
        "/api/articles",
        data={"file": [(io.BytesIO(data), name) for name, data in files]},
        content_type="multipart/form-data",
    )


def count_articles(client) -> int:
    return client.get("/api/articles").get_json()["total"]


def test_upload_a_seed_then_read_it(client):
    response = upload(client, (SEED, (SEEDS / SEED).read_bytes()))
    assert response.status_code == 201, response.get_json()
    outcome = response.get_json()["files"][0]["outcomes"][0]
    assert outcome["status"] == "created" and outcome["revision"] == 1

    detail = client.get(f"/api/articles/{outcome['article_id']}").get_json()
    assert detail["external_id"] == "000_6d5ce1f4fcefeb83"
    assert detail["outlet"] == "Mercinews.com"
    assert detail["published_on"] == "2024-06-27"
    assert "ADVERTISEMENT" not in detail["current"]["body"]
    assert [r["number"] for r in detail["revisions"]] == [1]


def test_same_file_twice_changes_nothing(client):
    data = (SEEDS / SEED).read_bytes()
    upload(client, (SEED, data))
    again = upload(client, (SEED, data)).get_json()["files"][0]["outcomes"][0]
    assert again["status"] == "unchanged"
    assert count_articles(client) == 1


def test_changed_file_is_a_new_revision(client):
    data = (SEEDS / SEED).read_bytes()
    first = upload(client, (SEED, data)).get_json()["files"][0]["outcomes"][0]
    changed = data.replace("1,6 juta".encode(), "1,7 juta".encode())
    second = upload(client, (SEED, changed)).get_json()["files"][0]["outcomes"][0]
    assert second == first | {"status": "revised", "revision": 2, "warnings": []}
    revision_1 = client.get(f"/api/articles/{first['article_id']}/revisions/1").get_json()
    revision_2 = client.get(f"/api/articles/{first['article_id']}/revisions/2").get_json()
    assert "1,6 juta" in revision_1["body"] and "1,7 juta" in revision_2["body"]
    assert count_articles(client) == 1


def test_jsonl_upload(client):
    lines = [
        {"id": "a-1", "text": "Jakarta, Pahami.id —\nPresiden mengatakan 3.000 tentara dikirim, Senin (28/10).", "title": "Satu"},
        {"id": "a-2", "body": "Menurut Pentagon, 10.000 tentara telah tiba.", "outlet": "Contoh.com"},
    ]
    data = "\n".join(json.dumps(line) for line in lines).encode()
    response = upload(client, ("feed.jsonl", data))
    assert response.status_code == 201, response.get_json()
    assert [o["external_id"] for o in response.get_json()["files"][0]["outcomes"]] == ["a-1", "a-2"]
    listed = client.get("/api/articles?per_page=1&page=2").get_json()
    assert (listed["total"], listed["pages"], listed["items"][0]["external_id"]) == (2, 2, "a-2")


@pytest.mark.parametrize(
    ("name", "data", "where"),
    [
        ("empty.txt", b"", "empty.txt"),
        ("binary.txt", b"\x00\x01\x02\xff" * 100, "binary.txt"),
        ("bad.jsonl", b'{"id": "x", "text": "ok"}\n{"id": "y", "text": ', "bad.jsonl:2"),
        ("bad.csv", b"id,title\n1,no body column\n", "bad.csv"),
        ("feed.xml", b"<rss/>", "feed.xml"),
    ],
    ids=["empty", "binary", "malformed-jsonl-line-2", "csv-without-body", "unknown-format"],
)
def test_bad_file_is_rejected_and_nothing_is_stored(client, name, data, where):
    response = upload(client, (SEED, (SEEDS / SEED).read_bytes()), (name, data))
    body = response.get_json()
    assert response.status_code == 400, body
    assert set(body) == {"code", "status", "message", "errors", "type"}
    assert any(key.startswith(where) for key in body["errors"]), body["errors"]
    # the good file of the same request was not stored either: one transaction per request
    assert count_articles(client) == 0


def test_oversized_file_is_413(app, client):
    limit = app.extensions["annotator.settings"].max_upload_bytes
    response = upload(client, ("big.txt", b"a" * (limit + 1)))
    assert response.status_code == 413
    assert "max_upload_bytes" in response.get_json()["message"]
    assert count_articles(client) == 0


def test_upload_without_file_field(client):
    response = client.post("/api/articles", data={}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "files.file" in response.get_json()["errors"]


@pytest.mark.parametrize(
    "query", ["page=0", "per_page=100000", "page=two", "colour=red"], ids=["page-0", "huge-page", "not-a-number", "unknown-arg"]
)
def test_bad_list_arguments(client, query):
    response = client.get(f"/api/articles?{query}")
    assert response.status_code == 422
    assert response.get_json()["errors"]


def test_unknown_article_and_revision(client):
    assert client.get("/api/articles/99").status_code == 404
    upload(client, (SEED, (SEEDS / SEED).read_bytes()))
    response = client.get("/api/articles/1/revisions/7")
    assert response.status_code == 404
    assert "has no revision 7" in response.get_json()["message"]
