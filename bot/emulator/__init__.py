"""A local Slack: fake Web API, Socket Mode server and signed HTTP delivery, for tests and dev.

    with SlackEmulator() as slack:
        client = WebClient(token=slack.bot_token, base_url=slack.api_url)
        handler = SocketModeHandler(App(client=client), slack.app_token)
        handler.connect()
        posted = slack.post_user_message("alice", "#general", f"<@{slack.bot_user_id}> hi")
        reply = slack.wait_for_message("#general", thread_ts=posted.ts, after=posted.ts)
        slack.click_button("alice", "#general", reply.ts, text="Approve plan")

`tests/support/slack.py` wraps the Bolt wiring (Socket Mode, or HTTP behind waitress).
Module map: emulator (the facade), people / interactions (what users do), state / views
(what Slack remembers), webapi + api_* (the Web API), api_server (its HTTP face),
socket_mode / http_delivery / delivery (how payloads reach the bot), payloads (their JSON),
blockkit (limits), blocks (walking blocks), render (Block Kit as terminal text).
"""

from bot.emulator.blocks import ButtonRef
from bot.emulator.delivery import Delivery, Transport
from bot.emulator.emulator import DEFAULT_BOT_EVENTS, SlackEmulator
from bot.emulator.errors import ApiError, EmulatorError
from bot.emulator.http_delivery import Signing
from bot.emulator.model import Channel, Ephemeral, Message, User, View, Workspace
from bot.emulator.people import PostedMessage
from bot.emulator.render import Rendered, render_blocks, render_message, render_view
from bot.emulator.traffic import ApiCall

__all__ = [
    "DEFAULT_BOT_EVENTS",
    "ApiCall",
    "ApiError",
    "ButtonRef",
    "Channel",
    "Delivery",
    "EmulatorError",
    "Ephemeral",
    "Message",
    "PostedMessage",
    "Rendered",
    "Signing",
    "SlackEmulator",
    "Transport",
    "User",
    "View",
    "Workspace",
    "render_blocks",
    "render_message",
    "render_view",
]
