"""Reports from the store, through the CLI and the API: every format, and every refusal."""

from __future__ import annotations

import csv
import io
import json

import pytest

#: ClaimReview properties Google's structured-data guidelines require or recommend.
CLAIMREVIEW_REQUIRED = {"@type", "claimReviewed", "reviewRating", "url"}
CLAIMREVIEW_RECOMMENDED = {"author", "datePublished", "itemReviewed"}


def write(client, **body):
    return client.post("/api/reports", json=body)


def files_of(response) -> dict[str, str]:
    return {f["name"].split("-", 1)[1].split(".", 1)[1]: f["name"] for f in response.get_json()["files"]}


def read(app, name: str) -> str:
    return (app.extensions["annotator.settings"].exports_dir / name).read_text(encoding="utf-8")


def test_every_format_is_written_into_exports(app, client, story):
    response = write(client)
    assert response.status_code == 201, response.get_json()
    names = files_of(response)
    assert set(names) == {"claims.csv", "mentions.csv", "json", "claimreview.jsonld", "fever.jsonl", "html"}
    exports = app.extensions["annotator.settings"].exports_dir
    assert sorted(p.name for p in exports.iterdir()) == sorted(names.values()), "nothing else, no temp files"

    claims = list(csv.DictReader(io.StringIO(read(app, names["claims.csv"]))))
    by_id = {row["claim_id"]: row for row in claims}
    assert set(by_id) == {"troops", "pact", "shells", "unjudged"}
    assert (by_id["troops"]["verdict"], by_id["troops"]["status"], by_id["troops"]["n_confirmed"]) == ("confirmed", "settled", "7")
    assert by_id["troops"]["n_articles"] == "3" and by_id["troops"]["n_annotators"] == "3"
    assert by_id["pact"]["status"] == "needs adjudication"
    mentions = list(csv.DictReader(io.StringIO(read(app, names["mentions.csv"]))))
    assert len([m for m in mentions if m["claim_id"] == "troops"]) == 3

    data = json.loads(read(app, names["json"]))
    assert data["tool"]["name"] == "annotator" and data["rules"]["min_judgments"] == 3
    troops = next(c for c in data["claims"] if c["id"] == "troops")
    judgments = [j for m in troops["mentions"] for j in m["judgments"]]
    assert len(judgments) == 8 and all(not j["simulated"] for j in judgments), "the bot is kept apart"
    assert {"annotator", "verdict", "confidence", "evidence", "note"} <= set(judgments[0])


def test_claimreview_documents_carry_the_scale_and_leave_out_unsettled(app, client, story):
    names = files_of(write(client, formats=["claimreview"]))
    document = json.loads(read(app, names["claimreview.jsonld"]))
    reviews = document["@graph"]
    assert [r["itemReviewed"]["appearance"][0]["identifier"] for r in reviews] == ["a1"]
    for review in reviews:
        assert CLAIMREVIEW_REQUIRED | CLAIMREVIEW_RECOMMENDED <= set(review)
        rating = review["reviewRating"]
        assert (rating["bestRating"], rating["worstRating"]) == (3, 1)
        assert rating["ratingValue"] == 3 and rating["alternateName"] == "confirmed"
        assert review["itemReviewed"]["@type"] == "Claim" and review["author"]["@type"] == "Organization"
        assert "confirmed" not in review["claimReviewed"].lower()
        assert len(review["itemReviewed"]["appearance"]) == 3
        assert review["itemReviewed"]["datePublished"] == "2024-06-20"
    left_out = document["annotator:leftOut"]
    assert left_out["left_out"] == 3 and set(left_out["reasons"]) == {"pact", "shells", "unjudged"}


def test_fever_lines_map_verdicts_to_labels(app, client, story):
    names = files_of(write(client, formats=["fever"]))
    lines = [json.loads(line) for line in read(app, names["fever.jsonl"]).splitlines()]
    assert [(line["claim_id"], line["label"]) for line in lines] == [("troops", "SUPPORTS")]
    assert lines[0]["evidence"] and all(e["article"] for group in lines[0]["evidence"] for e in group)


def test_adjudicated_claims_are_published_with_the_adjudicated_verdict(app, client, story):
    response = client.post(
        "/api/adjudications",
        json={"claim_id": "pact", "verdict": "denied", "reason": "Seoul denied it"},
    )
    assert response.status_code == 201, response.get_json()
    names = files_of(write(client, formats=["claimreview", "fever"]))
    reviews = json.loads(read(app, names["claimreview.jsonld"]))["@graph"]
    pact = next(r for r in reviews if r["itemReviewed"]["appearance"][0]["identifier"] == "a1" and r["reviewRating"]["ratingValue"] == 1)
    assert pact["reviewRating"]["alternateName"] == "denied"
    labels = {json.loads(l)["claim_id"]: json.loads(l)["label"] for l in read(app, names["fever.jsonl"]).splitlines()}
    assert labels == {"troops": "SUPPORTS", "pact": "REFUTES"}


def test_download_renders_without_writing(app, client, story):
    response = client.get("/api/reports/download/claims.csv")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"] and response.mimetype == "text/csv"
    assert "troops" in response.get_data(as_text=True)
    exports = app.extensions["annotator.settings"].exports_dir
    assert not exports.exists() or list(exports.iterdir()) == []


def test_the_json_download_is_streamed_and_equals_the_written_file(app, client, story):
    response = client.get("/api/reports/download/json")
    assert response.status_code == 200 and response.is_streamed and response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].endswith('.json"')
    streamed = json.loads(response.get_data(as_text=True))
    names = files_of(write(client, formats=["json"]))
    written = json.loads(read(app, names["json"]))
    assert {k: v for k, v in streamed.items() if k != "generated_at"} == {
        k: v for k, v in written.items() if k != "generated_at"
    }


@pytest.mark.parametrize(
    ("request_", "status", "field"),
    [
        (("post", "/api/reports", {"formats": ["pdf"]}), 422, "json.formats.0"),
        (("post", "/api/reports", {"name": "../../etc/passwd"}), 400, "name"),
        (("post", "/api/reports", {"name": "a/b"}), 400, "name"),
        (("post", "/api/reports", {"project": "nope"}), 404, "project"),
        (("get", "/api/reports/download/pdf", None), 404, "kind"),
        (("get", "/api/reports/files/..%2F..%2Fsetup.cfg", None), 404, None),
        (("get", "/api/reports/files/..passwd", None), 400, "name"),
    ],
    ids=["unknown-format", "dot-dot-name", "slash-name", "unknown-project", "unknown-download", "encoded-traversal", "dot-dot-file"],
)
def test_bad_requests_write_nothing(app, client, story, request_, status, field):
    method, url, body = request_
    response = getattr(client, method)(url, json=body) if body is not None else getattr(client, method)(url)
    assert response.status_code == status, response.get_data(as_text=True)
    if field:
        assert field in response.get_json()["errors"], response.get_json()
    exports = app.extensions["annotator.settings"].exports_dir
    assert not exports.exists() or list(exports.iterdir()) == []


def test_an_empty_project_gives_a_clearly_empty_report(app, client):
    response = write(client, formats=["json", "claimreview", "fever", "csv"])
    assert response.status_code == 201
    names = files_of(response)
    data = json.loads(read(app, names["json"]))
    assert data["claims"] == [] and data["summary"]["judgments"] == 0
    assert read(app, names["fever.jsonl"]) == ""
    assert read(app, names["claims.csv"]).count("\n") == 1, "the header only"


def test_cli_report(cli, story, tmp_path):
    result = cli("report", "--name", "seed-story")
    assert result.exit_code == 0, result.output
    assert "wrote" in result.output and "left out of ClaimReview" in result.output
    assert "simulated judgment(s) left out" in result.output
    exports = tmp_path / "exports"
    assert sorted(p.name for p in exports.iterdir()) == [
        "seed-story.claimreview.jsonld", "seed-story.claims.csv", "seed-story.fever.jsonl",
        "seed-story.html", "seed-story.json", "seed-story.mentions.csv",
    ]
    with_bots = cli("report", "--format", "json", "--name", "with-bots", "--include-simulated")
    assert "simulated judgment(s) included" in with_bots.output
    assert json.loads((exports / "with-bots.json").read_text())["include_simulated"] is True


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("--format", "pdf"), 3, "unknown report format"),
        (("--name", "../x"), 3, "invalid report name"),
        (("--project", "nope"), 4, "no project 'nope'"),
    ],
    ids=["unknown-format", "traversal-name", "unknown-project"],
)
def test_cli_refusals(cli, story, tmp_path, args, code, message):
    result = cli("report", *args)
    assert result.exit_code == code and message in result.stderr
    assert not (tmp_path / "exports").exists() or list((tmp_path / "exports").iterdir()) == []
