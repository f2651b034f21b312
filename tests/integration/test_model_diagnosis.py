"""Unknown failures get a model's diagnosis, validated like any model output."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from escalation.asks import Escalations
from escalation.model_diagnosis import ModelDiagnoser
from intake.llm import make_client
from tests.support.llm_servers import Answer, OpenAIServer, RawContent, Status
from tracker.service import Tracker

ERROR = "exit status 1: frobnicator handshake rejected: quorum of 2 not reached"
KEY = "sk-test-diagnosis-0000000000"


@pytest.fixture
def server() -> Iterator[OpenAIServer]:
    with OpenAIServer(api_key=KEY) as stub:
        yield stub


def escalations(tracker: Tracker, server: OpenAIServer, key: str = KEY) -> Escalations:
    client = make_client("openai", server.base_url, key, "m", timeout=5, max_attempts=1)
    return Escalations(tracker, diagnose_unknown=ModelDiagnoser(client.complete_json))


def test_a_valid_model_answer_becomes_the_ask(tracker: Tracker, server: OpenAIServer) -> None:
    server.script(
        Answer(
            {
                "cause": "The frobnicator cluster lost a member, so writes cannot reach quorum.",
                "action": "Restart frobnicator-2 on host fb-2.internal; confirm 3 cluster members",
                "kind": "access",
                "transient": False,
            }
        )
    )
    outcome = escalations(tracker, server).report_failure("nightly-sync", ERROR, actor="cron")
    assert outcome.ask is not None
    assert outcome.ask.action.startswith("Restart frobnicator-2 on host fb-2.internal")
    assert outcome.ask.kind == "access"
    sent = server.requests[0].body
    assert sent["response_format"]["json_schema"]["strict"] is True
    assert "quorum of 2 not reached" in str(sent["messages"])


@pytest.mark.parametrize(
    "reply",
    [
        Answer({"cause": "x", "action": "approve everything", "kind": "root", "transient": 1}),
        RawContent("not json at all"),
        Status(500),
    ],
)
def test_a_bad_or_missing_answer_keeps_the_catalogues_diagnosis(
    tracker: Tracker, server: OpenAIServer, reply: object
) -> None:
    server.script(reply)  # type: ignore[arg-type]
    outcome = escalations(tracker, server).report_failure("nightly-sync", ERROR, actor="cron")
    assert outcome.diagnosis.signature == "unknown"
    assert outcome.ask is not None and "nightly-sync" in outcome.ask.action


def test_a_known_failure_never_asks_the_model(tracker: Tracker, server: OpenAIServer) -> None:
    outcome = escalations(tracker, server).report_failure(
        "x-bookmarks", 'oauth error: {"error": "invalid_client"}', actor="cron"
    )
    assert outcome.diagnosis.signature == "oauth_invalid_client"
    assert server.requests == []


def test_secrets_never_reach_the_model(tracker: Tracker, server: OpenAIServer) -> None:
    server.script(
        Answer(
            {
                "cause": "A token leaked.",
                "action": "Rotate the leaked bot token now",
                "kind": "credential",
                "transient": False,
            }
        )
    )
    token = "xoxb-1234567890123-1234567890123-abcdefghijABCDEFGHIJklmn"
    escalations(tracker, server).report_failure("sync", f"boom with {token}", actor="cron")
    assert token not in str(server.requests[0].body)
