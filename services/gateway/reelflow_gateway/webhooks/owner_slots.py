"""A bound on one owner's webhook deliveries in flight in this process.

A delivery over its owner's bound is not waited for but put back in the queue (`Deferred`, which
costs no attempt), so it never holds one of the pool's slots: one owner with many slow receivers
cannot keep the others' deliveries waiting.
"""

from __future__ import annotations

from collections import Counter


class OwnerSlots:
    def __init__(self, per_owner: int) -> None:
        self.per_owner = per_owner
        self._in_flight: Counter[str] = Counter()

    def try_take(self, owner_id: str) -> bool:
        if self._in_flight[owner_id] >= self.per_owner:
            return False
        self._in_flight[owner_id] += 1
        return True

    def give_back(self, owner_id: str) -> None:
        self._in_flight[owner_id] -= 1
        if self._in_flight[owner_id] <= 0:
            del self._in_flight[owner_id]

    def in_flight(self, owner_id: str) -> int:
        return self._in_flight[owner_id]
