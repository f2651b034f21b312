"""The research pass: read the repository, let a planner propose, keep only what passes."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from intake.index import RepositoryIndex
from intake.planner.base import NeedsClarification, Planner, PlanningError, ResearchContext
from intake.validation import drop_missing_hooks, plan_gate
from tracker.plan import Plan

log = logging.getLogger("foreman.research")


@dataclass(frozen=True)
class Researched:
    plan: Plan | None
    question: str | None = None
    dropped_hooks: list[str] = field(default_factory=list)


def research(
    request: str, repo: Path, planner: Planner, *, cache_dir: Path | None = None
) -> Researched:
    """Plan `request` against `repo`. Raises PlanningError when no valid plan comes out."""
    if not repo.is_dir():
        raise PlanningError(f"repository {repo} is not a directory: set FOREMAN_REPO or --repo")
    index = RepositoryIndex.build(repo, cache_dir)
    proposed = planner.plan(ResearchContext(request=request, repo=repo, index=index))
    if isinstance(proposed, NeedsClarification):
        return Researched(plan=None, question=proposed.question)
    plan, dropped = drop_missing_hooks(proposed, repo)
    if dropped:
        log.info("dropped hooks that do not exist: %s", ", ".join(dropped))
    problems = plan_gate(plan, repo)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise PlanningError(
            f"the {planner.name} planner's plan failed validation: {problems[0]}{more}"
        )
    return Researched(plan=plan, dropped_hooks=dropped)
