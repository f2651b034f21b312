"""Commands about whole batches: import, approve, cancel, batches, oracle, validate, log."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from bot.cli.context import CliContext, CliError
from bot.cli.options import actor_of, add_actor, add_json


def register(sub: Any) -> None:
    p = sub.add_parser("import", help="load a batch and its tickets from a JSON plan")
    p.add_argument("plan", type=Path, help="plan file (see README: the plan shape)")
    p.add_argument("--batch", help="attach the plan to this existing batch (one without a plan)")
    p.add_argument("--repo", type=Path, help="checkout the file hooks refer to")
    add_actor(p)
    add_json(p)
    p.set_defaults(handler=import_plan)

    p = sub.add_parser("approve", help="approve a planned batch: its tickets become open")
    p.add_argument("batch")
    add_actor(p)
    p.set_defaults(handler=approve)

    p = sub.add_parser("cancel", help="cancel a batch and every unfinished ticket in it")
    p.add_argument("batch")
    p.add_argument("--reason", required=True)
    add_actor(p)
    p.set_defaults(handler=cancel)

    p = sub.add_parser("batches", help="list batches with their progress")
    add_json(p)
    p.set_defaults(handler=batches)

    p = sub.add_parser("oracle", help="exit 0 iff the batch is done; otherwise say why not")
    p.add_argument("--batch", help="default: every batch that is not cancelled")
    p.add_argument("--verify", action="store_true", help="re-run every cmd proof as well")
    p.add_argument("--quiet", "-q", action="store_true", help="exit status only")
    p.add_argument("--all", action="store_true", help="explain every unfinished ticket, not 50")
    add_json(p)
    p.set_defaults(handler=oracle)

    p = sub.add_parser("validate", help="check every invariant; --fix heals the safe ones")
    p.add_argument("--fix", action="store_true")
    add_json(p)
    p.set_defaults(handler=validate)

    p = sub.add_parser("log", help="the event log: every state change, who, when, why")
    p.add_argument("--batch")
    p.add_argument("--subject", help="FM-n, FM-n.k or ASK-n")
    p.add_argument("--limit", type=int, default=50)
    add_json(p)
    p.set_defaults(handler=log)


def _read_plan(path: Path) -> Any:
    from pydantic import ValidationError

    from tracker.plan import Plan

    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CliError(f"{path}: no such file") from None
    except json.JSONDecodeError as exc:
        raise CliError(
            f"{path} is not valid JSON: line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None
    try:
        return Plan.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "plan"
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise CliError(f"{path}: {where}: {first['msg']}{more}") from None


def import_plan(args: argparse.Namespace, ctx: CliContext) -> int:
    plan = _read_plan(args.plan)
    repo_root: Path | None = args.repo
    if repo_root is None and Path(plan.repo).is_dir():
        repo_root = Path(plan.repo)
    if repo_root is not None and not repo_root.is_dir():
        raise CliError(f"--repo {repo_root} is not a directory")
    if repo_root is None:
        ctx.err.write(f"foreman: file hooks not checked: {plan.repo!r} is not a local directory\n")
    batch = ctx.tracker.import_plan(
        plan, actor=actor_of(args), batch=args.batch, repo_root=repo_root
    )
    if args.json:
        views = ctx.tracker.tickets(batch=batch.id)
        ctx.print_json({"batch": batch.to_json(), "tickets": [v.to_json() for v in views]})
    else:
        ctx.print(
            f"{batch.id} · {batch.title} · planned, {batch.total} tickets "
            f"(foreman approve {batch.id} opens them)"
        )
    return 0


def approve(args: argparse.Namespace, ctx: CliContext) -> int:
    result = ctx.tracker.approve(args.batch, actor=actor_of(args))
    ctx.print(
        f"{result.batch} approved: opened {len(result.opened)} tickets"
        + (f" ({', '.join(result.opened)})" if result.opened else "")
    )
    for ref, problems in result.kept_draft.items():
        ctx.print(f"  {ref} stays draft: {'; '.join(problems)}")
    return 0


def cancel(args: argparse.Namespace, ctx: CliContext) -> int:
    view = ctx.tracker.cancel(args.batch, actor=actor_of(args), reason=args.reason)
    ctx.print(f"{view.id} cancelled: {args.reason}")
    return 0


def batches(args: argparse.Namespace, ctx: CliContext) -> int:
    from bot.cli.render import batch_line

    views = ctx.tracker.batches()
    if args.json:
        ctx.print_json({"batches": [v.to_json() for v in views]})
    elif not views:
        ctx.print("no batches yet: mention Foreman in Slack, or foreman import PLAN.json")
    for view in [] if args.json else views:
        ctx.print(batch_line(view))
    return 0


def oracle(args: argparse.Namespace, ctx: CliContext) -> int:
    from bot.cli.render import verdict_text
    from tracker.states import BatchStatus
    from tracker.views import OracleVerdict

    refs = (
        [args.batch]
        if args.batch
        else [b.id for b in ctx.tracker.batches() if b.status != BatchStatus.CANCELLED]
    )
    if not refs:
        raise CliError("no batches to judge")
    verdicts: list[OracleVerdict] = []
    for ref in refs:
        verdict = ctx.tracker.oracle(ref, explain_all=args.all)
        if args.verify and verdict.done:
            failures = ctx.tracker.verify(ref, _repo_root(ctx, ref))
            if failures:
                verdict = OracleVerdict(
                    ref,
                    False,
                    verdict.total,
                    verdict.total - len(failures),
                    f"{len(failures)} proofs no longer hold",
                    failures,
                )
        verdicts.append(verdict)
    if args.json:
        ctx.print_json(
            {"done": all(v.done for v in verdicts), "batches": [v.to_json() for v in verdicts]}
        )
    elif not args.quiet:
        for verdict in verdicts:
            ctx.print(verdict_text(verdict))
    return 0 if all(v.done for v in verdicts) else 1


def _repo_root(ctx: CliContext, ref: str) -> Path:
    repo = Path(ctx.tracker.batch(ref).repo)
    return repo if repo.is_dir() else ctx.settings.repo


def validate(args: argparse.Namespace, ctx: CliContext) -> int:
    violations, fixes = ctx.tracker.validate(fix=args.fix, actor=actor_of(args))
    if args.json:
        ctx.print_json(
            {"ok": not violations, "fixed": fixes, "violations": [v.to_json() for v in violations]}
        )
        return 0 if not violations else 1
    for line in fixes:
        ctx.print(f"fixed: {line}")
    for v in violations:
        hint = " (foreman validate --fix heals this)" if v.fixable and not args.fix else ""
        ctx.print(f"{v.code}: {v.message}{hint}")
    if not violations:
        ctx.print("ok: every invariant holds")
    return 0 if not violations else 1


def log(args: argparse.Namespace, ctx: CliContext) -> int:
    from tracker.views import iso

    events = ctx.tracker.events(subject=args.subject, batch=args.batch, limit=args.limit)
    if args.json:
        ctx.print_json(
            {
                "events": [
                    {
                        "id": e.id,
                        "at": iso(e.at),
                        "actor": e.actor,
                        "subject": e.subject,
                        "kind": e.kind,
                        "from": e.from_state,
                        "to": e.to_state,
                        "reason": e.reason,
                        "data": e.data,
                    }
                    for e in events
                ]
            }
        )
        return 0
    for e in events:
        move = f"{e.from_state or '∅'} → {e.to_state}" if e.to_state else ""
        ctx.print(
            f"{e.at:%Y-%m-%d %H:%M:%S}Z {e.subject:<9} {e.kind:<11} {move:<22} "
            f"{e.actor}: {e.reason}".rstrip()
        )
    return 0
