"""GET / serves the configured project's report live, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.db import get_session
from annotator.reports.service import project_report

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def stat(page, key: str) -> str:
    return page.by_id("summary").find(cls="stat", data_key=key).find(cls="value").text()


def served(client, parse, query: str = ""):
    response = client.get(f"/{query}")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/html"
    return parse(response.get_data(as_text=True))


def test_the_home_page_is_the_live_report_of_the_seed_story(app, client, parse, seed_judgments):
    page = served(client, parse)
    people = seed_judgments["people"]
    expected = {
        "claims": seed_judgments["claims"],
        "judgments": people * seed_judgments["mentions"],
        "annotators": people,
        "articles": seed_judgments["articles"],
    }
    assert (expected["claims"], expected["articles"]) == (17, 5)
    assert {key: int(stat(page, key)) for key in expected} == expected
    with app.app_context():
        data = project_report(get_session())
        get_session().rollback()
    for key in ("settled", "needs_adjudication", "adjudicated"):
        assert int(stat(page, key)) == data["summary"][key]
    rows = page.by_id("claims").find_all("tr", cls="claim")
    assert [r.attrs["data-claim-id"] for r in rows] == [c["id"] for c in data["claims"]]
    for row, claim in zip(rows, data["claims"]):
        assert row.attrs["data-verdict"] == claim["verdict"] and row.attrs["data-status"] == claim["status"]
        numbers = [t.text() for t in row.find(cls="vote-bar").find("svg").find_all("text")]
        assert numbers == [str(n) for n in claim["counts"].values() if n]
    pending = [p.attrs["data-claim-id"] for p in page.by_id("pending").find_all("tr", cls="pending-claim")]
    assert pending and pending == [p["claim_id"] for p in data["pending"]]
    assert page.by_id("agreement-heatmap").find("svg") and page.by_id("timeline").find("svg")
    banner = page.by_id("simulated-banner")
    assert "simulated-excluded" in banner.classes
    assert f"{seed_judgments['mentions']} simulated judgments" in banner.text()
    downloads = [a.attrs["href"] for a in page.find_all("a", cls="download")]
    assert "/api/reports/download/json?include_simulated=false" in downloads


def test_simulated_judgments_and_the_method_are_asked_for_in_the_query(client, parse, seed_judgments):
    page = served(client, parse, "?include_simulated=true&method=dawid-skene")
    assert int(stat(page, "judgments")) == (seed_judgments["people"] + 1) * seed_judgments["mentions"]
    assert int(stat(page, "annotators")) == seed_judgments["people"] + 1
    assert "simulated-included" in page.by_id("simulated-banner").classes
    assert page.by_id("summary").find(data_key="method").text().startswith("dawid-skene")
    assert "simulated" in page.by_id("annotators").text()


def test_an_empty_store_serves_a_clearly_empty_report(client, parse):
    page = served(client, parse)
    assert page.by_id("empty").attrs["data-kind"] == "no-claims"


def test_claims_without_judgments_serve_a_report_that_says_so(cli, client, parse):
    assert cli("ingest", SEEDS).exit_code == 0
    assert cli("claims", "load", SEEDS / "claims.yaml").exit_code == 0
    page = served(client, parse)
    empty = page.by_id("empty")
    assert empty.attrs["data-kind"] == "no-judgments" and "No judgments yet" in empty.text()
    assert stat(page, "claims") == "17" and stat(page, "judgments") == "0"
    assert not page.find_all("svg")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?method=plurality", "query.method"),
        ("?include_simulated=perhaps", "query.include_simulated"),
        ("?colour=blue", "query.colour"),
    ],
    ids=["method", "include_simulated", "unknown"],
)
def test_a_bad_query_argument_answers_the_json_error_shape(client, query, field):
    response = client.get(f"/{query}")
    assert response.status_code == 422 and response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"code", "status", "message", "errors", "type"}
    assert body["code"] == 422 and field in body["errors"]


def test_the_home_page_is_in_the_openapi_document(client):
    operation = client.get("/api/openapi.json").get_json()["paths"]["/"]["get"]
    assert "text/html" in operation["responses"]["200"]["content"]
    assert {p["name"] for p in operation["parameters"]} == {"method", "include_simulated"}
