"""The research pass from the terminal: intake (foreground), worker (the loop), locate."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from bot.cli.context import CliContext, CliError
from bot.cli.options import actor_of, add_actor, add_json


def register(sub: Any) -> None:
    p = sub.add_parser(
        "intake", help="master ticket + research pass in the foreground; prints the plan"
    )
    p.add_argument("text", help="the request, as someone would write it in Slack")
    p.add_argument("--repo", type=Path, help="the codebase to research (default FOREMAN_REPO)")
    add_actor(p)
    add_json(p)
    p.set_defaults(handler=intake)

    p = sub.add_parser("worker", help="research received batches until stopped (no Slack)")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--once", action="store_true", help="research what is waiting, then exit")
    p.set_defaults(handler=worker)


def _repo(ctx: CliContext, repo: Path | None) -> Path:
    path = (repo or ctx.settings.repo).resolve()
    if not path.is_dir():
        raise CliError(f"repository {path} is not a directory (set FOREMAN_REPO or --repo)")
    return path


def intake(args: argparse.Namespace, ctx: CliContext) -> int:
    from bot.cli.render import ticket_detail
    from bot.research import research_runner
    from intake.master import is_actionable_text, title_for
    from intake.runner import worker_name

    if not is_actionable_text(args.text):
        raise CliError("the request is empty: say what should be built or fixed")
    repo = _repo(ctx, args.repo)
    tracker = ctx.tracker
    batch = tracker.create_batch(
        title=title_for(args.text), request=args.text, repo=str(repo), actor=actor_of(args)
    )
    runner = research_runner(ctx.settings, tracker)
    result = runner.run_one(worker_name("intake"), batch=batch.id) or tracker.batch(batch.id)
    if result.status != "planned":
        raise CliError(f"{batch.id} {result.status}: {result.research_error}")
    tickets = tracker.tickets(batch=batch.id)
    if args.json:
        ctx.print_json({"batch": result.to_json(), "tickets": [t.to_json() for t in tickets]})
        return 0
    ctx.print(
        f"{result.id} · {result.title} · planned, {len(tickets)} tickets "
        f"(foreman approve {result.id} opens them)\n"
    )
    for ticket in tickets:
        ctx.print(ticket_detail(ticket) + "\n")
    return 0


def worker(args: argparse.Namespace, ctx: CliContext) -> int:
    from bot.research import research_runner
    from intake.runner import worker_name
    from tracker.service import Tracker

    # A long-running loop keeps a pooled connection, unlike the one-shot commands.
    settings = ctx.settings
    tracker = Tracker.open(settings.database_url, lease_seconds=settings.heartbeat_timeout)
    runner = research_runner(settings, tracker)
    try:
        if args.once:
            while (done := runner.run_one(worker_name("once"))) is not None:
                ctx.print(f"{done.id} {done.status}")
            return 0
        runner.start(max(1, args.threads))
        ctx.print(
            f"researching received batches with {max(1, args.threads)} thread(s); Ctrl-C stops"
        )
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            runner.stop()
        return 0
    finally:
        tracker.close()
