"""What every provider's wire format has in common: the request, a turn, the dialect seam."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from intake.llm.errors import LLMBadResponse, one_line

# Provider-neutral text turns. Anthropic could carry a previous answer as a tool_use block,
# but that block must be followed by a matching tool_result and needs an id a malformed
# answer may not have; plain text is legal for both providers and the model reads it fine.
Role = Literal["user", "assistant"]


@dataclass(frozen=True, slots=True)
class Turn:
    """One message after the initial user prompt, e.g. a previous answer and a correction."""

    role: Role
    content: str


@dataclass(frozen=True, slots=True)
class ChatRequest:
    model: str
    system: str
    user: str
    schema: Mapping[str, Any]
    name: str
    history: tuple[Turn, ...] = ()
    max_tokens: int | None = None


@dataclass(frozen=True, slots=True)
class ErrorDetail:
    """The machine code and human message a provider put in an error body, if any."""

    code: str | None = None
    message: str | None = None


class Dialect(Protocol):
    """How one provider spells a structured-output request and its answer."""

    @property
    def provider(self) -> str: ...

    @property
    def default_base_url(self) -> str: ...

    @property
    def path(self) -> str: ...

    def headers(self, api_key: str | None) -> dict[str, str]: ...

    def body(self, request: ChatRequest) -> dict[str, Any]: ...

    def answer(self, payload: Any, request: ChatRequest) -> dict[str, Any]: ...

    def error_detail(self, payload: Any) -> ErrorDetail: ...


# Some OpenAI-compatible servers ignore response_format and wrap the JSON in a Markdown
# fence; unwrapping one fence is cheap and saves a re-ask round trip.
_FENCE = re.compile(r"\A```(?:json)?[ \t]*\n(?P<body>.*)\n```\Z", re.DOTALL)

_JSON_TYPE_NAMES = {
    list: "an array",
    str: "a string",
    int: "a number",
    float: "a number",
    bool: "a boolean",
    type(None): "null",
}


def parse_json_object(text: str) -> dict[str, Any]:
    """Parse the model's text as a JSON object or raise `LLMBadResponse` carrying it."""
    stripped = text.strip()
    fenced = _FENCE.match(stripped)
    if fenced:
        stripped = fenced.group("body")
    try:
        value = json.loads(stripped)
    except json.JSONDecodeError as exc:
        raise LLMBadResponse(
            f"LLM answer was not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
            f" (got: {one_line(text, 80)!r})",
            reason="invalid_json",
            raw=text,
        ) from None
    if not isinstance(value, dict):
        kind = _JSON_TYPE_NAMES.get(type(value), type(value).__name__)
        raise LLMBadResponse(
            f"LLM answer was JSON but {kind}, not an object (got: {one_line(text, 80)!r})",
            reason="not_object",
            raw=text,
        )
    return value


def envelope_error(provider: str, what: str, payload: Any) -> LLMBadResponse:
    """The body parsed as JSON but is not this provider's response shape."""
    raw = json.dumps(payload, ensure_ascii=False, default=str)
    return LLMBadResponse(
        f"LLM provider answered without {what}: check that FOREMAN_LLM_PROVIDER={provider}"
        f" matches the server at FOREMAN_LLM_BASE_URL (got: {one_line(raw, 120)})",
        reason="envelope",
        raw=raw,
    )


def text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
