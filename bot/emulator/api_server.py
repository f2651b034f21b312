"""The HTTP face of the fake Web API and of the `response_url` hooks, on 127.0.0.1.

A stdlib threading server: one thread per request, all joined on shutdown, so stopping the
emulator leaves nothing running. Responses are HTTP/1.0 (connection closed after each), which
means no idle keep-alive thread can outlive a test.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from bot.emulator.model import JSON
from bot.emulator.traffic import ApiCall, Traffic
from bot.emulator.webapi import WebApi

log = logging.getLogger(__name__)

HookHandler = Callable[[str, JSON], tuple[int, JSON]]


class _Server(ThreadingHTTPServer):
    # Join request threads on close instead of abandoning them mid-response.
    daemon_threads = False
    block_on_close = True
    # The default backlog of 5 turns a burst of concurrent clients into 1 s SYN retries.
    request_queue_size = 128

    def __init__(self, app: ApiHttpServer) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.app = app


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    # A client that connects and says nothing must not hold shutdown hostage.
    timeout = 10

    def do_POST(self) -> None:
        self._serve()

    def do_GET(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)

    def _serve(self) -> None:
        path = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        try:
            status, payload, headers = self.server.app.handle(
                path.path, path.query, body, content_type, self.headers.get("Authorization")
            )
        except Exception:
            # A dropped connection would make the SDK retry and hide the bug; Slack's own
            # answer to an internal failure is `fatal_error`, so the caller sees that instead.
            log.exception("the Slack emulator failed on %s", path.path)
            status, payload, headers = 500, {"ok": False, "error": "fatal_error"}, {}
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


def decode_body(body: bytes, content_type: str, query: str) -> JSON | None:
    """Arguments from the query string and the body; None when the body is malformed."""
    args: JSON = dict(parse_qsl(query, keep_blank_values=True))
    if not body:
        return args
    if content_type == "application/json":
        try:
            decoded = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            return None
        if not isinstance(decoded, dict):
            return None
        args.update(decoded)
    elif content_type in ("application/x-www-form-urlencoded", "text/plain", ""):
        args.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    else:
        return None
    return args


class ApiHttpServer:
    """Routes `/api/<method>` to the Web API and `/hooks/…` to response_url handling."""

    def __init__(self, web_api: WebApi, traffic: Traffic, hooks: HookHandler) -> None:
        self._web_api = web_api
        self._traffic = traffic
        self._hooks = hooks
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the API server is not running")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> None:
        self._server = _Server(self)
        # A short poll interval is what makes shutdown() return in milliseconds.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name="slack-emulator-api",
        )
        self._thread.start()

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server = None
        self._thread = None

    def handle(
        self, path: str, query: str, body: bytes, content_type: str, authorization: str | None
    ) -> tuple[int, JSON, dict[str, str]]:
        args = decode_body(body, content_type, query)
        if path.startswith("/hooks/"):
            if args is None:
                return 400, {"ok": False, "error": "invalid_payload"}, {}
            if isinstance(args.get("payload"), str):
                # A form-encoded response carries its JSON in one `payload` field.
                try:
                    args = json.loads(args["payload"])
                except json.JSONDecodeError:
                    return 400, {"ok": False, "error": "invalid_payload"}, {}
            status, hook_answer = self._hooks(path, args if isinstance(args, dict) else {})
            return status, hook_answer, {}
        if not path.startswith("/api/"):
            return 404, {"ok": False, "error": "not_found"}, {}
        method = path.removeprefix("/api/").strip("/")
        token = None
        if authorization and authorization.lower().startswith("bearer "):
            token = authorization[7:].strip()
        retry_after = self._traffic.take_limit(method)
        if retry_after is not None:
            # Refused before anything is decoded or stored, exactly like Slack's limiter.
            refusal: JSON = {"ok": False, "error": "ratelimited"}
            self._traffic.record(ApiCall(method, args or {}, token, 429, refusal))
            return 429, refusal, {"Retry-After": str(retry_after)}
        if args is None:
            answer = {"ok": False, "error": "invalid_form_data"}
        else:
            answer = self._web_api.call(method, dict(args), token)
        self._traffic.record(ApiCall(method, args or {}, token, 200, answer))
        return 200, answer, {}
