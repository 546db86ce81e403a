"""405 names in `Allow` every method served at the path, whichever router serves it."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from reelflow_gateway.errors import install_error_handlers


def app_with_a_path_served_by_two_routers() -> FastAPI:
    reads, writes = APIRouter(prefix="/api"), APIRouter(prefix="/api")

    @reads.get("/things/{thing_id}")
    async def get_thing(thing_id: str):
        return {}

    @writes.put("/things/{thing_id}")
    async def put_thing(thing_id: str):
        return {}

    @writes.post("/things/{thing_id}/approve")
    async def approve_thing(thing_id: str):
        return {}

    app = FastAPI()
    install_error_handlers(app)
    api = APIRouter()
    api.include_router(reads)
    api.include_router(writes)
    app.include_router(api)
    return app


def test_allow_lists_the_methods_of_every_router_serving_the_path() -> None:
    client = TestClient(app_with_a_path_served_by_two_routers())
    response = client.delete("/api/things/7")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, PUT"
    assert response.json() == {"detail": "method DELETE not allowed on /api/things/7", "code": "method_not_allowed"}
    assert client.request("OPTIONS", "/api/things/7/approve").headers["allow"] == "POST"
