"""The seed story end to end: its verdicts and agreement through the API and the CLI."""

import json
import random
from pathlib import Path

import pytest
import sqlalchemy as sa

from annotator.models import Mention, MentionOrigin, MentionStatus
from annotator.rules.verdicts import DEFAULT_RULES
from annotator.services.verdicts import refresh_verdicts

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
VERDICTS = ("confirmed", "disputed", "denied")


@pytest.fixture
def seed_story(cli, store):
    """The seed articles and catalogue, judged by three people and three simulated
    annotators: each leans to a per-claim verdict with probability 0.75 (seeded)."""
    assert cli("ingest", SEEDS).exit_code == 0
    assert cli("claims", "load", SEEDS / "claims.yaml").exit_code == 0
    people = [store.annotator(name) for name in ("ana", "budi", "citra")]
    bots = [store.annotator(f"simulated-{n}", simulated=True) for n in (1, 2, 3)]
    mentions = store.session.scalars(
        sa.select(Mention)
        .where(Mention.origin == MentionOrigin.CATALOGUE, Mention.status == MentionStatus.ACCEPTED)
        .order_by(Mention.id)
    ).all()
    written = 0
    for mention in mentions:
        leaning = random.Random(f"2024:{mention.claim_id}").choice(VERDICTS)
        for annotator in people + bots:
            rng = random.Random(f"2024:{mention.id}:{annotator.email}")
            store.judge(mention, annotator, leaning if rng.random() < 0.75 else rng.choice(VERDICTS))
            written += 1
    store.commit()
    claims = sorted({m.claim_id for m in mentions})
    return {"claims": claims, "mentions": len(mentions), "judgments": written}


def test_the_seed_story_verdicts_through_the_api(client, seed_story):
    page = client.get("/api/verdicts?per_page=100").get_json()
    assert [item["claim_id"] for item in page["items"]] == seed_story["claims"]
    judged = sum(item["n_judgments"] for item in page["items"])
    assert judged == seed_story["judgments"] // 2  # people only
    everyone = client.get("/api/verdicts?per_page=100&include_simulated=true").get_json()
    assert sum(item["n_judgments"] for item in everyone["items"]) == seed_story["judgments"]
    assert sum(everyone["statuses"].values()) == len(seed_story["claims"])
    for item in everyone["items"]:
        assert item["verdict"] in VERDICTS
        assert item["n_annotators"] == 6
        assert sum(item["counts"].values()) == item["n_judgments"] == 6 * item["n_articles"]

    claim = client.get("/api/verdicts/claims/dprk-troops-sent-to-russia?include_simulated=true").get_json()
    dates = [m["published_on"] for m in claim["mentions"] if m["published_on"]]
    assert len(claim["mentions"]) == 5 and dates == sorted(dates)
    assert [t["n_articles"] for t in claim["timeline"]] == sorted(t["n_articles"] for t in claim["timeline"])
    assert claim["timeline"][-1]["n_judgments"] <= claim["n_judgments"]

    ds = client.get("/api/verdicts?method=dawid-skene&include_simulated=true&per_page=100").get_json()
    assert all(0 < item["support"] <= 1 for item in ds["items"])


def test_the_seed_story_agreement_through_the_api(client, seed_story):
    body = client.get("/api/agreement?include_simulated=true").get_json()
    assert body["n_units"] == seed_story["mentions"] and body["n_annotators"] == 6
    assert body["alpha_nominal"]["defined"] and body["fleiss_kappa"]["defined"]
    assert -1 <= body["alpha_nominal"]["value"] <= 1
    pairs = client.get("/api/agreement/pairs?include_simulated=true").get_json()
    assert len(pairs["pairs"]) == 15
    per_claim = client.get("/api/agreement/claims?include_simulated=true&per_page=100").get_json()
    assert [r["claim_id"] for r in per_claim["items"]] == seed_story["claims"]


def test_the_seed_story_through_the_cli_with_an_adjudication(cli, client, seed_story, store):
    listed = cli("verdicts", "list", "--include-simulated")
    assert listed.exit_code == 0
    for claim in seed_story["claims"]:
        assert claim in listed.output
    assert "Krippendorff's alpha (nominal)" in cli("agreement", "project", "--include-simulated").output
    pending = json.loads(cli("adjudications", "pending", "--include-simulated", "--json").output)["claims"]
    if pending:
        target = pending[0]["claim_id"]
    else:
        target = seed_story["claims"][0]
    result = cli(
        "adjudicate", target, "disputed", "--reason", "outlets contradict each other"
    )
    assert result.exit_code == 0, result.output
    claim = client.get(f"/api/verdicts/claims/{target}?include_simulated=true").get_json()
    assert (claim["verdict"], claim["status"]) == ("disputed", "adjudicated")
    # a later judgment refreshes the claim; the adjudication still stands
    mention = store.session.scalars(sa.select(Mention).where(Mention.claim_id == target)).first()
    store.judge(mention, store.annotator("dewi"), "confirmed")
    refresh_verdicts(store.session, {target}, rules=DEFAULT_RULES)
    store.commit()
    after = client.get(f"/api/verdicts/claims/{target}?include_simulated=true").get_json()
    assert after["n_judgments"] == claim["n_judgments"] + 1
    assert after["status"] == "adjudicated"
