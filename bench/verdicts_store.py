"""Benchmark: verdicts and agreement from the store, loading included, on SQLite and PostgreSQL.

For each backend: a fresh store (an SQLite file in a temporary folder; a
PostgreSQL database created on the server as user ``postgres`` and dropped
afterwards), migrated with :func:`annotator.db.upgrade`, then bulk-loaded
(``executemany`` on SQLite, ``COPY`` on PostgreSQL) with generated, seeded
data: ``units`` mentions grouped ``per-claim`` to a claim, each claim in that
many articles; 5 annotators (right with probability 0.9, 0.8, 0.7, 0.6, 0.75)
x 3 verdicts, each judgment missing with probability ``missing``.

Then, in a fresh Python process per backend (so its peak resident memory is
the computation's, not the loading's), timed:

* **everything** (the target), step by step — read what counts from the store into the long table,
  fit Dawid–Skene, majority and Dawid–Skene verdicts per mention and per claim,
  every agreement figure for the project (alpha nominal and verdict-distance,
  Fleiss, percent agreement, Cohen's kappa per pair, each annotator against the
  consensus) and per claim; ``--repeat`` times, medians reported;
* **materialise**: build both verdict sets in the store (the same computation
  per method plus writing one row per claim), as the first API read does;
* **freshness**: change one judgment (and one per 100 claims) and
  :func:`~annotator.services.verdicts.refresh_verdicts` those claims in both
  sets; read one claim with its mentions and timeline.

    .venv/bin/python bench/verdicts_store.py [--units 200000] [--repeat 3] [--backends sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np
import sqlalchemy as sa

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from annotator.db import make_engine, upgrade  # noqa: E402

ACCURACY = np.array([0.9, 0.8, 0.7, 0.6, 0.75])
VERDICTS = np.array(["confirmed", "disputed", "denied"])
NOW = "2024-11-01 00:00:00+00:00"
PG_ADMIN_URL = os.environ.get(
    "ANNOTATOR_BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


# -- the data --------------------------------------------------------------------------------


def generate(n_units: int, per_claim: int, missing: float, seed: int) -> dict[str, list[tuple]]:
    """Rows of every table, as tuples in the column order of :data:`COLUMNS`."""
    rng = np.random.default_rng(seed)
    n_claims = n_units // per_claim
    n_articles = max(n_units // 20, per_claim)  # each article carries about 20 claims
    unit = np.arange(n_units)
    claim = unit // per_claim
    article = (claim * per_claim + unit % per_claim) % n_articles  # a claim's articles differ
    truth = rng.integers(0, 3, n_units)
    n_ann = len(ACCURACY)
    j_unit = np.repeat(unit, n_ann)
    j_ann = np.tile(np.arange(n_ann), n_units)
    right = rng.random(len(j_unit)) < ACCURACY[j_ann]
    label = np.where(right, truth[j_unit], (truth[j_unit] + rng.integers(1, 3, len(j_unit))) % 3)
    keep = rng.random(len(j_unit)) >= missing
    j_unit, j_ann, label = j_unit[keep], j_ann[keep], label[keep]
    days = rng.integers(0, 366, n_articles)
    dates = (np.datetime64("2024-01-01") + days).astype(str)

    claims = [(f"c{c:06d}", f"Claim {c}", NOW, NOW) for c in range(n_claims)]
    articles = [(a + 1, f"a{a:06d}", NOW, NOW) for a in range(n_articles)]
    revisions = [
        (
            a + 1,
            a + 1,
            1,
            f"h{a}",
            f"a{a:06d}.txt",
            f"Title {a}",
            "Outlet",
            dates[a],
            False,
            "text",
            "text",
            "[]",
            NOW,
        )
        for a in range(n_articles)
    ]
    mentions = [
        (
            u + 1,
            f"c{claim[u]:06d}",
            int(article[u]) + 1,
            "catalogue",
            "accepted",
            f"c{claim[u]:06d}",
            "[]",
            "[]",
            "[]",
            NOW,
            NOW,
        )
        for u in range(n_units)
    ]
    annotators = [(a + 1, f"annotator-{a}@example.org", f"Annotator {a}", False, NOW) for a in range(n_ann)]
    verdict = VERDICTS[label]
    judgments = [
        (i + 1, int(u) + 1, int(a) + 1, str(v), "[]", "active", i + 1, 0, False, NOW, NOW)
        for i, (u, a, v) in enumerate(zip(j_unit, j_ann, verdict, strict=True))
    ]
    return {
        "claims": claims,
        "articles": articles,
        "article_revisions": revisions,
        "mentions": mentions,
        "annotators": annotators,
        "judgments": judgments,
    }


COLUMNS = {
    "claims": ("id", "text", "created_at", "updated_at"),
    "articles": ("id", "external_id", "created_at", "updated_at"),
    "article_revisions": (
        "id",
        "article_id",
        "number",
        "content_hash",
        "source",
        "title",
        "outlet",
        "published_on",
        "published_year_inferred",
        "raw_text",
        "body",
        "removed",
        "ingested_at",
    ),
    "mentions": (
        "id",
        "claim_id",
        "revision_id",
        "origin",
        "status",
        "dedup_key",
        "spans",
        "quotes",
        "reasons",
        "created_at",
        "updated_at",
    ),
    "annotators": ("id", "email", "name", "simulated", "created_at"),
    "judgments": (
        "id",
        "mention_id",
        "annotator_id",
        "verdict",
        "evidence",
        "state",
        "ls_annotation_id",
        "claim_index",
        "simulated",
        "created_at",
        "updated_at",
    ),
}


def load(engine: sa.Engine, rows: dict[str, list[tuple]]) -> None:
    """Bulk-insert the rows: ``COPY`` on PostgreSQL, ``executemany`` on SQLite."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        for table, data in rows.items():
            columns = COLUMNS[table]
            if engine.dialect.name == "postgresql":
                buffer = io.StringIO()
                for row in data:
                    buffer.write("\t".join("t" if v is True else "f" if v is False else str(v) for v in row))
                    buffer.write("\n")
                with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    copy.write(buffer.getvalue())
                if table != "claims":  # its ids are text
                    cursor.execute(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))")
            else:
                marks = ", ".join("?" for _ in columns)
                cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", data)
        raw.commit()
        # as autovacuum would by the time anyone reads: statistics, and on
        # PostgreSQL the visibility map, so the first read is not a cold one
        if engine.dialect.name == "postgresql":
            raw.driver_connection.autocommit = True
            cursor.execute("VACUUM ANALYZE")
        else:
            cursor.execute("ANALYZE")
            raw.commit()
    finally:
        raw.close()


# -- the measured run (a child process) ------------------------------------------------------


def measure(url: str, repeat: int) -> dict:
    """Time everything on the store at ``url``; run in a fresh process."""
    from sqlalchemy.orm import Session

    from annotator.models import Judgment, Mention, Verdict
    from annotator.services import verdicts as service
    from annotator.verdicts import claim_agreement, project_agreement
    from annotator.rules.verdicts import DEFAULT_RULES as rules

    engine = make_engine(url)
    runs: list[dict[str, float]] = []
    for _ in range(repeat):
        steps: dict[str, float] = {}

        def step(name: str, run):
            start = time.perf_counter()
            result = run()
            steps[name] = time.perf_counter() - start
            return result

        with Session(engine) as session:
            table = step("read the store into the long table", lambda: service.load_table(session, rules))
            model = step("fit Dawid–Skene", lambda: service.fit_model(table, rules))
            verdicts = step(
                "majority and Dawid–Skene verdicts, per claim and per mention",
                lambda: [
                    service.claim_frame(table, rules, "majority"),
                    service.claim_frame(table, rules, "dawid-skene", model),
                    service.mention_frame(table, rules, "majority"),
                    service.mention_frame(table, rules, "dawid-skene", model),
                ],
            )
            report = step(
                "agreement: project, pairs, each annotator", lambda: project_agreement(table.judgments)
            )
            per_claim = step("agreement per claim", lambda: claim_agreement(table.judgments, table.mentions))
            session.rollback()
        runs.append(steps)
        figures = {
            "judgments": table.judgments.n_judgments,
            "units": len(table.judgments.units),
            "claims": len(verdicts[0]),
            "alpha_nominal": report.alpha_nominal.value,
            "alpha_linear": report.alpha_linear.value,
            "fleiss_kappa": report.fleiss_kappa.value,
            "percent_agreement": report.percent_agreement.value,
            "claims_with_alpha": int(per_claim["alpha_nominal"].notna().sum()),
            "settled_majority": int((verdicts[0]["status"] == "settled").sum()),
            "settled_dawid_skene": int((verdicts[1]["status"] == "settled").sum()),
        }
        del table, model, verdicts, report, per_claim  # one run's data alive at a time
    totals = [sum(r.values()) for r in runs]
    steps = {name: statistics.median(r[name] for r in runs) for name in runs[0]}
    peak_compute = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    extra: dict[str, float] = {}
    with Session(engine) as session:
        for method in ("majority", "dawid-skene"):
            start = time.perf_counter()
            service.verdict_set(session, rules, method)
            session.commit()
            extra[f"materialise the {method} set (compute + write the claims)"] = time.perf_counter() - start
        start = time.perf_counter()
        service.verdict_set(session, rules)
        session.commit()
        extra["read a fresh set (signature check)"] = time.perf_counter() - start
        claims = [f"c{c:06d}" for c in range(0, figures["claims"], 100)]
        for name, chosen in (("1 claim", claims[:1]), (f"{len(claims)} claims", claims)):
            start = time.perf_counter()
            mention_ids = session.scalars(
                sa.select(sa.func.min(Judgment.mention_id))
                .join(Mention, Mention.id == Judgment.mention_id)
                .where(Mention.claim_id.in_(chosen))
                .group_by(Mention.claim_id)
            ).all()
            for mention_id in mention_ids:
                judgment = session.scalars(
                    sa.select(Judgment).where(Judgment.mention_id == mention_id).limit(1)
                ).one()
                judgment.verdict = (
                    Verdict.DENIED if judgment.verdict is not Verdict.DENIED else Verdict.CONFIRMED
                )
            session.flush()
            service.refresh_verdicts(session, set(chosen), rules=rules)
            session.commit()
            extra[f"change a judgment in {name} and refresh both sets"] = time.perf_counter() - start
        start = time.perf_counter()
        service.claim_detail(session, rules, claims[0], "dawid-skene")
        session.commit()
        extra["read one claim with its mentions and timeline"] = time.perf_counter() - start
    engine.dispose()
    return {
        "steps": steps,
        "total": statistics.median(totals),
        "totals": totals,
        "peak_mib_compute": peak_compute,
        "peak_mib_end": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "figures": figures,
        "extra": extra,
    }


# -- the stores ------------------------------------------------------------------------------


def run_backend(backend: str, rows: dict, folder: Path, repeat: int) -> dict:
    admin = None
    if backend == "sqlite":
        url = f"sqlite:///{folder / 'bench.db'}"
    else:
        name = f"annotator_bench_{uuid.uuid4().hex[:10]}"
        admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        url = admin.url.set(database=name).render_as_string(hide_password=False)
    try:
        engine = make_engine(url)
        upgrade(engine)
        start = time.perf_counter()
        load(engine, rows)
        loading = time.perf_counter() - start
        engine.dispose()
        child = subprocess.run(
            [sys.executable, __file__, "--measure", url, "--repeat", str(repeat)],
            check=True,
            capture_output=True,
            text=True,
        )
        result = json.loads(child.stdout.strip().splitlines()[-1])
        result["bulk_load_s"] = loading
        if backend == "sqlite":
            result["store_mib"] = (folder / "bench.db").stat().st_size / 2**20
        return result
    finally:
        if admin is not None:
            with admin.connect() as connection:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, default=200_000, help="mentions (one claim in one article)")
    parser.add_argument("--per-claim", type=int, default=10, help="mentions (articles) per claim")
    parser.add_argument("--missing", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=20241031)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of everything (medians reported)")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.repeat)))
        return

    rows = generate(args.units, args.per_claim, args.missing, args.seed)
    print(
        f"data: {args.units:,} mentions ({len(rows['claims']):,} claims x {args.per_claim} articles,"
        f" {len(rows['articles']):,} articles) x {len(ACCURACY)} annotators x 3 verdicts,"
        f" {args.missing:.0%} missing -> {len(rows['judgments']):,} judgments; seed {args.seed}"
    )
    import pandas as pd

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()},"
        f" pandas {pd.__version__}, numpy {np.__version__}, SQLAlchemy {sa.__version__}"
    )
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        for backend in args.backends.split(","):
            results[backend] = run_backend(backend, rows, Path(folder), args.repeat)
    backends = list(results)
    print()
    print(f"| step (seconds, median of {args.repeat} runs) | " + " | ".join(backends) + " |")
    print("| --- |" + " ---: |" * len(backends))
    for name in results[backends[0]]["steps"]:
        print(f"| {name} | " + " | ".join(f"{results[b]['steps'][name]:.2f}" for b in backends) + " |")
    print(
        "| **everything (target < 15 s)**: median (min–max) | "
        + " | ".join(
            f"**{results[b]['total']:.2f}** ({min(results[b]['totals']):.2f}–{max(results[b]['totals']):.2f})"
            for b in backends
        )
        + " |"
    )
    print(
        "| peak resident memory of the process, MiB (target < 1536) | "
        + " | ".join(f"{results[b]['peak_mib_compute']:.0f}" for b in backends)
        + " |"
    )
    print()
    print("| also measured (seconds) | " + " | ".join(backends) + " |")
    print("| --- |" + " ---: |" * len(backends))
    print(
        "| bulk load of the generated store (not timed above) | "
        + " | ".join(f"{results[b]['bulk_load_s']:.1f}" for b in backends)
        + " |"
    )
    for name in results[backends[0]]["extra"]:
        print(f"| {name} | " + " | ".join(f"{results[b]['extra'][name]:.2f}" for b in backends) + " |")
    print(
        "| peak resident memory at the end, MiB | "
        + " | ".join(f"{results[b]['peak_mib_end']:.0f}" for b in backends)
        + " |"
    )
    print()
    for backend in backends:
        figures = results[backend]["figures"]
        print(
            f"{backend}: "
            + ", ".join(f"{k} {v:.4f}" if isinstance(v, float) else f"{k} {v}" for k, v in figures.items())
        )


if __name__ == "__main__":
    main()
