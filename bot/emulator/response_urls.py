"""`response_url` endpoints: how an app answers an interaction without the Web API.

Each URL is tied to the person and conversation of one interaction. Posting to it can add an
ephemeral (default) or `in_channel` message, `replace_original` the message that carried the
button, or `delete_original` it. Slack honours a URL five times within thirty minutes.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.emulator.blockkit import message_text_error, slack_messages, validate_blocks
from bot.emulator.blocks import fill_ids
from bot.emulator.errors import ApiError
from bot.emulator.model import JSON, Ephemeral, Message
from bot.emulator.state import Store

MAX_USES = 5
LIFETIME_SECONDS = 30 * 60


@dataclass
class ResponseTarget:
    """Where one interaction happened, hence where its response_url may write."""

    user: str
    channel: str
    message_ts: str | None = None
    ephemeral: bool = False
    uses: int = 0
    issued: float = 0.0


class ResponseUrls:
    def __init__(self, store: Store, base_url: Callable[[], str]) -> None:
        self._store = store
        self._base_url = base_url
        self._lock = threading.Lock()
        self._targets: dict[str, ResponseTarget] = {}

    def issue(self, target: ResponseTarget) -> str:
        team = self._store.workspace.team_id
        path = f"/hooks/actions/{team}/{secrets.randbelow(10**12)}/{secrets.token_hex(12)}"
        target.issued = time.monotonic()
        with self._lock:
            self._targets[path] = target
        return self._base_url() + path

    def handle(self, path: str, body: JSON) -> tuple[int, JSON]:
        """Serve one POST to a response_url; answers `{"ok": true}` or a Slack error."""
        with self._lock:
            target = self._targets.get(path)
            if target is None:
                return 404, {"ok": False, "error": "invalid_url"}
            if time.monotonic() - target.issued > LIFETIME_SECONDS:
                return 404, {"ok": False, "error": "expired_url"}
            if target.uses >= MAX_USES:
                return 404, {"ok": False, "error": "used_url"}
            target.uses += 1
        try:
            self.respond(target, body)
        except ApiError as error:
            return 400, error.to_json()
        return 200, {"ok": True}

    def respond(self, target: ResponseTarget, body: JSON) -> None:
        """Apply one response, from a response_url or from a slash command's ack body."""
        store = self._store
        with store.changing():
            if _flag(body.get("delete_original")):
                self._delete_original(target)
                return
            text, blocks = self._content(body)
            if _flag(body.get("replace_original")) and target.message_ts is not None:
                self._replace_original(target, text, blocks)
                return
            thread_ts = body.get("thread_ts") if isinstance(body.get("thread_ts"), str) else None
            ws = store.workspace
            if body.get("response_type") == "in_channel":
                store.add_message(
                    Message(
                        channel=target.channel,
                        ts=store.ids.ts(),
                        text=text,
                        blocks=blocks,
                        user=ws.bot_user_id,
                        bot_id=ws.bot_id,
                        app_id=ws.app_id,
                        thread_ts=thread_ts,
                    )
                )
            else:
                store.add_ephemeral(
                    Ephemeral(
                        target.channel,
                        target.user,
                        store.ids.ts(),
                        text,
                        blocks,
                        thread_ts,
                        ws.bot_id,
                    )
                )

    def _content(self, body: JSON) -> tuple[str, list[JSON] | None]:
        text = body.get("text")
        raw_blocks = body.get("blocks")
        if text is None and not raw_blocks:
            raise ApiError("no_text")
        too_long = message_text_error(text)
        if too_long:
            raise ApiError(too_long)
        blocks = None
        if raw_blocks is not None:
            errors = validate_blocks(raw_blocks, "message")
            if errors:
                raise ApiError(
                    "invalid_blocks",
                    errors=errors,
                    response_metadata={"messages": slack_messages(errors)},
                )
            blocks = fill_ids(raw_blocks, self._store.ids.block_id, self._store.ids.action_id)
        return str(text or ""), blocks

    def _delete_original(self, target: ResponseTarget) -> None:
        if target.message_ts is None:
            raise ApiError("no_original_message")
        if target.ephemeral:
            ephemeral = self._store.find_ephemeral(target.channel, target.message_ts, target.user)
            if ephemeral is not None:
                self._store.remove_ephemeral(ephemeral)
            return
        self._store.delete_message(target.channel, target.message_ts)

    def _replace_original(
        self, target: ResponseTarget, text: str, blocks: list[JSON] | None
    ) -> None:
        assert target.message_ts is not None
        if target.ephemeral:
            ephemeral = self._store.find_ephemeral(target.channel, target.message_ts, target.user)
            if ephemeral is None:
                raise ApiError("message_not_found")
            self._store.replace_ephemeral(ephemeral, text, blocks)
            return
        self._store.edit_message(
            target.channel, target.message_ts, text, blocks if blocks is not None else []
        )


def _flag(value: object) -> bool:
    if isinstance(value, str):
        return value.lower() == "true"
    return bool(value)
