"""One JSON POST with bounded, polite retries, turned into typed one-line errors.

The raw API key exists only inside a single attempt's frame: headers are built there and
nowhere else, and final errors are raised outside any `except` block so they chain neither
httpx exceptions (whose request objects carry the headers) nor those frames. Tracebacks with
locals, as pytest and error trackers print them, therefore never show the key.
"""

from __future__ import annotations

import email.utils
import functools
import json
import logging
import math
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

import httpx
from pydantic import SecretStr
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt
from tenacity.wait import wait_exponential_jitter

from intake.llm.errors import (
    LLMAuthError,
    LLMBadResponse,
    LLMConnectionError,
    LLMError,
    LLMRateLimitError,
    LLMRequestError,
    LLMServerError,
    LLMTimeoutError,
    one_line,
)
from intake.llm.wire import Dialect, ErrorDetail

logger = logging.getLogger(__name__)

# These arrive as 429 but mean "the account is out of money"; waiting will not fix them.
_QUOTA_CODES: Final = frozenset({"insufficient_quota", "enforced_spend_limit_reached"})
_OVERLOADED: Final = 529


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How hard to try: attempts in total, backoff between them, and the Retry-After cap."""

    max_attempts: int = 4
    backoff_initial: float = 0.5
    backoff_max: float = 8.0
    # A provider may ask for minutes; a person waiting in Slack would rather see the error.
    retry_after_cap: float = 30.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if min(self.backoff_initial, self.backoff_max, self.retry_after_cap) < 0:
            raise ValueError("backoff and retry_after_cap must not be negative")


class _HTTPStatusError(Exception):
    """A non-2xx answer, kept internal until retries are over."""

    def __init__(
        self, status: int, detail: ErrorDetail, retry_after: float | None, location: str | None
    ) -> None:
        super().__init__(status)
        self.status = status
        self.detail = detail
        self.retry_after = retry_after
        self.location = location

    @property
    def retryable(self) -> bool:
        if self.detail.code in _QUOTA_CODES:
            return False
        return self.status in (408, 429) or self.status >= 500


def _is_transient(exc: BaseException) -> bool:
    if isinstance(exc, _HTTPStatusError):
        return exc.retryable
    # Connection refused/reset and a server closing the socket mid-answer are worth another
    # try; malformed URLs and unsupported schemes are not.
    return isinstance(exc, httpx.TimeoutException | httpx.NetworkError | httpx.RemoteProtocolError)


def parse_retry_after(headers: Mapping[str, str], *, now: datetime | None = None) -> float | None:
    """Seconds to wait from `retry-after-ms` or `Retry-After` (seconds or an HTTP date)."""
    millis = headers.get("retry-after-ms")
    if millis is not None:
        seconds = _finite(millis)
        if seconds is not None:
            return max(0.0, seconds / 1000)
    value = headers.get("retry-after")
    if value is None:
        return None
    seconds = _finite(value)
    if seconds is not None:
        return max(0.0, seconds)
    try:
        when = email.utils.parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _finite(text: str) -> float | None:
    try:
        number = float(text.strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def retry_wait(policy: RetryPolicy) -> Callable[[RetryCallState], float]:
    """Retry-After when the server sent one (capped), jittered exponential backoff otherwise."""
    # Jitter spreads out the parallel ticket-specification threads that hit the same 5xx.
    backoff = wait_exponential_jitter(
        multiplier=policy.backoff_initial, max=policy.backoff_max, jitter=policy.backoff_initial
    )

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome is not None else None
        if isinstance(exc, _HTTPStatusError) and exc.retry_after is not None:
            return min(exc.retry_after, policy.retry_after_cap)
        return float(backoff(state))

    return wait


@functools.cache
def _tls_context() -> ssl.SSLContext:
    # Loading the CA bundle costs ~50 ms; one verified context serves every client.
    return httpx.create_ssl_context()


def display_url(url: str) -> str:
    """The URL as it may appear in messages: without userinfo or query string."""
    return str(httpx.URL(url).copy_with(username=None, password=None, query=None))


class Transport:
    """POSTs JSON to one endpoint; safe to share between threads (httpx.Client is)."""

    def __init__(
        self,
        *,
        dialect: Dialect,
        url: str,
        api_key: SecretStr | None,
        timeout: float,
        policy: RetryPolicy,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._dialect = dialect
        self._url = url
        self._shown_url = display_url(url)
        self._api_key = api_key
        self._timeout = timeout
        self._policy = policy
        self._http = httpx.Client(
            timeout=httpx.Timeout(timeout), transport=transport, verify=_tls_context()
        )

    def close(self) -> None:
        self._http.close()

    def post(self, body: dict[str, Any]) -> Any:
        """Send `body`, retrying transient failures; return the parsed JSON of a 2xx."""
        attempts = 0

        def attempt() -> httpx.Response:
            nonlocal attempts
            attempts += 1
            return self._post_once(body)

        retrying = Retrying(
            stop=stop_after_attempt(self._policy.max_attempts),
            wait=retry_wait(self._policy),
            retry=retry_if_exception(_is_transient),
            before_sleep=self._log_retry,
            reraise=True,
        )
        failure: LLMError
        try:
            response = retrying(attempt)
        except _HTTPStatusError as exc:
            failure = self._status_error(exc, attempts)
        except httpx.TimeoutException:
            failure = LLMTimeoutError(
                f"LLM provider at {self._shown_url} timed out after {_times(attempts)}"
                f" ({self._timeout:g} s each): check FOREMAN_LLM_BASE_URL or raise the timeout",
                attempts=attempts,
            )
        except httpx.HTTPError as exc:
            failure = LLMConnectionError(
                f"LLM provider at {self._shown_url} unreachable after {_times(attempts)}"
                f" ({type(exc).__name__}: {one_line(str(exc), 120)}):"
                " check FOREMAN_LLM_BASE_URL and that the server is running",
                attempts=attempts,
            )
        else:
            return self._json_body(response)
        raise failure

    def _post_once(self, body: dict[str, Any]) -> httpx.Response:
        secret = self._api_key.get_secret_value() if self._api_key is not None else None
        response = self._http.post(self._url, headers=self._dialect.headers(secret), json=body)
        if response.is_success:
            return response
        payload = _json_or_none(response)
        raise _HTTPStatusError(
            response.status_code,
            self._dialect.error_detail(payload)
            if payload is not None
            else ErrorDetail(message=one_line(response.text, 120) or None),
            parse_retry_after(response.headers),
            response.headers.get("location"),
        )

    def _json_body(self, response: httpx.Response) -> Any:
        payload = _json_or_none(response)
        if payload is None:
            raise LLMBadResponse(
                f"LLM provider at {self._shown_url} answered {response.status_code} with a body"
                f" that is not JSON: check FOREMAN_LLM_BASE_URL points at the API"
                f" (got: {one_line(response.text, 80)!r})",
                reason="envelope",
                raw=response.text,
            )
        return payload

    def _log_retry(self, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome is not None else None
        if isinstance(exc, _HTTPStatusError):
            why = f"HTTP {exc.status} {exc.detail.code or ''}".rstrip()
        else:
            why = type(exc).__name__
        wait = state.next_action.sleep if state.next_action is not None else 0.0
        logger.warning(
            "LLM call to %s failed (%s) on attempt %d/%d; retrying in %.2f s",
            self._shown_url,
            why,
            state.attempt_number,
            self._policy.max_attempts,
            wait,
        )

    def _status_error(self, failure: _HTTPStatusError, attempts: int) -> LLMError:
        status, detail = failure.status, failure.detail
        code = detail.code or _snake(httpx.codes.get_reason_phrase(status)) or "error"
        head = f"LLM provider answered {status} {code}"
        if attempts > 1:
            head += f" after {_times(attempts)}"
        said = f" (provider said: {one_line(detail.message)})" if detail.message else ""
        kind, hint = self._classify(failure, code)
        return kind(f"{head}: {hint}{said}", status=status, code=code, attempts=attempts)

    def _classify(self, failure: _HTTPStatusError, code: str) -> tuple[type[LLMError], str]:
        status = failure.status
        message = (failure.detail.message or "").lower()
        kind: type[LLMError] = LLMRequestError
        if status == 401:
            kind, hint = LLMAuthError, "set FOREMAN_LLM_API_KEY"
        elif status == 403:
            kind, hint = LLMAuthError, "check that FOREMAN_LLM_API_KEY may use FOREMAN_LLM_MODEL"
        elif status == 404 and ("model" in code or "model" in message):
            hint = "check FOREMAN_LLM_MODEL"
        elif status == 404:
            hint = f"check FOREMAN_LLM_BASE_URL and FOREMAN_LLM_MODEL (POST {self._shown_url})"
        elif status == 429 and code in _QUOTA_CODES:
            kind, hint = (
                LLMRateLimitError,
                "the account is out of credit: top it up or change the key",
            )
        elif status == 429:
            kind, hint = (
                LLMRateLimitError,
                "rate limited: wait a minute or raise the provider limit",
            )
        elif status == 413:
            hint = "the request is too large: shorten the prompt"
        elif 300 <= status < 400:
            hint = f"check FOREMAN_LLM_BASE_URL (redirected to {failure.location or 'elsewhere'})"
        elif status == _OVERLOADED or "overloaded" in code:
            kind, hint = LLMServerError, "the provider is overloaded: try again later"
        elif status == 408 or status >= 500:
            kind, hint = LLMServerError, "the provider failed: try again later or check its status"
        else:
            hint = (
                "the request was rejected: check that FOREMAN_LLM_MODEL supports structured"
                " output and that the schema is valid"
            )
        return kind, hint


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return json.loads(response.content)
    except ValueError:
        return None


def _snake(phrase: str) -> str:
    return phrase.strip().lower().replace(" ", "_").replace("-", "_")


def _times(attempts: int) -> str:
    return "1 attempt" if attempts == 1 else f"{attempts} attempts"
