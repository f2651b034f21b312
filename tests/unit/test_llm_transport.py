"""Retry decisions, Retry-After, error classification and client construction."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest
from tenacity import RetryCallState, Retrying

from intake.llm import (
    LLMBadResponse,
    LLMConfigError,
    LLMError,
    LLMRateLimitError,
    LLMRequestError,
    LLMServerError,
    RetryPolicy,
    make_client,
)
from intake.llm.transport import _HTTPStatusError, parse_retry_after, retry_wait
from intake.llm.wire import ErrorDetail

KEY = "sk-unit-9d2f4a7c1e3b5086"
NO_WAIT = RetryPolicy(max_attempts=3, backoff_initial=0, backoff_max=0)
SCHEMA = {"type": "object"}


# --- Retry-After --------------------------------------------------------------------------


def test_retry_after_in_seconds_and_milliseconds() -> None:
    assert parse_retry_after({"retry-after": "7"}) == 7.0
    assert parse_retry_after({"retry-after": " 1.5 "}) == 1.5
    assert parse_retry_after({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    assert parse_retry_after({"retry-after": "-3"}) == 0.0


def test_retry_after_as_an_http_date() -> None:
    now = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
    later = format_datetime(now + timedelta(seconds=20), usegmt=True)
    assert parse_retry_after({"retry-after": later}, now=now) == 20.0
    earlier = format_datetime(now - timedelta(seconds=20), usegmt=True)
    assert parse_retry_after({"retry-after": earlier}, now=now) == 0.0


@pytest.mark.parametrize("value", ["soon", "", "nan", "inf"])
def test_retry_after_that_makes_no_sense_is_ignored(value: str) -> None:
    assert parse_retry_after({"retry-after": value}) is None
    assert parse_retry_after({}) is None


def state_after(exc: BaseException, attempt: int = 1) -> RetryCallState:
    state = RetryCallState(Retrying(), fn=None, args=(), kwargs={})
    state.attempt_number = attempt
    try:
        raise exc
    except BaseException:
        state.set_exception(sys.exc_info())  # type: ignore[arg-type]
    return state


def test_wait_honours_retry_after_up_to_the_cap() -> None:
    wait = retry_wait(RetryPolicy(retry_after_cap=30))
    assert wait(state_after(_HTTPStatusError(429, ErrorDetail(), 2.0, None))) == 2.0
    assert wait(state_after(_HTTPStatusError(429, ErrorDetail(), 600.0, None))) == 30.0


def test_wait_without_retry_after_backs_off_with_jitter_and_a_ceiling() -> None:
    wait = retry_wait(RetryPolicy(backoff_initial=0.5, backoff_max=8))
    first = [wait(state_after(httpx.ReadTimeout("t"), 1)) for _ in range(20)]
    assert all(0.5 <= w <= 1.0 for w in first) and len(set(first)) > 1
    assert all(wait(state_after(httpx.ReadTimeout("t"), 10)) == 8 for _ in range(5))


def test_policy_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=0)


# --- classification through an in-process transport ---------------------------------------


def client_answering(
    provider: str, respond: Callable[[httpx.Request], httpx.Response]
) -> tuple[Any, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return respond(request)

    transport = httpx.MockTransport(handler)
    client = make_client(provider, None, KEY, "m", retry=NO_WAIT, transport=transport)
    return client, seen


def fail(client: Any) -> LLMError:
    with pytest.raises(LLMError) as caught:
        client.complete_json(system="s", user="u", schema=SCHEMA, name="plan")
    assert KEY not in str(caught.value)
    return caught.value


def test_out_of_quota_is_not_retried() -> None:
    body = {"error": {"message": "You exceeded your current quota", "code": "insufficient_quota"}}
    client, seen = client_answering("openai", lambda _: httpx.Response(429, json=body))
    error = fail(client)
    assert isinstance(error, LLMRateLimitError) and len(seen) == 1
    assert str(error).startswith("LLM provider answered 429 insufficient_quota: the account is out")


def test_anthropic_spend_limit_is_not_retried() -> None:
    error_body = {"type": "rate_limit_error", "message": "cap", "details": {}}
    error_body["details"] = {"error_code": "enforced_spend_limit_reached"}
    body = {"type": "error", "error": error_body}
    client, seen = client_answering("anthropic", lambda _: httpx.Response(429, json=body))
    assert isinstance(fail(client), LLMRateLimitError) and len(seen) == 1


def test_a_proxy_error_page_is_retried_then_reported() -> None:
    page = "<html><body><h1>502 Bad Gateway</h1></body></html>"
    client, seen = client_answering("openai", lambda _: httpx.Response(502, text=page))
    error = fail(client)
    assert isinstance(error, LLMServerError) and len(seen) == 3
    assert str(error).startswith("LLM provider answered 502 bad_gateway after 3 attempts: ")
    assert "502 Bad Gateway" in str(error)


def test_overloaded_says_so() -> None:
    body = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    client, seen = client_answering("anthropic", lambda _: httpx.Response(529, json=body))
    assert "overloaded: try again later" in str(fail(client)) and len(seen) == 3


def test_a_redirect_points_at_the_base_url() -> None:
    moved = httpx.Response(301, headers={"location": "https://api.example.com/v1/"})
    client, _ = client_answering("openai", lambda _: moved)
    error = fail(client)
    assert isinstance(error, LLMRequestError)
    assert "check FOREMAN_LLM_BASE_URL (redirected to https://api.example.com/v1/)" in str(error)


def test_a_2xx_that_is_not_json_is_an_envelope_problem() -> None:
    client, _ = client_answering("openai", lambda _: httpx.Response(200, text="<html>hi"))
    error = fail(client)
    assert isinstance(error, LLMBadResponse) and error.reason == "envelope"
    assert not error.can_reask


def test_the_key_travels_only_in_the_auth_header() -> None:
    ok = {"content": [{"type": "tool_use", "name": "plan", "input": {}}], "stop_reason": "tool_use"}
    client, seen = client_answering("anthropic", lambda _: httpx.Response(200, json=ok))
    client.complete_json(system="s", user="u", schema=SCHEMA, name="plan")
    (request,) = seen
    assert request.headers["x-api-key"] == KEY
    assert KEY not in str(request.url) and KEY.encode() not in request.content


# --- construction -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("provider", "base_url", "model", "message"),
    [
        ("none", None, "m", "FOREMAN_LLM_PROVIDER is none"),
        ("gemini", None, "m", "unknown FOREMAN_LLM_PROVIDER 'gemini'"),
        ("openai", None, None, "set FOREMAN_LLM_MODEL"),
        ("openai", "localhost:8000/v1", "m", "must start with http:// or https://"),
    ],
)
def test_unusable_settings_fail_early(
    provider: str, base_url: str | None, model: str | None, message: str
) -> None:
    with pytest.raises(LLMConfigError, match=message):
        make_client(provider, base_url, KEY, model)


def test_schema_names_the_providers_reject_fail_before_any_request() -> None:
    client, seen = client_answering("openai", lambda _: httpx.Response(500))
    with pytest.raises(LLMConfigError, match="schema name"):
        client.complete_json(system="s", user="u", schema=SCHEMA, name="a plan")
    assert seen == []


def test_repr_shows_where_not_who() -> None:
    client = make_client("openai", "https://user:hunter2@llm.example.com/v1?k=1", KEY, "m")
    shown = repr(client)
    assert shown == (
        "HTTPLLMClient(provider='openai', base_url='https://llm.example.com/v1', model='m')"
    )
    client.close()


def test_placeholder_keys_are_not_scrubbed_from_messages() -> None:
    body = {"error": {"message": "none of the models match", "code": "model_not_found"}}
    transport = httpx.MockTransport(lambda _: httpx.Response(404, json=body))
    client = make_client("openai", None, "none", "m", retry=NO_WAIT, transport=transport)
    assert "none of the models match" in str(fail(client))
