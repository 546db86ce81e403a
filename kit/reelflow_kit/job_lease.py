"""Keeping a running job's lease: renewed every third of it, retried through database errors,
and the job stopped before the lease can run out, so no second worker ever runs it unnoticed."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


class LeaseKeeper:
    """Renews a lease held since `held_until - lease_s` (monotonic clock) while `work` runs.

    `renew()` answers whether the lease is still this worker's. A renewal that fails (the
    database away, or slow) is retried every `retry_s`; when the lease would run out within
    `margin_s` (left for clock skew and for the job to stop) without having been renewed, or
    another worker holds it, `work` is cancelled and `lost` is set."""

    def __init__(
        self, renew: Callable[[], Awaitable[bool]], *, lease_s: float, held_until: float, what: dict[str, object]
    ) -> None:
        self._renew = renew
        self.lease_s = lease_s
        self.held_until = held_until
        self.margin_s = lease_s / 6
        self.retry_s = min(1.0, lease_s / 12)
        self.lost = False
        self._what = what

    async def keep(self, work: asyncio.Task[object]) -> None:
        while True:
            await asyncio.sleep(max(0.0, self.held_until - self.lease_s * 2 / 3 - time.monotonic()))
            if not await self._renewed():
                self.lost = True
                work.cancel()
                return

    async def _renewed(self) -> bool:
        while True:
            sent_at = time.monotonic()
            stop_at = self.held_until - self.margin_s
            if sent_at >= stop_at:
                log.error(
                    "job lease not renewed in time; job stopped so no other worker runs it alongside", extra=self._what
                )
                return False
            try:
                async with asyncio.timeout(stop_at - sent_at):
                    still_held = await self._renew()
            except Exception as exc:  # the database away or too slow: try again while the lease lasts
                log.warning("job lease renewal failed; retrying", extra={**self._what, "error": repr(exc)})
                await asyncio.sleep(min(self.retry_s, max(0.0, stop_at - time.monotonic())))
                continue
            if not still_held:
                log.warning("job lease lost; another worker has it, job stopped", extra=self._what)
                return False
            self.held_until = sent_at + self.lease_s
            return True
