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
    assert {p["name"] for p in operation["parameters"]} == {"method", "include_simulated", "page", "per_page", "status"}


def test_the_overview_pages_and_filters_the_claim_list(client, parse, seed_judgments):
    first = served(client, parse, "?per_page=5")
    ids = [r.attrs["data-claim-id"] for r in first.by_id("claims").find_all("tr", cls="claim")]
    assert len(ids) == 5 and int(stat(first, "claims")) == 17, "the summary covers every claim"
    assert "claims 1–5 of 17" in first.find(cls="pager").text()
    # the evidence is on each claim's own page, linked from its id
    assert not first.find_all(cls="claim-evidence")
    links = [a.attrs["href"] for a in first.by_id("claims").find_all("a", cls="claim-link")]
    assert links[0].startswith(f"/claims/{ids[0]}")
    last = served(client, parse, "?per_page=5&page=4")
    assert len(last.by_id("claims").find_all("tr", cls="claim")) == 2
    pending = served(client, parse, "?status=needs+adjudication")
    statuses = {r.attrs["data-status"] for r in pending.by_id("claims").find_all("tr", cls="claim")}
    assert statuses == {"needs adjudication"}
    beyond = served(client, parse, "?per_page=5&page=9")
    assert "no claims on page 9" in beyond.find(cls="pager").text()


def test_a_claim_has_its_own_page_with_evidence_and_judgments(app, client, parse, seed_judgments):
    with app.app_context():
        claim = project_report(get_session())["claims"][0]
        get_session().rollback()
    page = served(client, parse, f"claims/{claim['id']}")
    rows = page.by_id("claims").find_all("tr", cls="claim")
    assert [r.attrs["data-claim-id"] for r in rows] == [claim["id"]]
    evidence = page.by_id(f"evidence-{claim['id']}")
    assert len(evidence.find_all(cls="mention")) == len(claim["mentions"])
    judged = sum(len(m["judgments"]) for m in claim["mentions"])
    assert len(evidence.find_all("tr", cls="judgment")) == judged > 0
    assert page.find("a", cls="overview-link").attrs["href"].startswith("/")
    assert client.get("/claims/no-such-claim").status_code == 404


def test_a_claim_page_links_its_charts_which_are_drawn_on_their_own(app, client, parse, seed_judgments):
    with app.app_context():
        claim = project_report(get_session(), include_simulated=True)["claims"][0]
        get_session().rollback()
    page = served(client, parse, f"claims/{claim['id']}?include_simulated=true")
    images = page.find_all("img", cls="chart-image")
    sources = sorted(image.attrs["src"] for image in images)
    assert [s.split("?")[0] for s in sources] == [
        f"/claims/{claim['id']}/charts/{name}.svg" for name in ("agreement", "heatmap", "timeline")
    ]
    assert all("include_simulated=true" in s for s in sources)
    assert not page.by_id("timeline").find_all("svg")  # not drawn into the page
    for source in sources:
        chart = client.get(source)
        assert chart.status_code == 200 and chart.mimetype == "image/svg+xml"
        svg = parse(chart.get_data(as_text=True)).find("svg")
        assert svg.attrs["xmlns"] == "http://www.w3.org/2000/svg" and svg.find("title").text()
    assert client.get(f"/claims/{claim['id']}/charts/pie.svg").get_json()["errors"]["name"]
    assert client.get("/claims/no-such-claim/charts/timeline.svg").status_code == 404
