"""The emulated workspace's state: people, conversations, messages, reactions.

One re-entrant lock guards everything, wrapped in a condition that is notified after every
change; that is what lets `wait_for` wake the moment a bot's reply lands instead of polling.
Methods raise `ApiError` with the code Slack would answer, so the Web API layer stays a thin
translation of arguments.
"""

from __future__ import annotations

import copy
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from bot.emulator.errors import ApiError
from bot.emulator.ids import IdFactory
from bot.emulator.model import JSON, Channel, Ephemeral, Message, MessageVersion, User, Workspace
from bot.emulator.views import ViewRegistry

_NOT_ALNUM = re.compile(r"[^A-Z0-9]")


def _slug(name: str) -> str:
    return _NOT_ALNUM.sub("", name.upper())[:9] or "X"


class Store:
    """Everything Slack would remember about the workspace, behind one lock."""

    def __init__(self, workspace: Workspace, ids: IdFactory, trigger_ttl: float = 3.0) -> None:
        self.workspace = workspace
        self.ids = ids
        self.cond = threading.Condition(threading.RLock())
        # Bumped on every change, so a watcher (the dev terminal) can tell "anything new?".
        self.version = 0
        self.users: dict[str, User] = {}
        self.channels: dict[str, Channel] = {}
        self.usergroups: dict[str, tuple[str, list[str]]] = {}
        self._messages: dict[str, list[Message]] = {}
        self.ephemerals: list[Ephemeral] = []
        self._reactions: dict[tuple[str, str], dict[str, list[str]]] = {}
        self.views = ViewRegistry(
            workspace, ids, trigger_ttl, lock=self.cond, changing=self.changing
        )

    @contextmanager
    def changing(self) -> Iterator[None]:
        """Hold the lock for a mutation and wake every waiter once it is done."""
        with self.cond:
            try:
                yield
            finally:
                self.version += 1
                self.cond.notify_all()

    # -- directory ---------------------------------------------------------------------

    def add_user(
        self,
        name: str,
        real_name: str | None = None,
        *,
        user_id: str | None = None,
        is_bot: bool = False,
        bot_id: str | None = None,
        email: str | None = None,
        channels: tuple[str, ...] = ("general",),
    ) -> User:
        with self.changing():
            uid = user_id or f"U0{_slug(name)}"
            if uid in self.users:
                uid = self.ids.next("U0")
            user = User(
                uid, name, real_name or name.title(), is_bot=is_bot, bot_id=bot_id, email=email
            )
            self.users[uid] = user
            if uid != self.workspace.bot_user_id:
                dm = Channel(f"D0{uid[2:] if uid.startswith('U0') else uid[1:]}", uid, "im")
                dm.members = {uid, self.workspace.bot_user_id}
                dm.im_user = uid
                self.channels[dm.id] = dm
            for ref in channels:
                channel = self.resolve_channel(ref)
                if channel is not None:
                    channel.members.add(uid)
            return user

    def add_channel(
        self,
        name: str,
        *,
        private: bool = False,
        members: tuple[str, ...] = (),
        bot_member: bool = True,
    ) -> Channel:
        with self.changing():
            # Slack has given private channels C ids too since it retired G ids.
            cid = f"C0{_slug(name)}"
            if cid in self.channels:
                cid = self.ids.next("C0")
            channel = Channel(cid, name.lstrip("#"), "private" if private else "public")
            for ref in members:
                channel.members.add(self.require_user(ref).id)
            if bot_member:
                channel.members.add(self.workspace.bot_user_id)
            self.channels[cid] = channel
            return channel

    def add_usergroup(self, handle: str, members: tuple[str, ...]) -> str:
        with self.changing():
            group_id = f"S0{_slug(handle)}"
            self.usergroups[group_id] = (handle, [self.require_user(ref).id for ref in members])
            return group_id

    def resolve_user(self, ref: str) -> User | None:
        with self.cond:
            if ref in self.users:
                return self.users[ref]
            name = ref.lstrip("@")
            return next((user for user in self.users.values() if user.name == name), None)

    def require_user(self, ref: str) -> User:
        user = self.resolve_user(ref)
        if user is None:
            raise ApiError("user_not_found")
        return user

    def resolve_channel(self, ref: str) -> Channel | None:
        """A conversation by id, by `#name` / `name`, or a user id meaning the DM with them."""
        with self.cond:
            if ref in self.channels:
                return self.channels[ref]
            if ref in self.users:
                return self.dm_with(ref)
            name = ref.lstrip("#")
            return next((c for c in self.channels.values() if c.name == name and not c.is_dm), None)

    def require_channel(self, ref: str) -> Channel:
        channel = self.resolve_channel(ref)
        if channel is None:
            raise ApiError("channel_not_found")
        return channel

    def dm_with(self, user_id: str) -> Channel | None:
        with self.cond:
            return next(
                (c for c in self.channels.values() if c.is_dm and c.im_user == user_id), None
            )

    # -- messages ----------------------------------------------------------------------

    def add_message(self, message: Message) -> Message:
        """Store `message`; a reply is attached to its thread's parent, as Slack does."""
        with self.changing():
            if message.thread_ts is not None:
                parent = self.find_message(message.channel, message.thread_ts)
                if parent is None:
                    raise ApiError("thread_not_found")
                root = parent.thread_ts if parent.is_reply and parent.thread_ts else parent.ts
                message.thread_ts = root
                root_message = self.find_message(message.channel, root)
                if root_message is not None:
                    root_message.thread_ts = root
                    root_message.reply_ts.append(message.ts)
                    author = message.user or message.bot_id or ""
                    if author and author not in root_message.reply_users:
                        root_message.reply_users.append(author)
            self._messages.setdefault(message.channel, []).append(message)
            return message

    def find_message(self, channel_id: str, ts: str) -> Message | None:
        with self.cond:
            for message in self._messages.get(channel_id, []):
                if message.ts == ts:
                    return message
            return None

    def require_message(self, channel_id: str, ts: str) -> Message:
        message = self.find_message(channel_id, ts)
        if message is None:
            raise ApiError("message_not_found")
        return message

    def edit_message(
        self, channel_id: str, ts: str, text: str | None, blocks: list[JSON] | None
    ) -> Message:
        """Replace text and/or blocks, keeping the previous version in `history`."""
        with self.changing():
            message = self.require_message(channel_id, ts)
            edited_at = self.ids.ts()
            message.history.append(
                MessageVersion(message.text, copy.deepcopy(message.blocks), edited_at)
            )
            if text is not None:
                message.text = text
            if blocks is not None:
                message.blocks = blocks or None
            message.edited = {"user": message.user or self.workspace.bot_user_id, "ts": edited_at}
            return message

    def delete_message(self, channel_id: str, ts: str) -> Message:
        with self.changing():
            message = self.require_message(channel_id, ts)
            self._messages[channel_id].remove(message)
            if message.is_reply and message.thread_ts:
                parent = self.find_message(channel_id, message.thread_ts)
                if parent is not None and message.ts in parent.reply_ts:
                    parent.reply_ts.remove(message.ts)
            return message

    def channel_messages(self, channel_id: str, *, include_replies: bool = False) -> list[Message]:
        with self.cond:
            found = self._messages.get(channel_id, [])
            return [
                m
                for m in found
                if include_replies or not m.is_reply or m.subtype == "thread_broadcast"
            ]

    def thread_messages(self, channel_id: str, ts: str) -> list[Message]:
        """The parent then its replies, oldest first; empty when `ts` is no message."""
        with self.cond:
            parent = self.find_message(channel_id, ts)
            if parent is None:
                return []
            root = parent.thread_ts if parent.is_reply and parent.thread_ts else parent.ts
            return [m for m in self._messages.get(channel_id, []) if root in (m.ts, m.thread_ts)]

    def all_messages(self) -> list[Message]:
        with self.cond:
            return sorted((m for ms in self._messages.values() for m in ms), key=lambda m: m.ts)

    # -- ephemeral messages ------------------------------------------------------------

    def add_ephemeral(self, ephemeral: Ephemeral) -> Ephemeral:
        with self.changing():
            self.ephemerals.append(ephemeral)
            return ephemeral

    def find_ephemeral(self, channel_id: str, ts: str, user: str | None = None) -> Ephemeral | None:
        with self.cond:
            for ephemeral in self.ephemerals:
                same = ephemeral.channel == channel_id and ephemeral.ts == ts
                if same and user in (None, ephemeral.user):
                    return ephemeral
            return None

    def replace_ephemeral(self, ephemeral: Ephemeral, text: str, blocks: list[JSON] | None) -> None:
        with self.changing():
            ephemeral.text = text
            ephemeral.blocks = blocks

    def remove_ephemeral(self, ephemeral: Ephemeral) -> None:
        with self.changing():
            if ephemeral in self.ephemerals:
                self.ephemerals.remove(ephemeral)

    # -- reactions ---------------------------------------------------------------------

    def add_reaction(self, channel_id: str, ts: str, name: str, user: str) -> None:
        with self.changing():
            self.require_message(channel_id, ts)
            users = self._reactions.setdefault((channel_id, ts), {}).setdefault(name, [])
            if user in users:
                raise ApiError("already_reacted")
            users.append(user)

    def remove_reaction(self, channel_id: str, ts: str, name: str, user: str) -> None:
        with self.changing():
            self.require_message(channel_id, ts)
            users = self._reactions.get((channel_id, ts), {}).get(name, [])
            if user not in users:
                raise ApiError("no_reaction")
            users.remove(user)
            if not users:
                del self._reactions[(channel_id, ts)][name]

    def reactions(self, channel_id: str, ts: str) -> dict[str, list[str]]:
        with self.cond:
            return {
                name: list(users)
                for name, users in self._reactions.get((channel_id, ts), {}).items()
            }
