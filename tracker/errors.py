"""Typed refusals. Every message says what was refused and why, in one line."""

from __future__ import annotations


class TrackerError(Exception):
    """Base class: the operation was refused and nothing changed."""


class NotFound(TrackerError):
    pass


class InvalidReference(TrackerError):
    pass


class TransitionRefused(TrackerError):
    def __init__(self, subject: str, from_status: str, to_status: str, why: str) -> None:
        super().__init__(f"{subject}: {from_status} → {to_status} refused: {why}")
        self.subject = subject
        self.from_status = from_status
        self.to_status = to_status
        self.why = why


class ProofRequired(TrackerError):
    pass


class InvalidProof(TrackerError):
    pass


class LeaseError(TrackerError):
    pass


class CycleError(TrackerError):
    def __init__(self, cycle: list[str]) -> None:
        super().__init__("dependency cycle: " + " → ".join(cycle))
        self.cycle = cycle


class PlanInvalid(TrackerError):
    def __init__(self, problems: list[str]) -> None:
        head = problems[0] if problems else "plan is invalid"
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"plan refused: {head}{more}")
        self.problems = problems
