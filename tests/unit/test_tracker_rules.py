"""Pure rules of the tracker: proof, references, graphs, plan validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.plans import plan, spec
from tracker import ids
from tracker.errors import InvalidProof, InvalidReference, ProofRequired
from tracker.graph import find_cycle, topological_order
from tracker.plan import plan_problems
from tracker.proof import parse_proof


@pytest.mark.parametrize(
    ("text", "kind", "ref"),
    [
        ('cmd:"pytest tests/x.py" exit=0', "cmd", "pytest tests/x.py"),
        ("cmd:'make check' exit=0", "cmd", "make check"),
        ("cmd:true exit=0", "cmd", "true"),
        ("pr:https://github.com/acme/x/pull/12", "pr", "https://github.com/acme/x/pull/12"),
        ("ci:https://ci.example.com/runs/482", "ci", "https://ci.example.com/runs/482"),
        ("url: https://status.example.com/ ", "url", "https://status.example.com/"),
    ],
)
def test_proof_kinds_are_parsed(text: str, kind: str, ref: str) -> None:
    proof = parse_proof(text)
    assert (proof.kind, proof.ref) == (kind, ref)


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        (None, ProofRequired, "done needs proof"),
        ("   ", ProofRequired, "done needs proof"),
        ("it works on my machine", InvalidProof, "unrecognised proof"),
        ('cmd:"pytest"', InvalidProof, "exit status"),
        ('cmd:"pytest" exit=1', InvalidProof, "exited 1"),
        ("pr:#12", InvalidProof, "http(s) URL"),
        ("url:ftp://x/y", InvalidProof, "http(s) URL"),
    ],
)
def test_weak_proof_is_refused_with_a_reason(text: str | None, error: type, message: str) -> None:
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_proof(text)


def test_references_round_trip_and_reject_garbage() -> None:
    assert ids.parse_ticket(ids.ticket_ref(7, 3)) == (7, 3)
    assert ids.parse_batch("fm-12") == 12
    assert ids.parse_ask("ASK-4") == 4
    for bad in ("FM-7", "7.3", "FM-x.1", ""):
        with pytest.raises(InvalidReference):
            ids.parse_ticket(bad)


def test_find_cycle_names_the_cycle_and_ignores_acyclic_graphs() -> None:
    assert find_cycle({"a": ["b"], "b": ["c"], "c": []}) is None
    cycle = find_cycle({"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a"]})
    assert cycle is not None and cycle[0] == cycle[-1] and set(cycle) == {"a", "b", "c"}


def test_find_cycle_handles_deep_chains_without_recursion() -> None:
    chain = {i: [i + 1] for i in range(20_000)}
    assert find_cycle(chain) is None
    chain[20_000] = [0]
    assert find_cycle(chain) is not None


def test_topological_order_puts_dependencies_first_and_keeps_plan_order() -> None:
    order = topological_order(["v", "a", "m", "c"], {"v": ["a", "m"], "a": ["c"], "m": ["c"]})
    assert order == ["c", "a", "m", "v"]


def test_plan_problems_lists_every_defect() -> None:
    bad = plan(
        spec("a", "ghost"),
        spec("a"),
        spec("b", "b"),
        spec("c", acceptance_criteria=["one"], finish_line=" ", test_plan=""),
    )
    problems = plan_problems(bad)
    assert "ticket key 'a' is used twice" in problems
    assert "a: depends on unknown ticket 'ghost'" in problems
    assert "b: depends on itself" in problems
    assert "c: 1 acceptance criteria (at least 2 needed)" in problems
    assert "c: no finish line" in problems and "c: no test plan" in problems


def test_hooks_must_exist_unless_marked_new(tmp_path: Path) -> None:
    (tmp_path / "jobs").mkdir()
    (tmp_path / "jobs" / "runner.py").write_text("")
    hooks = [
        {"path": "jobs/runner.py", "why": "every job passes through run()"},
        {"path": "jobs/telemetry.py", "why": "meter definitions", "new": True},
        {"path": "jobs/imaginary.py", "why": "hallucinated"},
        {"path": "../etc/passwd", "why": "escape"},
    ]
    problems = plan_problems(plan(spec("a", file_hooks=hooks)), tmp_path)
    assert problems == [
        f"a: file hook jobs/imaginary.py does not exist in {tmp_path} (mark it new?)",
        "a: file hook ../etc/passwd is outside the repository",
    ]
