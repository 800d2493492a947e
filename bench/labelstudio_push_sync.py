"""Benchmark: push and sync against a real local Label Studio, against its raw API.

One local Label Studio 1.23 (from the migrated template, in a temporary data
folder, loopback, a free port) and a fresh SQLite store (temporary folder,
:func:`annotator.db.upgrade`), bulk-loaded with generated, seeded data:
``articles`` articles (one revision each, an Indonesian body of ~2-3 KB made of
sentences from the seed articles) with 2-4 accepted claims each (about 3 on
average) from a catalogue of 60 claims, every mention with its evidence span(s).

Timed in the same run, against the same server, rotating which goes first:

* **push** — :func:`annotator.labelstudio.push.push` of every article into a
  new project (whoami, finding and creating the project and its webhook while
  the store is read and the payloads are built, importing in ``batch_size``
  batches, storing the ids, committing batch by batch);
* **bare import** (baseline) — the same payload list, built once beforehand by
  our own code (:func:`push._payload`), sent in ONE call of the SDK's
  ``projects.import_tasks`` into another new project with the same labeling
  config;
* also: the same payloads in one raw JSON POST (``client.import_tasks``, the
  request the push sends), and a push into a project that already exists
  (project and webhook made beforehand, untimed: the steady state of a push).

Then, not timed, ``annotators`` users (``client.create_user``) annotate every
task of the first pushed project (``client.create_annotation``: per claim a
verdict, an evidence span and a rating).  Timed, alternating:

* **sync** — :func:`annotator.labelstudio.sync.sync` with ``full=True`` into a
  store without judgments (annotators and judgment rows are created), committed;
* **export** (baseline) — ``client.export_json``: the project's full JSON
  export, downloaded and parsed;
* also: the export download alone (bytes, not parsed), the tasks API pages read
  with plain ``httpx`` + ``json`` (what the sync's listing costs without the
  SDK), and an incremental sync with nothing new.

Each timed step runs ``repeat`` times (a fresh Label Studio project for every
push and import; the order of the steps rotated every round, so with 4 rounds each
step goes first once, and each round starts with an untimed request: in an earlier
run the first step of a round was the slowest of its kind, whichever step it was), after an
untimed warm-up import and export; medians are reported.  Every push and sync
goes through a wrapper of the client that adds up the seconds spent in each
client method, so their time splits into Label Studio (server + HTTP + SDK)
and our own code.  ``--profile DIR`` also writes cProfile
statistics of one push and one full sync to ``DIR`` (extra, untimed runs).

    .venv/bin/python bench/labelstudio_push_sync.py [--articles 1000] [--repeat 4]
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import datetime as dt
import hashlib
import json
import os
import platform
import pstats
import random
import re
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import httpx  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from sqlalchemy.orm import Session, sessionmaker  # noqa: E402

from annotator import create_app  # noqa: E402
from annotator.db import upgrade  # noqa: E402
from annotator.labelstudio.client import LabelStudioClient  # noqa: E402
from annotator.labelstudio.push import _payload, _plan, _project_fields, _record, _settle_project, push  # noqa: E402
from annotator.labelstudio.schema import EVIDENCE_LABEL, control_name, label_config  # noqa: E402
from annotator.rules.project import load_project_config  # noqa: E402
from annotator.labelstudio.server import LocalLabelStudio, ensure_template, free_port  # noqa: E402
from annotator.labelstudio.sync import sync  # noqa: E402
from annotator.labelstudio.tasks import articles_to_push  # noqa: E402
from annotator.models import (  # noqa: E402
    Annotator,
    Article,
    ArticleRevision,
    Claim,
    Judgment,
    JudgmentRevision,
    LabelStudioProject,
    LabelStudioTask,
    Mention,
    MentionOrigin,
    MentionStatus,
)

SEEDS = REPO / "seeds"
N_CLAIMS = 60
OUTLETS = ("Mercinews.com", "Tribunnews.com", "Pahami.id", "Aboluowang.com", "mobic.store", "Kompas.com", "Detik.com")
PLACES = ("KYIV", "PYONGYANG", "Jakarta", "SEOUL", "MOSKWA", "WASHINGTON")
VERDICTS = ("confirmed", "disputed", "denied")
_FURNITURE = re.compile(r"ADVERTISEMENT|SCROLL TO|Baca juga|BERITA TERKAIT|Penulis:|Editor:|zoom-in|TribunX", re.I)


# -- the data ----------------------------------------------------------------------------------


def seed_sentences() -> list[str]:
    """Sentences of the seed articles, page furniture left out."""
    sentences = []
    for path in sorted(SEEDS.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if len(line) < 50 or _FURNITURE.search(line):
                continue
            for sentence in re.split(r"(?<=[.!?”\"])\s+(?=[A-Z“\"])", line):
                if 40 <= len(sentence) <= 400:
                    sentences.append(sentence)
    return sentences


def _vary(sentence: str, rng: random.Random) -> str:
    """The sentence with its figures changed, so the bodies differ."""
    return re.sub(r"\d+", lambda m: str(max(1, int(m.group()) + rng.randint(-3, 30))), sentence)


def generate(n_articles: int, seed: int) -> dict[str, list[dict]]:
    """Rows for claims, articles, article_revisions and mentions (with ids)."""
    rng = random.Random(seed)
    pool = seed_sentences()
    now = dt.datetime(2024, 11, 1, tzinfo=dt.timezone.utc)
    claims = [
        {
            "id": f"bench-claim-{c:03d}",
            "text": _vary(rng.choice(pool), rng)[:300],
            "text_en": None,
            "story": "bench-dprk-troops-russia",
            "created_at": now,
            "updated_at": now,
        }
        for c in range(N_CLAIMS)
    ]
    articles, revisions, mentions = [], [], []
    mention_id = 0
    for a in range(1, n_articles + 1):
        outlet = rng.choice(OUTLETS)
        place = rng.choice(PLACES)
        published = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(366))
        target = rng.randint(2000, 3000)
        sentences = [f"{place}, {outlet} – " + _vary(rng.choice(pool), rng)]
        while sum(len(s) + 1 for s in sentences) < target:
            sentences.append(_vary(rng.choice(pool), rng))
        body = "\n".join(sentences)
        starts, position = [], 0
        for sentence in sentences:
            starts.append((position, position + len(sentence)))
            position += len(sentence) + 1
        title = _vary(rng.choice(pool), rng)[:120]
        articles.append({"id": a, "external_id": f"bench-{a:06d}", "created_at": now, "updated_at": now})
        revisions.append(
            {
                "id": a,
                "article_id": a,
                "number": 1,
                "content_hash": hashlib.sha256(body.encode()).hexdigest(),
                "source": f"bench-{a:06d}.txt",
                "title": title,
                "outlet": outlet,
                "url": f"https://{outlet.lower()}/berita/{a}",
                "dateline_place": place.title(),
                "published_on": published,
                "published_year_inferred": False,
                "published_text": f"({published.day}/{published.month}/{published.year})",
                "language": "id",
                "raw_text": body,
                "body": body,
                "removed": [],
                "ingested_at": now,
            }
        )
        n_claims = rng.choices((2, 3, 4), weights=(1, 2, 1))[0]
        chosen_sentences = rng.sample(range(len(sentences)), min(len(sentences), n_claims * 2))
        for k, claim in enumerate(rng.sample(claims, n_claims)):
            spans = [list(starts[chosen_sentences[2 * k]])]
            if rng.random() < 0.2 and 2 * k + 1 < len(chosen_sentences):
                spans.append(list(starts[chosen_sentences[2 * k + 1]]))
            spans.sort()
            mention_id += 1
            mentions.append(
                {
                    "id": mention_id,
                    "claim_id": claim["id"],
                    "revision_id": a,
                    "origin": MentionOrigin.CATALOGUE,
                    "status": MentionStatus.ACCEPTED,
                    "dedup_key": claim["id"],
                    "spans": spans,
                    "quotes": [body[s:e] for s, e in spans],
                    "match_method": "exact",
                    "score": 100.0,
                    "reasons": [],
                    "created_at": now,
                    "updated_at": now,
                }
            )
    return {"claims": claims, "articles": articles, "revisions": revisions, "mentions": mentions}


def load(session: Session, rows: dict[str, list[dict]]) -> None:
    """Bulk inserts (executemany), one transaction."""
    for model, key in ((Claim, "claims"), (Article, "articles"), (ArticleRevision, "revisions"), (Mention, "mentions")):
        session.execute(sa.insert(model), rows[key])
    session.commit()


# -- timing -------------------------------------------------------------------------------------


class TimedClient:
    """Forwards to a :class:`LabelStudioClient`, adding up the seconds spent in each method
    (for generators: in producing their items), so a push or sync splits into the
    time spent waiting on Label Studio (+ the SDK) and the time spent in our code."""

    def __init__(self, client: LabelStudioClient):
        self._client = client
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)

    def __getattr__(self, name: str):
        value = getattr(self._client, name)
        if not callable(value):
            return value

        def timed(*args, **kwargs):
            self.calls[name] += 1
            start = time.perf_counter()
            try:
                result = value(*args, **kwargs)
            finally:
                self.seconds[name] += time.perf_counter() - start
            if isinstance(result, Iterator):
                return self._timed_iter(name, result)
            return result

        return timed

    def _timed_iter(self, name: str, items: Iterator):
        while True:
            start = time.perf_counter()
            try:
                item = next(items)
            except StopIteration:
                self.seconds[name] += time.perf_counter() - start
                return
            self.seconds[name] += time.perf_counter() - start
            yield item

    def total(self) -> float:
        return sum(self.seconds.values())


def clock(run: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = run()
    return time.perf_counter() - start, result


# -- the steps ----------------------------------------------------------------------------------


@dataclasses.dataclass
class Bench:
    args: argparse.Namespace
    settings: object
    maker: sessionmaker
    client: LabelStudioClient
    status: object
    run_id: str

    def new_project(self, what: str) -> int:
        config = load_project_config(self.settings.rule_file("labelstudio.yaml"))
        fields = _project_fields(config, label_config(config), "bench")
        return self.client.create_project(description=f"bench {what} {self.run_id}", **fields)["id"]

    def push_once(self, key: str) -> tuple[float, object, TimedClient]:
        settings = dataclasses.replace(self.settings, label_studio_project=key)
        timed = TimedClient(self.client)
        with self.maker() as session:
            seconds, report = clock(lambda: push(session, timed, settings))
        return seconds, report, timed

    def prepare_project(self, key: str) -> None:
        """The project and its webhook made beforehand, as a push would (not timed)."""
        settings = dataclasses.replace(self.settings, label_studio_project=key)
        config = load_project_config(settings.rule_file("labelstudio.yaml"))
        with self.maker() as session:
            plan, row = _plan(session, self.client, settings, config)
            _record(session, self.client, plan, row, _settle_project(self.client, plan))

    def reset_judgments(self, project_key: str) -> None:
        with self.maker() as session:
            session.execute(sa.delete(JudgmentRevision))
            session.execute(sa.delete(Judgment))
            session.execute(sa.delete(Annotator))
            session.execute(
                sa.update(LabelStudioProject)
                .where(LabelStudioProject.project_key == project_key)
                .values(synced_until=None, last_synced_at=None)
            )
            session.commit()

    def sync_once(self, project_key: str, *, full: bool) -> tuple[float, object, TimedClient]:
        timed = TimedClient(self.client)
        with self.maker() as session:
            project = session.scalar(sa.select(LabelStudioProject).where(LabelStudioProject.project_key == project_key))

            def run():
                report = sync(session, timed, project, full=full)
                session.commit()
                return report

            seconds, report = clock(run)
        return seconds, report, timed


def annotate(bench: Bench, project_key: str, n_annotators: int, workers: int) -> tuple[int, float]:
    """Every task of the project annotated once per annotator (not timed as a result)."""
    client = bench.client
    users = [
        client.create_user(f"bench-annotator-{n}-{bench.run_id}@example.org", first_name=f"Bench {n}")["id"]
        for n in range(1, n_annotators + 1)
    ]
    with bench.maker() as session:
        project = session.scalar(sa.select(LabelStudioProject).where(LabelStudioProject.project_key == project_key))
        tasks = session.scalars(
            sa.select(LabelStudioTask).where(LabelStudioTask.project_id == project.id).order_by(LabelStudioTask.ls_task_id)
        ).all()
        mentions = {m.id: m for m in session.scalars(sa.select(Mention))}
        bodies = dict(session.execute(sa.select(ArticleRevision.id, ArticleRevision.body)).all())
        jobs = []
        for task in tasks:
            body = bodies[task.revision_id]
            for user in users:
                rng = random.Random(f"{task.ls_task_id}:{user}")
                result = []
                for index, mention_id in enumerate(task.mention_ids):
                    start, end = mentions[mention_id].spans[0]
                    result += [
                        _region(control_name("verdict", index), "choices", {"choices": [rng.choice(VERDICTS)]}),
                        _region(
                            control_name("evidence", index),
                            "labels",
                            {"start": start, "end": end, "text": body[start:end], "labels": [EVIDENCE_LABEL]},
                        ),
                        _region(control_name("confidence", index), "rating", {"rating": rng.randint(1, 5)}),
                    ]
                jobs.append((task.ls_task_id, user, result))
    local = threading.local()

    def post(job):
        if not hasattr(local, "client"):
            local.client = LabelStudioClient(bench.status.url, bench.status.token)
        task_id, user, result = job
        local.client.create_annotation(task_id, result=result, completed_by=user)

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(post, jobs))
    return len(jobs), time.perf_counter() - start


def _region(name: str, kind: str, value: dict) -> dict:
    return {"id": f"{name}-r", "from_name": name, "to_name": "text", "type": kind, "value": value, "origin": "manual"}


def raw_task_pages(status, project_id: int, page_size: int = 500) -> tuple[int, int]:
    """Every task page of the project read with httpx + json, no SDK: (tasks, bytes)."""
    tasks = size = 0
    with httpx.Client(base_url=status.url, headers=status.headers(), timeout=120) as http:
        page = 1
        while True:
            response = http.get(
                "/api/tasks/", params={"project": project_id, "fields": "all", "page": page, "page_size": page_size}
            )
            response.raise_for_status()
            size += len(response.content)
            body = response.json()
            tasks += len(body["tasks"])
            if not body["tasks"] or page * page_size >= body["total"]:
                return tasks, size
            page += 1


def export_bytes(client: LabelStudioClient, project_id: int) -> int:
    """The JSON export downloaded, not parsed: its size."""
    return len(
        b"".join(client._sdk.projects.exports.download_sync(id=project_id, export_type="JSON", download_all_tasks=True))
    )


def rotated(steps: tuple, round_index: int) -> tuple:
    """The steps of a round, starting with a different one each round."""
    shift = round_index % len(steps)
    return steps[shift:] + steps[:shift]


def median(values: list[float]) -> float:
    return statistics.median(values)


def spread(values: list[float]) -> str:
    return f"{median(values):.2f} | {min(values):.2f} | {max(values):.2f}"


def profile(run: Callable[[], object], path: Path, top: int = 25) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    run()
    profiler.disable()
    profiler.dump_stats(path)
    out = path.with_suffix(".txt")
    with open(out, "w") as stream:
        stats = pstats.Stats(profiler, stream=stream).sort_stats("cumulative")
        stats.print_stats(60)
        stats.sort_stats("tottime").print_stats(40)
    return str(out)


# -- main ---------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--annotators", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=4)
    parser.add_argument("--seed", type=int, default=20241031)
    parser.add_argument("--workers", type=int, default=3, help="threads posting the (untimed) annotations")
    parser.add_argument("--profile", type=Path, help="also write cProfile statistics of a push and a sync here")
    args = parser.parse_args()

    run_id = uuid.uuid4().hex[:8]
    rows = generate(args.articles, args.seed)
    with tempfile.TemporaryDirectory(prefix="bench-ls-") as folder:
        folder = Path(folder)
        server = LocalLabelStudio(folder / "labelstudio", port=free_port(), template=ensure_template())
        try:
            started, status = clock(server.up)
            print(f"Label Studio {status.version} at {status.url} (started in {started:.1f} s), data in {folder}")
            app = create_app(
                {
                    "database_url": f"sqlite:///{folder / 'annotator.db'}",
                    "exports_dir": folder / "exports",
                    "label_studio_url": status.url,
                    "label_studio_api_key": status.token,
                    "label_studio_data_dir": folder / "labelstudio",
                    "label_studio_project": f"bench-{run_id}",
                    # nothing listens there: the webhooks Label Studio sends while the
                    # annotations are made fail at once (connection refused)
                    "public_url": f"http://127.0.0.1:{free_port()}",
                    "webhook_secret": "bench-webhook-secret",
                }
            )
            engine = app.extensions["annotator.engine"]
            upgrade(engine)
            maker = sessionmaker(engine, expire_on_commit=False)
            with maker() as session:
                seconds, _ = clock(lambda: load(session, rows))
            client = LabelStudioClient(status.url, status.token, timeout=600)
            bench = Bench(args, app.extensions["annotator.settings"], maker, client, status, run_id)
            run(bench, rows, seconds, folder)
        finally:
            server.down()


def run(bench: Bench, rows: dict, load_seconds: float, folder: Path) -> None:
    args, client = bench.args, bench.client
    config = load_project_config(bench.settings.rule_file("labelstudio.yaml"))
    n_claims = len(rows["mentions"])
    body_bytes = sum(len(r["body"].encode()) for r in rows["revisions"])

    # the baseline's payloads: built once, by our code
    with bench.maker() as session:
        articles = articles_to_push(session)
        payloads = [_payload(f"bench-{bench.run_id}-push-0", article, config) for article in articles]
    payload_bytes = len(json.dumps(payloads, ensure_ascii=False).encode())
    print(
        f"data: {len(rows['articles']):,} articles ({body_bytes / len(rows['articles']) / 1024:.1f} KiB body on average),"
        f" {n_claims:,} accepted claims ({n_claims / len(rows['articles']):.2f} per article), {len(payloads):,} tasks,"
        f" import payload {payload_bytes / 2**20:.1f} MiB; bulk load of the store {load_seconds:.1f} s; seed {args.seed}"
    )

    # warm-up, not timed: the server's first import and export load code the later ones reuse
    warm = bench.new_project("warm-up")
    client.import_tasks(warm, payloads[:50])
    client.export_json(warm)

    # -- push vs bare import
    push_s, bare_s, raw_post_s, existing_s, push_split, existing_split = [], [], [], [], [], []
    pushed_keys = []
    for rep in range(args.repeat):
        key = f"bench-{bench.run_id}-push-{rep + 1}"

        def do_push():
            seconds, report, timed = bench.push_once(key)
            assert report.tasks_created == len(payloads), report
            push_s.append(seconds)
            push_split.append(dict(timed.seconds) | {"total": seconds})
            pushed_keys.append(key)

        def do_bare():
            project_id = bench.new_project(f"bare-{rep}")
            seconds, answer = clock(
                lambda: client._sdk.projects.import_tasks(id=project_id, request=payloads, return_task_ids=True)
            )
            assert len(answer.task_ids) == len(payloads)
            bare_s.append(seconds)

        def do_raw_post():
            project_id = bench.new_project(f"raw-{rep}")
            seconds, ids = clock(lambda: client.import_tasks(project_id, payloads))
            assert len(ids) == len(payloads)
            raw_post_s.append(seconds)

        def do_existing():
            existing_key = f"bench-{bench.run_id}-existing-{rep + 1}"
            bench.prepare_project(existing_key)
            seconds, report, timed = bench.push_once(existing_key)
            assert report.tasks_created == len(payloads) and not report.created_project, report
            existing_s.append(seconds)
            existing_split.append(dict(timed.seconds) | {"total": seconds})

        client.import_tasks(warm, payloads[:50])  # untimed: the round's first request
        for step in rotated((do_push, do_bare, do_raw_post, do_existing), rep):
            step()
        print(
            f"  push round {rep + 1}: push {push_s[-1]:.2f} s, bare {bare_s[-1]:.2f} s, raw POST {raw_post_s[-1]:.2f} s,"
            f" push into an existing project {existing_s[-1]:.2f} s"
        )

    # -- annotations (not timed as a result)
    sync_key = pushed_keys[0]
    n_annotations, annotate_seconds = annotate(bench, sync_key, args.annotators, args.workers)
    with bench.maker() as session:
        ls_project_id = session.scalar(
            sa.select(LabelStudioProject.ls_project_id).where(LabelStudioProject.project_key == sync_key)
        )
        first_task = session.scalar(
            sa.select(sa.func.min(LabelStudioTask.ls_task_id))
            .join(LabelStudioProject)
            .where(LabelStudioProject.project_key == sync_key)
        )
    print(f"  {n_annotations:,} annotations posted in {annotate_seconds:.0f} s (not timed)")

    # -- sync vs export
    client.export_json(ls_project_id)  # warm-up, not timed
    sync_s, export_s, download_s, raw_s, sync_split = [], [], [], [], []
    judgments = export_size = raw_size = 0
    sync_report = None
    for rep in range(args.repeat):

        def do_sync():
            nonlocal judgments, sync_report
            bench.reset_judgments(sync_key)
            seconds, report, timed = bench.sync_once(sync_key, full=True)
            assert report.annotations == n_annotations and not report.ignored, report
            sync_s.append(seconds)
            sync_split.append(dict(timed.seconds) | {"total": seconds})
            sync_report = report
            with bench.maker() as session:
                judgments = session.scalar(sa.select(sa.func.count()).select_from(Judgment))

        def do_export():
            seconds, exported = clock(lambda: client.export_json(ls_project_id))
            assert sum(len(t["annotations"]) for t in exported) == n_annotations
            export_s.append(seconds)

        def do_download():
            nonlocal export_size
            seconds, export_size = clock(lambda: export_bytes(client, ls_project_id))
            download_s.append(seconds)

        def do_raw():
            nonlocal raw_size
            seconds, (count, raw_size) = clock(lambda: raw_task_pages(bench.status, ls_project_id))
            assert count == len(payloads)
            raw_s.append(seconds)

        client.export_tasks(ls_project_id, [first_task])  # untimed: the round's first request
        for step in rotated((do_sync, do_export, do_download, do_raw), rep):
            step()
        print(f"  sync round {rep + 1}: sync {sync_s[-1]:.2f} s, export {export_s[-1]:.2f} s")

    # incremental syncs with nothing new (after the last full sync)
    incremental_s, incremental_tasks = [], []
    for _ in range(args.repeat):
        seconds, report, _timed = bench.sync_once(sync_key, full=False)
        assert report.created == report.updated == report.deleted == 0, report
        incremental_s.append(seconds)
        incremental_tasks.append(report.tasks)

    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
        key = f"bench-{bench.run_id}-profile"
        print("profiles:", profile(lambda: bench.push_once(key), args.profile / "push.prof"))
        bench.reset_judgments(sync_key)
        print("profiles:", profile(lambda: bench.sync_once(sync_key, full=True), args.profile / "sync.prof"))

    report_tables(
        args,
        rows,
        payloads,
        payload_bytes,
        n_annotations,
        judgments,
        export_size,
        raw_size,
        dict(push=push_s, bare=bare_s, raw_post=raw_post_s, existing=existing_s, sync=sync_s, export=export_s, download=download_s, raw=raw_s, incremental=incremental_s),
        push_split,
        existing_split,
        sync_split,
        incremental_tasks,
        sync_report,
        config.batch_size,
    )


def report_tables(
    args, rows, payloads, payload_bytes, n_annotations, judgments, export_size, raw_size, t, push_split, existing_split, sync_split,
    incremental_tasks, sync_report, batch_size,
) -> None:
    from importlib.metadata import version

    n = len(rows["articles"])
    print()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()},"
        f" label-studio-sdk {version('label-studio-sdk')}, SQLAlchemy {sa.__version__};"
        f" {args.repeat} rounds, medians"
    )
    print()
    print("| step | median s | min s | max s |")
    print("| --- | ---: | ---: | ---: |")
    batches = len(payloads) // batch_size + bool(len(payloads) % batch_size)
    print(f"| **push** of {n:,} articles into a new project (ours, {batches} batch{'es' if batches != 1 else ''} of {batch_size}) | {spread(t['push'])} |")
    print(f"| bare `import_tasks` (the SDK's), same payloads, 1 call | {spread(t['bare'])} |")
    print(f"| the same payloads as one raw JSON POST (`client.import_tasks`, as the push sends them) | {spread(t['raw_post'])} |")
    print(f"| push into an existing empty project (project + webhook made beforehand) | {spread(t['existing'])} |")
    print(f"| **sync**, full, {n_annotations:,} annotations into an empty store | {spread(t['sync'])} |")
    print(f"| JSON export (`client.export_json`: download + parse) | {spread(t['export'])} |")
    print(f"| JSON export download only (bytes) | {spread(t['download'])} |")
    print(f"| tasks API pages of 500 with httpx + json (no SDK) | {spread(t['raw'])} |")
    print(f"| incremental sync, nothing new ({max(incremental_tasks)} task(s) re-read) | {spread(t['incremental'])} |")
    print()
    ratio_push = median(t["push"]) / median(t["bare"])
    ratio_sync = median(t["sync"]) / median(t["export"])
    print(f"ratio push / bare import (medians): **{ratio_push:.2f}** (target <= 1.15)")
    print(f"ratio push / raw JSON POST of the same payloads: {median(t['push']) / median(t['raw_post']):.2f}")
    print(f"ratio push into an existing project / bare import: {median(t['existing']) / median(t['bare']):.2f}")
    print(f"ratio sync / JSON export (medians): **{ratio_sync:.2f}** (target <= 1.2)")
    print()
    print(
        f"data size: {n:,} articles, {len(rows['mentions']):,} claims (mentions), {len(payloads):,} tasks,"
        f" {n_annotations:,} annotations, {judgments:,} judgments; import payload {payload_bytes:,} bytes;"
        f" JSON export {export_size:,} bytes; tasks API pages {raw_size:,} bytes"
    )
    print()
    print("where the time goes (median over rounds, seconds; 'Label Studio' = in client calls: server + HTTP + SDK):")
    for name, splits in (("push", push_split), ("push, existing project", existing_split), ("sync", sync_split)):
        keys = sorted({k for s in splits for k in s if k != "total"}, key=lambda k: -median([s.get(k, 0) for s in splits]))
        ls = median([sum(v for k, v in s.items() if k != "total") for s in splits])
        total = median([s["total"] for s in splits])
        parts = ", ".join(f"{k} {median([s.get(k, 0) for s in splits]):.2f}" for k in keys)
        print(f"  {name}: total {total:.2f} = Label Studio {ls:.2f} ({parts}) + ours {total - ls:.2f}")
    if sync_report is not None:
        print(
            f"  last full sync: tasks {sync_report.tasks}, annotations {sync_report.annotations},"
            f" created {sync_report.created}, rejected {sync_report.rejected}, problems {len(sync_report.problems)}"
        )


if __name__ == "__main__":
    main()
