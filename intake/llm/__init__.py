"""Structured JSON output from an LLM over HTTP (OpenAI-compatible or Anthropic).

    client = make_client("openai", base_url, api_key, model)
    plan = client.complete_json(system=..., user=..., schema=PLAN_SCHEMA, name="plan")

Retries, one-line actionable errors and re-asking with validation errors live here so the
planners only deal with prompts, schemas and domain validation.
"""

from intake.llm.client import HTTPLLMClient, LLMClient, make_client
from intake.llm.conversation import (
    Validator,
    complete_validated,
    correction_prompt,
    correction_turns,
)
from intake.llm.errors import (
    LLMAuthError,
    LLMBadResponse,
    LLMConfigError,
    LLMConnectionError,
    LLMError,
    LLMInvalidAnswerError,
    LLMRateLimitError,
    LLMRequestError,
    LLMServerError,
    LLMTimeoutError,
)
from intake.llm.transport import RetryPolicy
from intake.llm.wire import Turn

__all__ = [
    "HTTPLLMClient",
    "LLMAuthError",
    "LLMBadResponse",
    "LLMClient",
    "LLMConfigError",
    "LLMConnectionError",
    "LLMError",
    "LLMInvalidAnswerError",
    "LLMRateLimitError",
    "LLMRequestError",
    "LLMServerError",
    "LLMTimeoutError",
    "RetryPolicy",
    "Turn",
    "Validator",
    "complete_validated",
    "correction_prompt",
    "correction_turns",
    "make_client",
]
