"""The `foreman` command.

Each command family lives in its own module exposing `register(subparsers)`; the parser it
adds sets `handler=fn` where `fn(args, ctx) -> int`. Modules are imported only to build the
parser; heavy imports (Slack, models, planners) happen inside handlers so `foreman ready`
stays fast as a whole process.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bot.cli.context import CliContext, CliError
from tracker.errors import TrackerError

COMMAND_MODULES = (
    "bot.cli.batch_cmds",
    "bot.cli.bot_cmds",
    "bot.cli.research_cmds",
    "bot.cli.doctor_cmd",
    "bot.cli.tracker_cmds",
    "bot.cli.locate_cmd",
    "bot.cli.digest_cmd",
    "bot.cli.ask_cmds",
)


def build_parser() -> argparse.ArgumentParser:
    import importlib

    parser = argparse.ArgumentParser(
        prog="foreman",
        description="Foreman: requests in, specified tickets out, tracked to done with proof.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 0 if args.command is None else 2
    ctx = CliContext()
    try:
        code: int = handler(args, ctx)
    except CliError as exc:
        print(f"foreman: {_shown(exc)}", file=sys.stderr)
        return exc.exit_code
    except TrackerError as exc:
        print(f"foreman: {_shown(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    finally:
        ctx.close()
    return code


def _shown(exc: Exception) -> str:
    """An error message echoes what it was given (a reference, a user), which may be a
    secret pasted in the wrong place: it leaves redacted, like every other exit."""
    from escalation.redact import redact

    return redact(str(exc))


if __name__ == "__main__":
    raise SystemExit(main())
