"""`SlackEmulator`: a local Slack workspace for tests and `foreman dev`.

    with SlackEmulator() as slack:
        client = WebClient(token=slack.bot_token, base_url=slack.api_url)
        ...

It runs a fake Web API and a Socket Mode server on 127.0.0.1, can deliver to a bot in HTTP
mode instead, and lets a test act as people in the workspace and then inspect what the bot
did. Everything starts in milliseconds and stops without leaving a thread behind.
"""

from __future__ import annotations

import copy
import secrets
import time
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import TypeVar

from bot.emulator import api_chat, api_directory, api_views
from bot.emulator.api_server import ApiHttpServer
from bot.emulator.delivery import Deliverer, Delivery, HttpEndpoints, Transport
from bot.emulator.ids import IdFactory
from bot.emulator.interactions import Interactions
from bot.emulator.model import Channel, Ephemeral, Message, User, View, Workspace
from bot.emulator.payloads import Payloads
from bot.emulator.response_urls import ResponseUrls
from bot.emulator.socket_mode import SocketModeServer
from bot.emulator.state import Store
from bot.emulator.traffic import ApiCall, Traffic
from bot.emulator.webapi import ApiContext, WebApi

T = TypeVar("T")

# What a chat-ops bot like Foreman subscribes to; `message.channels` is deliberately absent,
# as a bot that only answers mentions should not need channels:history.
DEFAULT_BOT_EVENTS = frozenset({"app_mention", "message.im", "app_home_opened"})
DEFAULT_PEOPLE = ("alice", "bob", "carol")


class SlackEmulator(Interactions):
    """A whole Slack workspace with one app installed, on localhost."""

    def __init__(
        self,
        *,
        transport: Transport = "socket",
        bot_events: Iterable[str] = DEFAULT_BOT_EVENTS,
        people: Iterable[str] = DEFAULT_PEOPLE,
        ack_timeout: float = 3.0,
        trigger_ttl: float = 3.0,
        workspace: Workspace | None = None,
    ) -> None:
        ws = workspace or Workspace()
        ids = IdFactory()
        store = Store(ws, ids, trigger_ttl)
        self.bot_token = f"xoxb-{ws.team_number}-emulator-{secrets.token_hex(12)}"
        self.app_token = f"xapp-1-{ws.app_id}-emulator-{secrets.token_hex(12)}"
        self.signing_secret = secrets.token_hex(16)
        self.verification_token = secrets.token_hex(12)
        self.traffic = Traffic(store.cond, store.changing)
        self._socket = SocketModeServer(ws.app_id, ids)
        methods = {**api_chat.METHODS, **api_views.METHODS, **api_directory.METHODS}
        web_api = WebApi(
            ApiContext(store, self._socket.issue_url), methods, self.bot_token, self.app_token
        )
        responses = ResponseUrls(store, lambda: self._http.base_url)
        self._http = ApiHttpServer(web_api, self.traffic, responses.handle)
        deliverer = Deliverer(self._socket, self.signing_secret, transport, ack_timeout)
        super().__init__(
            store, deliverer, Payloads(ws, self.verification_token), responses, set(bot_events)
        )
        self._running = False
        self._populate(people)

    def _populate(self, people: Iterable[str]) -> None:
        ws = self._store.workspace
        self._store.add_user(
            ws.bot_name,
            ws.bot_name.title(),
            user_id=ws.bot_user_id,
            is_bot=True,
            bot_id=ws.bot_id,
            channels=(),
        )
        self._store.add_channel("general")
        self._store.add_channel("random")
        for name in people:
            self._store.add_user(name, channels=("general", "random"))

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> SlackEmulator:
        if not self._running:
            self._http.start()
            self._socket.start()
            self._running = True
        return self

    def stop(self) -> None:
        if self._running:
            self._socket.stop()
            self._http.stop()
            self._running = False

    def __enter__(self) -> SlackEmulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- identity ----------------------------------------------------------------------

    @property
    def workspace(self) -> Workspace:
        return self._store.workspace

    @property
    def api_url(self) -> str:
        """Base URL for `WebClient(base_url=…)`; ends with `/` as slack_sdk expects."""
        return self._http.base_url + "/api/"

    @property
    def bot_user_id(self) -> str:
        return self._store.workspace.bot_user_id

    @property
    def bot_id(self) -> str:
        return self._store.workspace.bot_id

    @property
    def team_id(self) -> str:
        return self._store.workspace.team_id

    # -- directory ---------------------------------------------------------------------

    def add_user(
        self, name: str, real_name: str | None = None, *, email: str | None = None
    ) -> User:
        return copy.deepcopy(
            self._store.add_user(name, real_name, email=email, channels=("general",))
        )

    def add_channel(
        self,
        name: str,
        *,
        private: bool = False,
        members: Iterable[str] = (),
        bot_member: bool = True,
    ) -> Channel:
        channel = self._store.add_channel(
            name, private=private, members=tuple(members), bot_member=bot_member
        )
        return copy.deepcopy(channel)

    def add_usergroup(self, handle: str, members: Iterable[str]) -> str:
        return self._store.add_usergroup(handle, tuple(members))

    def dm(self, user: str) -> Channel:
        """The app's direct-message conversation with `user`."""
        return copy.deepcopy(self._conversation(self._person(user).id))

    def user_names(self) -> dict[str, str]:
        """User id to name, what the terminal renderer needs to show `@name`."""
        with self._store.cond:
            return {user.id: user.name for user in self._store.users.values()}

    def channel_names(self) -> dict[str, str]:
        with self._store.cond:
            return {channel.id: channel.name for channel in self._store.channels.values()}

    # -- transports --------------------------------------------------------------------

    def use_http(
        self, url: str, *, interactivity_url: str | None = None, commands_url: str | None = None
    ) -> None:
        """Deliver to a bot in HTTP mode at `url` from now on (Bolt serves all three there)."""
        self._deliver.endpoints = HttpEndpoints(url, interactivity_url or url, commands_url or url)
        self._deliver.default_transport = "http"

    def verify_url(self) -> bool:
        """Send Slack's `url_verification` challenge to the HTTP endpoint; True if echoed."""
        challenge = secrets.token_urlsafe(24)
        payload = {
            "token": self.verification_token,
            "challenge": challenge,
            "type": "url_verification",
        }
        delivery = self._deliver.deliver("events_api", payload, transport="http")
        return delivery.status == 200 and delivery.ack.get("challenge") == challenge

    def use_socket(self) -> None:
        self._deliver.default_transport = "socket"

    def wait_for_socket_client(self, timeout: float = 5.0) -> None:
        if not self._socket.wait_for_client(timeout):
            raise TimeoutError(f"no Socket Mode client connected within {timeout} s")

    @property
    def socket_client_count(self) -> int:
        return self._socket.client_count

    def close_socket_clients(self) -> None:
        """Close every Socket Mode connection from the server side.

        The Slack SDK's own `close()` waits for a blocking read to time out (up to 3 s);
        closing from this side first wakes it, which is what keeps test teardown fast.
        """
        self._socket.close_clients()

    def request_reconnect(self, reason: str = "refresh_requested") -> None:
        """Send `disconnect` to Socket Mode clients, as Slack does before recycling a socket."""
        self._socket.send_disconnect(reason)

    # -- Web API knobs -----------------------------------------------------------------

    def rate_limit(self, method: str, retry_after: int = 1, times: int = 1) -> None:
        """The next `times` calls of `method` get HTTP 429 with `Retry-After: retry_after`."""
        self.traffic.rate_limit(method, retry_after, times)

    def call_count(self, method: str) -> int:
        return self.traffic.count(method)

    def api_calls(self, method: str | None = None) -> list[ApiCall]:
        return self.traffic.calls(method)

    def deliveries(self) -> list[Delivery]:
        return self._deliver.log()

    # -- inspection --------------------------------------------------------------------

    def messages(self, channel: str, *, include_replies: bool = False) -> list[Message]:
        """Messages in `channel`, oldest first; thread replies only with `include_replies`."""
        conversation = self._conversation(channel)
        with self._store.cond:
            found = self._store.channel_messages(conversation.id, include_replies=include_replies)
            return copy.deepcopy(found)

    def thread(self, channel: str, ts: str) -> list[Message]:
        """The thread containing `ts`: its parent, then replies, oldest first."""
        conversation = self._conversation(channel)
        with self._store.cond:
            return copy.deepcopy(self._store.thread_messages(conversation.id, ts))

    def message(self, channel: str, ts: str) -> Message | None:
        conversation = self._conversation(channel)
        with self._store.cond:
            return copy.deepcopy(self._store.find_message(conversation.id, ts))

    def ephemerals(self, user: str | None = None, channel: str | None = None) -> list[Ephemeral]:
        user_id = self._person(user).id if user else None
        channel_id = self._conversation(channel).id if channel else None
        with self._store.cond:
            return [
                copy.deepcopy(e)
                for e in self._store.ephemerals
                if user_id in (None, e.user) and channel_id in (None, e.channel)
            ]

    def reactions(self, channel: str, ts: str) -> dict[str, list[str]]:
        return self._store.reactions(self._conversation(channel).id, ts)

    def views(self, user: str | None = None) -> list[View]:
        """Open modals (each person's stack, bottom first), optionally for one person."""
        with self._store.cond:
            if user is not None:
                return copy.deepcopy(self._store.views.stack(self._person(user).id))
            return copy.deepcopy(self._store.views.open_modals())

    def view(self, view_id: str) -> View | None:
        with self._store.cond:
            return copy.deepcopy(self._store.views.get(view_id))

    def home(self, user: str) -> View | None:
        with self._store.cond:
            return copy.deepcopy(self._store.views.home(self._person(user).id))

    def wait_for(
        self, predicate: Callable[[], T | None], timeout: float = 5.0, what: str | None = None
    ) -> T:
        """Return the first truthy value of `predicate()`, re-checked after every change.

        The predicate runs without the workspace lock held, so it may call the bot, the Web
        API or a database without deadlocking the emulator; a change that lands while it runs
        is not lost, because the wait only starts if nothing changed since it began. Waits are
        capped at 50 ms so a predicate that looks outside the emulator is re-checked too.
        """
        deadline = time.monotonic() + timeout
        cond = self._store.cond
        while True:
            with cond:
                seen = self._store.version
            result = predicate()
            if result:
                return result
            with cond:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(
                        f"waited {timeout} s for {what or 'a condition'} in the emulated Slack"
                    )
                if self._store.version == seen:
                    cond.wait(min(remaining, 0.05))

    @property
    def version(self) -> int:
        """A counter bumped on every change to the workspace."""
        with self._store.cond:
            return self._store.version

    def wait_for_change(self, since: int, timeout: float = 1.0) -> int:
        """Block until the workspace changes after `version` `since`; returns the new version
        (equal to `since` on timeout). What a live view such as `foreman dev` redraws on."""
        with self._store.cond:
            self._store.cond.wait_for(lambda: self._store.version != since, timeout)
            return self._store.version

    def all_messages(self) -> list[Message]:
        """Every message in every conversation, replies included, oldest first."""
        with self._store.cond:
            return copy.deepcopy(self._store.all_messages())

    def wait_for_message(
        self,
        channel: str,
        predicate: Callable[[Message], bool] = lambda message: True,
        *,
        thread_ts: str | None = None,
        after: str | None = None,
        timeout: float = 5.0,
    ) -> Message:
        """The first message in `channel` (or in the thread `thread_ts`) newer than `after`
        that satisfies `predicate`."""

        def find() -> Message | None:
            found = self.thread(channel, thread_ts) if thread_ts else self.messages(channel)
            for message in found:
                if (after is None or float(message.ts) > float(after)) and predicate(message):
                    return message
            return None

        where = f"{channel} thread {thread_ts}" if thread_ts else channel
        return self.wait_for(find, timeout, f"a message in {where}")
