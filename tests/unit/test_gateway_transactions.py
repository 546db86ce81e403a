"""A request's transaction that loses its write conflicts past its retries (reelflow_kit.bus.retry.
retried_on_conflict) answers 503 to retry, not 500."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from pymongo.errors import OperationFailure

from reelflow_gateway.errors import install_error_handlers


def write_conflict() -> OperationFailure:
    return OperationFailure("WriteConflict error", 112, {"ok": 0, "errorLabels": ["TransientTransactionError"]})


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
