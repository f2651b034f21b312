"""Anthropic Messages API, with structured output forced through a single tool call."""

from __future__ import annotations

import json
from typing import Any

from intake.llm.errors import LLMBadResponse, one_line
from intake.llm.wire import ChatRequest, ErrorDetail, envelope_error, text_or_none


class AnthropicMessages:
    """`POST {base_url}/v1/messages`; the answer is the `input` of the forced `tool_use`."""

    provider = "anthropic"
    default_base_url = "https://api.anthropic.com"
    path = "/v1/messages"
    api_version = "2023-06-01"
    # The API requires max_tokens; 4096 is accepted by every current model and is plenty
    # for one plan or one ticket.
    default_max_tokens = 4096

    def headers(self, api_key: str | None) -> dict[str, str]:
        headers = {"anthropic-version": self.api_version}
        if api_key:
            headers["x-api-key"] = api_key
        return headers

    def body(self, request: ChatRequest) -> dict[str, Any]:
        messages = [{"role": "user", "content": request.user}]
        messages.extend({"role": turn.role, "content": turn.content} for turn in request.history)
        return {
            "model": request.model,
            "max_tokens": request.max_tokens or self.default_max_tokens,
            "system": request.system,
            "messages": messages,
            "tools": [
                {
                    "name": request.name,
                    "description": (
                        "Record your answer. The input must be a single object that"
                        " matches the input schema exactly."
                    ),
                    "input_schema": dict(request.schema),
                }
            ],
            "tool_choice": {"type": "tool", "name": request.name},
        }

    def answer(self, payload: Any, request: ChatRequest) -> dict[str, Any]:
        content = payload.get("content") if isinstance(payload, dict) else None
        if not isinstance(payload, dict) or not isinstance(content, list):
            raise envelope_error(self.provider, "a content list", payload)
        blocks = [block for block in content if isinstance(block, dict)]
        stop = payload.get("stop_reason")
        if stop == "max_tokens":
            # A tool_use cut off mid-way may still carry a partial input; it is not an answer.
            raise LLMBadResponse(
                "LLM answer was cut off at the token limit (stop_reason max_tokens):"
                " raise max_tokens or ask for less",
                reason="truncated",
                raw=_describe(blocks),
            )
        if stop == "refusal":
            raise LLMBadResponse(
                "LLM refused to answer (stop_reason refusal): rephrase the request",
                reason="refusal",
                raw=_describe(blocks),
            )
        for block in blocks:
            if block.get("type") == "tool_use" and block.get("name") == request.name:
                tool_input = block.get("input")
                if isinstance(tool_input, dict):
                    return tool_input
                raw = json.dumps(tool_input, ensure_ascii=False, default=str)
                raise LLMBadResponse(
                    f"LLM called {request.name} with input that is not an object"
                    f" (got: {one_line(raw, 80)!r})",
                    reason="not_object",
                    raw=raw,
                )
        text = _describe(blocks)
        raise LLMBadResponse(
            f"LLM answered without calling the {request.name} tool"
            f" (stop_reason {stop}; got: {one_line(text, 80)!r})",
            reason="no_tool_use",
            raw=text,
        )

    def error_detail(self, payload: Any) -> ErrorDetail:
        error = payload.get("error") if isinstance(payload, dict) else None
        if not isinstance(error, dict):
            return ErrorDetail()
        # A spend cap arrives as an ordinary rate_limit_error; only the detail code tells
        # it apart, and it decides whether a retry can help.
        details = error.get("details")
        detail_code = text_or_none(details.get("error_code")) if isinstance(details, dict) else None
        return ErrorDetail(
            code=detail_code or text_or_none(error.get("type")),
            message=text_or_none(error.get("message")),
        )


def _describe(blocks: list[dict[str, Any]]) -> str:
    """The model's prose, or failing that the blocks themselves, for a re-ask or a log."""
    texts = [block["text"] for block in blocks if isinstance(block.get("text"), str)]
    if texts:
        return "\n".join(texts)
    return json.dumps(blocks, ensure_ascii=False, default=str) if blocks else ""
