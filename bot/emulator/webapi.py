"""Web API dispatch: token checks, argument decoding and the method table.

Transport-free on purpose: `WebApi.call` takes a method name, decoded arguments and a token
and returns Slack's JSON, so the HTTP server stays a thin shell and the rules are testable
without sockets.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.emulator.blockkit import message_text_error, slack_messages, validate_blocks
from bot.emulator.blocks import fill_ids
from bot.emulator.errors import ApiError
from bot.emulator.model import JSON, Workspace
from bot.emulator.state import Store

# Methods Slack only accepts with an app-level token; everything else wants the bot token.
APP_TOKEN_METHODS = frozenset({"apps.connections.open"})


class Args:
    """Arguments of one call, whether they came form-encoded (strings) or as JSON."""

    def __init__(self, raw: JSON) -> None:
        self.raw = raw

    def get(self, key: str) -> str | None:
        value = self.raw.get(key)
        if value is None or value == "":
            return None
        return value if isinstance(value, str) else str(value)

    def require(self, key: str, error: str = "invalid_arguments") -> str:
        value = self.get(key)
        if value is None:
            raise ApiError(error)
        return value

    def flag(self, key: str) -> bool:
        value = self.raw.get(key)
        if isinstance(value, str):
            return value.lower() in ("1", "true", "yes")
        return bool(value)

    def integer(self, key: str, default: int) -> int:
        value = self.raw.get(key)
        if value is None or value == "":
            return default
        try:
            return int(str(value))
        except ValueError:
            raise ApiError("invalid_arguments") from None

    def decoded(self, key: str, error: str = "invalid_arguments") -> Any:
        """A structured argument; form encoding carries it as a JSON string."""
        value = self.raw.get(key)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except json.JSONDecodeError:
                raise ApiError(error) from None
        return value


@dataclass
class Content:
    text: str
    blocks: list[JSON] | None


class ApiContext:
    """What a method implementation may touch."""

    def __init__(self, store: Store, socket_url: Callable[[], str]) -> None:
        self.store = store
        self.workspace: Workspace = store.workspace
        self.socket_url = socket_url

    def content(self, args: Args, *, required: bool) -> Content | None:
        """Text and blocks of a message, refused the way chat.postMessage refuses them."""
        text = args.get("text")
        blocks_given = "blocks" in args.raw and args.raw["blocks"] not in (None, "")
        blocks: list[JSON] | None = None
        if blocks_given:
            raw_blocks = args.decoded("blocks", "invalid_blocks_format")
            if not isinstance(raw_blocks, list):
                raise ApiError("invalid_blocks_format")
            errors = validate_blocks(raw_blocks, "message")
            if errors:
                raise ApiError(
                    "invalid_blocks",
                    errors=errors,
                    response_metadata={"messages": slack_messages(errors)},
                )
            blocks = fill_ids(raw_blocks, self.store.ids.block_id, self.store.ids.action_id)
        too_long = message_text_error(text)
        if too_long:
            raise ApiError(too_long)
        has_attachments = args.get("attachments") is not None
        if text is None and not blocks and not has_attachments:
            if required:
                raise ApiError("no_text")
            return None
        return Content(text or "", blocks)


Method = Callable[[ApiContext, Args], JSON]


class WebApi:
    """Checks the token, then runs the method; every answer is Slack-shaped JSON."""

    def __init__(
        self, context: ApiContext, methods: dict[str, Method], bot_token: str, app_token: str
    ) -> None:
        self._context = context
        self._methods = methods
        self._bot_token = bot_token
        self._app_token = app_token

    def call(self, method: str, raw_args: JSON, token: str | None) -> JSON:
        token = token or (
            raw_args.pop("token", None) if isinstance(raw_args.get("token"), str) else None
        )
        implementation = self._methods.get(method)
        if implementation is None:
            return {"ok": False, "error": "unknown_method", "req_method": method}
        try:
            self._authorize(method, token)
            return implementation(self._context, Args(raw_args))
        except ApiError as error:
            return error.to_json()

    def _authorize(self, method: str, token: str | None) -> None:
        if not token:
            raise ApiError("not_authed")
        if token not in (self._bot_token, self._app_token):
            raise ApiError("invalid_auth")
        wants_app_token = method in APP_TOKEN_METHODS
        if (token == self._app_token) != wants_app_token:
            raise ApiError("not_allowed_token_type")
