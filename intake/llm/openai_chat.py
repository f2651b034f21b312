"""OpenAI-compatible chat completions with a strict `json_schema` response format."""

from __future__ import annotations

from typing import Any

from intake.llm.errors import LLMBadResponse, one_line
from intake.llm.wire import (
    ChatRequest,
    ErrorDetail,
    envelope_error,
    parse_json_object,
    text_or_none,
)


class OpenAIChat:
    """`POST {base_url}/chat/completions`; the answer is the first choice's content string."""

    provider = "openai"
    default_base_url = "https://api.openai.com/v1"
    path = "/chat/completions"

    def headers(self, api_key: str | None) -> dict[str, str]:
        # Local OpenAI-compatible servers often need no key at all; sending none lets them
        # work and lets a real provider answer 401, which becomes an actionable error.
        return {"authorization": f"Bearer {api_key}"} if api_key else {}

    def body(self, request: ChatRequest) -> dict[str, Any]:
        messages: list[dict[str, str]] = [
            {"role": "system", "content": request.system},
            {"role": "user", "content": request.user},
        ]
        messages.extend({"role": turn.role, "content": turn.content} for turn in request.history)
        body: dict[str, Any] = {
            "model": request.model,
            "messages": messages,
            "response_format": {
                "type": "json_schema",
                "json_schema": {
                    "name": request.name,
                    "schema": dict(request.schema),
                    "strict": True,
                },
            },
        }
        # Omitted unless asked for: reasoning models reject the legacy `max_tokens`, and the
        # server's own default is the safest limit for everything else.
        if request.max_tokens is not None:
            body["max_completion_tokens"] = request.max_tokens
        return body

    def answer(self, payload: Any, request: ChatRequest) -> dict[str, Any]:
        choices = payload.get("choices") if isinstance(payload, dict) else None
        choice = choices[0] if isinstance(choices, list) and choices else None
        message = choice.get("message") if isinstance(choice, dict) else None
        if not isinstance(choice, dict) or not isinstance(message, dict):
            raise envelope_error(self.provider, "choices[0].message", payload)

        refusal = text_or_none(message.get("refusal"))
        if refusal is not None:
            raise LLMBadResponse(
                f"LLM refused to answer: {one_line(refusal, 160)}: rephrase the request",
                reason="refusal",
                raw=refusal,
            )
        content = message.get("content")
        text = content if isinstance(content, str) else ""
        finish = choice.get("finish_reason")
        if finish == "length":
            raise LLMBadResponse(
                "LLM answer was cut off at the token limit (finish_reason length):"
                " raise max_tokens or ask for less",
                reason="truncated",
                raw=text,
            )
        if finish == "content_filter":
            raise LLMBadResponse(
                "LLM answer was withheld by the provider's content filter: rephrase the request",
                reason="refusal",
                raw=text,
            )
        if not text.strip():
            raise LLMBadResponse(
                f"LLM answer was empty (finish_reason {finish}): ask again",
                reason="empty",
                raw=text,
            )
        return parse_json_object(text)

    def error_detail(self, payload: Any) -> ErrorDetail:
        if not isinstance(payload, dict):
            return ErrorDetail()
        error = payload.get("error")
        if isinstance(error, dict):
            # OpenAI fills `code` for the interesting cases (invalid_api_key,
            # model_not_found, insufficient_quota) and leaves it null for generic ones.
            code = text_or_none(error.get("code")) or text_or_none(error.get("type"))
            return ErrorDetail(code=code, message=text_or_none(error.get("message")))
        # Compatible servers are less uniform: a bare string, FastAPI's `detail`, or `message`.
        message = (
            text_or_none(error)
            or text_or_none(payload.get("detail"))
            or text_or_none(payload.get("message"))
        )
        return ErrorDetail(message=message)
