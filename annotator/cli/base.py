"""The ``annotator`` group and what every command shares: the app, errors, output.

The command modules import only what ``--help`` needs at module level; each command
imports the rest (the store, the services, the verdict core, Label Studio) when it
runs, so the command line starts in about the time of ``import sqlalchemy, click``
(``tests/cli/test_imports.py`` holds that, ``bench/cli_startup.py`` measures it).
"""

from __future__ import annotations

import contextlib
import functools
import json
import sys
from typing import TYPE_CHECKING

import click

from ..errors import AnnotatorError, exit_code

if TYPE_CHECKING:
    from flask import Flask

__all__ = ["main", "with_app", "echo_json", "echo_table", "current_cli_app", "reported_errors"]


@contextlib.contextmanager
def reported_errors():
    """Turn a service error into its message on stderr and its exit code."""
    try:
        yield
    except AnnotatorError as error:
        click.secho(f"error: {error}", fg="red", err=True)
        sys.exit(exit_code(error))


def current_cli_app(*, api: bool = False) -> Flask:
    """The app of this command line, built on first use; with the HTTP API if ``api``."""
    meta = click.get_current_context().meta  # shared by the group's and the command's context
    if "annotator.app" not in meta:
        from .. import create_app

        meta["annotator.app"] = create_app(api=api)
    return meta["annotator.app"]


def with_app(command=None, *, api: bool = False):
    """Run ``command`` in an app context (``@with_app(api=True)``: one with the HTTP API);
    turn service errors, building the app's included, into messages and exit codes."""
    if command is None:
        return functools.partial(with_app, api=api)

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        with reported_errors(), current_cli_app(api=api).app_context():
            return command(*args, **kwargs)

    return wrapper


def echo_json(data) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def echo_table(header: list[str], rows: list[list[str]]) -> None:
    """Print rows under ``header`` in aligned columns (the last one unpadded)."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header) - 1)]
    for row in [header, *rows]:
        click.echo("  ".join([cell.ljust(w) for cell, w in zip(row, widths)] + [row[-1]]).rstrip())


@click.group()
@click.version_option(package_name="annotator")
def main() -> None:
    """Claim-verification annotation service: ingest, claims, mentions, the API."""
