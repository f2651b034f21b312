"""What the LLM planner asks a model for, and the rules an answer must pass to be used.

Two answers: the split of a request into units of work, and the specification of one unit.
The JSON schemas follow OpenAI's strict mode (every property required, no other property
allowed) so one schema serves both providers. Answers are then parsed with pydantic models
that ignore unknown fields: whatever else a model puts in its answer (`"status":
"approved"`) has nowhere to go.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from intake.validation import finish_line_problem
from tracker.graph import find_cycle
from tracker.spec import MIN_ACCEPTANCE_CRITERIA

Lane = Literal["config", "infra", "build", "verify"]
LANES: Final[tuple[str, ...]] = ("config", "infra", "build", "verify")
VERIFY: Final = "verify"
KEY_RE: Final = re.compile(r"\A[a-z][a-z0-9-]{0,47}\Z")
# Each unit costs a model call and a ticket someone reviews; a request that needs more is
# several requests.
MAX_UNITS: Final = 10
_MAX_SCHEMA_ERRORS: Final = 8

SPLIT_NAME: Final = "plan_split"
TICKET_NAME: Final = "ticket_spec"


def _object(properties: dict[str, Any], description: str = "") -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }
    if description:
        schema["description"] = description
    return schema


def _text(description: str) -> dict[str, Any]:
    return {"type": "string", "description": description}


def _texts(description: str) -> dict[str, Any]:
    return {"type": "array", "items": {"type": "string"}, "description": description}


SPLIT_SCHEMA: Final[dict[str, Any]] = _object(
    {
        "title": _text("A short title for the whole plan, in the request's terms."),
        "question": {
            "type": ["string", "null"],
            "description": (
                "Only when nothing in the request can be acted on: the one question whose"
                " answer would make it actionable. Otherwise null."
            ),
        },
        "units": {
            "type": "array",
            "description": "The units of work, empty only when asking a question.",
            "items": _object(
                {
                    "key": _text(
                        "Unique slug: lowercase letters, digits and hyphens, starting with a"
                        " letter, at most 48 characters (e.g. job-metrics)."
                    ),
                    "title": _text("What this unit delivers, as a ticket title."),
                    "lane": {
                        "type": "string",
                        "enum": list(LANES),
                        "description": (
                            "config: settings and flags; infra: deployment, permissions,"
                            " infrastructure code; build: code changes; verify: checks of"
                            " the live behaviour once the rest is merged."
                        ),
                    },
                    "intent": _text("One line: what changes, where, and why."),
                    "depends_on": _texts("Keys of the units that must be done first."),
                }
            ),
        },
    }
)

TICKET_SCHEMA: Final[dict[str, Any]] = _object(
    {
        "scope": _text("What is in and out of this ticket, precisely enough to need no question."),
        "acceptance_criteria": _texts(
            "At least two criteria, each checkable by a test or a command."
        ),
        "file_hooks": {
            "type": "array",
            "description": "The files to change (existing paths) or to create (new: true).",
            "items": _object(
                {
                    "path": _text("Path relative to the repository root."),
                    "why": _text("Why this file: what in it the change touches."),
                    "new": {"type": "boolean", "description": "true for a file to create."},
                    "symbols": _texts("Classes, functions or methods in the file to touch."),
                }
            ),
        },
        "test_plan": _text("The tests to write or run, naming the test files."),
        "finish_line": _text("One shell command that exits 0 once the ticket is done."),
        "open_questions": _texts("Only what a person must decide; empty when nothing is open."),
    }
)


class _Answer(BaseModel):
    # strict: "yes" is not a boolean and "a, b" is not a list; the model is told so and
    # corrects itself rather than having its answer guessed at.
    model_config = ConfigDict(extra="ignore", strict=True, frozen=True)


class Unit(_Answer):
    key: str
    title: str
    lane: Lane
    intent: str
    depends_on: list[str] = Field(default_factory=list)


class Split(_Answer):
    title: str
    question: str | None = None
    units: list[Unit] = Field(default_factory=list)


class Hook(_Answer):
    path: str
    why: str
    new: bool = False
    symbols: list[str] = Field(default_factory=list)


class TicketAnswer(_Answer):
    scope: str
    acceptance_criteria: list[str]
    file_hooks: list[Hook]
    test_plan: str
    finish_line: str
    open_questions: list[str] = Field(default_factory=list)


def schema_errors(exc: ValidationError) -> list[str]:
    """Pydantic's complaints as lines a model can act on: `units[0].lane: Input should …`."""
    lines: list[str] = []
    for error in exc.errors()[:_MAX_SCHEMA_ERRORS]:
        where = ""
        for part in error["loc"]:
            where += f"[{part}]" if isinstance(part, int) else f".{part}"
        lines.append(f"{where.lstrip('.') or 'answer'}: {error['msg']}")
    if exc.error_count() > _MAX_SCHEMA_ERRORS:
        lines.append(f"… and {exc.error_count() - _MAX_SCHEMA_ERRORS} more schema errors")
    return lines


# -- the split --------------------------------------------------------------------------


def split_problems(answer: dict[str, Any]) -> list[str]:
    try:
        split = Split.model_validate(answer)
    except ValidationError as exc:
        return schema_errors(exc)
    return split_rules(split)


def split_rules(split: Split) -> list[str]:
    return [*_shape_problems(split), *_unit_problems(split.units), *_graph_problems(split.units)]


def _shape_problems(split: Split) -> list[str]:
    problems: list[str] = []
    question = (split.question or "").strip()
    if question and split.units:
        problems.append("give either units of work or a question, not both (question is set)")
    if not question and not split.units:
        problems.append("no units of work and no question: split the request or ask one question")
    if split.units and not split.title.strip():
        problems.append("title is empty")
    if len(split.units) > MAX_UNITS:
        problems.append(f"{len(split.units)} units; at most {MAX_UNITS}: merge related work")
    if split.units and not any(unit.lane == "build" for unit in split.units):
        problems.append("no unit in lane 'build': at least one unit must change the code")
    return problems


def _unit_problems(units: list[Unit]) -> list[str]:
    problems: list[str] = []
    keys: set[str] = set()
    for n, unit in enumerate(units):
        if not KEY_RE.match(unit.key):
            problems.append(
                f"units[{n}].key {unit.key!r} must be lowercase letters, digits and hyphens,"
                " starting with a letter (e.g. job-metrics)"
            )
        if unit.key in keys:
            problems.append(f"key {unit.key!r} is used by two units")
        keys.add(unit.key)
        if not unit.title.strip():
            problems.append(f"unit {unit.key!r} has no title")
        if not unit.intent.strip():
            problems.append(f"unit {unit.key!r} has no intent")
    return problems


def _graph_problems(units: list[Unit]) -> list[str]:
    problems: list[str] = []
    keys = {unit.key for unit in units}
    for unit in units:
        for dep in unit.depends_on:
            if dep == unit.key:
                problems.append(f"unit {unit.key!r} depends on itself")
            elif dep not in keys:
                problems.append(f"unit {unit.key!r} depends on unknown key {dep!r}")
    cycle = find_cycle({u.key: [d for d in u.depends_on if d != u.key] for u in units})
    if cycle:
        problems.append(
            "dependency cycle: " + " → ".join(cycle) + ": remove one of these dependencies"
        )
    return problems


# -- one ticket -------------------------------------------------------------------------


def clean_path(path: str) -> str:
    """The repository-relative form models tend to vary: `./a.py`, `a\\b.py`, `/a.py`."""
    text = path.strip().replace("\\", "/")
    while text.startswith("./"):
        text = text[2:]
    return text


def hook_path_problem(hook: Hook, repo: Path) -> str | None:
    """Why this hook's path cannot be kept, or None. Such hooks are dropped, not guessed at."""
    path = clean_path(hook.path)
    if not path:
        return "a file hook has no path"
    parts = PurePosixPath(path).parts
    if path.startswith("/") or ".." in parts:
        return f"file hook {path} is outside the repository: give a path relative to its root"
    if not hook.new and not (repo / path).is_file():
        return (
            f"file hook {path} does not exist in the repository: use a path from the code"
            " context, or set new: true for a file to create"
        )
    return None


def ticket_problems(answer: dict[str, Any], repo: Path) -> list[str]:
    try:
        ticket = TicketAnswer.model_validate(answer)
    except ValidationError as exc:
        return schema_errors(exc)
    problems = ticket_rules(ticket)
    problems.extend(p for hook in ticket.file_hooks if (p := hook_path_problem(hook, repo)))
    return problems


def ticket_rules(ticket: TicketAnswer, *, need_hooks: bool = True) -> list[str]:
    """Everything but the hook paths: what no amount of dropping can repair."""
    problems: list[str] = []
    if not ticket.scope.strip():
        problems.append("scope is empty")
    criteria = {c.strip().lower() for c in ticket.acceptance_criteria if c.strip()}
    if len(criteria) < MIN_ACCEPTANCE_CRITERIA:
        problems.append(
            f"{len(criteria)} distinct acceptance criteria; at least {MIN_ACCEPTANCE_CRITERIA},"
            " each checkable by a test or a command"
        )
    if not ticket.test_plan.strip():
        problems.append("test_plan is empty: name the tests to write or run")
    finish = finish_line_problem(ticket.finish_line)
    if finish:
        problems.append(f"{finish}: give one shell command that exits 0 when the ticket is done")
    if need_hooks and not ticket.file_hooks:
        problems.append(
            "no file hooks: name the existing files to change (see the code context) or the"
            " files to create (new: true)"
        )
    for hook in ticket.file_hooks:
        if clean_path(hook.path) and not hook.why.strip():
            problems.append(f"file hook {clean_path(hook.path)} does not say why")
    return problems
