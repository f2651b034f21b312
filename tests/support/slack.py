"""Wiring a real Bolt app to the Slack emulator, in Socket Mode or behind a WSGI server.

with SlackEmulator() as slack:
    app = bolt_app(slack)
    @app.event("app_mention")
    def reply(event, say): say("on it", thread_ts=event["ts"])
    with socket_mode(app, slack):        # or: with http_mode(app, slack):
        posted = slack.post_user_message("alice", "#general", f"<@{slack.bot_user_id}> hi")
        slack.wait_for_message("#general", thread_ts=posted.ts, after=posted.ts)
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from waitress import wasyncore
from waitress.server import BaseWSGIServer, create_server

from bot.emulator import SlackEmulator


def web_client(slack: SlackEmulator, **kwargs: Any) -> WebClient:
    return WebClient(token=slack.bot_token, base_url=slack.api_url, **kwargs)


def bolt_app(slack: SlackEmulator, **kwargs: Any) -> App:
    """A Bolt app whose Web API calls go to the emulator (auth.test included)."""
    kwargs.setdefault("signing_secret", slack.signing_secret)
    return App(client=web_client(slack), **kwargs)


@contextmanager
def socket_mode(app: App, slack: SlackEmulator) -> Iterator[SocketModeHandler]:
    """Connect `app` with the real builtin Socket Mode client; close it fast afterwards."""
    handler = SocketModeHandler(app, slack.app_token)
    handler.connect()  # type: ignore[no-untyped-call]
    try:
        slack.wait_for_socket_client()
        yield handler
    finally:
        # The SDK client's close() would wait out its 3 s blocking read and its 1 s queue
        # poll, and would try to reconnect to an emulator about to stop. Closing from the
        # server side wakes the read; a None in the queue (which the client skips) wakes
        # the poll once `closed` is set. That turns ~4 s of teardown into milliseconds.
        client = handler.client
        client.auto_reconnect_enabled = False
        slack.close_socket_clients()
        # The SDK drops its socket without a lock held against a concurrent close(); let its
        # reader finish dropping it first (it reacts within milliseconds).
        deadline = time.monotonic() + 2
        while client.is_connected() and time.monotonic() < deadline:
            time.sleep(0.005)
        client.closed = True
        client.message_queue.put(None)
        handler.close()  # type: ignore[no-untyped-call]


@contextmanager
def wsgi_server(wsgi_app: Any) -> Iterator[str]:
    """Serve `wsgi_app` with waitress on 127.0.0.1; yields its base URL."""
    server = create_server(wsgi_app, host="127.0.0.1", port=0, threads=4)
    # One host and port give a single-socket server; the union type only covers listen=.
    assert isinstance(server, BaseWSGIServer) and server.socket is not None
    port = server.socket.getsockname()[1]
    thread = threading.Thread(target=server.run, name="test-waitress")
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        # Closing sockets from this thread would race the select() in waitress's loop, so
        # the loop is asked to close them itself; it then exits because it has nothing left.
        socket_map: Any = server._map  # type: ignore[attr-defined]
        trigger: Any = server.trigger
        trigger.pull_trigger(lambda: wasyncore.close_all(socket_map))
        thread.join(timeout=5)
        server.task_dispatcher.shutdown(timeout=2)


@contextmanager
def http_mode(app: App, slack: SlackEmulator, path: str = "/slack/events") -> Iterator[str]:
    """Run `app` over HTTP (Bolt's WSGI adapter behind waitress) and point the emulator at it."""
    with wsgi_server(SlackRequestHandler(app, path=path)) as base_url:
        url = base_url + path
        slack.use_http(url)
        try:
            yield url
        finally:
            slack.use_socket()
