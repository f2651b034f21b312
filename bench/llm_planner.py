"""Wall time of an LLM research pass when every model call takes 2 s.

A local OpenAI-compatible server answers each call after `--delay` seconds; the plan has
`--tickets` tickets (the last one verifies live behaviour). The pass is one split call and
then one call per ticket, `--concurrency` at a time, so it should take about
(1 + ceil(tickets / concurrency)) × delay instead of (1 + tickets) × delay.
Target (issue 4): 6 tickets at 2 s each in under 6 s.

    python bench/llm_planner.py [--tickets 6] [--delay 2] [--concurrency 6]
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from intake.llm import make_client  # noqa: E402
from intake.planner.llm import LLMPlanner  # noqa: E402
from intake.research import research  # noqa: E402
from tests.support.llm_servers import OpenAIServer  # noqa: E402
from tests.support.planner_stub import PlannerStub, make_repo, unit  # noqa: E402

TARGET_SECONDS = 6.0
REQUEST = (
    "give us real visibility into what the job runner is actually doing, and make sure"
    " someone gets paged when production breaks"
)


def split_of(tickets: int) -> dict[str, Any]:
    """A chain of build units after one config unit, ending with the verify unit."""
    units = [unit("config", "config", title="Add the pager channel setting")]
    for n in range(1, tickets - 1):
        units.append(unit(f"build-{n}", "build", units[-1]["key"], title=f"Job metric {n}"))
    units.append(unit("verify-live", "verify", units[-1]["key"], title="Verify live"))
    return {"title": "Visibility and paging", "question": None, "units": units}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=6)
    parser.add_argument("--delay", type=float, default=2.0)
    parser.add_argument("--concurrency", type=int, default=6)
    args = parser.parse_args()
    if args.tickets < 2:
        parser.error("--tickets must be at least 2 (some work, then its verification)")

    stub = PlannerStub(default_split=split_of(args.tickets), delay=args.delay)
    with tempfile.TemporaryDirectory() as tmp, OpenAIServer(default=stub) as server:
        repo = make_repo(Path(tmp) / "repo")
        cache = Path(tmp) / "cache"
        client = make_client("openai", server.base_url, None, "bench-model", timeout=30)
        planner = LLMPlanner(client, concurrency=args.concurrency)
        started = time.perf_counter()
        outcome = research(REQUEST, repo, planner, cache_dir=cache)
        elapsed = time.perf_counter() - started
        client.close()
        calls = len(server.requests)

    assert outcome.plan is not None
    tickets = len(outcome.plan.tickets)
    serial = (1 + tickets) * args.delay
    rounds = 1 + math.ceil(tickets / args.concurrency)
    # The target is stated for the default workload only.
    applies = args.tickets == 6 and args.delay == 2.0
    verdict = ("met" if elapsed < TARGET_SECONDS else "MISSED") if applies else "n/a"
    print(f"LLM research pass: {tickets} tickets, every call answered after {args.delay:g} s")
    print(f"  model calls           {calls} (1 split + {calls - 1} ticket)")
    print(f"  concurrency           {args.concurrency} ({rounds} rounds of calls)")
    print(f"  whole pass            {elapsed:.2f} s   (target < {TARGET_SECONDS:g} s: {verdict})")
    print(f"  serial calls would be {serial:.2f} s   (avoided {serial - elapsed:.2f} s)")
    print(f"  most calls at once    {stub.max_in_flight}")
    return 1 if verdict == "MISSED" else 0


if __name__ == "__main__":
    raise SystemExit(main())
