"""Fair shares of a job pool between owners: start-time fair queueing on a job's `rank`.

Each job carries a fairness key (an owner id, else a script id) and, from its enqueue, a rank:
one past the key's last unfinished job, and never below the lowest rank still unfinished in the
queue (the rank being served now). Workers claim the lowest rank first (oldest first among
equals). So a key that queues 500 jobs gets ranks r..r+499, and a key that queues one job a
moment later gets about the rank now being served: it runs after at most one job of every other
key, not after all 500. A key that arrives late does not jump a queue that had been waiting
either: it starts at the rank being served, not at zero.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection

SHARED_KEY = ""
"""The key of jobs enqueued without one: they share one turn among them (first come, first served)."""


async def rank_for(
    jobs: AsyncCollection[dict[str, Any]],
    kind: str,
    fair_key: str,
    unfinished: Iterable[str],
    session: AsyncClientSession | None = None,
) -> int:
    """The rank of a job of `kind` enqueued now for `fair_key` (reads within the caller's transaction)."""
    statuses = {"$in": list(unfinished)}
    serving = await jobs.find_one(
        {"kind": kind, "status": statuses}, projection={"rank": 1}, sort=[("rank", ASCENDING)], session=session
    )
    latest = await jobs.find_one(
        {"kind": kind, "fair_key": fair_key, "status": statuses},
        projection={"rank": 1},
        sort=[("rank", DESCENDING)],
        session=session,
    )
    now_serving: int = (serving or {}).get("rank") or 0
    after_own: int = (latest or {}).get("rank", -1) + 1
    return max(now_serving, after_own)


FAIRNESS_INDEXES = (
    [("kind", ASCENDING), ("status", ASCENDING), ("rank", ASCENDING), ("not_before", ASCENDING)],
    [("kind", ASCENDING), ("fair_key", ASCENDING), ("status", ASCENDING), ("rank", ASCENDING)],
)
"""The claim's order (lowest rank, then oldest) and a key's latest rank."""
