"""The JSON Slack sends an app: event callbacks and interaction payloads.

Pure builders; no state is read or changed here. The shapes follow Slack's documented
payloads field by field where Bolt or a bot could plausibly read them (ids, `container`,
`trigger_id`, `response_url`, `state`), and leave out decorative fields.
"""

from __future__ import annotations

import re
import time
from typing import Any

from bot.emulator.blocks import ButtonRef
from bot.emulator.model import JSON, Channel, Message, User, View, Workspace

_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


def rich_text(text: str, block_id: str) -> list[JSON]:
    """The rich_text block Slack's client attaches to what a person types."""
    elements: list[JSON] = []
    position = 0
    for match in _MENTION.finditer(text):
        if match.start() > position:
            elements.append({"type": "text", "text": text[position : match.start()]})
        elements.append({"type": "user", "user_id": match.group(1)})
        position = match.end()
    if position < len(text):
        elements.append({"type": "text", "text": text[position:]})
    section = {"type": "rich_text_section", "elements": elements}
    return [{"type": "rich_text", "block_id": block_id, "elements": [section]}]


def mentions(text: str) -> list[str]:
    return _MENTION.findall(text)


class Payloads:
    """Builds payloads for one workspace and app."""

    def __init__(self, workspace: Workspace, verification_token: str) -> None:
        self.ws = workspace
        self.token = verification_token

    # -- Events API --------------------------------------------------------------------

    def event_callback(self, event: JSON, event_id: str) -> JSON:
        return {
            "token": self.token,
            "team_id": self.ws.team_id,
            "context_team_id": self.ws.team_id,
            "api_app_id": self.ws.app_id,
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.ws.team_id,
                    "user_id": self.ws.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
        }

    def message_event(
        self, message: Message, channel: Channel, parent_user: str | None = None
    ) -> JSON:
        event = message.to_slack(self.ws.team_id)
        for thread_summary in ("reply_count", "reply_users", "reply_users_count", "latest_reply"):
            event.pop(thread_summary, None)
        event.update(
            {"channel": channel.id, "event_ts": message.ts, "channel_type": channel.channel_type}
        )
        if message.is_reply and parent_user:
            event["parent_user_id"] = parent_user
        return event

    def app_mention_event(self, message: Message, channel: Channel) -> JSON:
        event: JSON = {
            "type": "app_mention",
            "user": message.user,
            "text": message.text,
            "ts": message.ts,
            "channel": channel.id,
            "event_ts": message.ts,
            "team": self.ws.team_id,
            "blocks": message.blocks or [],
        }
        if message.client_msg_id:
            event["client_msg_id"] = message.client_msg_id
        if message.is_reply:
            event["thread_ts"] = message.thread_ts
        return event

    def message_changed_event(self, channel: Channel, current: Message, previous: JSON) -> JSON:
        event_ts = current.edited["ts"] if current.edited else current.ts
        return {
            "type": "message",
            "subtype": "message_changed",
            "hidden": True,
            "channel": channel.id,
            "channel_type": channel.channel_type,
            "ts": event_ts,
            "event_ts": event_ts,
            "message": current.to_slack(self.ws.team_id),
            "previous_message": previous,
        }

    def message_deleted_event(self, channel: Channel, previous: Message, event_ts: str) -> JSON:
        return {
            "type": "message",
            "subtype": "message_deleted",
            "hidden": True,
            "channel": channel.id,
            "channel_type": channel.channel_type,
            "ts": event_ts,
            "event_ts": event_ts,
            "deleted_ts": previous.ts,
            "previous_message": previous.to_slack(self.ws.team_id),
        }

    def app_home_opened_event(
        self, user: str, dm: Channel, view: View | None, event_ts: str
    ) -> JSON:
        event: JSON = {
            "type": "app_home_opened",
            "user": user,
            "channel": dm.id,
            "tab": "home",
            "event_ts": event_ts,
        }
        if view is not None:
            event["view"] = view.to_slack(self.ws)
        return event

    # -- interactivity -----------------------------------------------------------------

    def _interaction(self, kind: str, user: User, trigger_id: str | None) -> JSON:
        payload: JSON = {
            "type": kind,
            "token": self.token,
            "api_app_id": self.ws.app_id,
            "team": self.ws.team_json(),
            "user": user.payload_json(self.ws.team_id),
            "enterprise": None,
            "is_enterprise_install": False,
        }
        if trigger_id is not None:
            payload["trigger_id"] = trigger_id
        return payload

    def block_actions_on_message(
        self,
        user: User,
        channel: Channel,
        message: JSON,
        button: ButtonRef,
        *,
        trigger_id: str,
        response_url: str,
        is_ephemeral: bool,
        action_ts: str,
    ) -> JSON:
        payload = self._interaction("block_actions", user, trigger_id)
        container: JSON = {
            "type": "message",
            "message_ts": message["ts"],
            "channel_id": channel.id,
            "is_ephemeral": is_ephemeral,
        }
        if message.get("thread_ts"):
            container["thread_ts"] = message["thread_ts"]
        payload.update(
            {
                "container": container,
                "channel": {"id": channel.id, "name": channel.name},
                "state": {"values": {}},
                "response_url": response_url,
                "actions": [button.action_payload(action_ts)],
            }
        )
        # Slack keeps ephemeral messages client-side, so it cannot echo them back.
        if not is_ephemeral:
            payload["message"] = message
        return payload

    def block_actions_on_view(
        self, user: User, view: View, button: ButtonRef, *, trigger_id: str, action_ts: str
    ) -> JSON:
        payload = self._interaction("block_actions", user, trigger_id)
        payload.update(
            {
                "container": {"type": "view", "view_id": view.id},
                "view": view.to_slack(self.ws),
                "state": {"values": dict(view.values)},
                "actions": [button.action_payload(action_ts)],
            }
        )
        return payload

    def view_submission(self, user: User, view: View, trigger_id: str) -> JSON:
        payload = self._interaction("view_submission", user, trigger_id)
        payload.update({"view": view.to_slack(self.ws), "response_urls": []})
        return payload

    def view_closed(self, user: User, view: View, *, is_cleared: bool) -> JSON:
        payload = self._interaction("view_closed", user, None)
        payload.update({"view": view.to_slack(self.ws), "is_cleared": is_cleared})
        return payload

    def message_shortcut(
        self,
        user: User,
        channel: Channel,
        message: JSON,
        callback_id: str,
        *,
        trigger_id: str,
        response_url: str,
        action_ts: str,
    ) -> JSON:
        payload = self._interaction("message_action", user, trigger_id)
        payload.update(
            {
                "callback_id": callback_id,
                "action_ts": action_ts,
                "message_ts": message["ts"],
                "channel": {"id": channel.id, "name": channel.name},
                "message": message,
                "response_url": response_url,
            }
        )
        return payload

    def global_shortcut(
        self, user: User, callback_id: str, *, trigger_id: str, action_ts: str
    ) -> JSON:
        payload = self._interaction("shortcut", user, trigger_id)
        payload.update({"callback_id": callback_id, "action_ts": action_ts})
        return payload

    def slash_command(
        self,
        user: User,
        channel: Channel,
        command: str,
        text: str,
        *,
        trigger_id: str,
        response_url: str,
    ) -> dict[str, Any]:
        return {
            "token": self.token,
            "team_id": self.ws.team_id,
            "team_domain": self.ws.domain,
            "channel_id": channel.id,
            "channel_name": "directmessage" if channel.is_dm else channel.name,
            "user_id": user.id,
            "user_name": user.name,
            "command": command if command.startswith("/") else "/" + command,
            "text": text,
            "api_app_id": self.ws.app_id,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id,
        }
