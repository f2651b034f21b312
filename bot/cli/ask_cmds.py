"""Asks from the terminal: wall, asks, ask approve|deny, report-failure, clarify.

The same `Escalations` the Slack buttons use: the same dedupe, the same approvers, the same
single decision. A running bot notices every change in the event log and updates the card.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.cli.context import CliContext, CliError
from bot.cli.options import actor_of, add_actor, add_json

if TYPE_CHECKING:
    from escalation.ask_model import AskDetail
    from escalation.asks import Escalations

MAX_FILE_BYTES = 1024 * 1024
KINDS = ("credential", "permission", "decision", "clarification", "access")


def register(sub: Any) -> None:
    p = sub.add_parser("wall", help="raise an ask: the ticket is blocked until it is decided")
    p.add_argument("ticket")
    p.add_argument("--kind", required=True, choices=KINDS)
    p.add_argument("--action", required=True, help="the exact thing a person must do, one line")
    p.add_argument("--why", required=True, help="what fails without it")
    p.add_argument("--evidence", type=Path, metavar="FILE", help="log or output ('-': stdin)")
    p.add_argument("--tried", default="", help="what was already tried")
    _approver(p)
    add_actor(p)
    add_json(p)
    p.set_defaults(handler=wall)

    p = sub.add_parser("asks", help="list asks (what waits on people)")
    p.add_argument("--open", action="store_true", help="only asks still waiting for a decision")
    add_json(p)
    p.set_defaults(handler=asks)

    p = sub.add_parser("ask", help="decide an ask: the same rules as the card's buttons")
    p.add_argument("verdict", choices=("approve", "deny"))
    p.add_argument("ask")
    p.add_argument("--as", dest="actor", required=True, metavar="USER", help="who decides")
    p.add_argument("--note", help="required to deny (the reason); the answer to a question")
    add_json(p)
    p.set_defaults(handler=decide)

    p = sub.add_parser("report-failure", help="a failing job reports in: diagnosis, dedupe, ask")
    p.add_argument("--pipeline", required=True)
    p.add_argument("--error", required=True, help="the error message")
    p.add_argument("--log", type=Path, metavar="FILE", help="the job's log ('-': stdin)")
    _approver(p)
    add_actor(p)
    add_json(p)
    p.set_defaults(handler=report_failure)

    p = sub.add_parser("clarify", help="ask the open questions of a draft ticket or batch")
    p.add_argument("ref", metavar="FM-n[.k]")
    add_actor(p)
    add_json(p)
    p.set_defaults(handler=clarify)


def _approver(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--approver",
        action="append",
        default=[],
        metavar="USER",
        help="who may decide (repeatable; default FOREMAN_APPROVERS, else the requester)",
    )


def escalations(ctx: CliContext) -> Escalations:
    from bot.ask_config import ApproverDirectory, build_escalations, is_group, normalise_id
    from bot.services import slack_client

    settings = ctx.settings
    groups = any(is_group(normalise_id(a)) for a in settings.approvers)
    # Only a user group needs Slack; plain user ids are decided offline.
    client = slack_client(settings) if groups and settings.slack_bot_token else None
    return build_escalations(settings, ctx.tracker, ApproverDirectory(settings.approvers, client))


def read_text(path: Path | None, what: str) -> str:
    if path is None:
        return ""
    try:
        if str(path) == "-":
            return sys.stdin.read(MAX_FILE_BYTES)
        with path.open("r", encoding="utf-8", errors="replace") as handle:
            return handle.read(MAX_FILE_BYTES)
    except OSError as exc:
        raise CliError(f"{what} {path}: {exc.strerror or exc}") from None


def ask_line(ask: AskDetail) -> str:
    seen = f"seen {ask.occurrences}×" if ask.occurrences > 1 else "seen once"
    where = ", ".join(ask.blocks) or (f"pipeline {ask.pipeline}" if ask.pipeline else "-")
    who = ", ".join(ask.deciders) or "nobody (set FOREMAN_APPROVERS)"
    state = ask.status if ask.is_open else f"{ask.status} by {ask.decided_by or 'foreman'}"
    return f"{ask.id:<7} {state:<22} {ask.kind:<13} {seen:<10} {where:<16} {who:<14} {ask.action}"


def _print_ask(ctx: CliContext, args: argparse.Namespace, ask: AskDetail, line: str) -> None:
    ctx.print_json(ask.to_json()) if args.json else ctx.print(line)


def wall(args: argparse.Namespace, ctx: CliContext) -> int:
    raised = escalations(ctx).wall(
        args.ticket,
        kind=args.kind,
        action=args.action,
        why=args.why,
        evidence=read_text(args.evidence, "--evidence"),
        tried=args.tried,
        approvers=args.approver,
        actor=actor_of(args),
    )
    ask = raised.ask
    if raised.created:
        status = ctx.tracker.ticket(args.ticket).status
        held = "is blocked until it is decided" if status == "blocked" else f"stays {status}"
        deciders = ", ".join(ask.deciders) or "nobody: set FOREMAN_APPROVERS"
        line = f"{ask.id} raised: {args.ticket.upper()} {held} (decided by {deciders})"
    else:
        line = f"{ask.id}: the same wall is still open, now seen {ask.occurrences}×"
    _print_ask(ctx, args, ask, line)
    return 0


def asks(args: argparse.Namespace, ctx: CliContext) -> int:
    found = escalations(ctx).asks(open_only=args.open)
    if args.json:
        ctx.print_json({"asks": [a.to_json() for a in found]})
    elif not found:
        ctx.print("no open asks: nothing waits on people" if args.open else "no asks yet")
    for ask in [] if args.json else found:
        ctx.print(ask_line(ask))
    return 0


def decide(args: argparse.Namespace, ctx: CliContext) -> int:
    ask = escalations(ctx).decide(args.ask, args.verdict, by=args.actor, note=args.note)
    tickets = [f"{ref} is {ctx.tracker.ticket(ref).status}" for ref in ask.blocks]
    effect = f": {', '.join(tickets)}" if tickets else ""
    _print_ask(ctx, args, ask, f"{ask.id} {ask.status} by {ask.decided_by}{effect}")
    return 0


def report_failure(args: argparse.Namespace, ctx: CliContext) -> int:
    outcome = escalations(ctx).report_failure(
        args.pipeline,
        args.error,
        read_text(args.log, "--log") or None,
        actor=getattr(args, "actor", None) or f"pipeline:{args.pipeline}",
        approvers=args.approver,
    )
    ctx.print_json(outcome.to_json()) if args.json else ctx.print(outcome.summary())
    return 0


def clarify(args: argparse.Namespace, ctx: CliContext) -> int:
    raised = escalations(ctx).raise_clarifications(args.ref, actor=actor_of(args))
    if args.json:
        ctx.print_json({"asks": [r.ask.to_json() for r in raised]})
    elif not raised:
        ctx.print(f"{args.ref}: no open questions on a draft ticket")
    for r in [] if args.json else raised:
        ctx.print(("asked: " if r.created else "still open: ") + ask_line(r.ask))
    return 0
