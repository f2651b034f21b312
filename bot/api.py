"""`POST /api/failures`: a failing job reports in over HTTP, as `foreman report-failure` does.

    curl -X POST http://foreman:3000/api/failures \\
      -H "Authorization: Bearer $FOREMAN_API_TOKEN" -H 'Content-Type: application/json' \\
      -d '{"pipeline": "nightly-ingest", "error": "invalid_client", "log": "…"}'

The token is compared in constant time. Without FOREMAN_API_TOKEN the API is off (503):
an unauthenticated way to raise asks would let anyone put text in front of approvers.
"""

from __future__ import annotations

import hmac
import json
import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from bot.services import Services
from tracker.errors import TrackerError

log = logging.getLogger("foreman.api")

FAILURES_PATH = "/api/failures"
MAX_BODY_BYTES = 2 * 1024 * 1024
StartResponse = Callable[..., Any]
Wsgi = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class BadRequest(Exception):
    def __init__(self, status: str, message: str) -> None:
        super().__init__(message)
        self.status = status


def _reply(
    start_response: StartResponse, status: str, body: dict[str, Any], *extra: tuple[str, str]
) -> list[bytes]:
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(data))), *extra]
    start_response(status, headers)
    return [data]


def _authorised(environ: dict[str, Any], token: str) -> bool:
    scheme, _, given = str(environ.get("HTTP_AUTHORIZATION", "")).partition(" ")
    # compare_digest on both branches: no early exit that times a wrong scheme differently.
    good = hmac.compare_digest(given.strip().encode("utf-8"), token.encode("utf-8"))
    return scheme.lower() == "bearer" and good


def _body(environ: dict[str, Any]) -> dict[str, Any]:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise BadRequest("400 Bad Request", "Content-Length is not a number") from None
    if length > MAX_BODY_BYTES:
        raise BadRequest("413 Payload Too Large", f"the body is over {MAX_BODY_BYTES} bytes")
    raw = environ["wsgi.input"].read(length) if length else b""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadRequest("400 Bad Request", f"the body is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise BadRequest("400 Bad Request", 'the body must be a JSON object: {"pipeline", "error"}')
    return data


def _field(data: dict[str, Any], name: str, *, required: bool) -> str | None:
    value = data.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        raise BadRequest("400 Bad Request", f'"{name}" must be a non-empty string')
    return value


def _approvers(data: dict[str, Any]) -> list[str]:
    value = data.get("approvers") or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BadRequest("400 Bad Request", '"approvers" must be a list of user ids')
    return value


def failure_api(services: Services) -> Wsgi:
    def api(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != FAILURES_PATH:
            return _reply(start_response, "404 Not Found", {"error": "no such endpoint"})
        if environ.get("REQUEST_METHOD") != "POST":
            return _reply(
                start_response,
                "405 Method Not Allowed",
                {"error": "POST a failure report"},
                ("Allow", "POST"),
            )
        secret = services.settings.api_token
        if secret is None or not secret.get_secret_value():
            return _reply(
                start_response,
                "503 Service Unavailable",
                {"error": "the API is off: set FOREMAN_API_TOKEN"},
            )
        if not _authorised(environ, secret.get_secret_value()):
            return _reply(
                start_response,
                "401 Unauthorized",
                {"error": "send Authorization: Bearer <FOREMAN_API_TOKEN>"},
                ("WWW-Authenticate", "Bearer"),
            )
        try:
            data = _body(environ)
            pipeline = _field(data, "pipeline", required=True) or ""
            error = _field(data, "error", required=True) or ""
            outcome = services.escalations.report_failure(
                pipeline,
                error,
                _field(data, "log", required=False),
                actor=f"api:{pipeline.strip()[:60]}",
                approvers=_approvers(data),
            )
        except BadRequest as exc:
            return _reply(start_response, exc.status, {"error": str(exc)})
        except TrackerError as exc:
            return _reply(start_response, "400 Bad Request", {"error": str(exc)})
        if outcome.ask is not None:
            try:
                services.asks.refresh(outcome.ask.id)
            except Exception:
                log.exception("showing %s failed; the projector retries", outcome.ask.id)
        status = "201 Created" if outcome.outcome == "asked" else "200 OK"
        return _reply(start_response, status, outcome.to_json())

    return api


@contextmanager
def http_thread(wsgi: Wsgi, host: str, port: int) -> Iterator[int]:
    """Serve `wsgi` with waitress in a thread (Socket Mode still needs /api and /healthz)."""
    from waitress import wasyncore
    from waitress.server import BaseWSGIServer, create_server

    server = create_server(wsgi, host=host, port=port, threads=4, ident="foreman")
    assert isinstance(server, BaseWSGIServer) and server.socket is not None
    thread = threading.Thread(target=server.run, name="foreman-http", daemon=True)
    thread.start()
    try:
        yield int(server.socket.getsockname()[1])
    finally:
        # The loop closes its own sockets: closing them from here would race its select().
        socket_map: Any = server._map  # type: ignore[attr-defined]
        trigger: Any = server.trigger
        trigger.pull_trigger(lambda: wasyncore.close_all(socket_map))
        thread.join(timeout=5)
