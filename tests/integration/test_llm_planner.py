"""The LLM planner against local servers speaking the OpenAI and Anthropic wire formats.

Plans are stored through the research runner into a real database, so "never stored" means
what it says: the batch ends `research_failed` and no ticket row exists.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from intake.planner.llm import LLMPlanner
from intake.planner.llm_schema import SPLIT_NAME, SPLIT_SCHEMA, TICKET_NAME, TICKET_SCHEMA
from intake.research import research
from intake.runner import CLARIFY_PREFIX
from tests.support.llm_servers import RateLimited, RawContent, Sleep
from tests.support.planner_rig import (
    PAIR_IDS,
    PAIRS,
    REQUEST,
    database,
    run_research,
    serving,
)
from tests.support.planner_stub import (
    SPLIT,
    PlannerStub,
    calls,
    make_repo,
    ticket,
    unit,
    user_texts,
)
from tracker.service import Tracker


@pytest.fixture(params=PAIRS, ids=PAIR_IDS)
def pair(request: pytest.FixtureRequest) -> tuple[str, str]:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def provider(pair: tuple[str, str]) -> str:
    return pair[0]


@pytest.fixture
def db_url(pair: tuple[str, str], tmp_path: Path) -> Iterator[str]:
    with database(pair[1], tmp_path) as url:
        yield url


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo")


def hooks_of(tracker: Tracker, ref: str) -> dict[str, list[str]]:
    return {t.key: [h["path"] for h in t.file_hooks] for t in tracker.tickets(batch=ref)}


def corrections(body: dict[str, Any]) -> str:
    """What the re-ask said: every user turn after the prompt."""
    return "\n".join(user_texts(body)[1:])


def test_a_valid_answer_becomes_a_stored_plan(provider: str, tracker: Tracker, repo: Path) -> None:
    with serving(provider, PlannerStub()) as (server, client):
        batch = run_research(tracker, repo, client)
    assert batch.status == "planned", batch.research_error
    assert batch.title == "Job metrics and paging"
    tickets = tracker.tickets(batch=batch.id)
    assert [t.key for t in tickets] == ["config", "metrics", "paging", "verify-live"]
    assert [t.lane for t in tickets] == ["config", "build", "build", "verify"]
    assert {t.status for t in tickets} == {"draft"}
    assert tickets[1].depends_on == [tickets[0].id]
    assert tickets[3].depends_on == [tickets[2].id]
    metrics = tickets[1].file_hooks
    assert [(h["path"], h["new"]) for h in metrics] == [
        ("jobs/runner.py", False),
        ("jobs/telemetry.py", True),
    ]
    assert metrics[0]["symbols"] == ["JobRunner.run"]
    assert tickets[2].finish_line == "pytest tests/test_paging.py"

    # One split call and one call per ticket, each in the provider's structured-output form.
    split = calls(server.requests, SPLIT_NAME)
    assert len(split) == 1 and len(server.requests) == 5
    if provider == "openai":
        form = split[0]["response_format"]["json_schema"]
        assert form["strict"] is True and form["schema"] == SPLIT_SCHEMA
    else:
        assert split[0]["tool_choice"] == {"type": "tool", "name": SPLIT_NAME}
        assert split[0]["tools"][0]["input_schema"] == SPLIT_SCHEMA

    # Each ticket is specified from its own retrieved code, with line numbers.
    metrics_prompt = user_texts(calls(server.requests, TICKET_NAME, "metrics")[0])[0]
    assert '<file path="jobs/runner.py">' in metrics_prompt
    assert re.search(r"\n\s*\d+ \| class JobRunner:", metrics_prompt)
    assert "tests/test_runner.py" in metrics_prompt
    paging = calls(server.requests, TICKET_NAME, "paging")[0]
    assert '<file path="app/alerts.py">' in user_texts(paging)[0]
    if provider == "openai":
        assert paging["response_format"]["json_schema"]["schema"] == TICKET_SCHEMA


def test_invalid_json_is_corrected_through_a_reask(
    provider: str, tracker: Tracker, repo: Path
) -> None:
    stub = PlannerStub(split=[RawContent('{"title": "Job metrics", "units": [')])
    with serving(provider, stub) as (server, client):
        batch = run_research(tracker, repo, client)
    assert batch.status == "planned", batch.research_error
    split = calls(server.requests, SPLIT_NAME)
    assert len(split) == 2
    # Anthropic carries answers as tool input, so prose is its form of unparseable output.
    said = "not valid JSON" if provider == "openai" else "without calling the plan_split tool"
    assert said in corrections(split[1])
    assert len(tracker.tickets(batch=batch.id)) == 4


def test_a_schema_violation_is_corrected_through_a_reask(
    provider: str, tracker: Tracker, repo: Path
) -> None:
    bad = ticket("metrics", acceptance_criteria="it works and it is tested")
    stub = PlannerStub(tickets={"metrics": [bad]})
    with serving(provider, stub) as (server, client):
        batch = run_research(tracker, repo, client)
    assert batch.status == "planned", batch.research_error
    asked = calls(server.requests, TICKET_NAME, "metrics")
    assert len(asked) == 2
    assert "acceptance_criteria: Input should be a valid list" in corrections(asked[1])
    metrics = next(t for t in tracker.tickets(batch=batch.id) if t.key == "metrics")
    assert len(metrics.acceptance_criteria) == 2


def test_a_nonexistent_path_is_corrected_through_a_reask(
    provider: str, tracker: Tracker, repo: Path
) -> None:
    invented = [{"path": "app/pager.py", "why": "sends pages", "new": False, "symbols": []}]
    stub = PlannerStub(tickets={"paging": [ticket("paging", file_hooks=invented)]})
    with serving(provider, stub) as (server, client):
        batch = run_research(tracker, repo, client)
    assert batch.status == "planned", batch.research_error
    asked = calls(server.requests, TICKET_NAME, "paging")
    assert len(asked) == 2
    assert "file hook app/pager.py does not exist in the repository" in corrections(asked[1])
    assert hooks_of(tracker, batch.id)["paging"] == ["app/alerts.py"]


def test_a_nonexistent_path_that_survives_the_reasks_is_dropped(
    provider: str, tracker: Tracker, repo: Path
) -> None:
    hooks = [
        {"path": "app/alerts.py", "why": "page_oncall", "new": False, "symbols": ["nope_fn"]},
        {"path": "./app/pager.py", "why": "sends pages", "new": False, "symbols": []},
    ]
    only_invented = [{"path": "app/settings.py", "why": "knobs", "new": False, "symbols": []}]
    stub = PlannerStub(
        tickets={
            "paging": [ticket("paging", file_hooks=hooks)] * 3,
            "config": [ticket("config", file_hooks=only_invented)] * 3,
        }
    )
    with serving(provider, stub) as (server, client):
        batch = run_research(tracker, repo, client)
    assert batch.status == "planned", batch.research_error
    assert len(calls(server.requests, TICKET_NAME, "paging")) == 3
    by_key = {t.key: t for t in tracker.tickets(batch=batch.id)}
    assert by_key["paging"].file_hooks == [
        {"path": "app/alerts.py", "why": "page_oncall", "new": False, "symbols": []}
    ]
    assert by_key["paging"].open_questions == []
    # With nothing left to hook, a person must say where: the ticket stays draft on approval.
    assert by_key["config"].file_hooks == []
    assert by_key["config"].open_questions == [
        "Which files does this change? None of the proposed ones exist: app/settings.py"
    ]


def test_a_dependency_cycle_is_corrected_through_a_reask(
    provider: str, tracker: Tracker, repo: Path
) -> None:
    cyclic = {
        **SPLIT,
        "units": [
            unit("config", "config"),
            unit("metrics", "build", "config", "paging"),
            unit("paging", "build", "metrics"),
            unit("verify-live", "verify", "paging"),
        ],
    }
    with serving(provider, PlannerStub(split=[cyclic])) as (server, client):
        batch = run_research(tracker, repo, client)
    assert batch.status == "planned", batch.research_error
    split = calls(server.requests, SPLIT_NAME)
    assert len(split) == 2
    said = corrections(split[1])
    assert "dependency cycle: metrics → paging → metrics" in said


CYCLE = {**SPLIT, "units": [unit("a", "build", "b"), unit("b", "build", "a")]}
FOREVER_BAD: dict[str, tuple[dict[str, Any], str]] = {
    "invalid-json": (
        {"split": [RawContent("{'title': 'single quotes'}")] * 3},
        "splitting the request: LLM answer still failed validation after 3 attempts:"
        " LLM answer was not valid JSON|LLM answered without calling the plan_split tool",
    ),
    "schema-violation": (
        {"tickets": {"metrics": [ticket("metrics", file_hooks="jobs/runner.py")] * 3}},
        "specifying ticket 'metrics': LLM answer still failed validation after 3 attempts:"
        " file_hooks: Input should be a valid list",
    ),
    "cycle": (
        {"split": [CYCLE] * 3},
        "splitting the request: LLM answer still failed validation after 3 attempts:"
        " dependency cycle: a → b → a",
    ),
    "finish-line-prose": (
        {"tickets": {"paging": [ticket("paging", finish_line="it pages someone")] * 3}},
        "specifying ticket 'paging': LLM answer still failed validation after 3 attempts:"
        " finish line 'it pages someone' does not start with a command",
    ),
}


@pytest.mark.parametrize("case", list(FOREVER_BAD))
def test_answers_that_never_pass_are_rejected_and_nothing_is_stored(
    case: str, provider: str, tracker: Tracker, repo: Path
) -> None:
    script, message = FOREVER_BAD[case]
    with serving(provider, PlannerStub(**script)) as (server, client):
        batch = run_research(tracker, repo, client)
    assert batch.status == "research_failed"
    assert batch.research_error is not None
    head, _, anthropic_tail = message.partition("|")
    if anthropic_tail and provider == "anthropic":
        head = head[: head.rindex("LLM answer was")] + anthropic_tail
    assert batch.research_error.startswith(head), batch.research_error
    assert tracker.tickets(batch=batch.id) == []
    # Bounded: the first answer and two corrections, never more.
    kind, key = (
        (SPLIT_NAME, None) if "split" in script else (TICKET_NAME, next(iter(script["tickets"])))
    )
    assert len(calls(server.requests, kind, key)) == 3


def test_429_with_retry_after_and_a_timeout_are_retried(
    provider: str, tracker: Tracker, repo: Path
) -> None:
    stub = PlannerStub(
        split=[RateLimited(retry_after="1")],
        tickets={"metrics": [Sleep(2.0, then=RawContent("too late"))]},
    )
    started = time.monotonic()
    with serving(provider, stub, timeout=0.5) as (server, client):
        batch = run_research(tracker, repo, client)
    assert batch.status == "planned", batch.research_error
    assert time.monotonic() - started >= 1.0  # the Retry-After was honoured
    assert len(calls(server.requests, SPLIT_NAME)) == 2
    assert len(calls(server.requests, TICKET_NAME, "metrics")) == 2
    assert len(tracker.tickets(batch=batch.id)) == 4


def test_401_ends_in_research_failed_with_the_concrete_message(
    provider: str, tracker: Tracker, repo: Path
) -> None:
    with serving(provider, PlannerStub(), key="sk-wrong-key-0000") as (server, client):
        batch = run_research(tracker, repo, client)
    assert batch.status == "research_failed"
    code = "invalid_api_key" if provider == "openai" else "authentication_error"
    assert batch.research_error is not None
    assert batch.research_error.startswith(
        f"LLM provider answered 401 {code}: set FOREMAN_LLM_API_KEY"
    ), batch.research_error
    assert "sk-wrong-key-0000" not in batch.research_error
    assert len(server.requests) == 1  # a wrong key is not retried
    assert tracker.tickets(batch=batch.id) == []


def test_nothing_actionable_gets_a_question_not_a_plan(
    provider: str, tracker: Tracker, repo: Path
) -> None:
    question = {"title": "Greeting", "question": "What would you like built or fixed?", "units": []}
    with serving(provider, PlannerStub(split=[question])) as (server, client):
        batch = run_research(tracker, repo, client, request="hi there")
    assert batch.status == "research_failed"
    assert batch.research_error == CLARIFY_PREFIX + "What would you like built or fixed?"
    assert len(server.requests) == 1
    assert tracker.tickets(batch=batch.id) == []


def test_a_missing_verify_unit_is_added_and_specified(
    provider: str, tracker: Tracker, repo: Path
) -> None:
    no_verify = {
        **SPLIT,
        "units": [
            unit("config", "config"),
            unit("metrics", "build", "config"),
            unit("paging", "build", "config"),
        ],
    }
    with serving(provider, PlannerStub(split=[no_verify])) as (server, client):
        batch = run_research(tracker, repo, client)
    assert batch.status == "planned", batch.research_error
    tickets = tracker.tickets(batch=batch.id)
    last = tickets[-1]
    assert (last.key, last.lane) == ("verify-live", "verify")
    assert last.title == "Verify live: Job metrics and paging"
    by_key = {t.key: t.id for t in tickets}
    assert sorted(last.depends_on) == sorted([by_key["metrics"], by_key["paging"]])
    assert len(calls(server.requests, TICKET_NAME, "verify-live")) == 1


def test_specification_runs_in_parallel(provider: str, repo: Path, tmp_path: Path) -> None:
    stub = PlannerStub(delay=1.0)
    with serving(provider, stub) as (server, client):
        started = time.monotonic()
        outcome = research(REQUEST, repo, LLMPlanner(client), cache_dir=tmp_path / "cache")
        elapsed = time.monotonic() - started
    assert outcome.plan is not None and len(outcome.plan.tickets) == 4
    # Serial would be 5 s: the split, then four tickets one after the other.
    assert elapsed < 3.5, f"{elapsed:.2f} s"
    assert stub.max_in_flight == 4
    assert len(server.requests) == 5
