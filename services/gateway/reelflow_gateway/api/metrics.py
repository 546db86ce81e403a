"""GET /metrics: the gateway's Prometheus metrics (HTTP, bus, read model, jobs, outbox), like every
service's. Not in the OpenAPI document: it is for Prometheus, not API clients."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from reelflow_gateway.deps import State
from reelflow_kit.metrics.service import CONTENT_TYPE

router = APIRouter()


@router.get("/metrics", include_in_schema=False)
async def prometheus_metrics(state: State) -> Response:
    return Response(await state.runtime.metrics.exposition(), media_type=CONTENT_TYPE)
