"""The HTTP API of verdicts, agreement and adjudication, on both databases."""

import pytest

from annotator.models import Annotator, Mention
from annotator.rules.verdicts import DEFAULT_RULES
from annotator.services.verdicts import refresh_verdicts

LABELS = ("confirmed", "disputed", "denied")


def counts(item) -> tuple[int, ...]:
    return tuple(item["counts"][label] for label in LABELS)


def test_all_claims_with_counts_verdict_support_and_status(client, story):
    response = client.get("/api/verdicts")
    assert response.status_code == 200
    page = response.get_json()
    assert (page["total"], page["method"], page["include_simulated"]) == (4, "majority", False)
    assert page["statuses"] == {"settled": 1, "needs adjudication": 3, "adjudicated": 0}
    troops = {item["claim_id"]: item for item in page["items"]}["troops"]
    assert troops["verdict"] == "confirmed"
    assert troops["support"] == 0.875
    assert counts(troops) == (7, 1, 0)
    assert (troops["n_annotators"], troops["n_articles"], troops["status"]) == (3, 3, "settled")
    assert troops["claim_text"] == "Claim troops"


def test_method_population_status_and_pages(client, story):
    ds = client.get("/api/verdicts?method=dawid-skene").get_json()
    assert ds["method"] == "dawid-skene"
    assert {i["claim_id"]: i["status"] for i in ds["items"]}["pact"] == "settled"
    everyone = client.get("/api/verdicts?include_simulated=true").get_json()
    shells = {i["claim_id"]: i for i in everyone["items"]}["shells"]
    assert counts(shells) == (1, 0, 2) and shells["include_simulated"] is True
    pending = client.get("/api/verdicts?status=needs adjudication&per_page=2").get_json()
    assert (pending["total"], pending["pages"], len(pending["items"])) == (3, 2, 2)
    assert [i["claim_id"] for i in pending["items"]] == ["pact", "shells"]


@pytest.mark.parametrize(
    "query", ["method=vote", "status=done", "include_simulated=perhaps", "colour=red", "per_page=0"]
)
def test_bad_arguments_are_422(client, story, query):
    response = client.get(f"/api/verdicts?{query}")
    assert response.status_code == 422
    assert response.get_json()["code"] == 422


def test_one_claim_with_mentions_by_date_and_its_timeline(client, story):
    response = client.get("/api/verdicts/claims/troops")
    assert response.status_code == 200
    claim = response.get_json()
    assert claim["verdict"] == "confirmed"
    assert [(m["article"], m["published_on"], m["verdict"]) for m in claim["mentions"]] == [
        ("a1", "2024-06-20", "confirmed"),
        ("a2", "2024-06-27", "confirmed"),
        ("a3", "2024-10-31", "confirmed"),
    ]
    assert [(t["date"], counts(t)) for t in claim["timeline"]] == [
        ("2024-06-20", (3, 0, 0)),
        ("2024-06-27", (5, 1, 0)),
        ("2024-10-31", (7, 1, 0)),
    ]
    assert claim["rules"]["min_judgments"] == 3
    missing = client.get("/api/verdicts/claims/nope")
    assert missing.status_code == 404
    assert set(missing.get_json()) == {"code", "status", "message", "errors", "type"}


def test_one_mention_with_its_judgments(client, story):
    mention_id = story["mentions"]["pact-a1"]
    mention = client.get(f"/api/verdicts/mentions/{mention_id}").get_json()
    assert (mention["mention_id"], mention["claim_id"], mention["article"]) == (mention_id, "pact", "a1")
    assert (mention["verdict"], mention["tie"], mention["status"]) == ("disputed", True, "needs adjudication")
    assert [(j["verdict"], j["counted"]) for j in mention["judgments"]] == [
        ("confirmed", True),
        ("disputed", True),
        ("denied", True),
        ("denied", False),
    ]
    with_bot = client.get(f"/api/verdicts/mentions/{mention_id}?include_simulated=true").get_json()
    assert (with_bot["verdict"], counts(with_bot)) == ("denied", (1, 1, 2))
    assert client.get("/api/verdicts/mentions/999").status_code == 404


def test_a_new_judgment_shows_after_a_refresh(client, story, store):
    assert client.get("/api/verdicts/claims/shells").get_json()["status"] == "needs adjudication"
    troops = client.get("/api/verdicts/claims/troops").get_json()["computed_at"]
    mention = store.session.get(Mention, story["mentions"]["shells-a2"])
    citra = store.session.get(Annotator, story["annotators"]["citra"])
    store.judge(mention, citra, "confirmed")
    refresh_verdicts(store.session, {"shells"}, rules=DEFAULT_RULES)
    store.commit()
    shells = client.get("/api/verdicts/claims/shells").get_json()
    assert (shells["verdict"], shells["status"], counts(shells)) == ("confirmed", "settled", (2, 0, 1))
    # only that claim was recomputed
    assert client.get("/api/verdicts/claims/troops").get_json()["computed_at"] == troops


def test_rebuild(client, story):
    response = client.post("/api/verdicts/rebuild", json={"method": "dawid-skene"})
    assert response.status_code == 200
    body = response.get_json()
    assert (body["method"], body["claims"]) == ("dawid-skene", 4)
    assert body["fitted_at"] is not None and body["model_judgments"] == 16
    assert client.post("/api/verdicts/rebuild", json={"method": "x"}).status_code == 422


# -- agreement -------------------------------------------------------------------------------


def test_project_agreement(client, story):
    body = client.get("/api/agreement").get_json()
    assert (body["n_units"], body["n_judgments"], body["n_annotators"]) == (6, 16, 3)
    for name in ("alpha_nominal", "alpha_linear", "fleiss_kappa", "percent_agreement"):
        assert body[name]["defined"] is True and isinstance(body[name]["value"], float)
    assert "left out" in body["fleiss_kappa"]["note"]


def test_claim_agreement_reports_undefined_values_with_the_reason(client, story, store):
    store.claim("agreed")
    mention = store.mention("agreed", store.article("a9"))
    people = [store.session.get(Annotator, story["annotators"][n]) for n in ("ana", "budi")]
    store.judge_all(mention, people, "cc")
    store.commit()
    rows = {r["claim_id"]: r for r in client.get("/api/agreement/claims").get_json()["items"]}
    assert rows["troops"]["alpha_nominal"]["defined"] is True
    assert rows["unjudged"]["n_units"] == 0
    assert rows["unjudged"]["alpha_nominal"] == {
        "value": None,
        "defined": False,
        "reason": "no accepted mentions",
    }
    assert rows["agreed"]["fleiss_kappa"]["reason"] == "only one label used"
    agreed = client.get("/api/agreement/claims/agreed").get_json()
    assert agreed["alpha_nominal"] == {
        "value": None,
        "defined": False,
        "n_units": 1,
        "reason": "only one label used (confirmed)",
        "note": None,
    }
    assert agreed["percent_agreement"]["value"] == 1.0
    assert agreed["pairs"]["pairs"][0]["reason"] == "both used only confirmed: chance agreement is 1"
    troops = client.get("/api/agreement/claims/troops").get_json()
    assert troops["n_units"] == 3 and troops["pairs"]["matrix"]["n_units"][0][1] == 3
    assert client.get("/api/agreement/claims/nope").status_code == 404


def test_pairs_and_annotators(client, story):
    pairs = client.get("/api/agreement/pairs").get_json()
    assert [a["email"] for a in pairs["annotators"]] == [
        "ana@example.org",
        "budi@example.org",
        "citra@example.org",
    ]
    matrix = pairs["matrix"]["kappa"]
    assert matrix[0][0] is None and matrix[0][1] == matrix[1][0]
    assert len(pairs["pairs"]) == 3
    annotators = client.get("/api/agreement/annotators?include_simulated=true").get_json()
    assert annotators["n_annotators"] == 4
    bot = {a["email"]: a for a in annotators["annotators"]}["bot@example.org"]
    assert bot["simulated"] is True and bot["n_judgments"] == 6


def _two_coders(store, table: list[tuple[str, str]]) -> None:
    a, b = store.annotator("a"), store.annotator("b")
    for unit, (first, second) in enumerate(table, 1):
        claim = store.claim(f"u{unit:02d}")
        mention = store.mention(claim, store.article(f"x{unit:02d}"))
        store.judge(mention, a, first)
        store.judge(mention, b, second)
    store.commit()


def test_krippendorff_2011_binary_example_through_the_store(client, store):
    # Krippendorff (2011), section A: binary data, two observers, no missing data
    first = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0]
    second = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]
    verdict = {0: "confirmed", 1: "denied"}
    _two_coders(store, [(verdict[x], verdict[y]) for x, y in zip(first, second, strict=True)])
    body = client.get("/api/agreement").get_json()
    assert round(body["alpha_nominal"]["value"], 3) == 0.095
    assert body["alpha_nominal"]["n_units"] == 10


def test_wikipedia_cohen_example_through_the_store(client, store):
    # Wikipedia, "Cohen's kappa": 50 proposals; yes/yes 20, yes/no 5, no/yes 10, no/no 15
    cells = [("confirmed", "confirmed")] * 20 + [("confirmed", "denied")] * 5
    cells += [("denied", "confirmed")] * 10 + [("denied", "denied")] * 15
    _two_coders(store, cells)
    pair = client.get("/api/agreement/pairs").get_json()["pairs"][0]
    assert (pair["n_units"], pair["agreement"], round(pair["kappa"], 2)) == (50, 0.7, 0.40)


# -- adjudication ----------------------------------------------------------------------------


def post(client, headers=None, **values):
    body = {"claim_id": "pact", "verdict": "denied", "reason": "the pact text"} | values
    return client.post("/api/adjudications", json=body, headers=headers)


def test_record_an_adjudication_and_read_the_trail(client, story, desk):
    _, eko = desk("editor", email="eko@desk.example")
    _, fitri = desk("editor", email="fitri@desk.example", name="Fitri")
    pending = client.get("/api/adjudications/pending").get_json()
    assert [i["claim_id"] for i in pending["items"]] == ["pact", "shells", "unjudged"]
    first = post(client, eko)
    assert first.status_code == 201
    assert first.get_json()["computed"]["verdict"] == "disputed"
    second = post(client, fitri, verdict="confirmed", reason="signed in June")
    assert second.get_json()["replaced"]["id"] == first.get_json()["id"]
    claim = client.get("/api/verdicts/claims/pact").get_json()
    assert (claim["verdict"], claim["status"], claim["computed_verdict"]) == (
        "confirmed",
        "adjudicated",
        "disputed",
    )
    assert counts(claim) == (2, 3, 1)
    trail = client.get("/api/adjudications?claim_id=pact").get_json()
    assert [(a["verdict"], a["adjudicator"], a["standing"]) for a in trail["items"]] == [
        ("confirmed", "Fitri <fitri@desk.example>", True),
        ("denied", "eko@desk.example", False),
    ]
    assert [i["claim_id"] for i in client.get("/api/adjudications/pending").get_json()["items"]] == [
        "shells",
        "unjudged",
    ]


def test_pending_mentions_and_a_mention_adjudication(client, story):
    pending = client.get("/api/adjudications/pending/mentions").get_json()
    assert [(i["claim_id"], i["article"]) for i in pending["items"]] == [
        ("pact", "a1"),
        ("shells", "a2"),
        ("troops", "a3"),
    ]
    mention_id = story["mentions"]["troops-a3"]
    assert post(client, claim_id="troops", mention_id=mention_id, verdict="confirmed").status_code == 201
    left = client.get("/api/adjudications/pending/mentions?claim_id=troops").get_json()
    assert left["total"] == 0


@pytest.mark.parametrize(
    ("values", "status", "field"),
    [
        ({"claim_id": "nope"}, 404, "claim_id"),
        ({"verdict": "maybe"}, 422, "json.verdict"),
        ({"reason": "   "}, 422, "json.reason"),
        ({"reason": None}, 422, "json.reason"),
        ({"adjudicator": "Editor-in-Chief"}, 422, "json.adjudicator"),
        ({"colour": "red"}, 422, "json.colour"),
        ({"mention_id": 999}, 404, "mention_id"),
    ],
    ids=[
        "unknown claim",
        "bad verdict",
        "blank reason",
        "no reason",
        "a name sent along",
        "unknown field",
        "unknown mention",
    ],
)
def test_a_bad_adjudication_is_refused_and_stores_nothing(client, story, values, status, field):
    response = post(client, **values)
    assert response.status_code == status, response.get_json()
    assert field in response.get_json()["errors"]
    assert client.get("/api/adjudications").get_json()["total"] == 0


def test_a_mention_of_another_claim_is_400(client, story):
    response = post(client, mention_id=story["mentions"]["troops-a1"])
    assert response.status_code == 400
    assert "mention_id" in response.get_json()["errors"]


def test_the_endpoints_are_documented(client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    for path in (
        "/api/verdicts",
        "/api/verdicts/claims/{claim_id}",
        "/api/verdicts/mentions/{mention_id}",
        "/api/agreement",
        "/api/agreement/claims/{claim_id}",
        "/api/agreement/pairs",
        "/api/agreement/annotators",
        "/api/adjudications",
        "/api/adjudications/pending",
    ):
        assert path in paths, path


def test_an_empty_store_answers_with_undefined_figures(client):
    for method in ("majority", "dawid-skene"):
        page = client.get(f"/api/verdicts?method={method}").get_json()
        assert (page["total"], page["items"]) == (0, [])
    body = client.get("/api/agreement").get_json()
    assert body["alpha_nominal"] == {
        "value": None, "defined": False, "n_units": 0, "reason": "no judgments", "note": None,
    }
    assert client.get("/api/agreement/pairs").get_json()["pairs"] == []
    assert client.get("/api/agreement/annotators").get_json()["annotators"] == []
    assert client.get("/api/agreement/claims").get_json()["items"] == []
    assert client.get("/api/adjudications/pending/mentions").get_json()["items"] == []


def test_claims_without_judgments_yet(client, store):
    store.claim("c")
    mention = store.mention("c", store.article("a", "2024-01-02"))
    store.commit()
    claim = client.get("/api/verdicts/claims/c?method=dawid-skene").get_json()
    assert (claim["verdict"], claim["reason"], claim["timeline"]) == (None, "no judgments", [])
    assert claim["mentions"][0]["reason"] == "no judgments"
    detail = client.get(f"/api/verdicts/mentions/{mention.id}").get_json()
    assert (detail["judgments"], detail["n_judgments"]) == ([], 0)
    row = client.get("/api/agreement/claims").get_json()["items"][0]
    assert row["alpha_nominal"]["reason"] == "no judgments"
