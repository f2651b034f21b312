"""The plan shape that the research pass produces and `foreman import` reads.

See DESIGN.md: `key` is local to the plan and becomes FM-<n>.<k> in order. Extra fields are
accepted and ignored so planners can carry their own annotations.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from tracker.graph import find_cycle
from tracker.spec import spec_problems


class FileHook(BaseModel):
    model_config = ConfigDict(extra="ignore")

    path: str
    why: str = ""
    new: bool = False
    symbols: list[str] = Field(default_factory=list)


class PlannedTicket(BaseModel):
    model_config = ConfigDict(extra="ignore")

    key: str = Field(min_length=1, max_length=200)
    title: str = Field(min_length=1)
    scope: str = ""
    acceptance_criteria: list[str] = Field(default_factory=list)
    file_hooks: list[FileHook] = Field(default_factory=list)
    test_plan: str = ""
    finish_line: str = ""
    depends_on: list[str] = Field(default_factory=list)
    lane: str = "build"
    open_questions: list[str] = Field(default_factory=list)

    def problems(self) -> list[str]:
        return spec_problems(
            self.title,
            self.scope,
            self.acceptance_criteria,
            self.test_plan,
            self.finish_line,
            [hook.model_dump() for hook in self.file_hooks],
        )


class Plan(BaseModel):
    model_config = ConfigDict(extra="ignore")

    title: str = Field(min_length=1)
    request: str = ""
    repo: str = "."
    tickets: list[PlannedTicket] = Field(min_length=1)


def plan_problems(plan: Plan, repo_root: Path | None = None) -> list[str]:
    """Every reason this plan cannot be stored; empty when it can.

    `repo_root`, when given, must be the checkout the hooks refer to: a hook not marked
    `new` must name a file that exists there.
    """
    problems: list[str] = []
    keys = [t.key for t in plan.tickets]
    seen: set[str] = set()
    for key in keys:
        if key in seen:
            problems.append(f"ticket key {key!r} is used twice")
        seen.add(key)
    for ticket in plan.tickets:
        problems.extend(f"{ticket.key}: {p}" for p in ticket.problems())
        for dep in ticket.depends_on:
            if dep == ticket.key:
                problems.append(f"{ticket.key}: depends on itself")
            elif dep not in seen:
                problems.append(f"{ticket.key}: depends on unknown ticket {dep!r}")
        if repo_root is not None:
            for hook in ticket.file_hooks:
                problems.extend(_hook_problems(ticket.key, hook, repo_root))
    cycle = find_cycle({t.key: [d for d in t.depends_on if d != t.key] for t in plan.tickets})
    if cycle:
        problems.append("dependency cycle: " + " → ".join(cycle))
    return problems


def _hook_problems(key: str, hook: FileHook, repo_root: Path) -> list[str]:
    path = Path(hook.path)
    if path.is_absolute() or ".." in path.parts:
        return [f"{key}: file hook {hook.path} is outside the repository"]
    if not hook.new and not (repo_root / path).exists():
        return [f"{key}: file hook {hook.path} does not exist in {repo_root} (mark it new?)"]
    return []
