"""A small repository to plan against, and a model that answers the LLM planner's calls.

    stub = PlannerStub(tickets={"metrics": [bad_answer, good_answer]})
    with OpenAIServer(default=stub) as server: ...

The stub tells the split call from a ticket call by the schema name, and a ticket call's
unit by the `<ticket key="…">` block of its prompt, so parallel calls in any order get the
answers scripted for them.
"""

from __future__ import annotations

import re
import threading
import time
from collections import deque
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from intake.planner.llm_schema import SPLIT_NAME, TICKET_NAME
from tests.support.llm_servers import Answer, Behaviour, RecordedRequest, Status

FILES: dict[str, str] = {
    "jobs/__init__.py": "",
    "jobs/runner.py": '''"""Runs every scheduled job: the one place each job passes through."""

import time


class JobRunner:
    """Runs jobs one at a time and remembers the last outcome of each."""

    def __init__(self, jobs):
        self.jobs = jobs
        self.outcomes = {}

    def run(self, name):
        """Run one job by name; record ok or error."""
        started = time.monotonic()
        try:
            self.jobs[name]()
        except Exception:
            self.outcomes[name] = "error"
            raise
        self.outcomes[name] = "ok"
        return time.monotonic() - started
''',
    "app/__init__.py": "",
    "app/config.py": '''"""Settings read from the environment."""

import os


class Settings:
    """Every knob of the app."""

    def __init__(self):
        self.database_url = os.environ.get("DATABASE_URL", "sqlite://")
        self.pager_channel = os.environ.get("PAGER_CHANNEL", "")
''',
    "app/alerts.py": '''"""Paging the on-call person when something breaks."""


def page_oncall(channel, message):
    """Send a page to the on-call channel."""
    print(f"PAGE {channel}: {message}")


def error_rate(outcomes):
    """Share of failed jobs among the recorded outcomes."""
    if not outcomes:
        return 0.0
    return sum(1 for o in outcomes.values() if o == "error") / len(outcomes)
''',
    "tests/__init__.py": "",
    "tests/test_runner.py": """from jobs.runner import JobRunner


def test_run_records_ok():
    runner = JobRunner({"a": lambda: None})
    runner.run("a")
    assert runner.outcomes["a"] == "ok"
""",
    "tests/test_alerts.py": """from app.alerts import error_rate


def test_error_rate_of_nothing_is_zero():
    assert error_rate({}) == 0.0
""",
    "README.md": "# ingest\n\nRuns the ingest jobs and pages the on-call when they fail.\n",
}


def make_repo(root: Path, extra: Mapping[str, str] | None = None) -> Path:
    for path, text in {**FILES, **(extra or {})}.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return root


def unit(key: str, lane: str, *deps: str, title: str | None = None) -> dict[str, Any]:
    return {
        "key": key,
        "title": title or f"Do {key}",
        "lane": lane,
        "intent": f"{key}: change what the request asks for",
        "depends_on": list(deps),
    }


SPLIT: dict[str, Any] = {
    "title": "Job metrics and paging",
    "question": None,
    "units": [
        unit("config", "config", title="Add the pager channel setting to Settings"),
        unit("metrics", "build", "config", title="Record job run outcomes in JobRunner.run"),
        unit("paging", "build", "metrics", title="Page the on-call when the error rate is high"),
        unit("verify-live", "verify", "paging", title="Verify live: a failing job pages"),
    ],
}

HOOKS: dict[str, list[dict[str, Any]]] = {
    "config": [{"path": "app/config.py", "why": "Settings holds every knob", "new": False,
                "symbols": ["Settings"]}],
    "metrics": [
        {"path": "jobs/runner.py", "why": "JobRunner.run is where every job passes",
         "new": False, "symbols": ["JobRunner.run"]},
        {"path": "jobs/telemetry.py", "why": "new: the counters", "new": True, "symbols": []},
    ],
    "paging": [{"path": "app/alerts.py", "why": "page_oncall sends the page", "new": False,
                "symbols": ["page_oncall", "error_rate"]}],
    "verify-live": [{"path": "scripts/synthetic_failure.py", "why": "new: fails a job on demand",
                     "new": True, "symbols": []}],
}  # fmt: skip


def ticket(key: str, **changes: Any) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "scope": f"Only what {key} needs; nothing else changes.",
        "acceptance_criteria": [f"{key}: the new behaviour is covered by a test",
                                f"{key}: existing tests still pass"],
        "file_hooks": HOOKS.get(key, [{"path": "jobs/runner.py", "why": "the job loop",
                                       "new": False, "symbols": []}]),
        "test_plan": f"tests/test_{key.replace('-', '_')}.py (new) beside tests/test_runner.py",
        "finish_line": f"pytest tests/test_{key.replace('-', '_')}.py",
        "open_questions": [],
    }  # fmt: skip
    answer.update(changes)
    return answer


Scripted = Behaviour | Mapping[str, Any]


def _behaviour(item: Scripted) -> Behaviour:
    return Answer(item) if isinstance(item, Mapping) else item


def schema_name(body: Mapping[str, Any]) -> str:
    if "response_format" in body:
        return str(body["response_format"]["json_schema"]["name"])
    return str(body["tool_choice"]["name"])


def user_texts(body: Mapping[str, Any]) -> list[str]:
    """Every user turn, first the prompt then any corrections (both providers)."""
    return [m["content"] for m in body["messages"] if m["role"] == "user"]


def system_text(body: Mapping[str, Any]) -> str:
    if "system" in body:
        return str(body["system"])
    return str(body["messages"][0]["content"])


_TICKET_KEY = re.compile(r'<ticket key="([^"]+)"')


def ticket_key(body: Mapping[str, Any]) -> str | None:
    found = _TICKET_KEY.search(user_texts(body)[0])
    return found.group(1) if found else None


class PlannerStub:
    """Answers by call: the split script, then each unit's script, else good answers."""

    def __init__(
        self,
        split: Iterable[Scripted] = (),
        tickets: Mapping[str, Iterable[Scripted]] | None = None,
        *,
        default_split: Mapping[str, Any] = SPLIT,
        delay: float = 0.0,
    ) -> None:
        self._lock = threading.Lock()
        self._split = deque(split)
        self._tickets = {key: deque(items) for key, items in (tickets or {}).items()}
        self.default_split = default_split
        self.delay = delay
        self.in_flight = 0
        self.max_in_flight = 0

    def __call__(self, body: dict[str, Any]) -> Behaviour:
        with self._lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.delay:
                time.sleep(self.delay)  # on the server's thread: calls overlap only if sent so
            return self._answer(body)
        finally:
            with self._lock:
                self.in_flight -= 1

    def _answer(self, body: dict[str, Any]) -> Behaviour:
        name = schema_name(body)
        with self._lock:
            if name == SPLIT_NAME:
                return _behaviour(self._split.popleft() if self._split else self.default_split)
            if name == TICKET_NAME:
                key = ticket_key(body) or "?"
                queue = self._tickets.get(key)
                return _behaviour(queue.popleft() if queue else ticket(key))
        return Status(400, f"stub: unknown schema {name}")


def calls(requests: Iterable[RecordedRequest], kind: str, key: str | None = None) -> list[Any]:
    """The bodies of the split calls, or of one ticket's calls, in the order they came."""
    found = [r.body for r in requests if isinstance(r.body, dict) and schema_name(r.body) == kind]
    if key is not None:
        found = [body for body in found if ticket_key(body) == key]
    return found
