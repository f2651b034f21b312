"""The structured-output client the planners use, and the factory that builds it."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any, Final, Protocol, Self

import httpx
from pydantic import SecretStr

from intake.llm.anthropic_messages import AnthropicMessages
from intake.llm.errors import LLMConfigError, LLMError
from intake.llm.openai_chat import OpenAIChat
from intake.llm.transport import RetryPolicy, Transport, display_url
from intake.llm.wire import ChatRequest, Dialect, Turn

# Both providers restrict tool/schema names to this; checking here turns a 400 round trip
# into an immediate, named error.
_NAME = re.compile(r"\A[A-Za-z0-9_-]{1,64}\Z")
# Shorter "keys" are placeholders for keyless local servers ("none", "ollama"); scrubbing
# them would mangle ordinary words in error messages without protecting anything.
_MIN_SCRUBBED_KEY: Final = 8


class LLMClient(Protocol):
    """Anything that turns a prompt and a JSON schema into one JSON object."""

    def complete_json(
        self,
        *,
        system: str,
        user: str,
        schema: Mapping[str, Any],
        name: str,
        history: Sequence[Turn] = (),
    ) -> dict[str, Any]:
        """Ask once; `history` holds turns after `user` (earlier answers, corrections)."""
        ...


class HTTPLLMClient:
    """An `LLMClient` over HTTP. Immutable after construction, so threads may share it."""

    def __init__(
        self,
        dialect: Dialect,
        *,
        base_url: str,
        api_key: SecretStr | None,
        model: str,
        timeout: float,
        retry: RetryPolicy,
        max_tokens: int | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._dialect = dialect
        self._base_url = base_url
        self._api_key = api_key
        self._model = model
        self._max_tokens = max_tokens
        self._transport = Transport(
            dialect=dialect,
            url=_endpoint(base_url, dialect.path),
            api_key=api_key,
            timeout=timeout,
            policy=retry,
            transport=transport,
        )

    @property
    def provider(self) -> str:
        return self._dialect.provider

    @property
    def model(self) -> str:
        return self._model

    @property
    def base_url(self) -> str:
        return display_url(self._base_url)

    def complete_json(
        self,
        *,
        system: str,
        user: str,
        schema: Mapping[str, Any],
        name: str,
        history: Sequence[Turn] = (),
    ) -> dict[str, Any]:
        if not _NAME.match(name):
            raise LLMConfigError(f"schema name {name!r} must match [A-Za-z0-9_-]{{1,64}}")
        request = ChatRequest(
            model=self._model,
            system=system,
            user=user,
            schema=schema,
            name=name,
            history=tuple(history),
            max_tokens=self._max_tokens,
        )
        try:
            payload = self._transport.post(self._dialect.body(request))
            return self._dialect.answer(payload, request)
        except LLMError as exc:
            self._scrub(exc)
            raise

    def _scrub(self, exc: LLMError) -> None:
        if self._api_key is None:
            return
        secret = self._api_key.get_secret_value()
        if len(secret) >= _MIN_SCRUBBED_KEY:
            exc.scrub(secret)

    def close(self) -> None:
        self._transport.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return (
            f"HTTPLLMClient(provider={self.provider!r}, base_url={self.base_url!r},"
            f" model={self._model!r})"
        )


def make_client(
    provider: str,
    base_url: str | None,
    api_key: str | SecretStr | None,
    model: str | None,
    *,
    timeout: float = 60.0,
    max_attempts: int = 4,
    max_tokens: int | None = None,
    retry: RetryPolicy | None = None,
    transport: httpx.BaseTransport | None = None,
) -> HTTPLLMClient:
    """Build a client from the FOREMAN_LLM_* settings; raises `LLMConfigError` if unusable.

    `retry` overrides `max_attempts` when given. `transport` replaces the network (tests).
    """
    dialect = _dialect(provider)
    if not model:
        raise LLMConfigError("no model given: set FOREMAN_LLM_MODEL")
    if timeout <= 0:
        raise LLMConfigError(f"timeout must be positive, got {timeout}")
    url = base_url or dialect.default_base_url
    if not url.startswith(("http://", "https://")):
        raise LLMConfigError(
            f"FOREMAN_LLM_BASE_URL must start with http:// or https://, got {url!r}"
        )
    secret = api_key if isinstance(api_key, SecretStr) or api_key is None else SecretStr(api_key)
    return HTTPLLMClient(
        dialect,
        base_url=url,
        api_key=secret,
        model=model,
        timeout=timeout,
        retry=retry or RetryPolicy(max_attempts=max_attempts),
        max_tokens=max_tokens,
        transport=transport,
    )


def _dialect(provider: str) -> Dialect:
    if provider == "openai":
        return OpenAIChat()
    if provider == "anthropic":
        return AnthropicMessages()
    if provider == "none":
        raise LLMConfigError(
            "FOREMAN_LLM_PROVIDER is none: use the offline planner or set it to openai or anthropic"
        )
    raise LLMConfigError(
        f"unknown FOREMAN_LLM_PROVIDER {provider!r}: use none, openai or anthropic"
    )


def _endpoint(base_url: str, path: str) -> str:
    base = base_url.rstrip("/")
    # People paste Anthropic's base URL with the version on it; avoid a confusing /v1/v1 404.
    if path.startswith("/v1/") and base.endswith("/v1"):
        base = base[: -len("/v1")]
    return base + path
