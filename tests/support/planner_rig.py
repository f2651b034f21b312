"""Running the LLM planner against a stub server and storing its plan in a real database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from intake.llm import HTTPLLMClient, RetryPolicy, make_client
from intake.planner.llm import LLMPlanner
from intake.runner import ResearchRunner
from tests.support.db import postgres_base_url, postgres_schema_url, sqlite_url
from tests.support.llm_servers import AnthropicServer, OpenAIServer
from tests.support.planner_stub import PlannerStub
from tracker.service import Tracker
from tracker.views import BatchView

KEY = "sk-test-planner-7d41c0e2"
REQUEST = "record how every job run ends, and page the on-call when jobs keep failing"
FAST = RetryPolicy(max_attempts=3, backoff_initial=0.01, backoff_max=0.05)
# The planner does not care about the database nor the tracker about the wire format, so
# each provider runs once, against a different database, instead of the full matrix.
PAIRS = [("openai", "sqlite"), ("anthropic", "postgresql")]
PAIR_IDS = ["-".join(pair) for pair in PAIRS]
Server = OpenAIServer | AnthropicServer


@contextmanager
def database(kind: str, directory: Path) -> Iterator[str]:
    """A PostgreSQL schema when one is configured, else a SQLite file."""
    if kind == "postgresql" and postgres_base_url() is not None:
        with postgres_schema_url() as url:
            yield url
    else:
        yield sqlite_url(directory)


@contextmanager
def serving(
    provider: str, stub: PlannerStub, *, timeout: float = 5.0, key: str = KEY
) -> Iterator[tuple[Server, HTTPLLMClient]]:
    server: Server = (
        OpenAIServer(api_key=KEY, default=stub)
        if provider == "openai"
        else AnthropicServer(api_key=KEY, default=stub)
    )
    with server:
        client = make_client(provider, server.base_url, key, "model-x", timeout=timeout, retry=FAST)
        try:
            yield server, client
        finally:
            client.close()


def run_research(
    tracker: Tracker, repo: Path, client: HTTPLLMClient, request: str = REQUEST
) -> BatchView:
    """A received batch, researched once by the runner; the batch as it ended up."""
    batch = tracker.create_batch(title="req", request=request, repo=str(repo), actor="U_REQ")
    runner = ResearchRunner(
        tracker, lambda: LLMPlanner(client), lease_seconds=60, cache_dir=repo.parent / "cache"
    )
    assert runner.run_one("w1", batch=batch.id) is not None
    return tracker.batch(batch.id)
