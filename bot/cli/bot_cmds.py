"""Commands that run the bot: serve (and dev, with the embedded local Slack)."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

from bot.cli.context import CliContext, CliError


def register(sub: Any) -> None:
    p = sub.add_parser("serve", help="run the bot: Socket Mode with SLACK_APP_TOKEN, else HTTP")
    p.add_argument("--port", type=int, default=3000)
    p.add_argument("--host", default="0.0.0.0")  # noqa: S104 (Slack must reach HTTP mode)
    p.add_argument("--log-level", default="INFO")
    p.set_defaults(handler=serve)

    p = sub.add_parser("dev", help="the bot against an embedded local Slack, with a terminal chat")
    p.add_argument("--script", type=Path, help="run these chat lines and print the transcript")
    p.add_argument("--log-level", default="WARNING")
    p.set_defaults(handler=dev)


def _logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        from escalation.redact import install_log_redaction
    except ImportError:
        return
    install_log_redaction()


def serve(args: argparse.Namespace, ctx: CliContext) -> int:
    from bot.serve import ConfigurationError, serve

    _logging(args.log_level)
    try:
        serve(ctx.settings, host=args.host, port=args.port)
    except ConfigurationError as exc:
        raise CliError(str(exc)) from None
    return 0


def dev(args: argparse.Namespace, ctx: CliContext) -> int:
    from bot.dev import run_dev

    _logging(args.log_level)
    return run_dev(ctx.settings, script=args.script, out=ctx.out)
