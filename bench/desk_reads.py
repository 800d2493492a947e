"""Benchmark: the service's reads at desk scale, on SQLite and PostgreSQL.

For each backend and each scale, a fresh store (an SQLite file in a temporary folder;
a PostgreSQL database created on 127.0.0.1:5432 as user ``postgres`` and dropped
afterwards), migrated with :func:`annotator.db.upgrade` and bulk-loaded with the
desk-sized data of :mod:`desk_store` (scale 1: 2,000 articles, 600 claims, 6,000
mentions, 5 annotators, 24,000 judgments). Then, in a fresh Python process per store,
the app of :func:`annotator.create_app` on that store, read through Flask's test client
(in-process: no network, no server):

* **start-up**: :func:`annotator.create_app` on the loaded store, which builds the four
  verdict sets (each method, with and without simulated annotators) the reads only read
  (timed, not bounded);
* **warm-up**: one of each request below, timed but not counted in the figures;
* ``--repeat`` **rounds**, interleaved (the order of the requests rotates from round to
  round, so none always runs first):

  - ``GET /``, the live report page: p50, p95, bytes;
  - a claim's page ``/claims/{claim_id}``, ``--claims-per-round`` random claims per
    round: p50, p95;
  - ``GET /api/reports/download/json``: median; against the **baseline** in the same
    round: the same rows read with three plain SQL queries (claims with their verdict row
    in the majority set; accepted mentions with their article and revision fields, the
    evidence cut from the body; the active judgments with their annotator) and
    ``json.dumps`` of them nested claim > mention > judgment. The baseline holds roughly
    what the JSON report holds, without the agreement figures and the timeline;
  - ``GET /api/claims?per_page=500`` and ``GET /api/verdicts?per_page=500``: median;

  and for each request the SQL statements it executed (a ``before_cursor_execute``
  listener on ``app.extensions["annotator.engine"]``) and the time spent inside
  ``cursor.execute`` (on PostgreSQL that includes receiving the rows; on SQLite only the
  first step of the query, the rest is fetched later).

Every request is bounded by ``--timeout-per-request`` (SIGALRM, raised as a
``KeyboardInterrupt`` so psycopg cancels the running query): a request that runs over is
recorded as ``> T s`` and not asked again in that store. Prints a table per backend and
scale, the JSON download / baseline ratio, and how statements and time grow from scale
to scale; ``--json OUT`` writes every figure.

    .venv/bin/python bench/desk_reads.py                     # --scales 0.25,1,4 --repeat 5 --backends sqlite,postgresql
    .venv/bin/python bench/desk_reads.py --scales 0.25 --json /tmp/desk-reads.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import numpy as np  # noqa: E402
import sqlalchemy as sa  # noqa: E402

import desk_store  # noqa: E402

PG_ADMIN_URL = os.environ.get(
    "ANNOTATOR_BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
#: the timed reads, in the order of a round before rotation: name -> URL (None: not a request)
READS = {
    "home": "/",
    "claim": "/claims/{claim_id}",  # several claims per round
    "json": "/api/reports/download/json",
    "baseline": None,  # plain SQL + json.dumps, in the same round as the JSON download
    "claims": "/api/claims?per_page=500",
    "verdicts": "/api/verdicts?per_page=500",
}
LABELS = {
    "startup": "start-up: `create_app` (builds the 4 verdict sets)",
    "home": "`GET /` (live report page)",
    "claim": "claim page",
    "json": "`GET /api/reports/download/json`",
    "baseline": "baseline: plain SQL (3 queries) + `json.dumps`",
    "claims": "`GET /api/claims?per_page=500`",
    "verdicts": "`GET /api/verdicts?per_page=500`",
}


class RequestTimeout(KeyboardInterrupt):
    """A request ran over ``--timeout-per-request``.

    A ``KeyboardInterrupt`` on purpose: Flask's and the service's ``except Exception``
    let it through (the request's transaction is still rolled back), and psycopg cancels
    the query it was waiting for on an interrupt instead of leaving the connection busy.
    """


# -- the measured run (a child process per store) --------------------------------------------


class Counter:
    """Statements and time inside ``cursor.execute`` on one engine, since :meth:`reset`."""

    def __init__(self, engine: sa.Engine):
        self.statements = 0
        self.execute_s = 0.0
        self._started: list[float] = []
        sa.event.listen(engine, "before_cursor_execute", self._before)
        sa.event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, *_args) -> None:
        self.statements += 1
        self._started.append(time.perf_counter())

    def _after(self, *_args) -> None:
        if self._started:
            self.execute_s += time.perf_counter() - self._started.pop()

    def reset(self) -> None:
        self.statements, self.execute_s, self._started = 0, 0.0, []


def bounded(seconds: float, run):
    """``run()`` under a wall-clock alarm of ``seconds`` (0: none)."""

    def ring(_signum, _frame):
        raise RequestTimeout(f"over {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return run()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def baseline(engine: sa.Engine) -> bytes:
    """Roughly the JSON report's rows, read with plain SQL and dumped: the floor for it."""
    with engine.connect() as connection:
        claims = connection.exec_driver_sql(
            "SELECT c.id, c.text, c.text_en, c.story, cv.verdict, cv.computed_verdict, cv.n_confirmed,"
            " cv.n_disputed, cv.n_denied, cv.support, cv.tie, cv.status, cv.reason, cv.n_judgments,"
            " cv.n_annotators, cv.n_articles"
            " FROM claims c JOIN claim_verdicts cv ON cv.claim_id = c.id"
            " JOIN verdict_sets s ON s.id = cv.set_id"
            " WHERE s.method = 'majority' AND NOT s.include_simulated ORDER BY c.id"
        ).fetchall()
        mentions = connection.exec_driver_sql(
            "SELECT m.id, m.claim_id, m.spans, a.external_id, r.title, r.outlet, r.url, r.published_on,"
            " r.published_year_inferred, r.body"
            " FROM mentions m JOIN article_revisions r ON r.id = m.revision_id"
            " JOIN articles a ON a.id = r.article_id"
            " WHERE m.status = 'accepted' AND m.claim_id IS NOT NULL"
            " ORDER BY m.claim_id, r.published_on, m.id"
        ).fetchall()
        judgments = connection.exec_driver_sql(
            "SELECT j.id, j.mention_id, an.email, j.verdict, j.confidence, j.evidence, j.note, j.simulated"
            " FROM judgments j JOIN annotators an ON an.id = j.annotator_id"
            " WHERE j.state = 'active' AND j.verdict IS NOT NULL AND j.mention_id IS NOT NULL"
            " ORDER BY j.id"
        ).fetchall()

    def parsed(value):  # SQLite hands JSON back as text, psycopg already parsed
        return json.loads(value) if isinstance(value, str) else value

    judged: dict[int, list[dict]] = {}
    for j in judgments:
        judged.setdefault(j[1], []).append(
            {
                "judgment_id": j[0],
                "annotator": j[2],
                "verdict": j[3],
                "confidence": j[4],
                "evidence": parsed(j[5]),
                "note": j[6],
                "simulated": bool(j[7]),
            }
        )
    mentioned: dict[str, list[dict]] = {}
    for m in mentions:
        body = m[9]
        mentioned.setdefault(m[1], []).append(
            {
                "mention_id": m[0],
                "article": {
                    "external_id": m[3],
                    "title": m[4],
                    "outlet": m[5],
                    "url": m[6],
                    "published_on": str(m[7]) if m[7] is not None else None,
                    "published_year_inferred": bool(m[8]),
                },
                "evidence": [{"start": s, "end": e, "text": body[s:e]} for s, e in parsed(m[2])],
                "judgments": judged.get(m[0], []),
            }
        )
    report = [
        {
            "id": c[0],
            "text": c[1],
            "text_en": c[2],
            "story": c[3],
            "verdict": c[4],
            "computed_verdict": c[5],
            "counts": {"confirmed": c[6], "disputed": c[7], "denied": c[8]},
            "support": c[9],
            "tie": bool(c[10]),
            "status": c[11],
            "reason": c[12],
            "n_judgments": c[13],
            "n_annotators": c[14],
            "n_articles": c[15],
            "mentions": mentioned.get(c[0], []),
        }
        for c in claims
    ]
    return json.dumps({"claims": report}, ensure_ascii=False).encode()


def measure(url: str, scale: float, seed: int, args: argparse.Namespace) -> dict:
    """Build the store at ``url``, then time the reads; run in a fresh process."""
    from annotator.db import make_engine, upgrade

    result: dict = {"scale": scale, "url_kind": sa.make_url(url).get_backend_name()}
    rows = desk_store.generate(scale, seed)
    result["data"] = desk_store.counts(rows)
    engine = make_engine(url)
    upgrade(engine)
    start = time.perf_counter()
    desk_store.load(engine, rows)
    result["bulk_load_s"] = time.perf_counter() - start
    engine.dispose()
    claim_ids = [c["id"] for c in rows["claims"]]
    del rows

    from annotator import create_app

    scratch = tempfile.TemporaryDirectory(prefix="desk-reads-")  # exports and such: never the repo's
    folder = Path(scratch.name)
    start = time.perf_counter()
    app = create_app(
        {
            "database_url": url,
            "exports_dir": folder / "exports",
            "seeds_dir": folder / "seeds",
            "label_studio_data_dir": folder / "labelstudio",
            "label_studio_project": desk_store.PROJECT_KEY,
            "webhook_secret": "desk-reads-bench",
            "sync_interval": 0,
        }
    )
    result["startup"] = {"s": time.perf_counter() - start}
    engine = app.extensions["annotator.engine"]
    counter = Counter(engine)
    client = app.test_client()
    timeout = args.timeout_per_request
    picker = random.Random(seed + 1)

    def call(name: str, target: str | None) -> dict:
        """One read: seconds, statements, execute time, bytes, status (or a timeout)."""
        counter.reset()
        start = time.perf_counter()
        try:
            if name == "baseline":
                body, status = bounded(timeout, lambda: baseline(engine)), 200
            else:
                response = bounded(timeout, lambda: client.get(target))
                body, status = response.get_data(), response.status_code
        except RequestTimeout:
            return {"timeout": True, "s": time.perf_counter() - start, "statements": counter.statements}
        seconds = time.perf_counter() - start
        if status != 200:
            print(f"  {name} {target}: HTTP {status}: {body[:300]!r}", file=sys.stderr)
        return {
            "s": seconds,
            "statements": counter.statements,
            "execute_s": counter.execute_s,
            "bytes": len(body),
            "status": status,
            "url": target,
        }

    def log(text: str) -> None:
        print(f"  [{result['url_kind']} x{scale:g}] {text}", file=sys.stderr, flush=True)

    log(f"start-up {result['startup']['s']:.2f} s")

    def targets(name: str) -> list[str | None]:
        if name == "claim":
            return [READS["claim"].format(claim_id=picker.choice(claim_ids)) for _ in range(args.claims_per_round)]
        return [READS[name]]

    dead: dict[str, float] = {}  # reads that ran over the bound: not asked again
    samples: dict[str, list[dict]] = {name: [] for name in READS}
    warm: dict[str, list[dict]] = {}
    names = list(READS)
    for round_index in range(-1, args.repeat):  # round -1: the warm-up
        order = names[round_index % len(names):] + names[: round_index % len(names)] if round_index >= 0 else names
        for name in order:
            if name in dead:
                continue
            for target in targets(name):
                sample = call(name, target)
                if round_index < 0:
                    warm.setdefault(name, []).append(sample)
                else:
                    sample["round"] = round_index
                    samples[name].append(sample)
                if sample.get("timeout"):
                    dead[name] = sample["s"]
                    log(f"{name} ran over {timeout:g} s ({'warm-up' if round_index < 0 else f'round {round_index + 1}'})")
                    break
        done = "warm-up" if round_index < 0 else f"round {round_index + 1}/{args.repeat}"
        latest = {n: (warm.get(n) if round_index < 0 else samples[n]) or [] for n in names}
        log(f"{done}: " + ", ".join(f"{n} {latest[n][-1]['s']:.2f}s" for n in names if latest[n]))
    app.extensions["annotator.engine"].dispose()
    scratch.cleanup()
    result["timeout_s"] = timeout
    result["timed_out"] = dead
    result["warmup"] = warm
    result["samples"] = samples
    result["summary"] = summarise(samples, warm, dead)
    return result


def _percentile(values: list[float], q: float) -> float | None:
    return float(np.percentile(values, q)) if values else None


def summarise(samples: dict[str, list[dict]], warm: dict[str, list[dict]], dead: dict[str, float]) -> dict:
    summary = {}
    for name, taken in samples.items():
        good = [s for s in taken if not s.get("timeout")]
        seconds = [s["s"] for s in good]
        summary[name] = {
            "n": len(seconds),
            "p50_s": _percentile(seconds, 50),
            "p95_s": _percentile(seconds, 95),
            "min_s": min(seconds) if seconds else None,
            "max_s": max(seconds) if seconds else None,
            "statements": statistics.median([s["statements"] for s in good]) if good else None,
            "statements_max": max(s["statements"] for s in good) if good else None,
            "execute_s": statistics.median([s["execute_s"] for s in good]) if good else None,
            "bytes": statistics.median([s["bytes"] for s in good]) if good else None,
            "warmup_s": (warm.get(name) or [{}])[0].get("s"),
            "timed_out_after_s": dead.get(name),
        }
    # the ratio within each round (the same load on the machine), then its median
    by_round = {}
    for name in ("json", "baseline"):
        by_round[name] = {s["round"]: s["s"] for s in samples[name] if not s.get("timeout")}
    common = sorted(set(by_round["json"]) & set(by_round["baseline"]))
    ratios = [by_round["json"][r] / by_round["baseline"][r] for r in common]
    summary["json_over_baseline"] = {
        "median_of_round_ratios": statistics.median(ratios) if ratios else None,
        "ratio_of_medians": (
            summary["json"]["p50_s"] / summary["baseline"]["p50_s"]
            if summary["json"]["p50_s"] and summary["baseline"]["p50_s"]
            else None
        ),
        "rounds": ratios,
    }
    return summary


# -- the stores ------------------------------------------------------------------------------


def run_store(backend: str, scale: float, args: argparse.Namespace, folder: Path) -> dict:
    """One fresh store of ``backend`` at ``scale``, measured by a child process."""
    admin = name = None
    if backend == "sqlite":
        url = f"sqlite:///{folder / f'desk-{scale:g}.db'}"
    elif backend == "postgresql":
        name = f"annotator_desk_{uuid.uuid4().hex[:10]}"
        admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        url = admin.url.set(database=name).render_as_string(hide_password=False)
    else:
        raise SystemExit(f"unknown backend {backend!r}: sqlite or postgresql")
    command = [
        sys.executable, __file__, "--measure", url, "--scale", str(scale), "--seed", str(args.seed),
        "--repeat", str(args.repeat),
        "--claims-per-round", str(args.claims_per_round), "--timeout-per-request", str(args.timeout_per_request),
    ]
    try:
        # progress goes to our stderr as it comes; the figures are the last line of stdout
        child = subprocess.run(command, stdout=subprocess.PIPE, text=True)
        if child.returncode != 0:
            return {"scale": scale, "error": f"measuring process exited with {child.returncode}"}
        result = json.loads(child.stdout.strip().splitlines()[-1])
        if backend == "sqlite":
            result["store_mib"] = Path(url.removeprefix("sqlite:///")).stat().st_size / 2**20
        return result
    finally:
        if admin is not None:
            with admin.connect() as connection:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
        if backend == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)


# -- the report ------------------------------------------------------------------------------


def _s(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.3f}" if value < 10 else f"{value:.1f}"


def _cell(entry: dict, key: str) -> str:
    if entry.get("timed_out_after_s") is not None and entry.get(key) is None:
        return f"> {entry['timed_out_after_s']:.0f}"
    return _s(entry.get(key))


def print_store(backend: str, result: dict) -> None:
    data = result["data"]
    print()
    print(
        f"### {backend}, scale {result['scale']:g}: {data['articles']:,} articles, {data['claims']:,} claims,"
        f" {data['mentions']:,} mentions, {data['judgments_active']:,} active judgments"
        f" (+{data['judgments_skipped']} skipped, {data['judgments_deleted']} deleted);"
        f" bulk load {result['bulk_load_s']:.1f} s"
    )
    print()
    summary = result["summary"]
    n = max((summary[k]["n"] for k in READS if k != "claim"), default=0)
    print(
        f"| read (rounds: {n}; claim page: {summary['claim']['n']} claims) | p50 s | p95 s | warm-up s"
        " | statements | in execute s | bytes |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    startup = result["startup"]
    print(f"| {LABELS['startup']} | {_s(startup['s'])} | | | | | |")
    for name in READS:
        entry = summary[name]
        label = LABELS[name] + (f" `{READS['claim']}`" if name == "claim" else "")
        statements = "–" if entry["statements"] is None else f"{entry['statements']:.0f}"
        if name == "claim" and entry["statements_max"] not in (None, entry["statements"]):
            statements += f" (max {entry['statements_max']})"
        print(
            f"| {label} | {_cell(entry, 'p50_s')} | {_cell(entry, 'p95_s')} | {_cell(entry, 'warmup_s')}"
            f" | {statements} | {_s(entry['execute_s'])}"
            f" | {'–' if entry['bytes'] is None else format(entry['bytes'], ',.0f')} |"
        )
    ratio = summary["json_over_baseline"]
    if ratio["median_of_round_ratios"] is not None:
        print()
        print(
            f"JSON download / baseline: **{ratio['median_of_round_ratios']:.1f}x** (median of the per-round"
            f" ratios; ratio of the medians {ratio['ratio_of_medians']:.1f}x)"
        )


def print_growth(backend: str, results: list[dict]) -> None:
    done = [r for r in results if "summary" in r]
    if len(done) < 2:
        return
    print()
    print(f"### {backend}: growth from scale to scale (time ratio of p50s; statements ratio)")
    print()
    steps = [(a, b) for a, b in zip(done, done[1:])]
    print("| read | " + " | ".join(f"x{a['scale']:g} → x{b['scale']:g}" for a, b in steps) + " |")
    print("| --- |" + " ---: |" * len(steps))
    print(
        "| data (active judgments) | "
        + " | ".join(f"{b['data']['judgments_active'] / a['data']['judgments_active']:.1f}x" for a, b in steps)
        + " |"
    )
    for name in ("startup", *READS):
        cells = []
        for a, b in steps:
            sa_, sb = (a["startup"], b["startup"]) if name == "startup" else (a["summary"][name], b["summary"][name])
            ta, tb = (sa_.get("s"), sb.get("s")) if name == "startup" else (sa_["p50_s"], sb["p50_s"])
            time_ratio = f"{tb / ta:.1f}x" if ta and tb else "–"
            na, nb = sa_.get("statements"), sb.get("statements")
            statements = f"{nb / na:.1f}x" if na and nb else "–"
            cells.append(f"{time_ratio} / {statements}")
        print(f"| {LABELS[name]} | " + " | ".join(cells) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--scales", default="0.25,1,4", help="desk_store scales (1: 2,000 articles, 24,000 judgments)")
    parser.add_argument("--repeat", type=int, default=5, help="timed rounds after the warm-up")
    parser.add_argument("--seed", type=int, default=desk_store.SEED)
    parser.add_argument("--claims-per-round", type=int, default=10, help="random claims read per round")
    parser.add_argument(
        "--timeout-per-request", type=float, default=120.0,
        help="seconds after which a request is abandoned and not asked again in that store (0: none)",
    )
    parser.add_argument("--json", help="write every figure to this file")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--scale", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.scale, args.seed, args), default=str))
        return

    scales = [float(s) for s in args.scales.split(",")]
    backends = args.backends.split(",")
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, load average"
        f" {' '.join(f'{x:.1f}' for x in os.getloadavg())}; Python {platform.python_version()},"
        f" SQLAlchemy {sa.__version__}, numpy {np.__version__}"
    )
    print(
        f"scales {', '.join(f'{s:g}' for s in scales)}; {args.repeat} rounds after a warm-up;"
        f" {args.claims_per_round} claims per round; requests bounded at {args.timeout_per_request:g} s; seed {args.seed}"
    )
    results: dict[str, list[dict]] = {}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        for backend in backends:
            for scale in scales:
                print(f"{backend} x{scale:g} ...", file=sys.stderr, flush=True)
                results.setdefault(backend, []).append(run_store(backend, scale, args, Path(folder)))
    for backend in backends:
        for result in results[backend]:
            if "error" in result:
                print(f"\n### {backend}, scale {result['scale']:g}: {result['error']}")
            else:
                print_store(backend, result)
        print_growth(backend, results[backend])
    print(
        f"\nload average at the end {' '.join(f'{x:.1f}' for x in os.getloadavg())};"
        f" the whole run {time.perf_counter() - started:.0f} s"
    )
    if args.json:
        figures = {
            "machine": {
                "platform": platform.platform(),
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "sqlalchemy": sa.__version__,
                "numpy": np.__version__,
            },
            "args": {k: v for k, v in vars(args).items() if k not in ("measure", "scale", "json")},
            "results": results,
        }
        Path(args.json).write_text(json.dumps(figures, indent=1, default=str), encoding="utf-8")
        print(f"figures written to {args.json}")


if __name__ == "__main__":
    main()
