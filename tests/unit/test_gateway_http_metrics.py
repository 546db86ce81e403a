"""The gateway's HTTP metrics middleware on a small Starlette app: route templates (never raw
paths), statuses, unmatched requests, and the Server-Sent Event streams open."""

from __future__ import annotations

import httpx
from prometheus_client import CollectorRegistry
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, StreamingResponse
from starlette.routing import Route

from reelflow_gateway.metrics import HttpMetrics
from reelflow_gateway.middleware import HttpMetricsMiddleware


def app_with(metrics: HttpMetrics) -> Starlette:
    async def script(request: Request) -> JSONResponse:
        found = request.path_params["script_id"] == "known"
        return JSONResponse({}, status_code=200 if found else 404)

    async def events(request: Request) -> StreamingResponse:
        async def stream():
            # what the gauge says while this stream is open
            yield f"data: {metrics.event_streams._value.get()}\n\n"

        return StreamingResponse(stream(), media_type="text/event-stream")

    async def broken(request: Request) -> JSONResponse:
        raise RuntimeError("bug")

    app = Starlette(
        routes=[
            Route("/api/scripts/{script_id}", script),
            Route("/api/operations/{operation_id}/events", events),
            Route("/broken", broken),
        ]
    )
    app.add_middleware(HttpMetricsMiddleware, metrics=metrics)
    return app


async def test_requests_are_counted_by_route_template_and_status_and_streams_while_open() -> None:
    registry = CollectorRegistry()
    metrics = HttpMetrics(registry)
    transport = httpx.ASGITransport(app=app_with(metrics), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
        for script_id in ("known", "a1", "b2"):
            await client.get(f"/api/scripts/{script_id}")
        stream = await client.get("/api/operations/op-1/events")
        await client.get("/no/such/path")
        await client.request("BREW", "/api/scripts/known")
        await client.get("/broken")

    def requests(method: str, route: str, status: str) -> float | None:
        return registry.get_sample_value(
            "reelflow_http_requests_total", {"method": method, "route": route, "status": status}
        )

    assert requests("GET", "/api/scripts/{script_id}", "200") == 1
    assert requests("GET", "/api/scripts/{script_id}", "404") == 2
    assert requests("GET", "/api/operations/{operation_id}/events", "200") == 1
    assert requests("GET", "unmatched", "404") == 1
    assert requests("other", "/api/scripts/{script_id}", "405") == 1  # an unknown method is `other`
    assert requests("GET", "/broken", "500") == 1
    assert stream.text == "data: 1.0\n\n"
    assert registry.get_sample_value("reelflow_http_event_streams_open") == 0
    count = registry.get_sample_value(
        "reelflow_http_request_duration_seconds_count", {"method": "GET", "route": "/api/scripts/{script_id}"}
    )
    assert count == 3
    labels = {s.labels["route"] for m in registry.collect() if m.name == "reelflow_http_requests" for s in m.samples}
    assert not any("known" in route or "a1" in route for route in labels)
