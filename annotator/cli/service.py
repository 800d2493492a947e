"""Commands that serve: the HTTP service, the whole default run, the OpenAPI document."""

from __future__ import annotations

import json
import sys

import click
import sqlalchemy as sa

from ..errors import exit_code
from ..vocabulary import REPORT_FORMATS
from .base import current_cli_app, main, with_app
from .labelstudio import run_push, run_sync, start_labelstudio
from .reports import write_project_reports
from .catalogue import load_catalogue_file
from .store import articles_list, ingest_paths


@main.command()
@click.option("--output", "-o", type=click.File("w"), default="-", help="Where to write (default stdout).")
@with_app(api=True)
def openapi(output) -> None:
    """Write the OpenAPI document of the HTTP API."""
    from flask import current_app

    output.write(json.dumps(current_app.extensions["annotator.api"].openapi_dict(), indent=2))
    output.write("\n")


def _serve(host: str, port: int) -> None:
    import waitress

    from ..api import build_verdict_sets
    from ..intake import start_background_sync

    app = current_cli_app(api=True)
    build_verdict_sets(app)  # `run` may have created and filled the store since the app was built
    settings = app.extensions["annotator.settings"]
    if settings.sync_interval > 0:
        start_background_sync(app, settings.sync_interval)
    click.echo(f"annotator API listening on http://{host}:{port}/api  (docs: http://{host}:{port}/api/docs)")
    click.echo(f"  log in at http://{host}:{port}/login; Host headers answered: {', '.join(app.config['TRUSTED_HOSTS'])}")
    waitress.serve(app, host=host, port=port, threads=8, _quiet=True)


@main.command()
@click.option("--host", help="Address to listen on (default: the host setting).")
@click.option("--port", type=int, help="Port to listen on (default: the port setting).")
@with_app(api=True)
def serve(host: str | None, port: int | None) -> None:
    """Start the HTTP service (waitress) with its background sync, and print where it listens."""
    from flask import current_app

    settings = current_app.extensions["annotator.settings"]
    _serve(host or settings.host, port or settings.port)


def _store_steps() -> None:
    from flask import current_app

    from ..db import current_revision, get_session, upgrade
    from ..models import Mention, MentionOrigin, MentionStatus

    settings = current_app.extensions["annotator.settings"]
    engine = current_app.extensions["annotator.engine"]
    upgrade(engine)
    click.echo(f"store: {engine.url.render_as_string()} (schema {current_revision(engine)})")
    reports, failures = ingest_paths((settings.seeds_dir,))
    for failure in failures:
        click.secho(f"rejected: {failure}", fg="red", err=True)
    if failures:
        sys.exit(exit_code(failures[0]))
    click.echo(
        f"seeds: {sum(r.count('created') for r in reports)} new, "
        f"{sum(r.count('revised') for r in reports)} revised, "
        f"{sum(r.count('unchanged') for r in reports)} unchanged"
    )
    click.get_current_context().invoke(articles_list, as_json=False)
    report = load_catalogue_file(settings.seeds_dir / "claims.yaml")
    session = get_session()
    accepted = session.scalar(
        sa.select(sa.func.count(Mention.id)).where(Mention.origin == MentionOrigin.CATALOGUE)
    )
    pending = session.scalar(
        sa.select(sa.func.count(Mention.id)).where(
            Mention.origin == MentionOrigin.SUGGESTED, Mention.status == MentionStatus.PENDING
        )
    )
    _first_admin()
    total_claims = report.claims_created + report.claims_updated + report.claims_unchanged
    click.echo(
        f"catalogue: {total_claims} claims, {accepted} located mentions"
        f" ({', '.join(f'{k} {v}' for k, v in sorted(report.match_methods.items()))});"
        f" {pending} suggested sentences await review (`annotator mentions list --origin suggested`)"
    )


def _link_annotators() -> None:
    from ..db import transaction
    from ..desk import link_annotators
    from ..services.audit import Actor

    with transaction() as session:
        made = link_annotators(session, Actor.local_operator())
    if made:
        click.echo(f"  {made} annotator(s) got a desk account (role annotator, no password)")


def _first_admin() -> None:
    from flask import current_app

    from ..db import transaction
    from ..desk import first_admin
    from ..services.audit import Actor

    settings = current_app.extensions["annotator.settings"]
    with transaction() as session:
        email, password = first_admin(session, Actor.local_operator(), settings)
    login = f"{settings.service_url}/login"
    if password:
        click.secho(f"desk admin: {email}  password: {password}  (shown once; log in at {login})", fg="green")
    else:
        click.echo(f"desk admin: {email} (log in at {login}; `annotator people password {email}` sets a new password)")
    click.echo("  add people with `annotator people add EMAIL --role viewer`, tokens with `annotator tokens issue`")


@main.command()
@click.option("--labelstudio/--no-labelstudio", "with_labelstudio", default=True,
              help="Start Label Studio and push the seeds to it (default), or only fill the store.")
@click.option("--demo", is_flag=True,
              help="Also post judgments from three simulated annotators (marked as simulated everywhere).")
@click.option("--serve/--no-serve", default=True, help="Start the service at the end (default) or stop.")
@with_app(api=True)
def run(with_labelstudio: bool, demo: bool, serve: bool) -> None:
    """The whole job on the embedded defaults: store, seeds, catalogue, Label Studio, reports, service."""
    from flask import current_app

    from ..db import get_session
    from ..labelstudio.connection import connect
    from ..labelstudio.demo import post_simulated_judgments

    settings = current_app.extensions["annotator.settings"]
    _store_steps()
    if with_labelstudio:
        if not settings.label_studio_url:
            start_labelstudio()
        report = run_push()
        if demo:
            posted = post_simulated_judgments(
                get_session(), connect(settings), settings, current_app.extensions["annotator.rules"].project
            )
            click.echo(f"demo: {posted} annotation(s) posted by simulated annotators (marked simulated)")
            run_sync()
            _link_annotators()
        click.echo(f"annotators open the label stream: {report.label_stream_url}")
        click.echo("  add annotator accounts with `annotator annotators add EMAIL`")
        click.echo(f"judgments arrive by webhook at {settings.service_url}/api/webhooks/labelstudio")
    write_project_reports(list(REPORT_FORMATS), include_simulated=demo)
    page = f"{settings.service_url}/" + ("?include_simulated=true" if demo else "")
    click.echo(f"report page (live): {page}")
    if serve:
        _serve(settings.host, settings.port)
