"""The Socket Mode side of Slack: a WebSocket server that pushes envelopes and awaits acks.

The bot connects to the URL `apps.connections.open` hands out, gets `hello`, and from then on
each envelope must be acknowledged with `{"envelope_id": …, "payload"?: …}`. `deliver` blocks
until that ack (or a timeout, which is what Slack would then retry) and returns its payload,
because that payload is how a bot answers view submissions and slash commands.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.sync.server import Server, ServerConnection, serve

from bot.emulator.errors import EmulatorError
from bot.emulator.ids import IdFactory
from bot.emulator.model import JSON

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SocketAck:
    envelope_id: str
    acked: bool
    payload: JSON | None
    envelope: JSON


@dataclass
class _Pending:
    acked: bool = False
    abandoned: bool = False
    payload: JSON | None = None


@dataclass
class _Client:
    connection: ServerConnection
    send_lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self, message: JSON) -> None:
        with self.send_lock:
            self.connection.send(json.dumps(message))


class SocketModeServer:
    """WebSocket endpoint for Socket Mode clients, on 127.0.0.1 and an ephemeral port."""

    def __init__(self, app_id: str, ids: IdFactory) -> None:
        self._app_id = app_id
        self._ids = ids
        self._cond = threading.Condition()
        self._tickets: set[str] = set()
        self._clients: list[_Client] = []
        self._retiring: list[_Client] = []
        self._pending: dict[str, _Pending] = {}
        self._handler_threads: set[threading.Thread] = set()
        self._server: Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        # The Slack SDK pings us; a server-side keepalive would only add a thread per client.
        self._server = serve(
            self._serve_client,
            "127.0.0.1",
            0,
            process_request=self._check_ticket,
            ping_interval=None,
            compression=None,
            close_timeout=0.2,
            open_timeout=5,
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="slack-emulator-socket"
        )
        self._thread.start()

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        with self._cond:
            clients = list(self._clients)
            threads = list(self._handler_threads)
            for pending in self._pending.values():
                pending.abandoned = True
            self._cond.notify_all()
        for client in clients:
            client.connection.close()
        for thread in threads:
            thread.join(timeout=2)
        if self._thread is not None:
            self._thread.join()
        self._server = None

    def issue_url(self) -> str:
        """A one-time WebSocket URL, shaped like Slack's `wss://…/link/?ticket=…&app_id=…`."""
        if self._server is None:
            raise RuntimeError("the Socket Mode server is not running")
        ticket = secrets.token_hex(8)
        with self._cond:
            self._tickets.add(ticket)
        port = self._server.socket.getsockname()[1]
        return f"ws://127.0.0.1:{port}/link/?ticket={ticket}&app_id={self._app_id}"

    @property
    def client_count(self) -> int:
        with self._cond:
            return len(self._clients)

    def wait_for_client(self, timeout: float) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: bool(self._clients), timeout)

    def _check_ticket(self, connection: ServerConnection, request: Request) -> Response | None:
        ticket = parse_qs(urlsplit(request.path).query).get("ticket", [""])[0]
        with self._cond:
            if ticket in self._tickets:
                self._tickets.discard(ticket)
                return None
        return connection.respond(HTTPStatus.UNAUTHORIZED, "invalid or already used ticket\n")

    def _serve_client(self, connection: ServerConnection) -> None:
        client = _Client(connection)
        with self._cond:
            self._handler_threads.add(threading.current_thread())
            count = len(self._clients) + 1
        try:
            client.send(
                {
                    "type": "hello",
                    "num_connections": count,
                    "debug_info": {
                        "host": "applink-emulator",
                        "approximate_connection_time": 18060,
                    },
                    "connection_info": {"app_id": self._app_id},
                }
            )
            with self._cond:
                self._clients.append(client)
                retiring, self._retiring = self._retiring, []
                self._cond.notify_all()
            # Slack closes a socket it asked to be replaced once the replacement is up.
            for old in retiring:
                old.connection.close()
            for raw in connection:
                self._receive(raw)
        except ConnectionClosed:
            pass
        finally:
            with self._cond:
                if client in self._clients:
                    self._clients.remove(client)
                self._handler_threads.discard(threading.current_thread())
                self._cond.notify_all()

    def _receive(self, raw: str | bytes) -> None:
        try:
            message = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError):
            log.warning("ignoring a Socket Mode frame that is not JSON: %r", raw[:200])
            return
        envelope_id = message.get("envelope_id") if isinstance(message, dict) else None
        with self._cond:
            pending = self._pending.get(str(envelope_id))
            if pending is None:
                log.debug("ack for an unknown or expired envelope %r", envelope_id)
                return
            payload = message.get("payload")
            pending.payload = payload if isinstance(payload, dict) else None
            pending.acked = True
            self._cond.notify_all()

    def deliver(
        self,
        kind: str,
        payload: JSON,
        *,
        accepts_response_payload: bool,
        retry_attempt: int = 0,
        retry_reason: str = "",
        timeout: float = 3.0,
        connect_timeout: float = 5.0,
    ) -> SocketAck:
        """Send one envelope to the newest client and wait for its ack."""
        envelope_id = self._ids.envelope_id()
        envelope: JSON = {
            "envelope_id": envelope_id,
            "type": kind,
            "accepts_response_payload": accepts_response_payload,
            "payload": payload,
        }
        if kind == "events_api":
            envelope["retry_attempt"] = retry_attempt
            envelope["retry_reason"] = retry_reason
        pending = _Pending()
        with self._cond:
            if not self._cond.wait_for(lambda: bool(self._clients), connect_timeout):
                raise EmulatorError("no Socket Mode client is connected to the emulator")
            client = self._clients[-1]
            self._pending[envelope_id] = pending
        try:
            client.send(envelope)
        except ConnectionClosed:
            with self._cond:
                self._pending.pop(envelope_id, None)
            return SocketAck(envelope_id, False, None, envelope)
        deadline = time.monotonic() + timeout
        with self._cond:
            self._cond.wait_for(
                lambda: pending.acked or pending.abandoned, max(0.0, deadline - time.monotonic())
            )
            self._pending.pop(envelope_id, None)
            return SocketAck(envelope_id, pending.acked, pending.payload, envelope)

    def close_clients(self) -> None:
        """Drop every connection from the server side, as Slack does when it recycles one."""
        with self._cond:
            clients = list(self._clients)
        for client in clients:
            client.connection.close()

    def send_disconnect(self, reason: str = "refresh_requested") -> None:
        """Ask every client to reconnect, as Slack does before it recycles a socket."""
        with self._cond:
            clients = list(self._clients)
            self._retiring.extend(clients)
        for client in clients:
            try:
                client.send(
                    {
                        "type": "disconnect",
                        "reason": reason,
                        "debug_info": {"host": "applink-emulator"},
                    }
                )
            except ConnectionClosed:
                continue
