"""The ``annotator`` group and what every command shares: the app, errors, output."""

from __future__ import annotations

import functools
import json
import sys

import click
from flask import Flask

from .. import create_app
from ..errors import AnnotatorError, exit_code

__all__ = ["main", "with_app", "echo_json", "echo_table", "current_cli_app"]


def current_cli_app() -> Flask:
    return click.get_current_context().obj


def with_app(command):
    """Run ``command`` in an app context; turn service errors into messages and exit codes."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        with current_cli_app().app_context():
            try:
                return command(*args, **kwargs)
            except AnnotatorError as error:
                click.secho(f"error: {error}", fg="red", err=True)
                sys.exit(exit_code(error))

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
@click.pass_context
def main(ctx: click.Context) -> None:
    """Claim-verification annotation service: ingest, claims, mentions, the API."""
    try:
        ctx.obj = create_app()
    except AnnotatorError as error:
        click.secho(f"error: {error}", fg="red", err=True)
        sys.exit(exit_code(error))


