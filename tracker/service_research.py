"""The research queue's side of the tracker facade: claims, renewals and results."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from tracker import research
from tracker.plan import Plan
from tracker.queries import batch_view
from tracker.store import Store
from tracker.views import BatchView


class ResearchQueue:
    """Mixed into `Tracker`; works on its store and clock."""

    store: Store

    def claim_research(
        self, *, worker: str, lease_seconds: int, batch: str | None = None
    ) -> BatchView | None:
        """Take a received batch (the oldest, or `batch`) for research under a lease."""
        with self.store.transaction() as session:
            claimed = research.claim(
                session,
                worker=worker,
                now=self.store.clock(),
                lease=timedelta(seconds=lease_seconds),
                only=batch,
            )
            return None if claimed is None else batch_view(session, claimed)

    def renew_research(self, ref: str, *, worker: str, lease_seconds: int) -> None:
        with self.store.transaction() as session:
            research.renew(
                session,
                ref,
                worker=worker,
                now=self.store.clock(),
                lease=timedelta(seconds=lease_seconds),
            )

    def finish_research(
        self, ref: str, plan: Plan, *, worker: str, repo_root: Path | None
    ) -> BatchView:
        with self.store.transaction() as session:
            batch = research.finish(
                session, ref, plan, worker=worker, now=self.store.clock(), repo_root=repo_root
            )
            return batch_view(session, batch)

    def fail_research(self, ref: str, *, worker: str, error: str) -> BatchView:
        with self.store.transaction() as session:
            return batch_view(
                session,
                research.fail(session, ref, worker=worker, now=self.store.clock(), error=error),
            )

    def retry_research(self, ref: str, *, actor: str, more: str | None = None) -> BatchView:
        """Back to the research queue; `more` (a person's added detail) extends the request."""
        with self.store.transaction() as session:
            batch = research.retry(session, ref, actor=actor, now=self.store.clock(), more=more)
            return batch_view(session, batch)
