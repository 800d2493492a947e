"""The default run against a real Label Studio: seeds pushed, demo judgments gathered, reports written."""

from __future__ import annotations

import json
import uuid

from click.testing import CliRunner

from annotator.cli import main


def test_run_with_demo_does_the_whole_loop(settings_env, labelstudio, tmp_path):
    env = settings_env | {
        "ANNOTATOR_LABEL_STUDIO_URL": labelstudio.url,
        "ANNOTATOR_LABEL_STUDIO_API_KEY": labelstudio.token,
        "ANNOTATOR_LABEL_STUDIO_PROJECT": f"run-{uuid.uuid4().hex[:8]}",
        "ANNOTATOR_WEBHOOK_SECRET": "run-test-secret",
    }
    runner = CliRunner()
    result = runner.invoke(main, ["run", "--demo", "--no-serve"], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "5 task(s) imported" in result.output
    assert "label stream (annotators):" in result.output and "?labeling=1" in result.output
    assert "15 annotation(s) posted by simulated annotators" in result.output
    assert "judgments 120 new" in result.output
    assert "desk admin: admin@localhost  password: " in result.output
    assert "3 annotator(s) got a desk account (role annotator, no password)" in result.output
    assert "simulated judgment(s) included (labelled as such)" in result.output
    assert "report page (live): http://127.0.0.1:5000/?include_simulated=true" in result.output

    exports = tmp_path / "exports"
    written = sorted(p.suffixes[-1] for p in exports.iterdir())
    assert written == [".csv", ".csv", ".html", ".json", ".jsonl", ".jsonld"]
    data = json.loads(next(exports.glob("*.json")).read_text())
    assert data["include_simulated"] is True and data["summary"]["judgments"] == 120
    assert data["summary"]["claims"] == 17 and data["summary"]["annotators"] == 3

    again = runner.invoke(main, ["run", "--demo", "--no-serve"], env=env, catch_exceptions=False)
    assert again.exit_code == 0, again.output
    assert "0 task(s) imported" in again.output and "5 unchanged" in again.output
    assert "0 annotation(s) posted" in again.output and "judgments 0 new" in again.output
