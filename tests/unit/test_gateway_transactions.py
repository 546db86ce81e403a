"""A request's transaction that loses a write conflict runs again; past its attempts, 503 to retry."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pymongo.errors import OperationFailure

from reelflow_gateway.errors import install_error_handlers
from reelflow_gateway.transactions import retrying_conflicts


def write_conflict() -> OperationFailure:
    return OperationFailure("WriteConflict error", 112, {"ok": 0, "errorLabels": ["TransientTransactionError"]})


async def test_a_conflicting_transaction_runs_again_until_it_commits() -> None:
    calls = []

    async def transaction() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise write_conflict()
        return "committed"

    assert await retrying_conflicts(transaction) == "committed"
    assert len(calls) == 3


async def test_other_errors_are_not_retried() -> None:
    calls = []

    async def transaction() -> None:
        calls.append(1)
        raise OperationFailure("bad query", 2, {"ok": 0})

    with pytest.raises(OperationFailure):
        await retrying_conflicts(transaction)
    assert len(calls) == 1


async def test_a_conflict_that_lasts_gives_up_after_the_attempts() -> None:
    calls = []

    async def transaction() -> None:
        calls.append(1)
        raise write_conflict()

    with pytest.raises(OperationFailure):
        await retrying_conflicts(transaction, attempts=2)
    assert len(calls) == 2


def test_a_lasting_conflict_is_answered_503_with_retry_after_and_any_other_database_error_500() -> None:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/conflict")
    async def conflict():
        raise write_conflict()

    @app.get("/broken")
    async def broken():
        raise OperationFailure("bad query", 2, {"ok": 0})

    client = TestClient(app, raise_server_exceptions=False)
    response = client.get("/conflict")
    assert response.status_code == 503 and response.headers["retry-after"] == "1"
    assert response.json()["code"] == "conflict_retry"
    response = client.get("/broken")
    assert response.status_code == 500 and response.json() == {"detail": "internal error", "code": "internal_error"}
