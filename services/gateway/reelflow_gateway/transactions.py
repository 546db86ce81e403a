"""Request-time transactions that race the gateway's own event handlers over one document.

MongoDB aborts the later of two transactions writing the same document (WriteConflict, labelled
TransientTransactionError); the whole transaction (its reads included) is then run again.
"""

from __future__ import annotations

import asyncio
from typing import Awaitable, Callable, TypeVar

from reelflow_kit.bus.retry import backoff_delay, is_transient_transaction_error

T = TypeVar("T")

ATTEMPTS = 5
BASE_DELAY_S = 0.02
MAX_DELAY_S = 0.5


async def retrying_conflicts(run: Callable[[], Awaitable[T]], attempts: int = ATTEMPTS) -> T:
    """`run()` (one whole transaction) again while it conflicts with another; after `attempts`,
    the conflict propagates (answered 503, retry: errors.py)."""
    for attempt in range(1, attempts + 1):
        try:
            return await run()
        except Exception as exc:
            if attempt == attempts or not is_transient_transaction_error(exc):
                raise
        await asyncio.sleep(backoff_delay(attempt, BASE_DELAY_S, MAX_DELAY_S))
    raise AssertionError("unreachable")
