"""The tracker's gates, end to end on a real database (SQLite, and PostgreSQL when available)."""

from __future__ import annotations

import pytest

from tests.support.clock import FakeClock
from tests.support.plans import plan, six_ticket_plan, spec
from tracker.errors import (
    CycleError,
    InvalidProof,
    LeaseError,
    PlanInvalid,
    ProofRequired,
    TransitionRefused,
)
from tracker.plan import PlannedTicket
from tracker.service import Tracker
from tracker.states import TicketStatus

PROOF = 'cmd:"true" exit=0'


def approved_six(tracker: Tracker) -> str:
    batch = tracker.import_plan(six_ticket_plan(), actor="tester")
    tracker.approve(batch.id, actor="U_LEAD")
    return batch.id


def statuses(tracker: Tracker, batch: str) -> dict[str, str]:
    return {t.id: t.status for t in tracker.tickets(batch=batch)}


def test_worker_loop_finishes_every_ticket_in_dependency_order(tracker: Tracker) -> None:
    batch = approved_six(tracker)
    order: list[str] = []
    while not tracker.oracle(batch).done:
        ticket = tracker.next(batch=batch, worker="w1")
        assert ticket is not None, tracker.oracle(batch).to_json()
        for dep in ticket.depends_on:
            assert statuses(tracker, batch)[dep] == "done"
        tracker.done(ticket.id, proof=PROOF, actor="w1")
        order.append(ticket.id)
    assert sorted(order) == sorted(statuses(tracker, batch))
    assert order.index("FM-1.1") < order.index("FM-1.2") < order.index("FM-1.3")
    assert order.index("FM-1.4") < order.index("FM-1.5") < order.index("FM-1.6")
    assert tracker.batch(batch).status == "done"
    assert tracker.next(batch=batch, worker="w1") is None


def test_ready_is_derived_from_dependencies(tracker: Tracker) -> None:
    batch = approved_six(tracker)
    assert [t.id for t in tracker.ready(batch=batch)] == ["FM-1.1"]
    tracker.done("FM-1.1", proof=PROOF, actor="w")
    assert [t.id for t in tracker.ready(batch=batch)] == ["FM-1.2", "FM-1.4"]


def test_planned_batch_has_nothing_ready_until_approved(tracker: Tracker) -> None:
    batch = tracker.import_plan(six_ticket_plan(), actor="tester").id
    assert tracker.ready(batch=batch) == []
    assert tracker.next(batch=batch, worker="w") is None
    verdict = tracker.oracle(batch)
    assert not verdict.done and "not approved" in verdict.why


def test_done_without_proof_is_refused_and_changes_nothing(tracker: Tracker) -> None:
    batch = approved_six(tracker)
    ticket = tracker.next(batch=batch, worker="w1")
    assert ticket is not None
    before = len(tracker.events(limit=1000))
    for bad in (None, "", "looks good to me", 'cmd:"pytest" exit=1', "pr:not-a-url"):
        with pytest.raises((ProofRequired, InvalidProof)):
            tracker.done(ticket.id, proof=bad, actor="w1")
    after = tracker.ticket(ticket.id)
    assert after.status == "active" and after.proof is None
    assert len(tracker.events(limit=1000)) == before


def test_human_gated_ticket_lets_the_oracle_pass(tracker: Tracker) -> None:
    batch = tracker.import_plan(plan(spec("a"), spec("b")), actor="t").id
    tracker.approve(batch, actor="U1")
    tracker.done("FM-1.1", proof="pr:https://github.com/acme/x/pull/7", actor="w")
    assert not tracker.oracle(batch).done
    tracker.set_status("FM-1.2", TicketStatus.HUMAN_GATED, actor="U1", reason="legal said no")
    verdict = tracker.oracle(batch)
    assert verdict.done, verdict.to_json()


def test_discovered_work_is_worked_before_the_oracle_passes(tracker: Tracker) -> None:
    batch = approved_six(tracker)
    worked: list[str] = []
    discovered = None
    while not tracker.oracle(batch).done:
        ticket = tracker.next(batch=batch, worker="w")
        assert ticket is not None
        if ticket.id == "FM-1.5" and discovered is None:
            discovered = tracker.discovered(
                origin="FM-1.5",
                spec=PlannedTicket.model_validate(spec("gap", title="Alert route is a no-op")),
                blocks=["FM-1.6"],
                actor="w",
            )
        tracker.done(ticket.id, proof=PROOF, actor="w")
        worked.append(ticket.id)
    assert discovered is not None and discovered.discovered_from == "FM-1.5"
    assert discovered.id == "FM-1.7"
    assert worked.index("FM-1.7") < worked.index("FM-1.6")
    assert tracker.ticket("FM-1.7").status == "done"


def test_discovered_work_reopens_a_finished_batch(tracker: Tracker) -> None:
    batch = tracker.import_plan(plan(spec("a")), actor="t").id
    tracker.approve(batch, actor="U1")
    tracker.done("FM-1.1", proof=PROOF, actor="w")
    assert tracker.oracle(batch).done and tracker.batch(batch).status == "done"
    tracker.discovered(origin="FM-1.1", spec=PlannedTicket.model_validate(spec("late")), actor="w")
    verdict = tracker.oracle(batch)
    assert not verdict.done
    assert [i.ticket for i in verdict.unfinished] == ["FM-1.2"]
    assert tracker.batch(batch).status == "approved"


def test_cycle_through_discovered_work_is_refused_and_named(tracker: Tracker) -> None:
    batch = approved_six(tracker)
    with pytest.raises(CycleError) as err:
        tracker.discovered(
            origin="FM-1.2",
            spec=PlannedTicket.model_validate(spec("loop")),
            blocks=["FM-1.2"],
            depends_on=["FM-1.3"],
            actor="w",
        )
    assert "FM-1.7" in str(err.value) and "FM-1.2" in str(err.value) and "→" in str(err.value)
    assert len(tracker.tickets(batch=batch)) == 6


def test_cycle_in_a_plan_is_refused_with_the_cycle_named(tracker: Tracker) -> None:
    cyclic = plan(spec("a", "c"), spec("b", "a"), spec("c", "b"))
    with pytest.raises(PlanInvalid) as err:
        tracker.import_plan(cyclic, actor="t")
    assert any("a → c → b → a" in p for p in err.value.problems), err.value.problems
    assert tracker.batches() == []


def test_lapsed_lease_returns_ticket_to_open_as_fake_active(
    tracker: Tracker, clock: FakeClock
) -> None:
    batch = approved_six(tracker)
    ticket = tracker.next(batch=batch, worker="w1")
    assert ticket is not None and ticket.claim is not None
    clock.advance(seconds=590)
    tracker.heartbeat(ticket.id, worker="w1")
    clock.advance(seconds=590)
    assert tracker.ticket(ticket.id).status == "active"
    clock.advance(seconds=20)
    view = tracker.ticket(ticket.id)
    assert view.status == "open" and view.ready and view.claim is None
    incidents = [e for e in tracker.events(subject=ticket.id) if e.kind == "fake_active"]
    assert len(incidents) == 1
    assert incidents[0].from_state == "active" and incidents[0].to_state == "open"
    assert incidents[0].data["worker"] == "w1"
    with pytest.raises(LeaseError):
        tracker.heartbeat(ticket.id, worker="w1")
    again = tracker.next(batch=batch, worker="w2")
    assert again is not None and again.id == ticket.id


def test_heartbeat_by_another_worker_is_refused(tracker: Tracker) -> None:
    batch = approved_six(tracker)
    ticket = tracker.next(batch=batch, worker="w1")
    assert ticket is not None
    with pytest.raises(LeaseError, match="claimed by w1"):
        tracker.heartbeat(ticket.id, worker="w2")
    with pytest.raises(LeaseError, match="claimed by w1"):
        tracker.done(ticket.id, proof=PROOF, actor="w2", worker="w2")


def test_next_gives_a_restarted_worker_its_own_claim_back(tracker: Tracker) -> None:
    batch = tracker.import_plan(plan(spec("a"), spec("b")), actor="t").id
    tracker.approve(batch, actor="U")
    first = tracker.next(batch=batch, worker="w1")
    again = tracker.next(batch=batch, worker="w1")
    other = tracker.next(batch=batch, worker="w2")
    assert first is not None and again is not None and other is not None
    assert first.id == again.id != other.id


def test_refused_transitions_raise_typed_errors_that_say_why(tracker: Tracker) -> None:
    batch = tracker.import_plan(plan(spec("a"), spec("b", "a")), actor="t").id
    with pytest.raises(TransitionRefused, match="draft"):
        tracker.done("FM-1.1", proof=PROOF, actor="w")
    tracker.approve(batch, actor="U1")
    with pytest.raises(TransitionRefused, match="already approved"):
        tracker.approve(batch, actor="U2")
    with pytest.raises(TransitionRefused, match=r"depends on FM-1\.1"):
        tracker.done("FM-1.2", proof=PROOF, actor="w")
    tracker.set_status("FM-1.1", TicketStatus.BLOCKED, actor="w", reason="needs a credential")
    with pytest.raises(TransitionRefused, match="blocked"):
        tracker.done("FM-1.1", proof=PROOF, actor="w")


def test_every_transition_is_in_the_event_log(tracker: Tracker) -> None:
    batch = approved_six(tracker)
    ticket = tracker.next(batch=batch, worker="w1")
    assert ticket is not None
    tracker.done(ticket.id, proof=PROOF, actor="w1")
    moves = [(e.kind, e.from_state, e.to_state, e.actor) for e in tracker.events(subject=ticket.id)]
    assert moves == [
        ("created", None, "draft", "tester"),
        ("transition", "draft", "open", "U_LEAD"),
        ("claimed", "open", "active", "w1"),
        ("done", "active", "done", "w1"),
    ]


def test_ticket_with_open_questions_stays_draft_on_approval(tracker: Tracker) -> None:
    batch = tracker.import_plan(
        plan(spec("a"), spec("b", open_questions=["Which region?"])), actor="t"
    ).id
    approval = tracker.approve(batch, actor="U1")
    assert approval.opened == ["FM-1.1"]
    assert "FM-1.2" in approval.kept_draft
    assert tracker.ticket("FM-1.2").status == "draft"


def test_plan_with_underspecified_ticket_is_refused(tracker: Tracker) -> None:
    bad = plan(spec("a", acceptance_criteria=["only one"]), spec("b", finish_line=""))
    with pytest.raises(PlanInvalid) as err:
        tracker.import_plan(bad, actor="t")
    assert any("acceptance criteria" in p for p in err.value.problems)
    assert any("finish line" in p for p in err.value.problems)
    assert tracker.batches() == []


def test_a_batch_never_gets_two_plans(tracker: Tracker) -> None:
    received = tracker.create_batch(title="x", request="x", actor="U1")
    tracker.import_plan(plan(spec("a")), actor="t", batch=received.id)
    with pytest.raises(TransitionRefused, match="already has a plan"):
        tracker.import_plan(plan(spec("b")), actor="t", batch=received.id)
    assert [t.key for t in tracker.tickets(batch=received.id)] == ["a"]


def test_validate_reports_and_heals(tracker: Tracker, clock: FakeClock) -> None:
    batch = approved_six(tracker)
    ticket = tracker.next(batch=batch, worker="w1")
    assert ticket is not None
    violations, _ = tracker.validate()
    assert violations == []
    clock.advance(hours=2)
    violations, _ = tracker.validate()
    assert [v.code for v in violations] == ["lease_lapsed"]
    violations, fixes = tracker.validate(fix=True)
    assert violations == [] and any("fake_active" in f for f in fixes)
    assert tracker.ticket(ticket.id).status == "open"


def test_validate_heals_done_without_proof_and_a_batch_done_too_early(tracker: Tracker) -> None:
    import sqlalchemy as sa

    batch = tracker.import_plan(plan(spec("a"), spec("b")), actor="t").id
    tracker.approve(batch, actor="U1")
    with tracker.store.engine.begin() as conn:  # simulate a bad write from outside the tracker
        conn.execute(sa.text("UPDATE ticket SET status='done' WHERE seq=1"))
        conn.execute(sa.text("UPDATE batch SET status='done'"))
    codes = {v.code for v in tracker.validate()[0]}
    assert {"done_without_proof", "batch_done_with_open_tickets"} <= codes
    violations, fixes = tracker.validate(fix=True)
    assert violations == [], violations
    assert tracker.ticket("FM-1.1").status == "open"
    assert tracker.batch(batch).status == "approved"
    assert len(fixes) == 2
