"""Which failures are retried, and how a lost write conflict is run again."""

from __future__ import annotations

import pytest
from pymongo.errors import OperationFailure

from reelflow_kit.bus.retry import retried_on_conflict


def conflict() -> OperationFailure:
    return OperationFailure("WriteConflict", 112, {"errorLabels": ["TransientTransactionError"]})


async def test_a_lost_write_conflict_is_run_again_until_it_commits() -> None:
    tries: list[int] = []

    async def attempt() -> str:
        tries.append(1)
        if len(tries) < 3:
            raise conflict()
        return "committed"

    assert await retried_on_conflict(attempt) == "committed" and len(tries) == 3


async def test_other_errors_and_endless_conflicts_are_raised() -> None:
    async def broken() -> None:
        raise OperationFailure("bad query", 2, {})

    with pytest.raises(OperationFailure, match="bad query"):
        await retried_on_conflict(broken)

    async def always_conflicting() -> None:
        raise conflict()

    with pytest.raises(OperationFailure, match="WriteConflict"):
        await retried_on_conflict(always_conflicting, tries=3)
