"""`annotator report`: verdict reports written into exports/."""

from __future__ import annotations

import click

from ..vocabulary import METHODS, REPORT_FORMATS
from .base import main, with_app

__all__ = ["write_project_reports"]


def write_project_reports(formats: list[str], *, name=None, project=None, method=None, include_simulated=False):
    """Build the report once and write it in every format; print what was written."""
    from flask import current_app

    from ..db import transaction
    from ..reports.build import write_reports
    from ..reports.service import project_report
    from ..services.audit import Actor, record
    from ..services.verdicts import verdict_set

    settings = current_app.extensions["annotator.settings"]
    with transaction() as session:
        # the CLI is its own writer: it brings the set up to date before reading it
        verdict_set(session, current_app.extensions["annotator.rules"].verdicts, method, include_simulated)
        data = project_report(session, project_key=project, method=method, include_simulated=include_simulated)
    written = write_reports(data, formats, settings.exports_dir, name=name)
    with transaction() as session:
        record(session, Actor.local_operator(), "reports.write", target_type="exports",
               after={"files": [path.name for path, _file in written]})
    summary = data["summary"]
    if not summary["judgments"]:
        click.secho("the report is empty: no judgments yet (annotators have not submitted any)", fg="yellow")
    simulated = data["simulated"]["judgments"]
    if simulated:
        state = "included (labelled as such)" if include_simulated else "left out (--include-simulated adds them)"
        click.echo(f"{simulated} simulated judgment(s) {state}")
    click.echo(
        f"{summary['claims']} claims: {summary['settled']} settled, {summary['needs_adjudication']} need"
        f" adjudication, {summary['adjudicated']} adjudicated ({data['method']})"
    )
    for path, file in written:
        click.echo(f"  wrote {path}" + (f"  ({file.note})" if file.note else ""))
    return written


@main.command()
@click.option(
    "--format", "formats", default="all", show_default=True,
    help=f"Comma-separated formats: {', '.join(REPORT_FORMATS)}, or all.",
)
@click.option("--name", help="File name stem (default: <project>-<UTC time>); letters, digits, . - _ only.")
@click.option("--project", help="Project key (default: the configured one).")
@click.option("--method", type=click.Choice(METHODS), help="Verdict method (default: config).")
@click.option("--include-simulated", is_flag=True, help="Count simulated annotators' judgments too.")
@with_app
def report(formats: str, name: str | None, project: str | None, method: str | None, include_simulated: bool) -> None:
    """Write the verdict reports (CSV, JSON, ClaimReview, FEVER JSONL, HTML) into exports/."""
    chosen = list(REPORT_FORMATS) if formats == "all" else [f.strip() for f in formats.split(",") if f.strip()]
    write_project_reports(chosen, name=name, project=project, method=method, include_simulated=include_simulated)
