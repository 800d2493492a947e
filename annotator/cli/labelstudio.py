"""Commands around Label Studio: the local server, push, sync, annotators."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click
import sqlalchemy as sa

from ..errors import NotFound
from .base import echo_json, echo_table, main, with_app

if TYPE_CHECKING:
    from ..models import LabelStudioProject

__all__ = ["start_labelstudio", "run_push", "run_sync"]


@main.group("labelstudio")
def labelstudio_group() -> None:
    """Manage the local Label Studio server (var/labelstudio)."""


def start_labelstudio():
    """Start the local server (idempotent) and print where it is and how to log in."""
    from flask import current_app

    from ..labelstudio.connection import local_server

    settings = current_app.extensions["annotator.settings"]
    server = local_server(settings)
    first = not (settings.label_studio_data_dir / "label_studio.sqlite3").exists()
    if first:
        click.echo("starting Label Studio for the first time: its migrations take about a minute...")
    status = server.up()
    credentials = server.credentials()
    click.echo(f"Label Studio {status.version} at {status.url} (data: {status.data_dir})")
    click.echo(f"  admin login: {credentials.email} / {credentials.password}")
    return status


@labelstudio_group.command("up")
@with_app
def labelstudio_up() -> None:
    """Start the local Label Studio (a busy port is an error, never a silent move)."""
    start_labelstudio()


@labelstudio_group.command("down")
@with_app
def labelstudio_down() -> None:
    """Stop the local Label Studio."""
    from flask import current_app

    from ..labelstudio.connection import local_server

    stopped = local_server(current_app.extensions["annotator.settings"]).down()
    click.echo("Label Studio stopped" if stopped else "Label Studio was not running")


@labelstudio_group.command("status")
@click.option("--json", "as_json", is_flag=True)
@with_app
def labelstudio_status(as_json: bool) -> None:
    """Say whether the local Label Studio runs; exit 1 if it does not."""
    from flask import current_app

    from ..labelstudio.connection import local_server

    status = local_server(current_app.extensions["annotator.settings"]).status()
    if as_json:
        echo_json({"running": status.running, "url": status.url, "pid": status.pid, "version": status.version})
    elif status.running:
        click.echo(f"running: Label Studio {status.version} at {status.url} (pid {status.pid})")
    else:
        click.echo(f"not running (would serve {status.url} from {status.data_dir})")
    if not status.running:
        raise SystemExit(1)


def run_push():
    from flask import current_app
    from tqdm import tqdm

    from ..db import get_session, transaction
    from ..labelstudio.connection import connect
    from ..labelstudio.push import push as push_project
    from ..services.audit import Actor, record

    settings = current_app.extensions["annotator.settings"]
    client = connect(settings)
    with tqdm(desc="push", unit="article", leave=False) as bar:
        report = push_project(
            get_session(), client, settings, config=current_app.extensions["annotator.rules"].project, progress=bar.update
        )
    with transaction() as session:
        record(session, Actor.local_operator(), "labelstudio.push", target_type="ls_projects",
               target_id=report.project_id, after=report.counts())
    click.echo(
        f"project {report.project_id}: {report.tasks_created} task(s) imported,"
        f" {report.tasks_extended} extended with new claims, {report.tasks_unchanged} unchanged"
        + (f", {report.tasks_recovered} recovered from an interrupted push" if report.tasks_recovered else "")
        + (" (project created)" if report.created_project else "")
        + (" (labeling config updated)" if report.config_updated else "")
    )
    if report.articles_without_claims:
        click.secho(
            f"  {report.articles_without_claims} article(s) have no accepted claim yet and were not pushed",
            fg="yellow",
        )
    click.echo(f"  data manager (coordinator): {report.project_url}")
    click.echo(f"  label stream (annotators):  {report.label_stream_url}")
    return report


@main.command()
@with_app
def push() -> None:
    """Create or update the Label Studio project and import what is new."""
    run_push()


def _project() -> LabelStudioProject:
    from flask import current_app

    from ..db import get_session
    from ..intake import configured_project

    settings = current_app.extensions["annotator.settings"]
    project = configured_project(get_session(), settings)
    if project is None:
        raise NotFound(f"project {settings.label_studio_project!r} was never pushed: run `annotator push` first")
    return project


def run_sync(full: bool = False):
    from flask import current_app

    from ..db import transaction
    from ..intake import gather_sync
    from ..services.audit import Actor, record

    settings = current_app.extensions["annotator.settings"]
    with transaction() as session:
        project = _project()
        report = gather_sync(session, settings, current_app.extensions["annotator.rules"], project, full=full)
        record(session, Actor.local_operator(), "labelstudio.sync", project, after=report.as_dict() | {"full": full})
    click.echo(f"sync: {report.summary()}")
    for problem in report.problems:
        click.secho(f"  {problem}", fg="yellow")
    return report


@main.command()
@click.option("--full", is_flag=True, help="Read every task, not only those changed since the last sync.")
@with_app
def sync(full: bool) -> None:
    """Gather judgments from Label Studio (only what changed since the last sync)."""
    run_sync(full)


@main.group()
def annotators() -> None:
    """People who judge claims in Label Studio."""


@annotators.command("add")
@click.argument("email")
@click.option("--name", help="Display name.")
@click.option("--password", help="Their password (default: a generated one, printed once).")
@with_app
def annotators_add(email: str, name: str | None, password: str | None) -> None:
    """Create a Label Studio login for an annotator, linked to their desk account."""
    from flask import current_app

    from ..db import transaction
    from ..desk import add_annotator_account
    from ..services.audit import Actor

    settings = current_app.extensions["annotator.settings"]
    with transaction() as session:
        new = add_annotator_account(session, Actor.local_operator(), settings, email, name=name, password=password)
    click.echo(f"annotator {new.annotator.email} added")
    if new.invite_url:
        click.echo(f"  they sign up with that e-mail at {new.invite_url}")
    else:
        click.echo(f"  log in at {new.login_url}")
        if new.password:
            click.echo(f"  password: {new.password}  (shown once)")


@annotators.command("list")
@click.option("--json", "as_json", is_flag=True)
@with_app
def annotators_list(as_json: bool) -> None:
    """List annotators."""
    from ..db import get_session
    from ..models import Annotator

    rows = [
        {"id": a.id, "email": a.email, "name": a.name, "simulated": a.simulated, "ls_user_id": a.ls_user_id}
        for a in get_session().scalars(sa.select(Annotator).order_by(Annotator.id))
    ]
    if as_json:
        echo_json(rows)
        return
    echo_table(
        ["id", "email", "name", "label studio user", "simulated"],
        [[str(r["id"]), r["email"], r["name"] or "", str(r["ls_user_id"] or "-"), "yes" if r["simulated"] else ""] for r in rows],
    )
