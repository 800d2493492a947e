"""``annotator verdicts``, ``agreement``, ``adjudicate`` and ``adjudications`` and their
subcommands: over the store (both databases) and over CSV files (no store needed)."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from annotator.cli import main

# -- over CSV files --------------------------------------------------------------------------------

#: The published data sets as long tables (tests/data/README.md names the sources).
DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture
def csv_cli(tmp_path):
    """``annotator ...`` with a store that is never touched: the ``csv`` subcommands need none."""
    runner = CliRunner()
    env = {"ANNOTATOR_DATABASE_URL": f"sqlite:///{tmp_path / 'unused.db'}"}

    def invoke(*args):
        result = runner.invoke(main, [str(a) for a in args], env=env, catch_exceptions=False)
        assert "Traceback" not in result.output
        return result

    return invoke


@pytest.fixture
def write_csv(tmp_path):
    def write(text: str, name: str = "judgments.csv", encoding: str = "utf-8"):
        path = tmp_path / name
        path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
        return path

    return write


@pytest.fixture
def krippendorff_csv():
    return DATA / "krippendorff_2011.csv"


def test_krippendorff_2011_gives_0_743(csv_cli, krippendorff_csv):
    result = csv_cli("agreement", "csv", krippendorff_csv)
    assert result.exit_code == 0, result.output
    line = next(l for l in result.output.splitlines() if l.startswith("Krippendorff's alpha (nominal)"))
    assert line.split()[3] == "0.743"
    data = json.loads(csv_cli("agreement", "csv", krippendorff_csv, "--json").output)
    assert round(data["alpha_nominal"]["value"], 3) == 0.743
    assert (data["alpha_nominal"]["n_units"], data["n_judgments"], data["n_annotators"]) == (11, 41, 4)
    assert data["labels"] == ["1", "2", "3", "4", "5"] and data["ordered"] is False
    assert data["alpha_linear"] == {
        "value": None,
        "defined": False,
        "n_units": 0,
        "note": None,
        "reason": "labels have no order, so no linear distance",
    }


def test_an_order_makes_the_ordered_alpha_defined(csv_cli, krippendorff_csv):
    data = json.loads(
        csv_cli("agreement", "csv", krippendorff_csv, "--labels", "1,2,3,4,5", "--ordered", "--json").output
    )
    assert data["ordered"] is True
    assert data["alpha_linear"]["defined"] is True


def test_fleiss_1971_gives_0_430(csv_cli):
    data = json.loads(csv_cli("agreement", "csv", DATA / "fleiss_1971.csv", "--json").output)
    assert round(data["fleiss_kappa"]["value"], 3) == 0.430
    assert data["fleiss_kappa"]["n_units"] == 30


def test_wikipedia_cohen_gives_0_40(csv_cli, write_csv):
    cells = [("yes", "yes")] * 20 + [("yes", "no")] * 5 + [("no", "yes")] * 10 + [("no", "no")] * 15
    lines = ["unit,annotator,label"]
    for unit, (a, b) in enumerate(cells, 1):
        lines += [f"{unit},A,{a}", f"{unit},B,{b}"]
    result = csv_cli("agreement", "csv", write_csv("\n".join(lines) + "\n"), "--json")
    pair = json.loads(result.output)["pairs"]["pairs"][0]
    assert (pair["annotator_a"], pair["annotator_b"], pair["n_units"], pair["agreement"]) == (
        "A",
        "B",
        50,
        0.7,
    )
    assert round(pair["kappa"], 2) == 0.40


def test_csv_verdicts_any_label_set(csv_cli, write_csv):
    path = write_csv(
        "unit,annotator,label,comment\n"
        "q1,ana,yes,\nq1,budi,yes,\nq1,citra,no,\n"
        "q2,ana,no,\nq2,budi,yes,sure\n"
        "q3,ana,maybe,\nq3,budi,maybe,\nq3,citra,maybe,\n"
    )
    result = csv_cli("verdicts", "csv", path)
    assert result.exit_code == 0, result.output
    assert "labels maybe, no, yes (nominal)" in result.output
    data = json.loads(csv_cli("verdicts", "csv", path, "--json").output)
    units = {u["unit"]: u for u in data["units"]}
    assert (units["q1"]["verdict"], units["q1"]["status"], units["q1"]["support"]) == (
        "yes",
        "settled",
        2 / 3,
    )
    # the stated tie rule for any labels: the first in label order
    assert (units["q2"]["verdict"], units["q2"]["tie"]) == ("no", True)
    assert units["q2"]["reason"] == "fewer than 3 judgments; tie between no and yes; support below 0.6"
    assert units["q3"]["counts"] == {"maybe": 3, "no": 0, "yes": 0}
    given = json.loads(csv_cli("verdicts", "csv", path, "--labels", "yes,no,maybe", "--json").output)
    assert {u["unit"]: u["verdict"] for u in given["units"]}["q2"] == "yes"
    lenient = json.loads(csv_cli("verdicts", "csv", path, "--min-judgments", "2", "--json").output)
    assert lenient["rule"]["min_judgments"] == 2
    ds = json.loads(csv_cli("verdicts", "csv", path, "--method", "dawid-skene", "--json").output)
    assert ds["method"] == "dawid-skene"
    assert {u["unit"]: u["verdict"] for u in ds["units"]}["q3"] == "maybe"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("unit,annotator\nu1,a\n", "missing column(s): label"),
        ("unit,label\nu1,x\n", "missing column(s): annotator"),
        ("unit,annotator,label\nu1,a,x\n,b,y\n", "line 3: no unit"),
        ("unit,annotator,label\nu1,a,x\nu1,,y\n", "line 3: no annotator"),
        ("unit,annotator,label\nu1,a,x\nu2,b,y\nu1,a,y\n", "line 4: unit 'u1' judged again by annotator 'a'"),
        (
            "unit,annotator,label\nu1,a,x\nu2,b,x\n",
            "only one label is used (x): give the label set with --labels",
        ),
        ("", "cannot read"),
        ('unit,annotator,label\nu1,a,"x\n', "cannot read"),
    ],
    ids=[
        "no label column",
        "no annotator column",
        "empty unit",
        "empty annotator",
        "duplicate",
        "one label",
        "empty file",
        "unclosed quote",
    ],
)
def test_bad_csv_is_a_clear_error(csv_cli, write_csv, content, message):
    for command in ("verdicts", "agreement"):
        result = csv_cli(command, "csv", write_csv(content))
        assert result.exit_code == 3, result.output
        assert message in result.output


def test_not_utf8_is_a_clear_error(csv_cli, write_csv):
    result = csv_cli("verdicts", "csv", write_csv(b"\xff\xfeu\x00n\x00", "utf16.csv"))
    assert result.exit_code == 3 and "cannot read" in result.output


def test_a_label_outside_the_given_set_names_the_line(csv_cli, write_csv):
    path = write_csv("unit,annotator,label\nu1,a,yes\nu1,b,nope\n")
    result = csv_cli("verdicts", "csv", path, "--labels", "yes,no")
    assert result.exit_code == 3
    assert "line 3: unknown label 'nope' (allowed: yes, no)" in result.output


def test_stated_rules_empty_labels_one_annotator_last_duplicate(csv_cli, write_csv):
    empty = write_csv("unit,annotator,label\nu1,a,yes\nu1,b,\nu2,a,no\nu2,b,no\n", "empty.csv")
    data = json.loads(csv_cli("verdicts", "csv", empty, "--json").output)
    assert data["dropped"] == {"empty label": 1} and data["n_judgments"] == 3
    assert "left out: 1 empty label" in csv_cli("verdicts", "csv", empty).output

    alone = write_csv("unit,annotator,label\nu1,a,yes\nu2,a,no\n", "alone.csv")
    verdicts = json.loads(csv_cli("verdicts", "csv", alone, "--json").output)
    assert [u["reason"] for u in verdicts["units"]] == ["fewer than 3 judgments"] * 2
    agreement = json.loads(csv_cli("agreement", "csv", alone, "--json").output)
    assert agreement["alpha_nominal"]["reason"] == "only one annotator (a)"
    assert agreement["annotators"][0]["reason"] == "no unit with a consensus of the others"

    twice = write_csv("unit,annotator,label\nu1,a,yes\nu1,b,no\nu1,a,no\n", "twice.csv")
    assert "use --duplicates last" in csv_cli("verdicts", "csv", twice).output
    last = json.loads(csv_cli("verdicts", "csv", twice, "--duplicates", "last", "--json").output)
    assert last["units"][0]["counts"] == {"no": 2, "yes": 0}
    assert last["dropped"] == {"superseded duplicate": 1}


def test_the_csv_subcommands_take_only_what_applies_to_a_file(csv_cli, krippendorff_csv):
    assert "--ordered needs --labels" in csv_cli("verdicts", "csv", krippendorff_csv, "--ordered").output
    for args in (["verdicts", "csv", krippendorff_csv, "--claim", "x"],
                 ["agreement", "csv", krippendorff_csv, "--include-simulated"]):
        result = csv_cli(*args)
        assert result.exit_code == 2 and "No such option" in result.output
    assert csv_cli("verdicts", "csv", "no-such-file.csv").exit_code == 2


# -- over the store --------------------------------------------------------------------------


def test_verdicts_list(cli, story):
    result = cli("verdicts", "list")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == (
        "majority, people only (simulated annotators left out): 4 claims — "
        "1 settled, 3 needs adjudication, 0 adjudicated"
    )
    troops = next(l for l in lines if l.startswith("troops"))
    assert troops.split()[:4] == ["troops", "confirmed", "settled", "0.88"]
    data = json.loads(cli("verdicts", "list", "--json", "--method", "dawid-skene", "--include-simulated").output)
    assert data["method"] == "dawid-skene" and data["include_simulated"] is True
    assert [c["claim_id"] for c in data["claims"]] == ["pact", "shells", "troops", "unjudged"]
    only = json.loads(cli("verdicts", "list", "--json", "--status", "settled").output)
    assert [c["claim_id"] for c in only["claims"]] == ["troops"]
    assert only["statuses"] == {"settled": 1, "needs adjudication": 3, "adjudicated": 0}
    assert cli("verdicts", "list", "--labels", "a,b").exit_code == 2


def test_verdicts_claim(cli, story):
    result = cli("verdicts", "claim", "troops")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("troops: ")
    assert "mentions, by publication date:" in result.output
    assert "2024-10-31 (year inferred)" in result.output
    assert "timeline (majority as of each date" in result.output
    detail = json.loads(cli("verdicts", "claim", "troops", "--json").output)
    assert [t["n_articles"] for t in detail["timeline"]] == [1, 2, 3]
    missing = cli("verdicts", "claim", "nope")
    assert missing.exit_code == 4 and "nope" in missing.stderr


def test_verdicts_mentions(cli, story):
    result = cli("verdicts", "mentions")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("majority, people only (simulated annotators left out): ")
    pending = json.loads(cli("verdicts", "mentions", "--json", "--status", "needs adjudication").output)
    assert [(m["claim_id"], m["article"]) for m in pending["mentions"]] == [
        ("pact", "a1"),
        ("shells", "a2"),
        ("troops", "a3"),
    ]


def test_verdicts_rebuild_refits_dawid_skene(cli, story):
    before = json.loads(cli("verdicts", "list", "--json", "--method", "dawid-skene").output)
    result = cli("verdicts", "rebuild", "--method", "dawid-skene")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("rebuilt dawid-skene, people only (simulated annotators left out): 4 claims")
    summary = json.loads(cli("verdicts", "rebuild", "--method", "dawid-skene", "--json").output)
    assert (summary["method"], summary["include_simulated"], summary["claims"]) == ("dawid-skene", False, 4)
    assert summary["fitted_at"] is not None and summary["model_judgments"] > 0
    assert summary["statuses"] == before["statuses"]
    assert cli("verdicts", "rebuild", "--method", "nope").exit_code == 2


def test_agreement_project(cli, story):
    result = cli("agreement", "project")
    assert result.exit_code == 0, result.output
    assert (
        "the project; people only (simulated annotators left out): 16 judgments of 6 mentions"
        in result.output
    )
    assert "Cohen's kappa, annotator x annotator" in result.output
    assert "ana@example.org" in result.output
    data = json.loads(cli("agreement", "project", "--json", "--include-simulated").output)
    assert data["n_annotators"] == 4 and len(data["pairs"]["pairs"]) == 6


def test_agreement_claim_and_claims(cli, story):
    result = cli("agreement", "claim", "troops")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("claim troops, over its mentions; people only")
    claim = json.loads(cli("agreement", "claim", "troops", "--json").output)
    assert claim["claim_id"] == "troops" and claim["n_units"] == 3
    assert cli("agreement", "claim", "nope").exit_code == 4
    claims = cli("agreement", "claims")
    assert claims.exit_code == 0 and "no accepted mentions" in claims.output
    rows = json.loads(cli("agreement", "claims", "--json").output)["claims"]
    assert [r["claim_id"] for r in rows] == ["pact", "shells", "troops", "unjudged"]


def test_adjudicate_and_the_audit_trail(cli, story, desk):
    desk("editor", email="eko@desk.example")
    desk("editor", email="fitri@desk.example")
    pending = cli("adjudications", "pending")
    assert pending.output.splitlines()[0].startswith("3 claims need adjudication")
    result = cli("adjudicate", "pact", "denied", "--reason", "the pact text says so", "--by", "eko@desk.example")
    assert result.exit_code == 0, result.output
    assert "claim pact is denied (by eko@desk.example)" in result.output
    assert (
        "computed majority verdict disputed (needs adjudication: support below 0.6; counts 2 3 1)"
        in result.output
    )
    again = cli("adjudicate", "pact", "confirmed", "--reason", "signed in June", "--by", "fitri@desk.example", "--json")
    assert json.loads(again.output)["replaced"]["adjudicator"] == "eko@desk.example"
    trail = json.loads(cli("adjudications", "list", "--json").output)
    assert [(a["verdict"], a["standing"]) for a in trail] == [("confirmed", True), ("denied", False)]
    assert json.loads(cli("adjudications", "list", "--claim", "troops", "--json").output) == []
    table = cli("adjudications", "list").output
    assert "no (by" in table and "adjudication 1 (denied by eko@desk.example)" in table
    claim = json.loads(cli("verdicts", "claim", "pact", "--json").output)
    assert (claim["verdict"], claim["status"], claim["computed_verdict"]) == (
        "confirmed",
        "adjudicated",
        "disputed",
    )
    still = json.loads(cli("adjudications", "pending", "--json").output)
    assert [c["claim_id"] for c in still["claims"]] == ["shells", "unjudged"]
    assert json.loads(cli("adjudications", "pending", "--claim", "pact", "--json").output)["claims"] == []


def test_adjudications_pending_mentions(cli, story):
    result = cli("adjudications", "pending-mentions")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("majority, people only (simulated annotators left out): 3 mentions")
    mentions = cli("adjudications", "pending-mentions", "--claim", "troops", "--json")
    assert [m["article"] for m in json.loads(mentions.output)["mentions"]] == ["a3"]
    assert cli("adjudications", "pending-mentions", "--claim", "nope").exit_code == 4


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["nope", "denied", "--reason", "r"], 4),
        (["pact", "maybe", "--reason", "r"], 3),
        (["pact", "denied", "--reason", " "], 3),
        (["pact", "denied"], 2),
        (["pact", "denied", "--reason", "r", "--mention", "999"], 4),
        (["pact", "denied", "--reason", "r", "--by", "nobody@desk.example"], 4),
        (["pact", "denied", "--reason", "r", "--by", "viewer@desk.example"], 8),
    ],
    ids=["unknown claim", "bad verdict", "empty reason", "no reason", "unknown mention", "not on the desk", "not an editor"],
)
def test_a_bad_adjudication_exits_with_its_code(cli, story, desk, args, code):
    desk("viewer", email="viewer@desk.example")
    result = cli("adjudicate", *args)
    assert result.exit_code == code, result.output
    assert json.loads(cli("adjudications", "list", "--json").output) == []
