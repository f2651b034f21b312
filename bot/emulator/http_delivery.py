"""Delivering events and interactions to a bot in HTTP mode, signed the way Slack signs them.

Events go as JSON, interactivity as a form with one `payload` field holding JSON, slash
commands as plain form fields. Each request carries `X-Slack-Request-Timestamp` and the v0
`X-Slack-Signature`, and retries carry `X-Slack-Retry-Num` / `X-Slack-Retry-Reason`.
`Signing` lets a test break exactly one of those things to prove the bot refuses it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx

from bot.emulator.model import JSON

USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)"


@dataclass(frozen=True)
class Signing:
    """How to sign one delivery; the defaults sign it exactly as Slack would."""

    forge: bool = False
    omit_headers: bool = False
    timestamp_age: int = 0


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The v0 signature: HMAC-SHA256 of `v0:<timestamp>:<body>` keyed by the signing secret."""
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class HttpReply:
    """What the bot answered; `status` is None when it did not answer in time."""

    status: int | None
    body: str
    headers: dict[str, str] = field(default_factory=dict)
    error: str | None = None

    def json(self) -> Any:
        try:
            return json.loads(self.body) if self.body else None
        except json.JSONDecodeError:
            return None


def signed_headers(secret: str, body: bytes, content_type: str, signing: Signing) -> dict[str, str]:
    headers = {"Content-Type": content_type, "User-Agent": USER_AGENT}
    if signing.omit_headers:
        return headers
    timestamp = str(int(time.time()) - signing.timestamp_age)
    key = secret if not signing.forge else "forged-" + secret[::-1]
    headers["X-Slack-Request-Timestamp"] = timestamp
    headers["X-Slack-Signature"] = signature(key, timestamp, body)
    return headers


def post(
    url: str,
    body: bytes,
    content_type: str,
    secret: str,
    *,
    signing: Signing | None = None,
    retry_num: int = 0,
    retry_reason: str = "",
    timeout: float = 3.0,
) -> HttpReply:
    """POST one delivery and report the bot's answer; Slack gives up after 3 seconds."""
    headers = signed_headers(secret, body, content_type, signing or Signing())
    if retry_num:
        headers["X-Slack-Retry-Num"] = str(retry_num)
        headers["X-Slack-Retry-Reason"] = retry_reason or "http_timeout"
    try:
        with httpx.Client(timeout=timeout, trust_env=False) as client:
            response = client.post(url, content=body, headers=headers)
    except httpx.TimeoutException:
        return HttpReply(None, "", error="http_timeout")
    except httpx.TransportError as exc:
        return HttpReply(None, "", error=f"connection_failed: {exc}")
    return HttpReply(response.status_code, response.text, dict(response.headers))


def encode(kind: str, payload: JSON) -> tuple[bytes, str]:
    """Body and content type for one delivery kind, as Slack encodes it."""
    if kind == "events_api":
        return json.dumps(payload).encode(), "application/json"
    if kind == "interactive":
        form = {"payload": json.dumps(payload)}
    else:
        form = {key: "" if value is None else _form_value(value) for key, value in payload.items()}
    return urlencode(form).encode(), "application/x-www-form-urlencoded"


def _form_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
