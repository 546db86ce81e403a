"""Requests a user holds open on this instance (event streams, GETs held by `Prefer: wait`).

Counted in memory per instance: a slot lives exactly as long as its connection, which only this
process sees end (a crash frees them all). With N instances behind a balancer a user can hold up
to N times the cap in total; each instance stays protected, which is what the cap is for.
"""

from __future__ import annotations

from collections import Counter

from reelflow_gateway.limits.decisions import Refusal, over_cap

HELD_RETRY_AFTER_S = 5
"""How soon to retry when every slot is taken: streams and held GETs end on their own quickly."""


class TooManyHeld(Exception):
    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.detail)
        self.refusal = refusal


class HeldSlot:
    """One open request of a user; `release()` may be called more than once."""

    def __init__(self, owner: HeldRequests, user: str) -> None:
        self._owner = owner
        self._user = user
        self._held = True

    def release(self) -> None:
        if self._held:
            self._held = False
            self._owner._release(self._user)


class HeldRequests:
    def __init__(self, cap: int) -> None:
        self.cap = cap
        self._open: Counter[str] = Counter()

    def open_for(self, user: str) -> int:
        return self._open[user]

    def take(self, user: str) -> HeldSlot:
        """A slot for one more open request of `user`; TooManyHeld when all are taken."""
        refusal = over_cap("open event streams and held GETs", self.cap, self._open[user], HELD_RETRY_AFTER_S)
        if refusal:
            raise TooManyHeld(refusal)
        self._open[user] += 1
        return HeldSlot(self, user)

    def _release(self, user: str) -> None:
        self._open[user] -= 1
        if self._open[user] <= 0:
            del self._open[user]
