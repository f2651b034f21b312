"""The one gate every proposed plan passes, whichever planner wrote it."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from tracker.plan import FileHook, Plan, plan_problems

VERIFY_LANE = "verify"
# A finish line is a command a machine runs; prose ("it works") is not one.
_COMMAND_WORDS = {
    "pytest",
    "python",
    "python3",
    "make",
    "npm",
    "npx",
    "yarn",
    "pnpm",
    "go",
    "cargo",
    "bash",
    "sh",
    "tox",
    "nox",
    "uv",
    "poetry",
    "curl",
    "terraform",
    "kubectl",
    "docker",
    "foreman",
    "ruff",
    "mypy",
    "node",
    "mvn",
    "gradle",
    "./gradlew",
    "dotnet",
    "rake",
    "bundle",
    "test",
    "grep",
    "jq",
    "helm",
}


def finish_line_problem(finish_line: str) -> str | None:
    text = finish_line.strip()
    if not text:
        return "no finish line"
    if "\n" in text:
        return "finish line spans several lines; it must be one command"
    try:
        first = shlex.split(text)[0]
    except (ValueError, IndexError):
        return f"finish line {text!r} is not a command"
    if (
        first in _COMMAND_WORDS
        or first.startswith(("./", "scripts/", "bin/"))
        or re.fullmatch(r"[A-Z_]+=\S+", first)
    ):
        return None
    return f"finish line {text!r} does not start with a command a machine can run"


def plan_gate(plan: Plan, repo: Path) -> list[str]:
    """Every reason `plan` must not be stored: the tracker's rules plus the research rules."""
    problems = plan_problems(plan, repo)
    for ticket in plan.tickets:
        problem = finish_line_problem(ticket.finish_line)
        if problem and ticket.finish_line.strip():
            problems.append(f"{ticket.key}: {problem}")
    if plan.tickets and plan.tickets[-1].lane != VERIFY_LANE:
        problems.append("the last ticket must verify the live behaviour (lane 'verify')")
    if len(plan.tickets) > 1:
        last = plan.tickets[-1].key
        upstream = _ancestors(plan, last)
        missing = [t.key for t in plan.tickets[:-1] if t.key not in upstream]
        if missing:
            problems.append(
                f"{last} must come after every other ticket; it does not wait for "
                + ", ".join(missing)
            )
    return problems


def _ancestors(plan: Plan, key: str) -> set[str]:
    deps = {t.key: t.depends_on for t in plan.tickets}
    seen: set[str] = set()
    stack = list(deps.get(key, []))
    while stack:
        current = stack.pop()
        if current not in seen:
            seen.add(current)
            stack.extend(deps.get(current, []))
    return seen


def drop_missing_hooks(plan: Plan, repo: Path) -> tuple[Plan, list[str]]:
    """Remove hooks that name files which do not exist (and are not marked new)."""
    dropped: list[str] = []
    tickets = []
    for ticket in plan.tickets:
        kept: list[FileHook] = []
        for hook in ticket.file_hooks:
            path = Path(hook.path)
            inside = not path.is_absolute() and ".." not in path.parts
            if inside and (hook.new or (repo / path).is_file()):
                kept.append(hook)
            else:
                dropped.append(f"{ticket.key}: {hook.path}")
        tickets.append(ticket.model_copy(update={"file_hooks": kept}))
    return plan.model_copy(update={"tickets": tickets}), dropped
