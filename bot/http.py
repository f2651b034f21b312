"""HTTP: Slack's requests to Bolt (signature-verified by Bolt), a health check, the JSON API."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

SLACK_PATH = "/slack/events"
StartResponse = Callable[..., Any]
Wsgi = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def make_wsgi_app(
    app: App | None, api: Wsgi | None = None
) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    """Slack's requests (unless `app` is None: Socket Mode), /healthz, and /api/… for `api`."""
    slack = None if app is None else SlackRequestHandler(app, path=SLACK_PATH)

    def wsgi(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO") or "")
        if path == "/healthz":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok\n"]
        if api is not None and path.startswith("/api/"):
            return api(environ, start_response)
        if slack is None:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found (Slack reaches this Foreman over Socket Mode)\n"]
        return slack(environ, start_response)

    return wsgi
