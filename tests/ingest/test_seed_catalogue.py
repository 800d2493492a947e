"""The seed story's claim catalogue: it loads, and every quote is in its article.

Quotes are located in the raw seed files for now, whitespace and all; once the
cleaner settles they can be located in the clean bodies as the service does.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.ingest.catalogue import Catalogue, load_catalogue
from annotator.ingest.locate import locate_quote

SEEDS = Path(__file__).resolve().parents[2] / "seeds"

# Datelines and page furniture of the seeds: a quote must come from the body.
NOT_BODY = [
    "Mercinews.com",
    "Pahami.id",
    "TRIBUNNEWS.COM",
    "mobic.store",
    "Aboluowang.com",
    "Baca juga",
    "BERITA TERKAIT",
    "ADVERTISEMENT",
    "SCROLL TO RESUME",
]


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    path = SEEDS / "claims.yaml"
    return load_catalogue(path.read_bytes(), source=path.name)


def quotes(catalogue: Catalogue):
    for claim in catalogue.claims:
        for mention in claim.mentions:
            for quote in mention.quotes:
                yield claim.id, mention.article, quote


def test_catalogue_has_the_story_and_enough_claims(catalogue):
    assert catalogue.story == "dprk-troops-russia-2024"
    assert len(catalogue.claims) >= 10
    repeated = [claim.id for claim in catalogue.claims if len(claim.mentions) >= 2]
    assert len(repeated) >= 3
    assert {
        "dprk-shells-1-6-million",
        "pentagon-cannon-fodder",
        "russia-dprk-mutual-defence-pact",
    } <= set(repeated)


def test_conflicting_claims_are_both_catalogued(catalogue):
    ids = {claim.id for claim in catalogue.claims}
    assert {"pact-signed-june-2024", "pact-agreed-september"} <= ids
    assert {"dprk-troops-3000", "dprk-troops-10000"} <= ids
    assert "dprk-denies-sending-troops" in ids


def test_every_article_named_is_a_seed(catalogue):
    named = {article for _, article, _ in quotes(catalogue)}
    assert named <= {path.stem for path in SEEDS.glob("*.txt")}
    assert len(named) == 5


def test_every_quote_is_found_once_in_its_article(catalogue):
    bodies = {path.stem: path.read_text(encoding="utf-8") for path in SEEDS.glob("*.txt")}
    methods = []
    problems = []
    for claim_id, article, quote in quotes(catalogue):
        result = locate_quote(bodies[article], quote)
        if result.status != "found":
            problems.append(f"{claim_id} @ {article}: {result.problem}: {quote[:60]!r}")
        elif result.span.method == "fuzzy":
            problems.append(f"{claim_id} @ {article}: only a fuzzy match: {quote[:60]!r}")
        else:
            methods.append(result.span.method)
    assert problems == []
    # The quotes marked "tolerant" in the file keep the normalized tier exercised.
    assert methods.count("normalized") >= 4


def test_no_quote_comes_from_a_dateline_or_furniture(catalogue):
    offending = [
        (claim_id, quote)
        for claim_id, _, quote in quotes(catalogue)
        if any(m in quote for m in NOT_BODY)
    ]
    assert offending == []
