"""config/: every rule file read once at start-up, its problems named by file, key, line and column."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from annotator import create_app
from annotator.errors import InputError
from annotator.rules import Rules

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def config(tmp_path) -> Path:
    folder = tmp_path / "config"
    shutil.copytree(REPO / "config", folder)
    return folder


def start(config: Path, tmp_path: Path):
    return create_app({"config_dir": config, "database_url": f"sqlite:///{tmp_path / 'x.db'}"})


def test_the_service_starts_with_one_bundle_of_every_rule_file(config, tmp_path):
    rules = start(config, tmp_path).extensions["annotator.rules"]
    assert isinstance(rules, Rules)
    assert rules.project.verdict_values == ("confirmed", "disputed", "denied")
    assert rules.verdicts.labels.labels == rules.project.verdict_values
    assert rules.reports.review_url and rules.furniture and rules.checkworthy


@pytest.mark.parametrize("name", ["verdicts.yaml", "labelstudio.yaml", "reports.yaml"])
def test_broken_yaml_stops_start_up_at_its_line_and_column(config, tmp_path, name):
    (config / name).write_text("version: 1\nlabels: [confirmed\n", encoding="utf-8")
    with pytest.raises(InputError, match="not valid YAML") as caught:
        start(config, tmp_path)
    assert f"{config / name}:3:1" in caught.value.message


@pytest.mark.parametrize(
    ("name", "change", "key", "line"),
    [
        ("labelstudio.yaml", ("project", "overlap", 0), "project.overlap", None),
        ("labelstudio.yaml", ("confidence", "max_rating", 99), "confidence.max_rating", None),
        ("reports.yaml", ("review_url", None, "not a url"), "review_url", None),
    ],
    ids=["overlap", "max_rating", "review_url"],
)
def test_a_bad_value_names_its_key_line_and_column(config, tmp_path, name, change, key, line):
    document = yaml.safe_load((config / name).read_text(encoding="utf-8"))
    outer, inner, value = change
    if inner is None:
        document[outer] = value
    else:
        document[outer][inner] = value
    text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
    (config / name).write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        start(config, tmp_path)
    assert key in caught.value.errors, caught.value.errors
    where = next(n for n, row in enumerate(text.splitlines(), start=1) if row.lstrip().startswith(f"{key.split('.')[-1]}:"))
    assert caught.value.errors[key][0].startswith(f"line {where}, column "), caught.value.errors[key]


def test_a_verdict_annotators_cannot_give_stops_start_up(config, tmp_path):
    document = yaml.safe_load((config / "labelstudio.yaml").read_text(encoding="utf-8"))
    document["verdicts"] = [v for v in document["verdicts"] if v["value"] != "disputed"]
    (config / "labelstudio.yaml").write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    with pytest.raises(InputError, match="counts verdicts annotators cannot give") as caught:
        start(config, tmp_path)
    assert "disputed" in caught.value.errors["verdicts.yaml:labels"][0]


def test_a_verdict_the_store_cannot_hold_is_refused(config, tmp_path):
    document = yaml.safe_load((config / "labelstudio.yaml").read_text(encoding="utf-8"))
    document["verdicts"][0]["value"] = "plausible"
    (config / "labelstudio.yaml").write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        start(config, tmp_path)
    assert "not a verdict the store holds" in caught.value.errors["verdicts[0].value"][0]
