"""Commands a worker loop runs: listings, next, heartbeat, release, done, gate, discovered."""

from __future__ import annotations

import argparse
from typing import Any

from bot.cli.context import CliContext, CliError
from bot.cli.options import actor_of, add_actor, add_json

EXIT_NOTHING_READY = 3


def register(sub: Any) -> None:  # noqa: PLR0915 (one flat list of parsers reads best)
    p = sub.add_parser("tickets", help="list tickets")
    _filters(p)
    p.add_argument("--open", action="store_true", help="only tickets not yet finished")
    p.add_argument("--status", action="append", help="only this status (repeatable)")
    p.set_defaults(handler=tickets)

    p = sub.add_parser("show", help="one ticket, fully specified")
    p.add_argument("ticket")
    add_json(p)
    p.set_defaults(handler=show)

    p = sub.add_parser("ready", help="tickets ready to be claimed (derived, never stored)")
    _filters(p)
    p.set_defaults(handler=ready)

    p = sub.add_parser("next", help="claim the next ready ticket; prints its id (exit 3: none)")
    p.add_argument("--batch", required=True)
    p.add_argument("--worker", required=True)
    p.add_argument("--lane")
    add_json(p)
    p.set_defaults(handler=next_)

    p = sub.add_parser("heartbeat", help="renew the lease on a claimed ticket")
    p.add_argument("ticket")
    p.add_argument("--worker", required=True)
    add_json(p)
    p.set_defaults(handler=heartbeat)

    p = sub.add_parser("release", help="give a claimed ticket back to the ready set")
    p.add_argument("ticket")
    p.add_argument("--worker", required=True)
    p.add_argument("--reason", default="released by the worker")
    p.set_defaults(handler=release)

    p = sub.add_parser("done", help="mark a ticket done; refused without proof")
    p.add_argument("ticket")
    p.add_argument("--proof", help='KIND:REF: cmd:"pytest x" exit=0 | pr:URL | ci:URL | url:URL')
    p.add_argument("--worker", help="refuse if the ticket is claimed by someone else")
    add_actor(p)
    add_json(p)
    p.set_defaults(handler=done)

    p = sub.add_parser("gate", help="mark a ticket human_gated: a person decided it is not ours")
    p.add_argument("ticket")
    p.add_argument("--reason", required=True)
    add_actor(p)
    p.set_defaults(handler=gate)

    p = sub.add_parser("reopen", help="put a done, human_gated or blocked ticket back to open")
    p.add_argument("ticket")
    p.add_argument("--reason", required=True)
    add_actor(p)
    p.set_defaults(handler=reopen)

    p = sub.add_parser("discovered", help="file discovered work into the batch of --from")
    p.add_argument("--from", dest="origin", required=True, metavar="TICKET")
    p.add_argument("--title", required=True)
    p.add_argument(
        "--blocks",
        action="append",
        default=[],
        metavar="TICKET",
        help="a ticket that must wait for this one (repeatable)",
    )
    p.add_argument("--depends-on", action="append", default=[], metavar="TICKET")
    p.add_argument("--scope", default="")
    p.add_argument("--criterion", action="append", default=[], help="acceptance criterion (×2+)")
    p.add_argument("--hook", action="append", default=[], metavar="PATH:WHY")
    p.add_argument("--test-plan", default="")
    p.add_argument("--finish-line", default="")
    p.add_argument("--lane", default="build")
    add_actor(p)
    add_json(p)
    p.set_defaults(handler=discovered)


def _filters(p: argparse.ArgumentParser) -> None:
    p.add_argument("--batch")
    p.add_argument("--lane")
    add_json(p)


def tickets(args: argparse.Namespace, ctx: CliContext) -> int:
    from tracker.states import FINISHED_TICKET_STATUSES, TicketStatus

    statuses = [TicketStatus(s) for s in args.status or []] or None
    if args.open:
        unfinished = [s for s in TicketStatus if s not in FINISHED_TICKET_STATUSES]
        statuses = [s for s in (statuses or unfinished) if s in unfinished and s != "cancelled"]
    views = ctx.tracker.tickets(batch=args.batch, lane=args.lane, statuses=statuses)
    return _list(ctx, views, args.json, empty="no tickets")


def ready(args: argparse.Namespace, ctx: CliContext) -> int:
    views = ctx.tracker.ready(batch=args.batch, lane=args.lane)
    return _list(ctx, views, args.json, empty="nothing is ready")


def _list(ctx: CliContext, views: list[Any], as_json: bool, empty: str) -> int:
    from bot.cli.render import ticket_line

    if as_json:
        ctx.print_json({"tickets": [v.to_json() for v in views]})
    elif not views:
        ctx.print(empty)
    else:
        for view in views:
            ctx.print(ticket_line(view))
    return 0


def show(args: argparse.Namespace, ctx: CliContext) -> int:
    from bot.cli.render import ticket_detail

    view = ctx.tracker.ticket(args.ticket)
    ctx.print_json(view.to_json()) if args.json else ctx.print(ticket_detail(view))
    return 0


def next_(args: argparse.Namespace, ctx: CliContext) -> int:
    view = ctx.tracker.next(batch=args.batch, worker=args.worker, lane=args.lane)
    if view is None:
        verdict = ctx.tracker.oracle(args.batch)
        state = "the batch is done" if verdict.done else verdict.why
        ctx.err.write(f"foreman: nothing ready in {args.batch} ({state})\n")
        return EXIT_NOTHING_READY
    ctx.print_json(view.to_json()) if args.json else ctx.print(view.id)
    return 0


def heartbeat(args: argparse.Namespace, ctx: CliContext) -> int:
    view = ctx.tracker.heartbeat(args.ticket, worker=args.worker)
    if args.json:
        ctx.print_json(view.to_json())
    elif view.claim is not None:
        ctx.print(f"{view.id} lease renewed until {view.claim.expires_at:%Y-%m-%d %H:%M:%S}Z")
    return 0


def release(args: argparse.Namespace, ctx: CliContext) -> int:
    view = ctx.tracker.release(args.ticket, worker=args.worker, reason=args.reason)
    ctx.print(f"{view.id} released: back in the ready set")
    return 0


def done(args: argparse.Namespace, ctx: CliContext) -> int:
    view = ctx.tracker.done(args.ticket, proof=args.proof, actor=actor_of(args), worker=args.worker)
    if args.json:
        ctx.print_json(view.to_json())
    else:
        ctx.print(f"{view.id} done · proof recorded")
    return 0


def gate(args: argparse.Namespace, ctx: CliContext) -> int:
    from tracker.states import TicketStatus

    view = ctx.tracker.set_status(
        args.ticket, TicketStatus.HUMAN_GATED, actor=actor_of(args), reason=args.reason
    )
    ctx.print(f"{view.id} human_gated: {args.reason}")
    return 0


def reopen(args: argparse.Namespace, ctx: CliContext) -> int:
    from tracker.states import TicketStatus

    view = ctx.tracker.set_status(
        args.ticket, TicketStatus.OPEN, actor=actor_of(args), reason=args.reason
    )
    ctx.print(f"{view.id} reopened" + (" (ready)" if view.ready else ""))
    return 0


def discovered(args: argparse.Namespace, ctx: CliContext) -> int:
    from tracker.plan import FileHook, PlannedTicket

    hooks = []
    for raw in args.hook:
        path, sep, why = raw.partition(":")
        if not sep or not path.strip() or not why.strip():
            raise CliError(f"--hook takes PATH:WHY, got {raw!r}")
        hooks.append(FileHook(path=path.strip(), why=why.strip()))
    spec = PlannedTicket(
        key="discovered",
        title=args.title,
        scope=args.scope or args.title,
        acceptance_criteria=args.criterion,
        file_hooks=hooks,
        test_plan=args.test_plan,
        finish_line=args.finish_line,
        lane=args.lane,
    )
    view = ctx.tracker.discovered(
        origin=args.origin,
        spec=spec,
        blocks=args.blocks,
        depends_on=args.depends_on,
        actor=actor_of(args),
    )
    if args.json:
        ctx.print_json(view.to_json())
    elif view.status == "draft":
        ctx.print(
            f"{view.id} filed as draft (discovered from {view.discovered_from}); "
            f"not workable until specified: {'; '.join(view.spec_problems)}"
        )
    else:
        blocks = f", blocks {', '.join(args.blocks)}" if args.blocks else ""
        ctx.print(f"{view.id} filed (discovered from {view.discovered_from}{blocks})")
    return 0
