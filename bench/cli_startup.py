"""Start-up time of the ``annotator`` command line, against ``import sqlalchemy, click``.

Times, as fresh processes, ``annotator --help``, ``annotator status`` (on a freshly
migrated SQLite store in a temporary folder) and the baseline ``python -c "import
sqlalchemy, click"``: one warm-up of each, then ``--rounds`` rounds, each running the
three once, in an order that rotates from round to round.  Prints the medians, min and
max, and each median's ratio to the baseline's (target: at most 1.5).

    .venv/bin/python bench/cli_startup.py                   # --rounds 10
    .venv/bin/python bench/cli_startup.py --source /tmp/before   # another tree's code

``--source DIR`` times the ``annotator`` package in DIR (for instance an older commit,
``git archive COMMIT | tar -x -C DIR``) instead of the installed one; ``status`` is left
out if that tree has no such command.  Standard library only.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASELINE = "baseline: import sqlalchemy, click"
HELP = "annotator --help"
STATUS = "annotator status"
TARGET = 1.5


def _run(command: list[str], env: dict[str, str], folder: str) -> int:
    # Run from the temporary folder: `python -c` puts the working directory first on
    # sys.path, where a checkout's annotator/ would shadow --source.
    return subprocess.run(
        command, env=env, cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    ).returncode


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10, help="timed rounds after the warm-up (default 10)")
    parser.add_argument("--source", type=Path, help="time the annotator package in this folder instead")
    args = parser.parse_args()

    python = sys.executable
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "ANNOTATOR_DATABASE_URL": f"sqlite:///{Path(folder) / 'annotator.db'}"}
        if args.source:
            env["PYTHONPATH"] = str(args.source.resolve())
            cli = [python, "-c", "import sys; from annotator.cli import main; sys.exit(main(prog_name='annotator'))"]
        else:
            cli = [str(Path(python).parent / "annotator")]
        if _run([*cli, "db", "upgrade"], env, folder) != 0:
            sys.exit("`annotator db upgrade` failed on the temporary store")
        commands = {
            BASELINE: [python, "-c", "import sqlalchemy, click"],
            HELP: [*cli, "--help"],
            STATUS: [*cli, "status"],
        }
        for name, command in list(commands.items()):  # the warm-up
            code = _run(command, env, folder)
            if name == STATUS and code == 2:
                print("annotator status: not a command of this tree, left out")
                del commands[STATUS]
            elif code != 0:
                sys.exit(f"{name} exited {code}")

        load_before = _load()
        names = list(commands)
        times: dict[str, list[float]] = {name: [] for name in names}
        for round_ in range(args.rounds):
            shift = round_ % len(names)
            for name in names[shift:] + names[:shift]:
                start = time.perf_counter()
                code = _run(commands[name], env, folder)
                times[name].append(time.perf_counter() - start)
                if code != 0:
                    sys.exit(f"{name} exited {code}")

    print(
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs, load average {load_before} before and"
        f" {_load()} after; PYTHONDONTWRITEBYTECODE={os.environ.get('PYTHONDONTWRITEBYTECODE', '(unset)')};"
        f" {args.rounds} rounds after one warm-up"
        + (f"; code from {args.source}" if args.source else "")
    )
    base = statistics.median(times[BASELINE])
    print(f"{'command':<36} {'median s':>9} {'min s':>7} {'max s':>7} {'ratio':>6}")
    for name in names:
        median = statistics.median(times[name])
        print(f"{name:<36} {median:9.3f} {min(times[name]):7.3f} {max(times[name]):7.3f} {median / base:6.2f}")
    for name in names[1:]:
        ratio = statistics.median(times[name]) / base
        print(f"{name}: {ratio:.2f}x the baseline, target <= {TARGET}: {'met' if ratio <= TARGET else 'missed'}")


if __name__ == "__main__":
    main()
