"""Concurrent `next` calls never hand out the same ticket."""

from __future__ import annotations

import threading
from collections import Counter

from tests.support.plans import plan, spec
from tracker.service import Tracker


def test_eight_threads_claim_two_hundred_tickets_exactly_once(db_url: str) -> None:
    setup = Tracker.open(db_url)
    batch = setup.import_plan(plan(*[spec(f"t{i}") for i in range(200)]), actor="t").id
    setup.approve(batch, actor="U1")
    setup.close()

    claims: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def worker(n: int) -> None:
        # One engine per thread: as close to separate worker processes as a test gets.
        tracker = Tracker.open(db_url)
        try:
            start.wait()
            while True:
                ticket = tracker.next(batch=batch, worker=f"w{n}")
                if ticket is None:
                    return
                with lock:
                    claims.append(ticket.id)
                tracker.done(ticket.id, proof='cmd:"true" exit=0', actor=f"w{n}")
        except BaseException as exc:  # surfaced below, with the thread's context
            errors.append(exc)
        finally:
            tracker.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    counts = Counter(claims)
    assert len(counts) == 200
    assert max(counts.values()) == 1
    check = Tracker.open(db_url)
    assert check.oracle(batch).done
    claimed_events = [e for e in check.events(batch=batch, limit=5000) if e.kind == "claimed"]
    assert len(claimed_events) == 200
    check.close()
