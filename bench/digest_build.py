"""Building and rendering the daily digest over a large database.

20 approved batches of 1,000 tickets (20,000 tickets), 40% done, a day with 4,000 `done`
events, 300 fake-active incidents, 400 open asks (half older than a day, a quarter recurring),
1,000 blocked tickets and 400 drafts with open questions. Prints the median time to build the
digest (every query it runs), to render it as text and as Block Kit, and the message's size.

    python bench/digest_build.py                      # SQLite in a temp dir
    python bench/digest_build.py --postgres URL       # also PostgreSQL (a fresh schema)
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.digest import build_digest, digest_blocks, digest_text
from bot.digest.model import Digest
from tracker.models import SQLModel
from tracker.plan import Plan
from tracker.service import Tracker

BATCHES, PER_BATCH = 20, 1_000
NOW = datetime(2026, 11, 18, 17, tzinfo=UTC)
SINCE = NOW - timedelta(days=1)
TABLES = SQLModel.metadata.tables


def plan(n: int) -> Plan:
    return Plan.model_validate(
        {
            "title": f"bench batch {n}",
            "tickets": [
                {
                    "key": f"t{i}",
                    "title": f"ticket {i} of batch {n}: make the export and the import agree",
                    "scope": "bench",
                    "acceptance_criteria": ["a", "b"],
                    "test_plan": "t",
                    "finish_line": "true",
                    "depends_on": [f"t{i - 1}"] if i % 10 else [],
                    "open_questions": ["Which region?"] if i % 50 == 49 else [],
                }
                for i in range(PER_BATCH)
            ],
        }
    )


def seed(tracker: Tracker) -> None:
    for n in range(BATCHES):
        tracker.import_plan(plan(n), actor="bench")
        tracker.approve(f"FM-{n + 1}", actor="bench")
    ticket, event, ask = TABLES["ticket"], TABLES["event"], TABLES["ask"]
    with tracker.store.engine.begin() as conn:
        proof = {"kind": "pr", "ref": "https://github.com/acme/runner/pull/42"}
        conn.execute(
            ticket.update()
            .where(ticket.c.seq <= int(PER_BATCH * 0.4))
            .values(status="done", proof=proof, done_at=NOW - timedelta(hours=2))
        )
        conn.execute(
            ticket.update()
            .where(ticket.c.seq > PER_BATCH - 50, ticket.c.status == "open")
            .values(status="blocked", gate_reason="waiting on an ask")
        )
        rows = conn.execute(
            sa.select(ticket.c.batch_id, ticket.c.seq).where(ticket.c.status == "done")
        ).all()
        done_events = [
            {
                "at": SINCE + timedelta(seconds=20 * i + 1),
                "actor": "w1",
                "subject": f"FM-{b}.{s}",
                "batch_id": b,
                "kind": "done",
                "from_state": "active",
                "to_state": "done",
                "reason": "proof",
                "data": {},
            }
            for i, (b, s) in enumerate(rows[-4_000:])
        ]
        lapsed = [
            {
                "at": NOW - timedelta(hours=3),
                "actor": "foreman",
                "subject": f"FM-{1 + i % BATCHES}.{500 + i}",
                "batch_id": 1 + i % BATCHES,
                "kind": "fake_active",
                "from_state": "active",
                "to_state": "open",
                "reason": "lease lapsed",
                "data": {
                    "worker": f"w{i}",
                    "expired_at": (NOW - timedelta(hours=4)).isoformat(),
                    "last_heartbeat": (NOW - timedelta(hours=5)).isoformat(),
                },
            }
            for i in range(300)
        ]
        conn.execute(event.insert(), done_events + lapsed)
        conn.execute(
            ask.insert(),
            [
                {
                    "kind": "permission",
                    "action": f"Grant access number {i}",
                    "approvers": ["U0DANA"],
                    "blocks": [],
                    "dedupe_key": f"k{i}",
                    "occurrences": 3 if i % 4 == 0 else 1,
                    "first_seen": NOW - timedelta(hours=30 if i % 2 else 3),
                    "last_seen": NOW - timedelta(hours=1),
                    "status": "open",
                }
                for i in range(400)
            ],
        )


def timed(fn: Callable[[], object], runs: int = 7) -> tuple[float, float]:
    fn()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), max(samples)


def run(url: str, label: str) -> None:
    tracker = Tracker.open(url, clock=lambda: NOW)
    try:
        started = time.perf_counter()
        seed(tracker)
        print(f"{label}: seeded in {time.perf_counter() - started:.1f} s")
        tz = ZoneInfo("Europe/Paris")

        def build() -> Digest:
            return build_digest(tracker, now=NOW, since=SINCE, tz=tz)

        digest = build()
        blocks = digest_blocks(digest)
        size = len(json.dumps(blocks, ensure_ascii=False))
        print(
            f"  digest: {len(digest.shipped)} shipped, {len(digest.batches)} batches, "
            f"{len(digest.waiting)} waiting, {len(digest.risks)} risks, "
            f"{sum(n.ready for n in digest.next)} ready"
        )
        for name, fn in (
            ("build", build),
            # Part of build: the invariant checks behind Risks, the tracker's own code.
            ("validate", tracker.validate),
            ("text", lambda: digest_text(digest)),
            ("blocks", lambda: digest_blocks(digest)),
        ):
            median, worst = timed(fn)
            print(f"  {name:<8} median {median:8.1f} ms   max {worst:8.1f} ms")
        print(f"  message: {len(blocks)} blocks, {size:,} bytes of JSON")
    finally:
        tracker.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postgres", help="also run against this PostgreSQL server")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run(f"sqlite:///{tmp}/bench.db", "SQLite")
    if args.postgres:
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(args.postgres.replace("postgresql://", "postgresql+psycopg://"))
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        try:
            sep = "&" if "?" in args.postgres else "?"
            run(f"{args.postgres}{sep}options={quote(f'-csearch_path={schema}')}", "PostgreSQL")
        finally:
            with admin.begin() as conn:
                conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


if __name__ == "__main__":
    main()
