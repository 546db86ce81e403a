"""The cap on a user's running operations, counted in the operations collection (shared by every
gateway instance: the count is the same whichever instance answers)."""

from __future__ import annotations

from pymongo.asynchronous.database import AsyncDatabase

from reelflow_gateway.limits.decisions import over_cap
from reelflow_gateway.limits.limiter import rate_limited
from reelflow_gateway.operations.domain import TERMINAL
from reelflow_gateway.operations.handlers import OPERATIONS

NOT_RUNNING = (*TERMINAL, "failed")
"""A failed operation may be resumed, but holds nothing until then: it does not count."""
RUNNING_RETRY_AFTER_S = 30
"""An operation takes minutes: sooner than this, the same answer is likely."""


async def running_operations(db: AsyncDatabase, user: str) -> int:
    return await db[OPERATIONS].count_documents({"owner_id": user, "status": {"$nin": list(NOT_RUNNING)}})


async def refuse_beyond_running_cap(db: AsyncDatabase, user: str, cap: int) -> None:
    """429 when `user` already runs `cap` operations."""
    refusal = over_cap("running operations (not completed, cancelled or failed)", cap,
                       await running_operations(db, user), RUNNING_RETRY_AFTER_S)
    if refusal:
        raise rate_limited(refusal)


