"""The emulated workspace's objects, and how each one looks on the wire.

These are plain records: the store owns them and hands out deep copies, so a test holding a
`Message` never sees it change underneath it and can never corrupt the emulator's state.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Literal

JSON = dict[str, Any]
ChannelKind = Literal["public", "private", "im", "mpim"]
ViewType = Literal["modal", "home"]

_CHANNEL_TYPES: dict[ChannelKind, str] = {
    "public": "channel",
    "private": "group",
    "im": "im",
    "mpim": "mpim",
}


@dataclass(frozen=True)
class Workspace:
    """The fixed identity of the team and of the app installed in it."""

    team_id: str = "T0FOREMAN"
    team_name: str = "Foreman Dev"
    domain: str = "foreman-dev"
    app_id: str = "A0FOREMAN"
    bot_user_id: str = "U0FOREMAN"
    bot_id: str = "B0FOREMAN"
    bot_name: str = "foreman"

    @property
    def url(self) -> str:
        return f"https://{self.domain}.slack.com/"

    @property
    def team_number(self) -> str:
        # Trigger ids embed a numeric team id; any stable digits will do.
        return str(sum(ord(char) for char in self.team_id) * 7919)

    def team_json(self) -> JSON:
        return {"id": self.team_id, "domain": self.domain}


@dataclass
class User:
    id: str
    name: str
    real_name: str
    is_bot: bool = False
    bot_id: str | None = None
    email: str | None = None
    tz: str = "UTC"

    def to_slack(self, team_id: str) -> JSON:
        profile: JSON = {
            "real_name": self.real_name,
            "display_name": self.name,
            "real_name_normalized": self.real_name,
            "display_name_normalized": self.name,
            "team": team_id,
        }
        if self.email:
            profile["email"] = self.email
        if self.bot_id:
            profile["bot_id"] = self.bot_id
        return {
            "id": self.id,
            "team_id": team_id,
            "name": self.name,
            "real_name": self.real_name,
            "deleted": False,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "is_admin": False,
            "tz": self.tz,
            "profile": profile,
        }

    def payload_json(self, team_id: str) -> JSON:
        """The short user object that interaction payloads carry."""
        return {"id": self.id, "username": self.name, "name": self.name, "team_id": team_id}


@dataclass
class Channel:
    id: str
    name: str
    kind: ChannelKind
    members: set[str] = field(default_factory=set)
    im_user: str | None = None

    @property
    def channel_type(self) -> str:
        """The `channel_type` Slack puts on message events."""
        return _CHANNEL_TYPES[self.kind]

    @property
    def is_dm(self) -> bool:
        return self.kind == "im"

    def to_slack(self) -> JSON:
        data: JSON = {
            "id": self.id,
            "name": self.name,
            "is_channel": self.kind == "public",
            "is_group": self.kind == "private",
            "is_im": self.kind == "im",
            "is_mpim": self.kind == "mpim",
            "is_private": self.kind != "public",
            "is_archived": False,
            "num_members": len(self.members),
        }
        if self.im_user is not None:
            data["user"] = self.im_user
        return data


@dataclass(frozen=True)
class MessageVersion:
    """A message as it was before an edit replaced it."""

    text: str
    blocks: list[JSON] | None
    replaced_at: str


@dataclass
class Message:
    channel: str
    ts: str
    text: str
    blocks: list[JSON] | None = None
    user: str | None = None
    bot_id: str | None = None
    app_id: str | None = None
    thread_ts: str | None = None
    subtype: str | None = None
    metadata: JSON | None = None
    edited: JSON | None = None
    history: list[MessageVersion] = field(default_factory=list)
    reply_ts: list[str] = field(default_factory=list)
    reply_users: list[str] = field(default_factory=list)
    client_msg_id: str | None = None

    @property
    def is_reply(self) -> bool:
        return self.thread_ts is not None and self.thread_ts != self.ts

    @property
    def reply_count(self) -> int:
        return len(self.reply_ts)

    def to_slack(self, team_id: str) -> JSON:
        data: JSON = {"type": "message", "ts": self.ts, "text": self.text, "team": team_id}
        optional: dict[str, Any] = {
            "user": self.user,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "subtype": self.subtype,
            "thread_ts": self.thread_ts,
            "metadata": self.metadata,
            "edited": self.edited,
            "client_msg_id": self.client_msg_id,
        }
        data.update({key: value for key, value in optional.items() if value is not None})
        if self.blocks is not None:
            data["blocks"] = copy.deepcopy(self.blocks)
        if self.reply_ts:
            data["reply_count"] = len(self.reply_ts)
            data["reply_users_count"] = len(self.reply_users)
            data["reply_users"] = list(self.reply_users)
            data["latest_reply"] = self.reply_ts[-1]
        return data


@dataclass
class Ephemeral:
    """A message only `user` sees; Slack keeps it on the client, never in history."""

    channel: str
    user: str
    ts: str
    text: str
    blocks: list[JSON] | None = None
    thread_ts: str | None = None
    bot_id: str | None = None

    def to_slack(self) -> JSON:
        data: JSON = {"type": "message", "ts": self.ts, "text": self.text, "is_ephemeral": True}
        if self.blocks is not None:
            data["blocks"] = copy.deepcopy(self.blocks)
        if self.thread_ts is not None:
            data["thread_ts"] = self.thread_ts
        if self.bot_id is not None:
            data["bot_id"] = self.bot_id
        return data


@dataclass
class View:
    """A modal or a home tab as the app defined it, plus what Slack adds around it."""

    id: str
    type: ViewType
    user: str
    spec: JSON
    hash: str
    root_view_id: str
    previous_view_id: str | None = None
    external_id: str | None = None
    values: JSON = field(default_factory=dict)

    @property
    def blocks(self) -> list[JSON]:
        blocks: list[JSON] = self.spec.get("blocks", [])
        return blocks

    @property
    def callback_id(self) -> str:
        return str(self.spec.get("callback_id", ""))

    @property
    def private_metadata(self) -> str:
        return str(self.spec.get("private_metadata", ""))

    @property
    def title(self) -> str:
        title = self.spec.get("title")
        return str(title.get("text", "")) if isinstance(title, dict) else ""

    def to_slack(self, workspace: Workspace) -> JSON:
        data: JSON = {
            "id": self.id,
            "team_id": workspace.team_id,
            "type": self.type,
            "blocks": copy.deepcopy(self.blocks),
            "private_metadata": self.private_metadata,
            "callback_id": self.callback_id,
            "state": {"values": copy.deepcopy(self.values)},
            "hash": self.hash,
            "title": copy.deepcopy(self.spec.get("title")),
            "clear_on_close": bool(self.spec.get("clear_on_close", False)),
            "notify_on_close": bool(self.spec.get("notify_on_close", False)),
            "close": copy.deepcopy(self.spec.get("close")),
            "submit": copy.deepcopy(self.spec.get("submit")),
            "previous_view_id": self.previous_view_id,
            "root_view_id": self.root_view_id,
            "app_id": workspace.app_id,
            "external_id": self.external_id or "",
            "app_installed_team_id": workspace.team_id,
            "bot_id": workspace.bot_id,
        }
        return data
