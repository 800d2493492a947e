"""The ``annotator`` command line against a real store: output and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def test_run_without_serving_does_the_whole_job(cli):
    result = cli("run", "--no-labelstudio", "--no-serve")
    assert result.exit_code == 0, result.output
    assert "seeds: 5 new" in result.output
    assert "Mercinews.com" in result.output
    assert "located mentions" in result.output and "suggested sentences await review" in result.output
    again = cli("run", "--no-labelstudio", "--no-serve")
    assert "seeds: 0 new, 0 revised, 5 unchanged" in again.output


def test_ingest_reports_and_is_idempotent(cli):
    first = cli("ingest", SEEDS)
    assert first.exit_code == 0, first.output
    assert first.output.count("1 new") == 5
    second = cli("ingest", SEEDS / "000_6d5ce1f4fcefeb83.txt")
    assert "0 new, 0 revised, 1 unchanged" in second.output
    listed = json.loads(cli("articles", "list", "--json").output)
    assert [a["external_id"] for a in listed] == sorted(p.stem for p in SEEDS.glob("*.txt"))


def test_a_bad_file_exits_3_and_the_good_ones_are_stored(cli, tmp_path):
    (tmp_path / "a_good.txt").write_text("Jakarta, Contoh.com – Menurut Pentagon, 3.000 tentara dikirim.\n")
    (tmp_path / "b_bad.json").write_text('[{"id": "x", "text": 5}]')
    result = cli("ingest", tmp_path)
    assert result.exit_code == 3
    assert "b_bad.json" in result.stderr and "text" in result.stderr
    assert [a["external_id"] for a in json.loads(cli("articles", "list", "--json").output)] == ["a_good"]


def test_cp1252_file_is_decoded_and_says_so(cli, tmp_path):
    path = tmp_path / "legacy.txt"
    path.write_bytes("Jakarta, Contoh.com – Menteri berkata \u201cya\u201d, Senin (28/10).\n".encode("cp1252"))
    result = cli("ingest", path)
    assert result.exit_code == 0, result.output
    assert "cp1252" in result.output


def test_claims_and_mentions_workflow(cli):
    cli("ingest", SEEDS)
    loaded = cli("claims", "load", SEEDS / "claims.yaml")
    assert loaded.exit_code == 0, loaded.output
    claims = json.loads(cli("claims", "list", "--json").output)
    assert len(claims) >= 10 and all(c["articles"] >= 1 for c in claims)

    queue = json.loads(cli("mentions", "list", "--origin", "suggested", "--status", "pending", "--json").output)
    assert queue
    first, second = queue[0]["id"], queue[1]["id"]
    missing_claim = cli("mentions", "accept", first)
    assert missing_claim.exit_code == 3 and "--claim" in missing_claim.stderr
    assert cli("mentions", "accept", first, "--claim", "no-such-claim").exit_code == 4
    accepted = cli("mentions", "accept", first, "--claim", claims[0]["id"], "--by", "coordinator")
    assert accepted.exit_code in (0, 5), accepted.output  # 5 if that claim already has this article
    assert cli("mentions", "reject", second).exit_code == 0
    assert cli("mentions", "reject", 999_999).exit_code == 4


def test_bad_catalogue_exits_3_and_stores_nothing(cli, tmp_path):
    cli("ingest", SEEDS)
    bad = tmp_path / "claims.yaml"
    bad.write_text("story: x\ntitle: x\nversion: 1\nclaims:\n  - id: Bad Id\n    text: ''\n")
    result = cli("claims", "load", bad)
    assert result.exit_code == 3
    assert json.loads(cli("claims", "list", "--json").output) == []


def test_claims_add_validates(cli):
    assert cli("claims", "add", "Not A Slug", "text").exit_code == 3
    assert cli("claims", "add", "ok-slug", "Sebuah klaim.").exit_code == 0
    assert cli("claims", "add", "ok-slug", "Lagi.").exit_code == 5


def test_openapi_and_db_commands(cli, tmp_path):
    out = tmp_path / "openapi.json"
    assert cli("openapi", "-o", out).exit_code == 0
    assert "/api/articles" in json.loads(out.read_text())["paths"]
    from annotator.db import head_revision

    current = cli("db", "current")
    assert current.exit_code == 0 and f"schema {head_revision()} (newest {head_revision()})" in current.output
