"""Plans for tests: small, fully specified, with explicit dependencies."""

from __future__ import annotations

from typing import Any

from tracker.plan import Plan


def spec(key: str, *deps: str, title: str | None = None, **extra: Any) -> dict[str, Any]:
    ticket: dict[str, Any] = {
        "key": key,
        "title": title or f"Do {key}",
        "scope": f"Everything {key} needs, nothing else.",
        "acceptance_criteria": [f"{key} works", f"{key} is tested"],
        "file_hooks": [],
        "test_plan": f"pytest tests/test_{key}.py",
        "finish_line": f"pytest tests/test_{key}.py",
        "depends_on": list(deps),
        "lane": "build",
        "open_questions": [],
    }
    ticket.update(extra)
    return ticket


def plan(*tickets: dict[str, Any], title: str = "Test batch") -> Plan:
    return Plan.model_validate(
        {"title": title, "request": title, "repo": ".", "tickets": list(tickets)}
    )


def six_ticket_plan() -> Plan:
    """config → store → api; config → metrics; (metrics, api) → alerts → verify."""
    return plan(
        spec("config"),
        spec("store", "config"),
        spec("api", "store"),
        spec("metrics", "config"),
        spec("alerts", "metrics", "api"),
        spec("verify", "alerts"),
        title="Seed loop",
    )
