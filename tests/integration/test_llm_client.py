"""The LLM client against local servers that speak the real OpenAI and Anthropic formats."""

from __future__ import annotations

import json
import logging
import re
import socket
import threading
import time
import traceback
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pytest

from intake.llm import (
    HTTPLLMClient,
    LLMAuthError,
    LLMBadResponse,
    LLMConnectionError,
    LLMError,
    LLMInvalidAnswerError,
    LLMRequestError,
    LLMServerError,
    LLMTimeoutError,
    RetryPolicy,
    complete_validated,
    make_client,
)
from tests.support.llm_servers import (
    Answer,
    AnthropicServer,
    Hangup,
    OpenAIServer,
    RateLimited,
    RawContent,
    RecordedRequest,
    Sleep,
    Status,
)

KEY = "sk-test-4f7c1e9a2b8d6035-do-not-leak"
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"title": {"type": "string"}, "tickets": {"type": "array"}},
    "required": ["title", "tickets"],
    "additionalProperties": False,
}
PLAN = {"title": "Visibility and paging", "tickets": [{"key": "metrics"}]}
FAST = RetryPolicy(max_attempts=4, backoff_initial=0.01, backoff_max=0.05)


@dataclass
class Rig:
    """One stub server plus the clients a test builds against it."""

    provider: str
    server: OpenAIServer | AnthropicServer
    errors: list[LLMError] = field(default_factory=list)
    clients: list[HTTPLLMClient] = field(default_factory=list)

    def client(
        self, *, key: str = KEY, timeout: float = 2.0, retry: RetryPolicy = FAST, base: str = ""
    ) -> HTTPLLMClient:
        client = make_client(
            self.provider,
            base or self.server.base_url,
            key,
            "model-x",
            timeout=timeout,
            retry=retry,
        )
        self.clients.append(client)
        return client

    def ask(self, client: HTTPLLMClient | None = None) -> dict[str, Any]:
        try:
            return (client or self.client()).complete_json(
                system="You plan work.", user="give us real visibility", schema=SCHEMA, name="plan"
            )
        except LLMError as exc:
            self.errors.append(exc)
            raise

    def conversation(self, request: RecordedRequest) -> list[dict[str, Any]]:
        """The turns after the system prompt, whichever way the provider carries it."""
        messages = request.messages
        return messages[1:] if self.provider == "openai" else messages


@pytest.fixture(params=["openai", "anthropic"])
def rig(request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture) -> Iterator[Rig]:
    caplog.set_level(logging.DEBUG)
    server = (
        OpenAIServer(api_key=KEY) if request.param == "openai" else AnthropicServer(api_key=KEY)
    )
    with server:
        rig = Rig(request.param, server)
        yield rig
        for client in rig.clients:
            client.close()
    # Whatever a test provoked, the key shows up in no error, repr, log line or recording.
    for exc in rig.errors:
        assert KEY not in str(exc) and KEY not in repr(exc)
        assert KEY not in getattr(exc, "raw", "")
        assert "\n" not in str(exc)
    assert KEY not in caplog.text
    assert KEY not in repr(rig.server.requests)
    assert all(KEY not in repr(client) for client in rig.clients)


def test_a_valid_answer_is_parsed(rig: Rig) -> None:
    rig.server.script(Answer(PLAN))
    assert rig.ask() == PLAN


def test_openai_request_shape() -> None:
    with (
        OpenAIServer(api_key=KEY) as server,
        make_client("openai", server.base_url, KEY, "gpt-test") as client,
    ):
        server.script(Answer(PLAN))
        client.complete_json(system="sys", user="usr", schema=SCHEMA, name="plan")
        (sent,) = server.requests
    assert sent.path == "/v1/chat/completions"
    assert sent.headers["authorization"] == "Bearer ***"
    assert sent.body["model"] == "gpt-test"
    assert sent.messages == [
        {"role": "system", "content": "sys"},
        {"role": "user", "content": "usr"},
    ]
    assert sent.body["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "plan", "schema": SCHEMA, "strict": True},
    }


def test_anthropic_request_shape() -> None:
    with (
        AnthropicServer(api_key=KEY) as server,
        make_client("anthropic", server.base_url, KEY, "claude-test", max_tokens=2048) as client,
    ):
        server.script(Answer(PLAN))
        client.complete_json(system="sys", user="usr", schema=SCHEMA, name="plan")
        (sent,) = server.requests
    assert sent.path == "/v1/messages"
    assert sent.headers["x-api-key"] == "***"
    assert sent.headers["anthropic-version"] == "2023-06-01"
    body = sent.body
    assert (body["model"], body["max_tokens"], body["system"]) == ("claude-test", 2048, "sys")
    assert body["messages"] == [{"role": "user", "content": "usr"}]
    (tool,) = body["tools"]
    assert (tool["name"], tool["input_schema"]) == ("plan", SCHEMA) and tool["description"]
    assert body["tool_choice"] == {"type": "tool", "name": "plan"}


def test_429_with_retry_after_waits_then_succeeds(rig: Rig) -> None:
    rig.server.script(RateLimited(retry_after="1"), Answer(PLAN))
    started = time.monotonic()
    assert rig.ask() == PLAN
    assert time.monotonic() - started >= 1.0
    assert len(rig.server.requests) == 2


def test_retry_after_is_capped(rig: Rig, caplog: pytest.LogCaptureFixture) -> None:
    rig.server.script(RateLimited(retry_after="120"), Answer(PLAN))
    capped = RetryPolicy(max_attempts=2, backoff_initial=0.01, retry_after_cap=0.05)
    assert rig.ask(rig.client(retry=capped)) == PLAN
    assert "retrying in 0.05 s" in caplog.text


def test_5xx_then_success_is_retried(rig: Rig) -> None:
    overloaded = 529 if rig.provider == "anthropic" else 503
    rig.server.script(Status(500), Status(overloaded), Answer(PLAN))
    assert rig.ask() == PLAN
    assert len(rig.server.requests) == 3


def test_5xx_that_persists_is_reported_after_every_attempt(rig: Rig) -> None:
    rig.server.script(*[Status(500)] * 4)
    with pytest.raises(LLMServerError) as caught:
        rig.ask()
    assert re.match(r"LLM provider answered 500 \w+ after 4 attempts: ", str(caught.value))
    assert caught.value.attempts == 4 and rig.server.pending == 0


def test_read_timeout_then_success_is_retried(rig: Rig) -> None:
    rig.server.script(Sleep(2.0), Answer(PLAN))
    assert rig.ask(rig.client(timeout=0.2)) == PLAN
    assert len(rig.server.requests) == 2


def test_timeouts_that_persist_name_the_url_and_the_fix(rig: Rig) -> None:
    rig.server.script(Sleep(2.0), Sleep(2.0))
    client = rig.client(timeout=0.2, retry=RetryPolicy(max_attempts=2, backoff_initial=0.01))
    with pytest.raises(LLMTimeoutError) as caught:
        rig.ask(client)
    endpoint = rig.server.url + rig.server.endpoint
    assert str(caught.value) == (
        f"LLM provider at {endpoint} timed out after 2 attempts (0.2 s each):"
        " check FOREMAN_LLM_BASE_URL or raise the timeout"
    )


def test_a_dropped_connection_is_retried(rig: Rig) -> None:
    rig.server.script(Hangup(), Answer(PLAN))
    assert rig.ask() == PLAN


def test_401_is_concrete_and_not_retried(rig: Rig) -> None:
    with pytest.raises(LLMAuthError) as caught:
        rig.ask(rig.client(key="sk-wrong-0000000000000000"))
    code = "invalid_api_key" if rig.provider == "openai" else "authentication_error"
    assert str(caught.value).startswith(
        f"LLM provider answered 401 {code}: set FOREMAN_LLM_API_KEY"
    )
    assert len(rig.server.requests) == 1 and caught.value.status == 401


@pytest.mark.parametrize("status", [400, 401, 403, 404])
def test_client_errors_are_never_retried(rig: Rig, status: int) -> None:
    rig.server.script(Status(status), Answer(PLAN))
    with pytest.raises(LLMError) as caught:
        rig.ask()
    assert caught.value.status == status and caught.value.attempts == 1
    assert len(rig.server.requests) == 1


def test_unknown_model_points_at_the_model_setting(rig: Rig) -> None:
    rig.server.script(Status(404))
    with pytest.raises(LLMRequestError) as caught:
        rig.ask()
    code = "model_not_found" if rig.provider == "openai" else "not_found_error"
    assert str(caught.value).startswith(
        f"LLM provider answered 404 {code}: check FOREMAN_LLM_MODEL"
    )


def test_a_wrong_base_url_points_at_the_base_url(rig: Rig) -> None:
    with pytest.raises(LLMRequestError, match="check FOREMAN_LLM_BASE_URL"):
        rig.ask(rig.client(base=rig.server.url + "/nope"))


def test_anthropic_base_url_with_version_suffix_still_works() -> None:
    with (
        AnthropicServer() as server,
        make_client("anthropic", server.url + "/v1/", None, "claude-test") as client,
    ):
        server.script(Answer(PLAN))
        assert client.complete_json(system="s", user="u", schema=SCHEMA, name="plan") == PLAN
        assert server.requests[0].path == "/v1/messages"


def test_unreachable_server_is_reported_after_retries(rig: Rig) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base = f"http://127.0.0.1:{port}" + ("/v1" if rig.provider == "openai" else "")
    client = rig.client(base=base, retry=RetryPolicy(max_attempts=2, backoff_initial=0.01))
    with pytest.raises(LLMConnectionError, match=r"unreachable after 2 attempts .*ConnectError"):
        rig.ask(client)


def test_invalid_json_content_raises_bad_response(rig: Rig) -> None:
    rig.server.script(RawContent('{"title": "half'))
    with pytest.raises(LLMBadResponse) as caught:
        rig.ask()
    expected = "invalid_json" if rig.provider == "openai" else "no_tool_use"
    assert caught.value.reason == expected and caught.value.can_reask
    assert caught.value.raw == '{"title": "half'
    assert len(rig.server.requests) == 1


def test_refusal_and_truncation_are_bad_responses_not_worth_reasking(rig: Rig) -> None:
    rig.server.script(RawContent("I can't help.", stop="refusal"), RawContent("{", stop="length"))
    for reason in ("refusal", "truncated"):
        with pytest.raises(LLMBadResponse) as caught:
            rig.ask()
        assert caught.value.reason == reason and not caught.value.can_reask


def test_reask_sends_the_validation_errors_back(rig: Rig) -> None:
    first = {"title": "x", "tickets": []}
    rig.server.script(Answer(first), Answer(PLAN))

    def validate(answer: dict[str, Any]) -> list[str]:
        return [] if answer["tickets"] else ["tickets: at least one ticket is required"]

    result = complete_validated(
        rig.client(), system="sys", user="usr", schema=SCHEMA, name="plan", validate=validate
    )
    assert result == PLAN
    retry = rig.server.requests[1]
    turns = rig.conversation(retry)
    assert [turn["role"] for turn in turns] == ["user", "assistant", "user"]
    assert json.loads(turns[1]["content"]) == first
    assert turns[2]["content"].startswith("Your previous answer failed validation:")
    assert "tickets: at least one ticket is required" in turns[2]["content"]
    assert "Return a corrected object" in turns[2]["content"]
    # The re-ask still constrains the output the same way.
    assert retry.body.get("response_format") == rig.server.requests[0].body.get("response_format")
    assert retry.body.get("tool_choice") == rig.server.requests[0].body.get("tool_choice")


def test_reask_after_invalid_json_sends_the_raw_text_back(rig: Rig) -> None:
    rig.server.script(RawContent("Sure! Here is the plan: {title"), Answer(PLAN))
    result = complete_validated(
        rig.client(), system="s", user="u", schema=SCHEMA, name="plan", validate=lambda _: []
    )
    assert result == PLAN
    turns = rig.conversation(rig.server.requests[1])
    assert turns[1] == {"role": "assistant", "content": "Sure! Here is the plan: {title"}
    assert "failed validation" in turns[2]["content"]


def test_reasking_is_bounded(rig: Rig) -> None:
    rig.server.script(*[Answer({"title": "", "tickets": []})] * 3)
    with pytest.raises(LLMInvalidAnswerError) as caught:
        complete_validated(
            rig.client(),
            system="s",
            user="u",
            schema=SCHEMA,
            name="plan",
            validate=lambda _: ["title: must not be empty"],
            max_corrections=2,
        )
    assert len(rig.server.requests) == 3 and rig.server.pending == 0
    assert caught.value.errors == ["title: must not be empty"]
    assert "after 3 attempts: title: must not be empty" in str(caught.value)
    # Each correction keeps the whole exchange: user + 2 x (answer, correction).
    assert len(rig.conversation(rig.server.requests[2])) == 5


def test_the_key_never_leaks_even_when_the_provider_echoes_it(rig: Rig) -> None:
    rig.server.script(Status(400, message=f"header value {KEY} is malformed"))
    with pytest.raises(LLMRequestError) as caught:
        rig.ask()
    assert "header value *** is malformed" in str(caught.value)
    # Frames in the traceback, locals included (as pytest -l or an error tracker shows
    # them), hold no copy of the key either.
    shown = "".join(
        traceback.TracebackException.from_exception(caught.value, capture_locals=True).format()
    )
    assert KEY not in shown


def test_the_key_is_absent_from_timeout_tracebacks_too(rig: Rig) -> None:
    rig.server.script(Sleep(2.0))
    client = rig.client(timeout=0.1, retry=RetryPolicy(max_attempts=1))
    with pytest.raises(LLMTimeoutError) as caught:
        rig.ask(client)
    assert caught.value.__context__ is None and caught.value.__cause__ is None
    shown = "".join(
        traceback.TracebackException.from_exception(caught.value, capture_locals=True).format()
    )
    assert KEY not in shown


def test_one_client_serves_parallel_threads(rig: Rig) -> None:
    workers = 6
    barrier = threading.Barrier(workers)

    def answer(body: dict[str, Any]) -> dict[str, Any]:
        # Every request must be in flight at once for the barrier to open.
        barrier.wait(timeout=5)
        user = [m for m in body["messages"] if m["role"] == "user"][-1]["content"]
        return {"title": user, "tickets": []}

    rig.server.default = answer
    client = rig.client(timeout=8)

    def ask(i: int) -> dict[str, Any]:
        return client.complete_json(system="s", user=f"ticket {i}", schema=SCHEMA, name="plan")

    with ThreadPoolExecutor(max_workers=workers) as pool:
        answers = list(pool.map(ask, range(workers)))
    assert [a["title"] for a in answers] == [f"ticket {i}" for i in range(workers)]
    assert len(rig.server.requests) == workers
