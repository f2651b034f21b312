"""The ask card and its modals: what a decider reads, valid Block Kit, buttons that are wired."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot import registry
from bot.ask_config import is_group, normalise_id
from bot.emulator.blockkit import validate_blocks, validate_view
from bot.views.ask_card import (
    CardContext,
    answer_modal,
    card_blocks,
    card_text,
    deny_modal,
    evidence_modal,
)
from escalation.ask_model import AskDetail, dedupe_key

MONDAY_2AM = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)
ASK = AskDetail(
    id="ASK-14",
    kind="permission",
    action="Grant roles/monitoring.metricWriter and roles/cloudtrace.agent to runner@acme-prod.iam",
    why="every metric and trace write from the nightly ingest job is rejected at export",
    evidence="\n".join(
        f'41 × "PermissionDenied: monitoring.timeSeries.create" #{i}' for i in range(9)
    ),
    tried="retried export 3× with backoff; confirmed the account has no role bindings",
    status="open",
    approvers=["U0DANA"],
    blocks=["FM-7.2", "FM-7.3"],
    batch="FM-7",
    ticket="FM-7.2",
    pipeline=None,
    occurrences=3,
    first_seen=MONDAY_2AM,
    last_seen=MONDAY_2AM + timedelta(days=2),
    raised_by="w1",
    decided_by=None,
    decided_at=None,
    note=None,
    channel="C1",
    message_ts="1.2",
    reminders_sent=0,
    next_remind_at=None,
    expires_at=None,
)
CTX = CardContext(configured_approvers=("S0OPS",), timezone="UTC")


def text_of(blocks: list[dict[str, object]]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def test_the_card_says_what_to_do_why_what_it_unblocks_and_who_decides() -> None:
    blocks = card_blocks(ASK, CTX)
    assert validate_blocks(blocks, "message") == []
    shown = text_of(blocks)
    assert ":lock: *PERMISSION NEEDED* · ASK-14 · blocks FM-7.2, FM-7.3" in shown
    assert f"*{ASK.action}*" in shown
    assert "*Why:* every metric" in shown and "*Tried:* retried export" in shown
    assert "Waiting on: <@U0DANA>" in shown and "seen 3× since Mon 02:00 · last Wed 02:00" in shown
    assert "#5" in shown and "#6" not in shown  # shortened; the rest is one click away
    actions = [e["action_id"] for b in blocks for e in b.get("elements", []) if "action_id" in e]
    actions += [b["accessory"]["action_id"] for b in blocks if "accessory" in b]
    assert set(actions) == {"ask_approve", "ask_deny", "ask_evidence"}
    assert set(actions) <= set(registry.ACTIONS)
    assert card_text(ASK).startswith("ASK-14 · permission needed: Grant roles/")


def test_a_decided_card_shows_who_when_and_why_and_has_no_buttons() -> None:
    denied = replace(
        ASK,
        status="denied",
        decided_by="U0DANA",
        decided_at=MONDAY_2AM + timedelta(days=2, hours=12, minutes=5),
        note="prod metrics go through the collector, not the job",
    )
    shown = text_of(card_blocks(denied, CTX))
    assert ":no_entry: *Denied* by <@U0DANA> · Wed 18 Nov 14:05 UTC" in shown
    assert "prod metrics go through the collector" in shown
    assert "ask_approve" not in shown and "ask_deny" not in shown
    expired = text_of(card_blocks(replace(ASK, status="expired", decided_at=MONDAY_2AM), CTX))
    assert "nothing was approved" in expired


def test_untrusted_text_cannot_ping_the_channel_and_the_group_is_mentioned_as_a_group() -> None:
    sneaky = replace(ASK, approvers=[], action="Grant <!channel> access", why="<@U0EVE> said so")
    shown = text_of(card_blocks(sneaky, CTX))
    assert "<!channel>" not in shown and "&lt;!channel&gt;" in shown
    assert "Waiting on: <!subteam^S0OPS>" in shown


def test_a_question_has_an_answer_button_and_every_modal_is_valid() -> None:
    question = replace(ASK, kind="clarification", action="Which region?")
    shown = text_of(card_blocks(question, CTX))
    assert "ask_answer" in shown and "ask_approve" not in shown
    for view in (deny_modal(ASK, "C1"), answer_modal(question, None), evidence_modal(ASK)):
        assert validate_view(view) == []
    long = replace(ASK, evidence="x" * 200_000)
    assert validate_view(evidence_modal(long)) == []


def test_the_same_wall_has_the_same_key_whatever_varies_between_runs() -> None:
    one = dedupe_key(
        "credential", "Rotate KEY for job 2026-11-18T02:00:01Z", ticket="FM-1.2", pipeline=None
    )
    two = dedupe_key(
        "credential", "rotate  KEY for job 2026-11-19T02:00:07Z", ticket="FM-1.2", pipeline=None
    )
    assert one == two
    assert one != dedupe_key("permission", "Rotate KEY for job", ticket="FM-1.2", pipeline=None)
    assert one != dedupe_key("credential", "Rotate KEY for job", ticket="FM-1.3", pipeline=None)
    assert len(dedupe_key("decision", "x" * 5000, ticket=None, pipeline="p" * 500)) <= 300


def test_approver_ids_are_read_the_way_people_paste_them() -> None:
    assert normalise_id("<!subteam^S0OPS|@ops>") == "S0OPS" and is_group("S0OPS")
    assert normalise_id(" <@U0DANA> ") == "U0DANA" and not is_group("U0DANA")
