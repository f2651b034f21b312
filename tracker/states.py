"""Statuses and the explicit transition tables of tickets, batches and asks."""

from __future__ import annotations

from enum import StrEnum


class TicketStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    ACTIVE = "active"
    BLOCKED = "blocked"
    HUMAN_GATED = "human_gated"
    DONE = "done"
    CANCELLED = "cancelled"


class BatchStatus(StrEnum):
    RECEIVED = "received"
    RESEARCHING = "researching"
    PLANNED = "planned"
    APPROVED = "approved"
    DONE = "done"
    CANCELLED = "cancelled"
    RESEARCH_FAILED = "research_failed"


class AskStatus(StrEnum):
    OPEN = "open"
    APPROVED = "approved"
    DENIED = "denied"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


class AskKind(StrEnum):
    CREDENTIAL = "credential"
    PERMISSION = "permission"
    DECISION = "decision"
    CLARIFICATION = "clarification"
    ACCESS = "access"


T = TicketStatus
TICKET_TRANSITIONS: dict[TicketStatus, frozenset[TicketStatus]] = {
    T.DRAFT: frozenset({T.OPEN, T.CANCELLED}),
    T.OPEN: frozenset({T.ACTIVE, T.BLOCKED, T.HUMAN_GATED, T.DONE, T.DRAFT, T.CANCELLED}),
    # active -> open is a release or a lapsed lease; done needs proof (checked elsewhere).
    T.ACTIVE: frozenset({T.OPEN, T.BLOCKED, T.HUMAN_GATED, T.DONE, T.CANCELLED}),
    T.BLOCKED: frozenset({T.OPEN, T.HUMAN_GATED, T.CANCELLED}),
    T.HUMAN_GATED: frozenset({T.OPEN, T.CANCELLED}),
    # A done ticket can be reopened when its proof no longer holds (oracle --verify).
    T.DONE: frozenset({T.OPEN}),
    T.CANCELLED: frozenset(),
}

B = BatchStatus
BATCH_TRANSITIONS: dict[BatchStatus, frozenset[BatchStatus]] = {
    B.RECEIVED: frozenset({B.RESEARCHING, B.PLANNED, B.CANCELLED}),
    # researching -> received: the research lease lapsed and another runner may take it.
    B.RESEARCHING: frozenset({B.PLANNED, B.RESEARCH_FAILED, B.RECEIVED, B.CANCELLED}),
    B.RESEARCH_FAILED: frozenset({B.RESEARCHING, B.RECEIVED, B.CANCELLED}),
    B.PLANNED: frozenset({B.APPROVED, B.CANCELLED}),
    B.APPROVED: frozenset({B.DONE, B.CANCELLED}),
    # Discovered work filed against a finished batch reopens it so the oracle tracks it.
    B.DONE: frozenset({B.APPROVED}),
    B.CANCELLED: frozenset(),
}

A = AskStatus
ASK_TRANSITIONS: dict[AskStatus, frozenset[AskStatus]] = {
    A.OPEN: frozenset({A.APPROVED, A.DENIED, A.EXPIRED, A.CANCELLED}),
    A.APPROVED: frozenset(),
    A.DENIED: frozenset(),
    A.EXPIRED: frozenset(),
    A.CANCELLED: frozenset(),
}

# Tickets that no longer need work for the oracle's purposes (done also needs proof).
FINISHED_TICKET_STATUSES = frozenset({T.DONE, T.HUMAN_GATED})
