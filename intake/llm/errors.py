"""Typed failures of an LLM call.

Every error's `str()` is a single line that names what happened and what a person should
change (usually one of the FOREMAN_LLM_* settings), because these messages end up in Slack
and in `foreman doctor` output where nobody reads a traceback.
"""

from __future__ import annotations

import re
from typing import Final, Literal

BadResponseReason = Literal[
    "invalid_json",  # the model's text does not parse as JSON
    "not_object",  # it parses, but to a list, string or number
    "no_tool_use",  # Anthropic answered in prose instead of calling the tool
    "empty",  # no content at all
    "refusal",  # the model declined (OpenAI refusal, content filter, Anthropic refusal)
    "truncated",  # the token limit cut the answer off
    "envelope",  # the HTTP body is not the provider's response shape at all
]

# Re-asking with the bad text is worth a try only when the model could plausibly fix its
# own output; a refusal, a cut-off or a proxy's HTML page will come back the same.
_REASKABLE: Final = frozenset({"invalid_json", "not_object", "no_tool_use", "empty"})

_SHORT_LIMIT: Final = 200
_WHITESPACE = re.compile(r"\s+")


def one_line(text: str, limit: int = _SHORT_LIMIT) -> str:
    """Collapse whitespace and cut `text` so it fits in a single readable line."""
    flat = _WHITESPACE.sub(" ", text).strip()
    if len(flat) <= limit:
        return flat
    return flat[: limit - 1].rstrip() + "…"


class LLMError(Exception):
    """Base class: an LLM call failed. `str()` is one actionable line without secrets."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        attempts: int = 1,
    ) -> None:
        super().__init__(one_line(message, limit=600))
        self.status = status
        self.code = code
        self.attempts = attempts

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""

    def scrub(self, secret: str) -> None:
        """Remove `secret` from everything this error carries.

        Providers and proxies sometimes echo credentials back in error bodies, so the
        client scrubs every error at the boundary instead of trusting each message source.
        """
        self.args = tuple(
            arg.replace(secret, "***") if isinstance(arg, str) else arg for arg in self.args
        )


class LLMConfigError(LLMError, ValueError):
    """The client cannot be built from the given settings (unknown provider, bad URL)."""


class LLMAuthError(LLMError):
    """401/403: the key is missing, wrong, or not allowed to use the model."""


class LLMRateLimitError(LLMError):
    """429 that outlasted the retries, or a quota that no retry will fix."""


class LLMServerError(LLMError):
    """5xx (including Anthropic's 529 overloaded) that outlasted the retries."""


class LLMTimeoutError(LLMError):
    """Every attempt timed out."""


class LLMConnectionError(LLMError):
    """No HTTP answer at all: connection refused, DNS failure, connection reset."""


class LLMRequestError(LLMError):
    """A 4xx other than auth and rate limits: unknown model, bad schema, request too big."""


class LLMBadResponse(LLMError):
    """The provider answered 2xx but the answer is not a usable JSON object.

    `raw` holds the (shortened) text the model produced so a caller can send it back with
    the reason and ask for a corrected object.
    """

    RAW_LIMIT: Final = 4000

    def __init__(self, message: str, *, reason: BadResponseReason, raw: str = "") -> None:
        super().__init__(message, code=reason)
        self.reason: BadResponseReason = reason
        self.raw = raw if len(raw) <= self.RAW_LIMIT else raw[: self.RAW_LIMIT] + "…"

    @property
    def can_reask(self) -> bool:
        return self.reason in _REASKABLE

    def scrub(self, secret: str) -> None:
        super().scrub(secret)
        self.raw = self.raw.replace(secret, "***")


class LLMInvalidAnswerError(LLMError):
    """The model kept answering with objects that fail the caller's validation."""

    def __init__(self, message: str, *, errors: list[str], raw: str, attempts: int) -> None:
        super().__init__(message, code="invalid_answer", attempts=attempts)
        self.errors = errors
        self.raw = raw

    def scrub(self, secret: str) -> None:
        super().scrub(secret)
        self.raw = self.raw.replace(secret, "***")
        self.errors = [error.replace(secret, "***") for error in self.errors]
