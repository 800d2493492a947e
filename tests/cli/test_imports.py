"""The command line starts light: importing it, ``--help`` (the verdict, agreement and
adjudication subcommands' too) and ``status`` load none of the heavy libraries, nor the
app's layers that pull them in (each command imports what it needs when it runs;
``bench/cli_startup.py`` times the result).

Checked on ``sys.modules`` of a fresh interpreter, so nothing here depends on timing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from annotator.db import make_engine, upgrade

#: What made ``annotator --help`` take seconds: the verdict core's crowd-kit (scipy,
#: nltk, scikit-learn), pandas and NumPy, the report charts, Label Studio's SDK, the API.
HEAVY = ["pandas", "numpy", "crowdkit", "matplotlib", "label_studio_sdk", "scipy", "flask_smorest"]
#: The layers a command imports when it runs, for the same reason (Flask and Alembic alone
#: cost about a third of ``import sqlalchemy, click``).
LAYERS = [
    "flask",
    "alembic",
    "annotator.db",
    "annotator.models",
    "annotator.rules",
    "annotator.services",
    "annotator.verdicts",
    "annotator.labelstudio",
    "annotator.reports",
    "annotator.api",
    "annotator.intake",
    "annotator.ingest",
]

REPORT = "import json, sys; print(json.dumps(sorted(sys.modules)), file=sys.stderr)"


def _modules_after(code: str, env: dict[str, str] | None = None) -> set[str]:
    """The modules a fresh interpreter holds after running ``code`` (then REPORT)."""
    done = subprocess.run(
        [sys.executable, "-c", f"{code}\n{REPORT}"],
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        check=True,
    )
    return set(json.loads(done.stderr.splitlines()[-1]))


def _loaded(modules: set[str], names: list[str]) -> list[str]:
    return [name for name in names if name in modules or any(m.startswith(f"{name}.") for m in modules)]


#: Every group of subcommands, and each subcommand, answers ``--help`` as lightly.
HELP = [
    "verdicts",
    "verdicts list",
    "verdicts claim",
    "verdicts mentions",
    "verdicts csv",
    "verdicts rebuild",
    "agreement",
    "agreement project",
    "agreement claims",
    "agreement claim",
    "agreement csv",
    "adjudicate",
    "adjudications",
    "adjudications list",
    "adjudications pending",
    "adjudications pending-mentions",
]


def _invoke(*args: str) -> str:
    return f"from annotator.cli import main\nmain({list(args)!r}, standalone_mode=False)"


COMMANDS = {
    "import": "import annotator.cli",
    "--help": _invoke("--help"),
    "status": _invoke("status"),
    **{f"{command} --help": _invoke(*command.split(), "--help") for command in HELP},
}


@pytest.fixture(scope="module")
def status_store(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('status') / 'annotator.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return {"ANNOTATOR_DATABASE_URL": url}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_the_command_line_loads_no_heavy_library(command, status_store):
    modules = _modules_after(COMMANDS[command], status_store)
    assert "annotator.cli.verdicts" in modules  # every command module was imported
    assert _loaded(modules, HEAVY) == []


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_the_command_line_loads_no_layer_it_does_not_run(command, status_store):
    assert _loaded(_modules_after(COMMANDS[command], status_store), LAYERS) == []
