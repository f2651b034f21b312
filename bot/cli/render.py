"""Plain-text rendering of tracker views for the terminal."""

from __future__ import annotations

from tracker.views import BatchView, OracleVerdict, TicketView


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def ticket_line(ticket: TicketView) -> str:
    note = ""
    if ticket.claim is not None:
        note = f"{ticket.claim.worker}, lease until {ticket.claim.expires_at:%H:%M:%S}Z"
    elif ticket.status == "done" and ticket.proof:
        note = "proof " + _proof_text(ticket.proof)
    elif ticket.waiting_on:
        note = "waiting on " + ", ".join(ticket.waiting_on)
    elif ticket.gate_reason:
        note = ticket.gate_reason
    elif ticket.spec_problems and ticket.status in ("draft", "open"):
        note = "; ".join(ticket.spec_problems)
    elif ticket.ready:
        note = "ready"
    title = _short(ticket.title, 52)
    return f"{ticket.id:<9} {ticket.status:<11} {ticket.lane:<7} {title:<52}  {note}".rstrip()


def _proof_text(proof: dict[str, object]) -> str:
    if proof.get("kind") == "cmd":
        return f'cmd:"{proof.get("ref")}" exit={proof.get("exit")}'
    return f"{proof.get('kind')}:{proof.get('ref')}"


def ticket_detail(ticket: TicketView) -> str:
    lines = [
        f"{ticket.id} · {ticket.title}",
        f"  status: {ticket.status}" + (" (ready)" if ticket.ready else ""),
    ]
    if ticket.depends_on:
        lines.append("  depends on: " + ", ".join(ticket.depends_on))
    if ticket.scope:
        lines.append(f"  scope: {ticket.scope}")
    if ticket.acceptance_criteria:
        lines.append("  acceptance criteria:")
        lines += [f"    - {c}" for c in ticket.acceptance_criteria]
    if ticket.file_hooks:
        lines.append("  file hooks:")
        lines += [
            f"    - {h.get('path')}{' (new)' if h.get('new') else ''}: {h.get('why', '')}"
            for h in ticket.file_hooks
        ]
    if ticket.test_plan:
        lines.append(f"  test plan: {ticket.test_plan}")
    if ticket.finish_line:
        lines.append(f"  finish line: {ticket.finish_line}")
    if ticket.open_questions:
        lines.append("  open questions:")
        lines += [f"    ? {q}" for q in ticket.open_questions]
    return "\n".join(lines)


def batch_line(batch: BatchView) -> str:
    progress = f"{batch.finished}/{batch.total}"
    return f"{batch.id:<7} {batch.status:<16} {progress:>7}  {_short(batch.title, 60)}"


def verdict_text(verdict: OracleVerdict) -> str:
    head = "done" if verdict.done else "not done"
    lines = [f"{verdict.batch} {head}: {verdict.why} ({verdict.finished}/{verdict.total})"]
    lines += [f"  {item.ticket:<9} {item.status:<11} {item.why}" for item in verdict.unfinished]
    hidden = verdict.total - verdict.finished - len(verdict.unfinished)
    if hidden > 0 and verdict.unfinished:
        lines.append(f"  … and {hidden} more (foreman oracle --batch {verdict.batch} --all)")
    return "\n".join(lines)
