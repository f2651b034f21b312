"""`foreman digest [--post] [--json]`: the digest in the terminal, or posted now."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from bot.cli.context import CliContext, CliError
from bot.cli.options import add_json

if TYPE_CHECKING:
    from bot.digest.model import Digest
    from bot.settings import Settings


def register(sub: Any) -> None:
    p = sub.add_parser("digest", help="the daily digest: what shipped, what is stuck, what is next")
    p.add_argument(
        "--post",
        action="store_true",
        help="also post it now to FOREMAN_DIGEST_CHANNEL (the daily one still comes at its time)",
    )
    add_json(p)
    p.set_defaults(handler=digest)


def digest(args: argparse.Namespace, ctx: CliContext) -> int:
    from bot.digest.post import on_demand_digest
    from bot.digest.render import digest_text
    from bot.digest.schedule import UnknownTimezone

    settings = ctx.settings
    channel = settings.digest_channel
    if args.post:
        if not channel:
            raise CliError(
                "FOREMAN_DIGEST_CHANNEL is not set: there is no channel to post the digest to"
            )
        if settings.slack_bot_token is None:
            raise CliError("SLACK_BOT_TOKEN is not set: the digest cannot be posted to Slack")
    try:
        found = on_demand_digest(ctx.tracker, settings)
    except UnknownTimezone as exc:
        raise CliError(str(exc)) from None
    posted: dict[str, str] | None = None
    if args.post:
        assert channel is not None
        posted = {"channel": channel, "ts": _post(settings, channel, found)}
    if args.json:
        ctx.print_json({**found.to_json(), "posted": posted})
        return 0
    ctx.print(digest_text(found))
    if posted is not None:
        ctx.print(f"posted to {channel} (ts {posted['ts']})")
    return 0


def _post(settings: Settings, channel: str, found: Digest) -> str:
    from slack_sdk.errors import SlackApiError

    from bot.digest.post import post_digest
    from bot.services import slack_client

    try:
        return post_digest(slack_client(settings), channel, found)
    except SlackApiError as exc:
        raise CliError(f"Slack refused the digest: {exc.response.get('error')}") from None
    except OSError as exc:
        raise CliError(f"could not reach Slack at {settings.slack_api_url}: {exc}") from None
