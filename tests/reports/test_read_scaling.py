"""The live report and the JSON download read the store in a fixed number of statements.

Two generated stores, one four times the other (the desk benchmark's generator,
``bench/desk_store.py``), on SQLite and PostgreSQL: the statements a request runs
must not grow with the number of claims, mentions or judgments.  Timing is the
benchmark's business (``bench/desk_reads.py``); this counts.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import sqlalchemy as sa

from annotator.api import build_verdict_sets
from annotator.models import Base

_SPEC = importlib.util.spec_from_file_location(
    "desk_store", Path(__file__).resolve().parents[2] / "bench" / "desk_store.py"
)
desk_store = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(desk_store)

#: 12 claims, 120 mentions, 480 judgments; then 48, 480, 1,920
SCALES = (0.02, 0.08)
REQUESTS = {
    "overview": "/?include_simulated=false",
    "claim page": "/claims/{claim}",
    "JSON download": "/api/reports/download/json",
    "claim list": "/api/verdicts?per_page=500",
}


#: the desk's accounts stay: the client reads with its admin's token
ACCOUNTS = {"people", "person_roles", "api_tokens"}


def _wipe(engine: sa.Engine) -> None:
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            if table.name not in ACCOUNTS:
                connection.execute(table.delete())


def _statements(app, client, url: str) -> int:
    engine = app.extensions["annotator.engine"]
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        seen.append(statement)

    client.get(url)  # the first read draws the charts into their cache
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(url)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return len(seen)


@pytest.mark.parametrize("what", list(REQUESTS))
def test_a_read_costs_the_same_statements_at_four_times_the_size(app, client, what):
    engine = app.extensions["annotator.engine"]
    counted = []
    for scale in SCALES:
        _wipe(engine)
        rows = desk_store.generate(scale=scale, seed=11)
        desk_store.load(engine, rows)
        build_verdict_sets(app)  # what start-up does: the reads only read them
        url = REQUESTS[what].format(claim=desk_store.claim_id(0))
        counted.append(_statements(app, client, url))
    small, large = counted
    assert large == small, f"{what}: {small} statements at scale {SCALES[0]}, {large} at {SCALES[1]}"
    assert small < 40, f"{what}: {small} statements"
