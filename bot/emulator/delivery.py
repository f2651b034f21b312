"""One way to hand a payload to the bot, whichever transport it listens on.

Everything Slack pushes to an app is one of three kinds (`events_api`, `interactive`,
`slash_commands`) and travels either as a Socket Mode envelope or as a signed HTTP POST. The
result is the same `Delivery` either way, so tests can run one scenario over both transports.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Literal

from bot.emulator import http_delivery
from bot.emulator.errors import EmulatorError
from bot.emulator.http_delivery import Signing
from bot.emulator.model import JSON
from bot.emulator.socket_mode import SocketModeServer

Transport = Literal["socket", "http"]
Kind = Literal["events_api", "interactive", "slash_commands"]

# Interactions whose ack may carry an answer Slack acts on (view errors, a command's reply).
_ANSWERABLE = {"view_submission", "block_suggestion"}


@dataclass(frozen=True)
class HttpEndpoints:
    """The three Request URLs of an app's configuration; Bolt serves all of them on one."""

    events: str
    interactivity: str
    commands: str


@dataclass(frozen=True)
class Delivery:
    """What happened to one payload: whether the bot acknowledged it, and what it answered."""

    kind: Kind
    transport: Transport
    payload: JSON
    acked: bool
    status: int | None
    body: Any
    envelope_id: str | None = None
    retry_num: int = 0
    retry_reason: str = ""

    @property
    def event_id(self) -> str | None:
        value = self.payload.get("event_id")
        return value if isinstance(value, str) else None

    @property
    def ack(self) -> JSON:
        """The acknowledgement's payload as a dict (empty when the bot sent none)."""
        return self.body if isinstance(self.body, dict) else {}

    @property
    def response_action(self) -> str | None:
        value = self.ack.get("response_action")
        return value if isinstance(value, str) else None

    @property
    def errors(self) -> dict[str, str]:
        """Field errors a view submission was refused with (`response_action: errors`)."""
        if self.response_action != "errors":
            return {}
        errors = self.ack.get("errors")
        return dict(errors) if isinstance(errors, dict) else {}


class Deliverer:
    """Sends payloads over Socket Mode or HTTP and keeps a log of every delivery."""

    def __init__(
        self,
        socket: SocketModeServer,
        signing_secret: str,
        default_transport: Transport,
        ack_timeout: float,
    ) -> None:
        self._socket = socket
        self._secret = signing_secret
        self.default_transport: Transport = default_transport
        self.ack_timeout = ack_timeout
        self.endpoints: HttpEndpoints | None = None
        self._lock = threading.Lock()
        self._log: list[Delivery] = []

    def log(self) -> list[Delivery]:
        with self._lock:
            return list(self._log)

    def deliver(
        self,
        kind: Kind,
        payload: JSON,
        *,
        transport: Transport | None = None,
        retry_num: int = 0,
        retry_reason: str = "",
        signing: Signing | None = None,
        timeout: float | None = None,
    ) -> Delivery:
        chosen = transport or self.default_transport
        wait = self.ack_timeout if timeout is None else timeout
        if chosen == "socket":
            if signing is not None:
                raise EmulatorError("signing options only apply to HTTP delivery")
            delivery = self._over_socket(kind, payload, retry_num, retry_reason, wait)
        else:
            delivery = self._over_http(kind, payload, retry_num, retry_reason, signing, wait)
        with self._lock:
            self._log.append(delivery)
        return delivery

    def _over_socket(
        self, kind: Kind, payload: JSON, retry_num: int, reason: str, wait: float
    ) -> Delivery:
        answerable = kind == "slash_commands" or payload.get("type") in _ANSWERABLE
        ack = self._socket.deliver(
            kind,
            payload,
            accepts_response_payload=answerable,
            retry_attempt=retry_num,
            retry_reason=reason or ("timeout" if retry_num else ""),
            timeout=wait,
        )
        return Delivery(
            kind=kind,
            transport="socket",
            payload=payload,
            acked=ack.acked,
            status=200 if ack.acked else None,
            body=ack.payload,
            envelope_id=ack.envelope_id,
            retry_num=retry_num,
            retry_reason=reason,
        )

    def _over_http(
        self,
        kind: Kind,
        payload: JSON,
        retry_num: int,
        reason: str,
        signing: Signing | None,
        wait: float,
    ) -> Delivery:
        if self.endpoints is None:
            raise EmulatorError("no HTTP endpoint configured: call use_http(url) first")
        url = {
            "events_api": self.endpoints.events,
            "interactive": self.endpoints.interactivity,
            "slash_commands": self.endpoints.commands,
        }[kind]
        body, content_type = http_delivery.encode(kind, payload)
        reply = http_delivery.post(
            url,
            body,
            content_type,
            self._secret,
            signing=signing,
            retry_num=retry_num,
            retry_reason=reason,
            timeout=wait,
        )
        decoded = reply.json()
        if decoded is None and reply.body:
            # A plain-text ack to a slash command is the reply text, as Slack reads it.
            decoded = {"text": reply.body}
        return Delivery(
            kind=kind,
            transport="http",
            payload=payload,
            acked=reply.status == 200,
            status=reply.status,
            body=decoded,
            retry_num=retry_num,
            retry_reason=reason,
        )
