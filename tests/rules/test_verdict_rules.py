"""config/verdicts.yaml: the shipped rules, the defaults, and clear errors."""

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from annotator import create_app
from annotator.errors import InputError
from annotator.verdicts import LabelSet, StatusRule
from annotator.rules.verdicts import DEFAULT_RULES, load_verdict_rules

REPO = Path(__file__).resolve().parents[2]


def write(tmp_path, text: str):
    path = tmp_path / "verdicts.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_file_states_the_defaults():
    assert load_verdict_rules(REPO / "config" / "verdicts.yaml") == DEFAULT_RULES
    assert DEFAULT_RULES.labels == LabelSet(
        ("confirmed", "disputed", "denied"), ordered=True, tie_order=("disputed", "denied", "confirmed")
    )
    assert DEFAULT_RULES.status == StatusRule(3, 0.6)
    assert DEFAULT_RULES.method == "majority"


def test_a_missing_or_empty_file_means_the_defaults(tmp_path):
    assert load_verdict_rules(tmp_path / "absent.yaml") == DEFAULT_RULES
    assert load_verdict_rules(write(tmp_path, "")) == DEFAULT_RULES


def test_values_are_read(tmp_path):
    rules = load_verdict_rules(
        write(
            tmp_path,
            "method: dawid-skene\nmin_judgments: 2\nmin_support: 0.75\n"
            "labels: [confirmed, denied]\ndawid_skene: {refit_share: 0.5}\n",
        )
    )
    assert rules.method == "dawid-skene"
    assert rules.status == StatusRule(2, 0.75)
    # the default tie order, cut down to the labels kept
    assert rules.labels.labels == ("confirmed", "denied")
    assert rules.labels.tie_order == ("denied", "confirmed")
    assert rules.dawid_skene.refit_share == 0.5
    assert rules.dawid_skene.max_iterations == 100


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("method: vote\n", "method"),
        ("min_judgments: 0\n", "min_judgments"),
        ("min_judgments: 2.5\n", "min_judgments"),
        ("min_support: 1.5\n", "min_support"),
        ("labels: [confirmed, maybe]\n", "labels[1]"),
        ("labels: [confirmed]\n", "labels"),
        ("labels: [confirmed, confirmed]\n", "labels"),
        ("tie_order: [disputed, denied]\n", "tie_order"),
        ("k: 3\n", "k"),
        ("dawid_skene: {tolerance: 0}\n", "dawid_skene.tolerance"),
        ("version: 2\n", "version"),
    ],
    ids=lambda v: v.strip().replace("\n", " ") if isinstance(v, str) else v,
)
def test_a_bad_value_is_named(tmp_path, text, key):
    with pytest.raises(InputError) as caught:
        load_verdict_rules(write(tmp_path, text))
    assert key in caught.value.errors, caught.value.errors


def test_broken_yaml_and_non_mappings_are_errors(tmp_path):
    with pytest.raises(InputError, match="not valid YAML"):
        load_verdict_rules(write(tmp_path, "labels: [confirmed\n"))
    with pytest.raises(InputError, match="expected a mapping"):
        load_verdict_rules(write(tmp_path, "- confirmed\n"))


def test_a_broken_file_stops_the_service_at_start_up(tmp_path):
    config = tmp_path / "config"
    shutil.copytree(REPO / "config", config)
    (config / "verdicts.yaml").write_text("min_support: 2\n", encoding="utf-8")
    with pytest.raises(InputError, match="invalid verdict rules"):
        create_app({"config_dir": config, "database_url": f"sqlite:///{tmp_path / 'x.db'}"})

    from annotator.cli import main

    result = CliRunner().invoke(
        main,
        ["verdicts", "csv", str(REPO / "README.md")],
        env={"ANNOTATOR_CONFIG_DIR": str(config), "ANNOTATOR_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"},
    )
    assert result.exit_code == 3
    assert "min_support" in result.output
