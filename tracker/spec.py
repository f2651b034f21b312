"""What makes a ticket fully specified. Shared by plan import, approval and the ready set."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

MIN_ACCEPTANCE_CRITERIA = 2


class TicketSpec(Protocol):
    @property
    def title(self) -> str: ...
    @property
    def scope(self) -> str: ...
    @property
    def acceptance_criteria(self) -> list[str]: ...
    @property
    def test_plan(self) -> str: ...
    @property
    def finish_line(self) -> str: ...


def spec_problems(
    title: str,
    scope: str,
    acceptance_criteria: Sequence[str],
    test_plan: str,
    finish_line: str,
    file_hooks: Sequence[dict[str, Any]] = (),
) -> list[str]:
    """Everything missing before a worker could take the ticket with no question left."""
    problems: list[str] = []
    if not title.strip():
        problems.append("no title")
    if not scope.strip():
        problems.append("no scope")
    criteria = [c for c in acceptance_criteria if c.strip()]
    if len(criteria) < MIN_ACCEPTANCE_CRITERIA:
        problems.append(
            f"{len(criteria)} acceptance criteria (at least {MIN_ACCEPTANCE_CRITERIA} needed)"
        )
    if not test_plan.strip():
        problems.append("no test plan")
    if not finish_line.strip():
        problems.append("no finish line")
    for hook in file_hooks:
        if not str(hook.get("path", "")).strip():
            problems.append("a file hook has no path")
        elif not str(hook.get("why", "")).strip():
            problems.append(f"file hook {hook['path']} does not say why")
    return problems
