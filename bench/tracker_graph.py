"""Ready set and oracle on a batch of 10,000 tickets and 30,000 edges.

Targets (issue 2): ready set and oracle each under 50 ms in process; `foreman ready --batch B
--json` as a whole process under 1 s; on SQLite and on PostgreSQL.

    python bench/tracker_graph.py                      # SQLite in a temp dir
    python bench/tracker_graph.py --postgres URL       # also PostgreSQL (a fresh schema)
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tracker.plan import Plan
from tracker.service import Tracker

TICKETS, EDGES, DONE_FRACTION = 10_000, 30_000, 0.5


def build_plan(seed: int = 7) -> Plan:
    rng = random.Random(seed)
    deps: list[set[int]] = [set() for _ in range(TICKETS)]
    edges = 0
    while edges < EDGES:
        later = rng.randrange(1, TICKETS)
        earlier = rng.randrange(max(0, later - 200), later)  # local structure, like real plans
        if earlier not in deps[later]:
            deps[later].add(earlier)
            edges += 1
    return Plan.model_validate(
        {
            "title": "bench",
            "tickets": [
                {
                    "key": f"t{i}",
                    "title": f"ticket {i}",
                    "scope": "bench",
                    "acceptance_criteria": ["a", "b"],
                    "test_plan": "t",
                    "finish_line": "true",
                    "depends_on": [f"t{d}" for d in sorted(deps[i])],
                }
                for i in range(TICKETS)
            ],
        }
    )


def mark_half_done(tracker: Tracker, batch_id: int) -> None:
    # Bulk SQL keeps setup time sane; the tracker's own paths are what we time.
    with tracker.store.engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE ticket SET status='done', proof=:p WHERE batch_id=:b AND seq <= :n"),
            {
                "p": '{"kind": "cmd", "ref": "true", "exit": 0}',
                "b": batch_id,
                "n": int(TICKETS * DONE_FRACTION),
            },
        )


def timed(fn: Callable[[], object], runs: int = 15) -> tuple[float, float]:
    fn()  # warm caches and connections
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), max(samples)


def run(label: str, url: str) -> None:
    tracker = Tracker.open(url)
    start = time.perf_counter()
    batch = tracker.import_plan(build_plan(), actor="bench")
    tracker.approve(batch.id, actor="bench")
    mark_half_done(tracker, int(batch.id.split("-")[1]))
    if tracker.store.dialect == "postgresql":
        # What autovacuum does shortly after any bulk load; without it the planner guesses.
        with tracker.store.engine.begin() as conn:
            conn.execute(sa.text("ANALYZE"))
    setup = time.perf_counter() - start
    ready = tracker.ready(batch=batch.id)
    ready_ms = timed(lambda: tracker.ready(batch=batch.id))
    oracle_ms = timed(lambda: tracker.oracle(batch.id))
    tracker.close()
    env = {**os.environ, "FOREMAN_DATABASE_URL": url}
    foreman = str(Path(sys.executable).with_name("foreman"))
    cli = []
    for _ in range(5):
        t0 = time.perf_counter()
        subprocess.run(
            [foreman, "ready", "--batch", batch.id, "--json"],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        cli.append(time.perf_counter() - t0)
    print(
        f"| {label} | {len(ready)} | {ready_ms[0]:.1f} ms (max {ready_ms[1]:.1f}) | "
        f"{oracle_ms[0]:.1f} ms (max {oracle_ms[1]:.1f}) | {statistics.median(cli):.2f} s "
        f"(max {max(cli):.2f}) | {setup:.1f} s |"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", help="base URL, e.g. postgresql://postgres@127.0.0.1/test")
    args = parser.parse_args()
    print(f"{TICKETS} tickets, {EDGES} edges, {int(DONE_FRACTION * 100)}% done\n")
    print(
        "| backend | ready set size | ready (median) | oracle (median) | "
        "`foreman ready --json` process | setup |"
    )
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        run("SQLite", f"sqlite:///{tmp}/bench.db")
    if args.postgres:
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(args.postgres.replace("postgresql://", "postgresql+psycopg://"))
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        try:
            run("PostgreSQL", f"{args.postgres}?options={quote(f'-csearch_path={schema}')}")
        finally:
            with admin.begin() as conn:
                conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))


if __name__ == "__main__":
    main()
