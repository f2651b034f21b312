"""Asks against a real database: dedupe, who decides, one decision, effects, time, failures."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlmodel import select

from bot.cli import main
from escalation.ask_model import (
    AlreadyDecided,
    AskExpired,
    AskPolicy,
    AskRefused,
    NotAllowed,
    Raised,
)
from escalation.asks import Escalations
from tests.support.clock import FakeClock
from tests.support.plans import plan, spec
from tracker.models import Ask
from tracker.service import Tracker


@pytest.fixture
def esc(tracker: Tracker) -> Escalations:
    return Escalations(tracker, AskPolicy(), default_approvers=lambda: ["U_DANA"])


@pytest.fixture
def claimed(tracker: Tracker) -> str:
    """An approved two-ticket batch whose first ticket a worker has claimed."""
    tracker.import_plan(plan(spec("config"), spec("metrics", "config")), actor="planner")
    tracker.approve("FM-1", actor="U_ALICE")
    ticket = tracker.next(batch="FM-1", worker="w1")
    assert ticket is not None
    return ticket.id


def _wall(esc: Escalations, ticket: str, **extra: object) -> Raised:
    values: dict[str, object] = {
        "kind": "permission",
        "action": "Grant roles/monitoring.metricWriter to runner@acme-prod.iam",
        "why": "metric writes are rejected",
        "actor": "w1",
    }
    values.update(extra)
    return esc.wall(ticket, **values)  # type: ignore[arg-type]


def test_a_wall_blocks_the_ticket_and_the_same_wall_is_the_same_ask(
    esc: Escalations, tracker: Tracker, claimed: str, clock: FakeClock
) -> None:
    first = esc.wall(
        claimed, kind="permission", action="Grant roles/x  to runner", why="w", actor="w1"
    )
    assert first.created and tracker.ticket(claimed).status == "blocked"
    assert tracker.ticket(claimed).claim is None  # the worker's lease is gone with the wall
    clock.advance(hours=2)
    again = esc.wall(
        claimed, kind="permission", action="grant roles/x to runner", why="w", actor="w1"
    )
    assert not again.created and again.ask.id == first.ask.id
    assert again.ask.occurrences == 2 and again.ask.last_seen == clock.now
    other = esc.wall(
        claimed, kind="credential", action="Grant roles/x to runner", why="w", actor="w1"
    )
    assert other.created  # another kind is another wall
    assert [a.id for a in esc.asks(open_only=True)] == ["ASK-1", "ASK-2"]


def test_concurrent_walls_from_two_processes_make_one_ask(db_url: str, claimed: str) -> None:
    trackers = [Tracker.open(db_url) for _ in range(2)]
    try:
        people = [Escalations(t) for t in trackers]
        barrier = threading.Barrier(8)

        def hit(i: int) -> None:
            barrier.wait()
            _wall(people[i % 2], claimed, actor=f"w{i}")

        threads = [threading.Thread(target=hit, args=(i,)) for i in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        found = people[0].asks()
        assert len(found) == 1 and found[0].occurrences == 8
    finally:
        for t in trackers:
            t.close()


def test_only_an_approver_decides_and_a_refusal_is_recorded(
    esc: Escalations, tracker: Tracker, claimed: str
) -> None:
    _wall(esc, claimed)
    with pytest.raises(NotAllowed) as refused:
        esc.decide("ASK-1", "approve", by="U_MALLORY")
    assert refused.value.deciders == ["U_DANA"]
    assert tracker.ticket(claimed).status == "blocked"
    attempt = tracker.events(subject="ASK-1")[-1]
    assert attempt.kind == "decision_refused" and attempt.actor == "U_MALLORY"
    decided = esc.decide("ASK-1", "approve", by="U_DANA")
    assert decided.status == "approved" and decided.decided_by == "U_DANA"
    assert tracker.ticket(claimed).status == "open"
    with pytest.raises(AlreadyDecided, match="already approved by U_DANA"):
        esc.decide("ASK-1", "deny", by="U_DANA", note="too late")


def test_approvers_fall_back_to_the_requester_and_the_ask_s_own_win(
    tracker: Tracker, claimed: str
) -> None:
    nobody_configured = Escalations(tracker)
    with tracker.store.transaction() as session:  # as if the batch came from Slack
        from tracker.models import Batch

        batch = session.get_one(Batch, 1)
        batch.requested_by = "U_ALICE"
    asked = _wall(nobody_configured, claimed).ask
    assert asked.deciders == ["U_ALICE"]
    named = _wall(nobody_configured, claimed, action="Rotate X", approvers=["U_BOB"]).ask
    assert named.deciders == ["U_BOB"]
    with pytest.raises(NotAllowed):
        nobody_configured.decide(named.id, "approve", by="U_ALICE")


def test_deny_needs_a_reason_and_gates_the_ticket_with_it(
    esc: Escalations, tracker: Tracker, claimed: str
) -> None:
    _wall(esc, claimed)
    with pytest.raises(AskRefused, match="reason"):
        esc.decide("ASK-1", "deny", by="U_DANA", note="  ")
    esc.decide("ASK-1", "deny", by="U_DANA", note="we do not export metrics from prod")
    ticket = tracker.ticket(claimed)
    assert ticket.status == "human_gated"
    assert "we do not export metrics from prod" in (ticket.gate_reason or "")
    # The oracle counts it as finished by a person's decision, not as work left to do.
    assert claimed not in [item.ticket for item in tracker.oracle("FM-1").unfinished]


def test_two_person_rule_stops_the_raiser_approving_but_not_denying(
    tracker: Tracker, claimed: str
) -> None:
    strict = Escalations(
        tracker, AskPolicy(two_person_rule=True), default_approvers=lambda: ["U_DANA", "U_ERIN"]
    )
    _wall(strict, claimed, actor="U_DANA")
    with pytest.raises(NotAllowed, match="two-person rule"):
        strict.decide("ASK-1", "approve", by="U_DANA")
    assert strict.decide("ASK-1", "approve", by="U_ERIN").status == "approved"


def test_a_ticket_blocked_by_two_asks_opens_when_both_are_approved(
    esc: Escalations, tracker: Tracker, claimed: str
) -> None:
    _wall(esc, claimed)
    _wall(esc, claimed, kind="credential", action="Rotate the exporter key")
    esc.decide("ASK-1", "approve", by="U_DANA")
    assert tracker.ticket(claimed).status == "blocked"
    esc.decide("ASK-2", "approve", by="U_DANA")
    assert tracker.ticket(claimed).status == "open"


def test_answering_the_last_question_opens_the_draft_ticket(
    esc: Escalations, tracker: Tracker
) -> None:
    questions = ["Which region: eu-west-1 or us-east-1?", "Keep 30 or 90 days?"]
    tracker.import_plan(plan(spec("store", open_questions=questions)), actor="planner")
    tracker.approve("FM-1", actor="U_ALICE")
    raised = esc.raise_clarifications("FM-1", actor="research")
    assert [r.ask.kind for r in raised] == ["clarification", "clarification"]
    assert tracker.ticket("FM-1.1").status == "draft"
    assert not any(r.created for r in esc.raise_clarifications("FM-1", actor="research"))
    with pytest.raises(AskRefused, match="answered, not denied"):
        esc.decide("ASK-1", "deny", by="U_DANA", note="no")
    esc.answer("ASK-1", by="U_DANA", text="eu-west-1")
    after_one = tracker.ticket("FM-1.1")
    assert after_one.status == "draft" and after_one.open_questions == [questions[1]]
    assert "eu-west-1" in after_one.scope
    esc.answer("ASK-2", by="U_DANA", text="90 days")
    assert tracker.ticket("FM-1.1").status == "open"
    assert [t.id for t in tracker.ready(batch="FM-1")] == ["FM-1.1"]


def test_reminders_fire_on_schedule_once_each_and_expiry_never_approves(
    db_url: str, claimed: str, clock: FakeClock
) -> None:
    policy = AskPolicy(remind_after=timedelta(hours=4), max_reminders=2)
    trackers = [Tracker.open(db_url, clock=clock) for _ in range(2)]
    try:
        both = [Escalations(t, policy, default_approvers=lambda: ["U_DANA"]) for t in trackers]
        _wall(both[0], claimed)

        def sweep() -> list[str]:
            found: list[list[str]] = [[], []]
            barrier = threading.Barrier(2)

            def run(i: int) -> None:
                barrier.wait()
                found[i] = [r.ask.id for r in both[i].remind_due()]

            threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            return found[0] + found[1]

        clock.advance(hours=3, minutes=59)
        assert sweep() == []
        clock.advance(minutes=1)
        assert sweep() == ["ASK-1"]
        assert sweep() == []
        clock.advance(hours=4)
        assert sweep() == ["ASK-1"]
        clock.advance(hours=8)
        assert sweep() == []  # at most max_reminders
        clock.advance(hours=72)
        assert both[1].expire_due() == ["ASK-1"] and both[0].expire_due() == []
        ask = both[0].ask("ASK-1")
        assert ask.status == "expired" and ask.reminders_sent == 2
        assert trackers[0].ticket(claimed).status == "blocked"
        with pytest.raises(AskExpired, match="nothing was approved"):
            both[0].decide("ASK-1", "approve", by="U_DANA")
    finally:
        for t in trackers:
            t.close()


def test_a_click_after_the_deadline_expires_the_ask_instead_of_approving(
    esc: Escalations, tracker: Tracker, claimed: str, clock: FakeClock
) -> None:
    _wall(esc, claimed)
    clock.advance(hours=73)  # no sweeper ran
    with pytest.raises(AskExpired):
        esc.decide("ASK-1", "approve", by="U_DANA")
    assert esc.ask("ASK-1").status == "expired"
    assert tracker.ticket(claimed).status == "blocked"


def test_seed_case_invalid_client_three_nights_is_one_ask_seen_three_times(
    esc: Escalations, tracker: Tracker, clock: FakeClock
) -> None:
    clock.now = clock.now.replace(hour=2, minute=0)
    for night in range(3):
        outcome = esc.report_failure(
            "nightly-ingest",
            f'token request failed: 401 {{"error":"invalid_client"}} request_id=7f3a{night}c9e1d2',
            f"2026-11-{18 + night}T02:00:0{night}Z using NIGHTLY_INGEST_CLIENT_SECRET\n"
            f'2026-11-{18 + night}T02:00:0{night}Z oauth: {{"error":"invalid_client"}}',
            actor="cron",
        )
        assert outcome.outcome == ("asked" if night == 0 else "counted")
        clock.advance(days=1)
    (ask,) = esc.asks()
    assert ask.occurrences == 3 and ask.kind == "credential"
    assert "NIGHTLY_INGEST_CLIENT_SECRET" in ask.action and ask.action.startswith("Rotate")
    assert ask.first_seen.day == 18 and ask.last_seen.day == 20
    with tracker.store.transaction() as session:
        assert len(session.exec(select(Ask)).all()) == 1


def test_transient_failures_are_retried_before_anyone_is_asked(
    esc: Escalations, clock: FakeClock
) -> None:
    error = "HTTP 429 Too Many Requests; Retry-After: 30"
    first = esc.report_failure("exporter", error, actor="cron")
    assert first.outcome == "retry" and first.retry_after_seconds == 30 and first.ask is None
    clock.advance(seconds=30)
    assert esc.report_failure("exporter", error, actor="cron").outcome == "retry"
    clock.advance(seconds=30)
    third = esc.report_failure("exporter", error, actor="cron")
    assert third.outcome == "asked" and third.ask is not None
    assert third.ask.occurrences == 3 and "retry" in third.ask.tried
    assert not third.ask.action.startswith("Nothing")
    assert esc.report_failure("exporter", error, actor="cron").ask.occurrences == 4  # type: ignore[union-attr]


def test_after_a_decision_the_same_wall_is_a_new_ask(
    esc: Escalations, tracker: Tracker, claimed: str
) -> None:
    _wall(esc, claimed)
    esc.decide("ASK-1", "approve", by="U_DANA")
    again = _wall(esc, claimed)
    assert again.created and again.ask.id == "ASK-2"


def test_asks_for_work_that_was_cancelled_are_cancelled_not_reminded(
    esc: Escalations, tracker: Tracker, claimed: str, clock: FakeClock
) -> None:
    _wall(esc, claimed)
    tracker.cancel("FM-1", actor="U_ALICE", reason="not needed after all")
    assert esc.cancel_moot() == ["ASK-1"] and esc.cancel_moot() == []
    clock.advance(hours=5)
    assert esc.remind_due() == [] and esc.ask("ASK-1").status == "cancelled"


@pytest.fixture
def cli_env(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("FOREMAN_DATABASE_URL", db_url)
    monkeypatch.setenv("FOREMAN_APPROVERS", "U_DANA")
    monkeypatch.chdir("/tmp")  # no stray .env
    yield db_url


def test_cli_wall_decide_and_next(cli_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    tracker = Tracker.open(cli_env)
    try:
        tracker.import_plan(plan(spec("config")), actor="planner")
        tracker.approve("FM-1", actor="U_ALICE")
        assert main(["next", "--batch", "FM-1", "--worker", "w1"]) == 0
        args = ["wall", "FM-1.1", "--kind", "access", "--action", "Open port 5432", "--why", "w"]
        assert main([*args, "--as", "w1"]) == 0
        assert main(["next", "--batch", "FM-1", "--worker", "w1"]) == 3
        assert main(["ask", "deny", "ASK-1", "--as", "U_DANA"]) == 1
        assert main(["ask", "approve", "ASK-1", "--as", "U_EVE"]) == 1
        err = capsys.readouterr().err
        assert "needs a reason" in err and "only U_DANA may decide" in err
        assert main(["ask", "approve", "ASK-1", "--as", "U_DANA"]) == 0
        assert "FM-1.1 is open" in capsys.readouterr().out
        assert main(["next", "--batch", "FM-1", "--worker", "w1"]) == 0
        assert capsys.readouterr().out.strip() == "FM-1.1"
        assert main(["asks", "--json"]) == 0
        assert '"status": "approved"' in capsys.readouterr().out
    finally:
        tracker.close()
