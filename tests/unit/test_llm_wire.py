"""Provider wire formats: building requests, reading answers and error bodies."""

from __future__ import annotations

from typing import Any

import pytest

from intake.llm import LLMBadResponse, LLMError, Turn
from intake.llm.anthropic_messages import AnthropicMessages
from intake.llm.errors import one_line
from intake.llm.openai_chat import OpenAIChat
from intake.llm.wire import ChatRequest, ErrorDetail, parse_json_object

SCHEMA = {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]}
REQUEST = ChatRequest(model="m", system="sys", user="usr", schema=SCHEMA, name="plan")


def openai_payload(content: Any, finish: str = "stop", refusal: str | None = None) -> Any:
    message = {"role": "assistant", "content": content, "refusal": refusal}
    return {"choices": [{"index": 0, "message": message, "finish_reason": finish}]}


def anthropic_payload(*blocks: dict[str, Any], stop: str = "tool_use") -> Any:
    return {"type": "message", "content": list(blocks), "stop_reason": stop}


def bad(call: Any, *args: Any) -> LLMBadResponse:
    with pytest.raises(LLMBadResponse) as caught:
        call(*args)
    return caught.value


# --- parsing the model's text -----------------------------------------------------------


def test_parse_json_object_accepts_an_object_and_a_fenced_object() -> None:
    assert parse_json_object(' {"a": 1} ') == {"a": 1}
    assert parse_json_object('```json\n{"a": 1}\n```') == {"a": 1}


def test_parse_json_object_explains_invalid_json_and_keeps_the_text() -> None:
    error = bad(parse_json_object, '{"a": 1,')
    assert error.reason == "invalid_json" and error.can_reask
    assert error.raw == '{"a": 1,'
    assert str(error).startswith("LLM answer was not valid JSON: ")


@pytest.mark.parametrize(("text", "kind"), [("[1]", "an array"), ('"x"', "a string")])
def test_parse_json_object_rejects_other_json_values(text: str, kind: str) -> None:
    error = bad(parse_json_object, text)
    assert error.reason == "not_object" and kind in str(error)


# --- OpenAI -------------------------------------------------------------------------------


def test_openai_body_carries_history_and_optional_token_limit() -> None:
    dialect = OpenAIChat()
    history = (Turn("assistant", "{}"), Turn("user", "fix it"))
    request = ChatRequest("m", "sys", "usr", SCHEMA, "plan", history=history, max_tokens=100)
    body = dialect.body(request)
    assert [m["role"] for m in body["messages"]] == ["system", "user", "assistant", "user"]
    assert body["max_completion_tokens"] == 100
    assert "max_completion_tokens" not in dialect.body(REQUEST)
    assert dialect.headers("k") == {"authorization": "Bearer k"}
    assert dialect.headers(None) == {}


def test_openai_answer_is_the_parsed_content() -> None:
    assert OpenAIChat().answer(openai_payload('{"a": 1}'), REQUEST) == {"a": 1}


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (openai_payload(None, refusal="I can't help with that."), "refusal"),
        (openai_payload('{"a": ', finish="length"), "truncated"),
        (openai_payload(None, finish="content_filter"), "refusal"),
        (openai_payload(None), "empty"),
        (openai_payload("  "), "empty"),
        (openai_payload("nope"), "invalid_json"),
        ({"object": "list", "data": []}, "envelope"),
        ({"choices": []}, "envelope"),
        ([1, 2], "envelope"),
    ],
)
def test_openai_unusable_answers(payload: Any, reason: str) -> None:
    assert bad(OpenAIChat().answer, payload, REQUEST).reason == reason


def test_openai_error_details_from_real_and_compatible_servers() -> None:
    detail = OpenAIChat().error_detail
    real = {"error": {"message": "m", "type": "invalid_request_error", "code": "model_not_found"}}
    assert detail(real) == ErrorDetail("model_not_found", "m")
    no_code = {"error": {"message": "m", "type": "server_error", "param": None, "code": None}}
    assert detail(no_code) == ErrorDetail("server_error", "m")
    assert detail({"error": "boom"}) == ErrorDetail(None, "boom")
    assert detail({"detail": "Not Found"}) == ErrorDetail(None, "Not Found")
    assert detail("text") == ErrorDetail()


# --- Anthropic ----------------------------------------------------------------------------


def test_anthropic_body_forces_the_tool() -> None:
    body = AnthropicMessages().body(REQUEST)
    assert body["tool_choice"] == {"type": "tool", "name": "plan"}
    assert body["tools"][0]["input_schema"] == SCHEMA
    assert body["max_tokens"] == AnthropicMessages.default_max_tokens
    assert body["system"] == "sys" and body["messages"] == [{"role": "user", "content": "usr"}]
    headers = AnthropicMessages().headers("k")
    assert headers == {"anthropic-version": "2023-06-01", "x-api-key": "k"}


def test_anthropic_answer_is_the_tool_input() -> None:
    payload = anthropic_payload(
        {"type": "text", "text": "Here you go."},
        {"type": "tool_use", "id": "toolu_1", "name": "plan", "input": {"a": 1}},
    )
    assert AnthropicMessages().answer(payload, REQUEST) == {"a": 1}


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (anthropic_payload({"type": "text", "text": "I think..."}, stop="end_turn"), "no_tool_use"),
        (anthropic_payload({"type": "tool_use", "name": "other", "input": {}}), "no_tool_use"),
        (anthropic_payload({"type": "tool_use", "name": "plan", "input": [1]}), "not_object"),
        (
            anthropic_payload({"type": "tool_use", "name": "plan", "input": {}}, stop="max_tokens"),
            "truncated",
        ),
        (anthropic_payload({"type": "text", "text": "No."}, stop="refusal"), "refusal"),
        ({"type": "message"}, "envelope"),
    ],
)
def test_anthropic_unusable_answers(payload: Any, reason: str) -> None:
    assert bad(AnthropicMessages().answer, payload, REQUEST).reason == reason


def test_anthropic_text_answer_is_kept_for_a_reask() -> None:
    payload = anthropic_payload({"type": "text", "text": '{"a": 1}'}, stop="end_turn")
    assert bad(AnthropicMessages().answer, payload, REQUEST).raw == '{"a": 1}'


def test_anthropic_error_details_prefer_the_spend_limit_code() -> None:
    detail = AnthropicMessages().error_detail
    auth = {"type": "error", "error": {"type": "authentication_error", "message": "invalid key"}}
    assert detail(auth) == ErrorDetail("authentication_error", "invalid key")
    capped = {
        "type": "error",
        "error": {
            "type": "rate_limit_error",
            "message": "spend limit",
            "details": {"error_code": "enforced_spend_limit_reached"},
        },
    }
    assert detail(capped).code == "enforced_spend_limit_reached"
    assert detail({"detail": "x"}) == ErrorDetail()


# --- errors -------------------------------------------------------------------------------


def test_errors_are_one_line_and_short() -> None:
    assert one_line("a\n  b\tc") == "a b c"
    assert len(one_line("x" * 500, 50)) == 50
    assert str(LLMError("first\nsecond")) == "first second"


def test_bad_response_raw_is_bounded_and_scrubbed() -> None:
    error = LLMBadResponse("m secret-value", reason="invalid_json", raw="secret-value" + "x" * 9000)
    assert len(error.raw) <= LLMBadResponse.RAW_LIMIT + 1
    error.scrub("secret-value")
    assert "secret-value" not in str(error) and "secret-value" not in error.raw
