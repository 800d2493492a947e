"""Benchmark: submit -> verdict through Label Studio's webhook, with the read-back.

The webhook endpoint (``annotator/api/webhooks.py``) treats a webhook as a
notification only: it reads the annotation back from Label Studio with the
service's own credentials (``LabelStudioClient.annotation``), stores that copy
as judgments and refreshes the claim verdicts it touched, in one transaction.
Label Studio without Redis sends the webhook *inside* the annotator's
``POST /api/tasks/<id>/annotations/`` and waits for it (at most
``WEBHOOK_TIMEOUT``, 1 s), so the read-back is a request to Label Studio made
while Label Studio is still answering another one.

Set-up (not timed): one local Label Studio 1.23 from the migrated template (a
temporary data folder, loopback, a free port; stopped at the end, always), a
fresh SQLite store in a temporary folder (``create_app`` + ``db.upgrade``), the
demo data as ``annotator run --demo`` makes it (the seeds ingested, the
catalogue loaded: 5 articles, 5 tasks), the service (``create_app`` with that
server, ``public_url`` on its own loopback port, a webhook secret) served by
werkzeug's threaded server in a thread of this process, then
:func:`annotator.labelstudio.push.push`, which registers the webhook, and the
verdict sets built (as ``annotator serve`` does before it listens).  A second
project with the same labeling config and the same 5 tasks (data and
predictions copied) but NO webhook is the baseline: Label Studio's own cost of
the same POST.

Simulated annotators are made as the demo makes them (``demo._simulated_users``:
a Label Studio user with an ``@simulated.invalid`` address, and the store's
``Annotator`` row, simulated), ``annotators`` new ones per round, and each
annotates each of the 5 tasks once in both projects, with the demo's payloads
(``demo.post_simulated_judgments``: per claim a verdict leaning the claim's way
with probability 0.75, a rating, the suggested evidence span), posted with the
admin token and ``completed_by`` (``client.create_annotation``).  Posts
alternate: webhook project, baseline project, webhook project, ...  One
untimed warm-up annotator first annotates the 5 tasks in both projects.

Timed, per annotation:

* **baseline POST** — the POST into the project without a webhook;
* **POST with webhook** — the POST into the pushed project (includes our handler);
* **submit -> verdict** — from just before the POST until the service answered
  the webhook, which it does after committing the judgments and the refreshed
  claim verdicts (a WSGI wrapper notes when the response started, and which
  annotation it was for);
* the handler's own time (request in -> answer), split by timers wrapped
  around, in this process only: the read-back (``LabelStudioClient.annotation``),
  making the client (``connect``), storing the judgments (``gather_annotation``
  minus the refresh), refreshing the verdicts (``refresh_verdicts``; Dawid–Skene
  rebuilds counted apart), the commit, and the rest.

Checked for every annotation when its POST returned: the webhook was answered
200 with outcome ``created``, the store holds one judgment per claim of the
task, and the claim verdicts of those claims in the sets that count simulated
annotators were all computed after the submit.

    .venv/bin/python bench/webhook_latency.py [--annotators 12] [--rounds 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import sqlalchemy as sa
from sqlalchemy.orm import Session
from werkzeug.serving import WSGIRequestHandler, make_server

import annotator.api.webhooks as webhooks_module
import annotator.intake as intake_module
import annotator.services.verdicts.sets as sets_module
from annotator import create_app
from annotator.api import build_verdict_sets
from annotator.cli.catalogue import load_catalogue_file
from annotator.cli.store import ingest_paths
from annotator.db import get_session, upgrade
from annotator.labelstudio.annotators import SIMULATED_DOMAIN
from annotator.labelstudio.client import LabelStudioClient
from annotator.labelstudio.connection import WEBHOOK_PATH
from annotator.labelstudio.demo import simulated_result
from annotator.labelstudio.push import _project_fields, push
from annotator.labelstudio.schema import label_config
from annotator.labelstudio.server import LocalLabelStudio, ensure_template, free_port
from annotator.models import (
    Annotator,
    ClaimVerdict,
    Judgment,
    LabelStudioProject,
    LabelStudioTask,
    Mention,
    VerdictSet,
)

SEEDS = REPO / "seeds"
SECRET = "bench-webhook-secret"
DEMO_SEED = 2024


# -- timing the service from the inside ----------------------------------------------------------

_current = threading.local()  # the record of the request this thread serves


def _note(part: str, seconds: float) -> None:
    record = getattr(_current, "record", None)
    if record is not None:
        record["parts"][part] += seconds
        record["calls"][part] += 1


def _timed(function, part: str):
    def timed(*args, **kwargs):
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            _note(part, time.perf_counter() - start)

    timed.__wrapped__ = function
    return timed


def install_timers() -> None:
    """Timers around the handler's steps; they count only on a thread serving a request."""
    LabelStudioClient.annotation = _timed(LabelStudioClient.annotation, "read_back")
    LabelStudioClient.user = _timed(LabelStudioClient.user, "user_lookup")
    webhooks_module.connect = _timed(webhooks_module.connect, "connect")
    webhooks_module.gather_annotation = _timed(webhooks_module.gather_annotation, "gather")
    intake_module.refresh_verdicts = _timed(intake_module.refresh_verdicts, "refresh")
    rebuild = sets_module.rebuild_verdicts

    def timed_rebuild(session, rules, target, *args, **kwargs):
        record = getattr(_current, "record", None)
        if record is not None:
            record["rebuilt"].append(f"{target.method}, {'with' if target.include_simulated else 'without'} simulated")
        return _timed(rebuild, "rebuild")(session, rules, target, *args, **kwargs)

    sets_module.rebuild_verdicts = timed_rebuild
    Session.commit = _timed(Session.commit, "commit")


class Recorder:
    """WSGI middleware: when each request came in and was answered (``perf_counter``; the
    answer starts after the view committed), its status, the annotation ids its JSON
    answer names, and the handler's timed parts."""

    def __init__(self, app):
        self.app = app
        self.records: list[dict] = []
        self.by_annotation: dict[int, dict] = {}
        self._answered = threading.Condition()

    def __call__(self, environ, start_response):
        record = {
            "method": environ["REQUEST_METHOD"],
            "path": environ.get("PATH_INFO", ""),
            "arrived": time.perf_counter(),
            "parts": defaultdict(float),
            "calls": Counter(),
            "rebuilt": [],
        }

        def recording_start_response(status, headers, exc_info=None):
            record["answered"] = time.perf_counter()
            record["status"] = int(status.split()[0])
            return start_response(status, headers, exc_info)

        _current.record = record
        try:
            result = self.app(environ, recording_start_response)
            try:
                body = b"".join(result)
            finally:
                if hasattr(result, "close"):
                    result.close()
        finally:
            _current.record = None
        try:
            answer = json.loads(body)
        except ValueError:
            answer = {}
        record["answer"] = answer if isinstance(answer, dict) else {}
        with self._answered:
            self.records.append(record)
            for annotation_id in record["answer"].get("annotation_ids") or ():
                self.by_annotation[annotation_id] = record
            self._answered.notify_all()
        return [body]

    def wait_for(self, annotation_id: int, timeout: float = 30.0) -> dict | None:
        deadline = time.monotonic() + timeout
        with self._answered:
            while annotation_id not in self.by_annotation:
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._answered.wait(left)
            return self.by_annotation[annotation_id]


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        pass


# -- the demo's annotators and payloads -----------------------------------------------------------


def simulated_users(app, client: LabelStudioClient, emails: list[str]) -> list[int]:
    """As ``demo._simulated_users``: a Label Studio user and the store's simulated Annotator."""
    ids = []
    with app.app_context():
        session = get_session()
        for email in emails:
            number = len(ids) + 1
            user = client.find_user(email) or client.create_user(email, first_name=f"Simulated {number}")
            session.add(Annotator(email=email, name=f"Simulated annotator {email.split('@')[0]}", simulated=True, ls_user_id=user["id"]))
            ids.append(user["id"])
        session.commit()
    return ids


# -- figures --------------------------------------------------------------------------------------


def p95(values: list[float]) -> float:
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[94]


def row(label: str, values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return (
        f"| {label} | {statistics.median(ms):.0f} | {p95(ms):.0f} | {min(ms):.0f} | {max(ms):.0f} | {len(ms)} |"
    )


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


# -- main -----------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--annotators", type=int, default=12, help="new simulated annotators per round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    install_timers()
    run_id = uuid.uuid4().hex[:8]
    load_before = os.getloadavg()
    started_run = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-webhook-") as folder:
        folder = Path(folder)
        server = LocalLabelStudio(folder / "labelstudio", port=free_port(), template=ensure_template())
        service = None
        try:
            start = time.perf_counter()
            status = server.up()
            print(f"Label Studio {status.version} at {status.url} (started in {time.perf_counter() - start:.1f} s), data in {folder}")
            recorder = Recorder(None)
            # Bind first (port 0), then build the app knowing its URL, as tests/browser/conftest.py does.
            service = make_server("127.0.0.1", 0, recorder, threaded=True, request_handler=_Quiet)
            base_url = f"http://127.0.0.1:{service.server_port}"
            app = create_app(
                {
                    "database_url": f"sqlite:///{folder / 'annotator.db'}",
                    "exports_dir": folder / "exports",
                    "label_studio_url": status.url,
                    "label_studio_api_key": status.token,
                    "label_studio_data_dir": folder / "labelstudio",
                    "label_studio_project": f"bench-webhook-{run_id}",
                    "public_url": base_url,
                    "webhook_secret": SECRET,
                }
            )
            recorder.app = app
            threading.Thread(target=service.serve_forever, name="bench-service", daemon=True).start()
            run(args, app, status, recorder, base_url, run_id)
        finally:
            if service is not None:
                service.shutdown()
                service.server_close()
            server.down()
    load_after = os.getloadavg()
    print(
        f"\nwhole run {time.perf_counter() - started_run:.0f} s; load average (1 min) {load_before[0]:.2f} before,"
        f" {load_after[0]:.2f} after"
    )


def run(args, app, status, recorder: Recorder, base_url: str, run_id: str) -> None:
    from importlib.metadata import version

    engine = app.extensions["annotator.engine"]
    settings = app.extensions["annotator.settings"]
    rules = app.extensions["annotator.rules"]
    upgrade(engine)
    client = LabelStudioClient(status.url, status.token)
    with app.app_context():
        _, failures = ingest_paths((SEEDS,), quiet=True)
        assert not failures, failures
        load_catalogue_file(SEEDS / "claims.yaml")
        report = push(get_session(), client, settings)
    build_verdict_sets(app)

    with app.app_context():
        session = get_session()
        project = session.scalar(sa.select(LabelStudioProject).where(LabelStudioProject.project_key == settings.label_studio_project))
        ls_project = project.ls_project_id
        claims_of_task: dict[int, set[str]] = {}
        for task in session.scalars(sa.select(LabelStudioTask).where(LabelStudioTask.project_id == project.id)):
            claims_of_task[task.ls_task_id] = set(
                session.scalars(sa.select(Mention.claim_id).where(Mention.id.in_(task.mention_ids)))
            )
        n_sets = session.scalar(sa.select(sa.func.count()).select_from(VerdictSet))
    def webhooks() -> list[dict]:
        return client._raw("listing webhooks", "api/webhooks/", method="GET")

    assert any(h["url"] == base_url + WEBHOOK_PATH and h.get("project") == ls_project for h in webhooks())

    tasks = sorted((t for t in client.iter_tasks(ls_project) if t["id"] in claims_of_task), key=lambda t: t["id"])
    config = rules.project
    baseline = client.create_project(
        description=f"bench webhook baseline {run_id}", **_project_fields(config, label_config(config), "bench baseline")
    )["id"]
    copies = []
    for task in tasks:
        copy = {"data": task["data"]}
        if task.get("predictions"):
            copy["predictions"] = [
                {"model_version": p.get("model_version"), "score": p.get("score"), "result": p["result"]}
                for p in task["predictions"]
            ]
        copies.append(copy)
    baseline_ids = client.import_tasks(baseline, copies)
    # no webhook reaches the baseline: none of its own, none for the whole organisation
    assert not [h for h in webhooks() if h.get("project") in (baseline, None)], webhooks()
    n_claims = sum(len(t["data"].get("claims") or []) for t in tasks)
    print(
        f"demo data: {report.tasks_created} tasks pushed ({n_claims} claims in all, {n_claims / len(tasks):.1f} per task),"
        f" {n_sets} verdict sets; baseline project {baseline} with {len(baseline_ids)} copied tasks, no webhook"
    )

    verdicts = config.verdict_values
    posts: dict[str, list[float]] = defaultdict(list)
    handler: dict[str, list[float]] = defaultdict(list)
    problems: list[str] = []
    outcomes: Counter = Counter()
    rebuilds: Counter = Counter()
    late = 0

    def annotate(email: str, user: int, timed: bool) -> None:
        nonlocal late
        for task, baseline_task in zip(tasks, baseline_ids):
            result = simulated_result(task, email, verdicts, seed=DEMO_SEED)
            # -- A: the pushed project, with the webhook
            wall = dt.datetime.now(dt.UTC)
            start = time.perf_counter()
            created = client.create_annotation(task["id"], result=result, completed_by=user)
            returned = time.perf_counter()
            record = recorder.by_annotation.get(created["id"])
            if record is None:  # Label Studio stopped waiting (1 s): wait for our answer
                late += 1
                record = recorder.wait_for(created["id"])
            check_stored(app, created["id"], claims_of_task[task["id"]], len(task["data"]["claims"]), wall, record, problems)
            # -- B: the baseline project, no webhook
            b_start = time.perf_counter()
            client.create_annotation(baseline_task, result=result, completed_by=user)
            b_end = time.perf_counter()
            if not timed or record is None:
                continue
            outcomes[record["answer"].get("outcome")] += 1
            posts["webhook"].append(returned - start)
            posts["baseline"].append(b_end - b_start)
            posts["submit_verdict"].append(record["answered"] - start)
            parts = record["parts"]
            total = record["answered"] - record["arrived"]
            handler["total"].append(total)
            handler["before"].append(record["arrived"] - start)
            if record["answered"] <= returned:  # else Label Studio gave up waiting (1 s) before our answer
                handler["after"].append(returned - record["answered"])
            handler["read_back"].append(parts["read_back"])
            handler["connect"].append(parts["connect"])
            handler["store"].append(parts["gather"] - parts["refresh"])
            handler["refresh"].append(parts["refresh"])
            handler["commit"].append(parts["commit"])
            handler["rest"].append(total - parts["read_back"] - parts["connect"] - parts["gather"] - parts["commit"])
            handler["user_lookup"].append(parts["user_lookup"])
            handler["rebuild"].append(parts["rebuild"])
            rebuilds.update(record["rebuilt"])
            if record["rebuilt"]:
                handler["with_rebuild"].append(record["answered"] - start)
            else:
                handler["without_rebuild"].append(record["answered"] - start)

    warm = f"bench-warm-up-{run_id}@{SIMULATED_DOMAIN}"
    (warm_user,) = simulated_users(app, client, [warm])
    start = time.perf_counter()
    annotate(warm, warm_user, timed=False)
    print(f"warm-up: 1 annotator x {len(tasks)} tasks in both projects, {time.perf_counter() - start:.1f} s (not timed)")
    for round_index in range(args.rounds):
        emails = [f"bench-{round_index + 1}-{n}-{run_id}@{SIMULATED_DOMAIN}" for n in range(1, args.annotators + 1)]
        users = simulated_users(app, client, emails)
        start = time.perf_counter()
        for email, user in zip(emails, users):
            annotate(email, user, timed=True)
        done = len(posts["webhook"])
        print(
            f"  round {round_index + 1}: {args.annotators} new annotators x {len(tasks)} tasks in {time.perf_counter() - start:.1f} s;"
            f" so far submit->verdict median {statistics.median(posts['submit_verdict']) * 1000:.0f} ms,"
            f" p95 {p95(posts['submit_verdict']) * 1000:.0f} ms ({done} annotations)"
        )

    with app.app_context():
        session = get_session()
        judgments = session.scalar(sa.select(sa.func.count()).select_from(Judgment))
    n = len(posts["webhook"])
    print()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, load average {', '.join(f'{x:.2f}' for x in os.getloadavg())};"
        f" Python {platform.python_version()}, Label Studio {status.version}, label-studio-sdk {version('label-studio-sdk')},"
        f" SQLAlchemy {sa.__version__}, Flask {version('flask')}; the service on werkzeug's threaded server, SQLite store"
    )
    print(
        f"data: the demo's {len(tasks)} seed tasks ({n_claims} claims) x {args.annotators} annotators x {args.rounds} rounds"
        f" = {n} timed annotations per project (+ {len(tasks)} warm-up); {judgments} judgments stored in all"
    )
    print()
    print("| ms | median | p95 | min | max | n |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    print(row("baseline POST, project without webhook", posts["baseline"]))
    print(row("POST with webhook (our handler inside)", posts["webhook"]))
    print(row("**submit -> verdict** (POST sent -> webhook answered, committed)", posts["submit_verdict"]))
    print(row("our handler: request in -> answered", handler["total"]))
    print(row("  read-back call (`client.annotation`)", handler["read_back"]))
    print(row("  making the client (`connect`)", handler["connect"]))
    print(row("  storing the judgments (`gather_annotation` without the refresh)", handler["store"]))
    print(row("  refreshing the claim verdicts (`refresh_verdicts`)", handler["refresh"]))
    print(row("    of which rebuilding a Dawid–Skene set (`rebuild_verdicts`)", handler["rebuild"]))
    print(row("  commit", handler["commit"]))
    print(row("  the rest (secret, validation, project lookup, Flask)", handler["rest"]))
    print(row("Label Studio before the webhook (POST sent -> webhook in)", handler["before"]))
    print(row("Label Studio after the webhook (answered -> POST returned; not when it gave up waiting)", handler["after"]))
    if handler["with_rebuild"] and handler["without_rebuild"]:
        print(row("submit -> verdict, refreshes that rebuilt a Dawid–Skene set", handler["with_rebuild"]))
        print(row("submit -> verdict, refreshes that did not", handler["without_rebuild"]))
    print()
    sv = posts["submit_verdict"]
    print(
        f"ratio POST with webhook / baseline POST: medians {statistics.median(posts['webhook']) / statistics.median(posts['baseline']):.2f},"
        f" p95 {p95(posts['webhook']) / p95(posts['baseline']):.2f}"
    )
    print(
        f"submit -> verdict p95 {p95(sv) * 1000:.0f} ms (target < 1000 ms): {'met' if p95(sv) < 1.0 else 'MISSED'};"
        f" over 1 s: {sum(v >= 1.0 for v in sv)} of {n}"
    )
    print(
        f"webhook outcomes: {dict(outcomes)}; Label Studio stopped waiting (1 s) for {late};"
        f" refreshes that rebuilt a set: {len(handler['with_rebuild'])} of {n} ({', '.join(f'{k}: {v}' for k, v in rebuilds.items()) or 'none'});"
        f" user look-ups {sum(1 for v in handler['user_lookup'] if v)}"
    )
    if problems:
        print(f"PROBLEMS ({len(problems)}):")
        for problem in problems[:20]:
            print("  " + problem)
    else:
        print(
            "checks: every webhook answered 200 'created'; when each POST returned, the store held one judgment per claim"
            " and every claim verdict of those claims in the sets counting simulated annotators was computed after the submit"
        )


def check_stored(app, annotation_id, claims, n_claims, wall, record, problems) -> None:
    if record is None:
        problems.append(f"annotation {annotation_id}: no webhook answered within 30 s")
        return
    if record["status"] != 200 or record["answer"].get("outcome") != "created":
        problems.append(f"annotation {annotation_id}: webhook answered {record['status']} {record['answer']}")
    with app.app_context():
        session = get_session()
        stored = session.scalar(
            sa.select(sa.func.count()).select_from(Judgment).where(Judgment.ls_annotation_id == annotation_id)
        )
        # the sets that count simulated annotators: a row for every claim of the task
        computed = session.scalars(
            sa.select(ClaimVerdict.computed_at)
            .join(VerdictSet, VerdictSet.id == ClaimVerdict.set_id)
            .where(ClaimVerdict.claim_id.in_(claims), VerdictSet.include_simulated.is_(True))
        ).all()
        sets = session.scalar(
            sa.select(sa.func.count()).select_from(VerdictSet).where(VerdictSet.include_simulated.is_(True))
        )
    if stored != n_claims:
        problems.append(f"annotation {annotation_id}: {stored} judgments stored, {n_claims} claims")
    if len(computed) != len(claims) * sets or any(_aware(c) < wall for c in computed):
        problems.append(f"annotation {annotation_id}: claim verdicts not all refreshed ({len(computed)} rows)")


if __name__ == "__main__":
    main()
