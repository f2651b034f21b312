"""A `foreman worker` killed mid-research: the next worker finishes the batch, exactly once.

The first worker claims the batch and waits on a model that does not answer; SIGKILL gives
it no chance to clean up. Once its research lease lapses, `foreman worker --once` (the model
now answering at once) requeues, researches and stores the plan.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.support.llm_servers import Behaviour, OpenAIServer, Sleep, Status
from tests.support.planner_rig import KEY
from tests.support.planner_stub import SPLIT, PlannerStub, make_repo
from tracker.service import Tracker

BIN = Path(sys.executable).parent
LEASE = 2


def wait_for(what: str, check: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def foreman(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["foreman", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_killed_worker_leaves_the_batch_to_the_next_and_one_plan_lands(
    sqlite_db_url: str, tmp_path: Path
) -> None:
    repo = make_repo(tmp_path / "repo")
    tracker = Tracker.open(sqlite_db_url)
    batch = tracker.create_batch(
        title="metrics", request="record job outcomes and page", repo=str(repo), actor="U_REQ"
    )

    answering = threading.Event()
    stub = PlannerStub()

    def model(body: dict[str, Any]) -> Behaviour:
        # Until the first worker is dead, the model "thinks" for longer than the test runs.
        return stub(body) if answering.is_set() else Sleep(120, then=Status(503))

    with OpenAIServer(api_key=KEY, default=model) as server:
        env = {
            **os.environ,
            "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            "FOREMAN_DATABASE_URL": sqlite_db_url,
            "FOREMAN_REPO": str(repo),
            "FOREMAN_CACHE_DIR": str(tmp_path / "cache"),
            "FOREMAN_RESEARCH_LEASE": str(LEASE),
            "FOREMAN_LLM_PROVIDER": "openai",
            "FOREMAN_LLM_BASE_URL": server.base_url,
            "FOREMAN_LLM_API_KEY": KEY,
            "FOREMAN_LLM_MODEL": "model-x",
        }
        first = subprocess.Popen(
            ["foreman", "worker"],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for("the first worker to ask the model", lambda: len(server.requests) >= 1)
            assert tracker.batch(batch.id).status == "researching"
            # Let it renew the lease at least once, so the kill lands mid-research proper.
            time.sleep(LEASE / 2 + 0.2)
            first.send_signal(signal.SIGKILL)
            assert first.wait(timeout=10) == -signal.SIGKILL
        finally:
            if first.poll() is None:
                first.kill()
                first.wait()
        assert tracker.batch(batch.id).status == "researching"

        answering.set()
        time.sleep(LEASE + 0.3)  # the last renewal is at most one lease old when it lapses
        second = foreman(env, tmp_path, "worker", "--once")
        assert second.returncode == 0, second.stderr
        assert f"{batch.id} planned" in second.stdout

    view = tracker.batch(batch.id)
    tracker.close()
    assert view.status == "planned", view.research_error
    events = json.loads(
        foreman(env, tmp_path, "log", "--batch", batch.id, "--limit", "500", "--json").stdout
    )["events"]
    batch_moves = [e for e in events if e["subject"] == batch.id]
    assert [e["to"] for e in batch_moves].count("planned") == 1
    assert [e["kind"] for e in batch_moves].count("research_started") == 2
    assert [e["kind"] for e in batch_moves].count("research_lapsed") == 1
    tickets = json.loads(foreman(env, tmp_path, "tickets", "--batch", batch.id, "--json").stdout)[
        "tickets"
    ]
    assert len(tickets) == len(SPLIT["units"])
    assert len({t["key"] for t in tickets}) == len(tickets)
