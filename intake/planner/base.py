"""What every planner is given and what it may answer."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from intake.index import RepositoryIndex
from tracker.plan import Plan


@dataclass(frozen=True)
class ResearchContext:
    request: str
    repo: Path
    index: RepositoryIndex


@dataclass(frozen=True)
class NeedsClarification:
    """Nothing actionable: ask this instead of inventing a plan."""

    question: str


class PlanningError(Exception):
    """The planner could not produce a plan; the message says what failed and what to do."""


class Planner(Protocol):
    name: str

    def plan(self, context: ResearchContext) -> Plan | NeedsClarification: ...
