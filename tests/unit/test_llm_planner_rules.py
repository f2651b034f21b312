"""The LLM planner's schemas, answer rules, plan shaping and prompt hygiene, without HTTP."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest

from intake.index import RepositoryIndex
from intake.planner.llm import salvage, with_final_verify
from intake.planner.llm_context import MAX_FILE_LINES, Retriever
from intake.planner.llm_prompts import data, defuse
from intake.planner.llm_schema import (
    SPLIT_SCHEMA,
    TICKET_SCHEMA,
    Split,
    TicketAnswer,
    Unit,
    split_problems,
    ticket_problems,
)
from tests.support.planner_stub import SPLIT, make_repo, ticket, unit


def strict_objects(schema: Any, where: str = "$") -> list[str]:
    """Every object schema that breaks OpenAI's strict-mode rules."""
    bad: list[str] = []
    if isinstance(schema, dict):
        if schema.get("type") == "object":
            if schema.get("additionalProperties") is not False:
                bad.append(f"{where}: additionalProperties must be false")
            if sorted(schema.get("required", [])) != sorted(schema.get("properties", {})):
                bad.append(f"{where}: every property must be required")
        for key, value in schema.items():
            bad.extend(strict_objects(value, f"{where}.{key}"))
    elif isinstance(schema, list):
        for n, value in enumerate(schema):
            bad.extend(strict_objects(value, f"{where}[{n}]"))
    return bad


@pytest.mark.parametrize(
    ("schema", "model"), [(SPLIT_SCHEMA, Split), (TICKET_SCHEMA, TicketAnswer)]
)
def test_schemas_follow_strict_mode_and_match_the_models(schema: Any, model: Any) -> None:
    assert strict_objects(schema) == []
    assert set(schema["properties"]) == set(model.model_fields)
    jsonschema.Draft202012Validator.check_schema(schema)


def test_the_example_answers_are_valid_under_the_schemas() -> None:
    jsonschema.validate(SPLIT, SPLIT_SCHEMA)
    jsonschema.validate(ticket("metrics"), TICKET_SCHEMA)


def split_of(*units: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"title": "Plan", "question": None, "units": list(units), **extra}


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        (split_of(unit("a", "build"), unit("a", "build")), "key 'a' is used by two units"),
        (split_of(unit("a", "build", "zzz")), "unit 'a' depends on unknown key 'zzz'"),
        (split_of(unit("a", "build", "a")), "unit 'a' depends on itself"),
        (
            split_of(unit("a", "build", "c"), unit("b", "build", "a"), unit("c", "build", "b")),
            "dependency cycle: a → c → b → a",
        ),
        (split_of(unit("a", "config")), "no unit in lane 'build'"),
        (split_of(unit("Job Metrics", "build")), "units[0].key 'Job Metrics' must be lowercase"),
        (split_of(), "no units of work and no question"),
        (split_of(unit("a", "build"), question="Which service?"), "give either units of work or"),
        (split_of(*(unit(f"u{n}", "build") for n in range(11))), "11 units; at most 10"),
        (split_of(unit("a", "ops")), "units[0].lane: Input should be 'config', 'infra'"),
        ({"title": "Plan", "units": "a, b"}, "units: Input should be a valid list"),
    ],
)
def test_split_rules_name_the_problem(answer: dict[str, Any], problem: str) -> None:
    problems = split_problems(answer)
    assert any(p.startswith(problem) for p in problems), problems


def test_a_question_alone_and_unknown_fields_are_accepted() -> None:
    assert split_problems({"title": "", "question": "What?", "units": [], "status": "ok"}) == []
    assert split_problems(SPLIT) == []


def test_ticket_rules(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    assert ticket_problems(ticket("paging"), repo) == []
    hooks = [
        {"path": "../etc/passwd", "why": "x", "new": True, "symbols": []},
        {"path": "/abs.py", "why": "x", "new": True, "symbols": []},
        {"path": "app/none.py", "why": "x", "new": False, "symbols": []},
        {"path": "app/new.py", "why": "x", "new": True, "symbols": []},
        {"path": "app/config.py", "why": " ", "new": False, "symbols": []},
    ]
    problems = ticket_problems(
        ticket("x", file_hooks=hooks, acceptance_criteria=["Same", "same "], finish_line="done"),
        repo,
    )
    assert problems == [
        "1 distinct acceptance criteria; at least 2, each checkable by a test or a command",
        "finish line 'done' does not start with a command a machine can run: give one shell"
        " command that exits 0 when the ticket is done",
        "file hook app/config.py does not say why",
        "file hook ../etc/passwd is outside the repository: give a path relative to its root",
        "file hook /abs.py is outside the repository: give a path relative to its root",
        "file hook app/none.py does not exist in the repository: use a path from the code"
        " context, or set new: true for a file to create",
    ]
    assert "no file hooks" in ticket_problems(ticket("x", file_hooks=[]), repo)[0]


def test_salvage_drops_missing_hooks_only_when_nothing_else_is_wrong(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    missing = {"path": "app/gone.py", "why": "x", "new": False, "symbols": []}
    real = {"path": "app/alerts.py", "why": "x", "new": False, "symbols": []}
    saved = salvage(json.dumps(ticket("p", file_hooks=[real, missing])), repo)
    assert saved is not None
    assert [h.path for h in saved.answer.file_hooks] == ["app/alerts.py"]
    assert saved.dropped == ["app/gone.py"]
    assert salvage(json.dumps(ticket("p", file_hooks=[missing], scope="")), repo) is None
    assert salvage(json.dumps(ticket("p")), repo) is None  # nothing to drop: not the problem
    assert salvage("{not json", repo) is None


def units(*items: dict[str, Any]) -> list[Unit]:
    return [Unit.model_validate(item) for item in items]


def test_the_model_verify_unit_is_last_and_waits_for_every_sink() -> None:
    shaped = with_final_verify(
        units(
            unit("check", "verify", "b"),
            unit("a", "config"),
            unit("b", "build", "a"),
            unit("c", "build", "a"),
        ),
        "Plan",
    )
    assert [u.key for u in shaped] == ["a", "b", "c", "check"]
    assert shaped[-1].depends_on == ["b", "c"]


def test_a_verify_unit_is_added_when_the_only_one_is_depended_upon() -> None:
    shaped = with_final_verify(
        units(unit("verify-live", "verify"), unit("b", "build", "verify-live")), "Plan"
    )
    assert [u.key for u in shaped] == ["verify-live", "b", "verify-live-2"]
    assert (shaped[-1].lane, shaped[-1].depends_on) == ("verify", ["b"])
    assert shaped[-1].title == "Verify live: Plan"


def test_data_cannot_close_or_open_its_block() -> None:
    text = "a </request> b <REQUEST> c </ file> d <ticket key='x'> <div></div>"
    assert defuse(text) == "a ‹/request> b ‹REQUEST> c ‹/ file> d ‹ticket key='x'> <div></div>"
    block = data("file", "</file>", path='x".py')
    assert block == '<file path="x\'.py">\n‹/file>\n</file>'


def test_code_context_has_numbered_bounded_excerpts(tmp_path: Path) -> None:
    filler = "\n".join(f"        value_{n} = {n}" for n in range(30))
    methods = "\n".join(f"    def run_huge_{name}(self):\n{filler}" for name in "abc")
    repo = make_repo(tmp_path / "repo", {"jobs/huge.py": f"class HugeRunner:\n{methods}\n"})
    index = RepositoryIndex.build(repo, tmp_path / "cache")
    context = Retriever(index).context("run the huge runner", top=3)
    assert context.paths[0] == "jobs/huge.py"
    lines = context.excerpts[0].text.splitlines()
    # Windows around the matched definitions, numbered as in the file, gaps marked.
    assert lines[:2] == [" 1 | class HugeRunner:", " 2 |     def run_huge_a(self):"]
    assert "   | …" in lines and "33 |     def run_huge_b(self):" in lines
    assert len(lines) <= MAX_FILE_LINES + 2
    assert "tests/test_runner.py" in context.test_files
    small = Retriever(index).context("run the huge runner", top=3, max_chars=200)
    assert small.excerpts[0].text.endswith("| … (cut)")
    assert sum(len(e.text) for e in small.excerpts) < 260
