"""GET /healthz: Kafka and MongoDB reachable (200) or not (503), plus read-model progress."""

from __future__ import annotations

from fastapi import APIRouter

from reelflow_gateway.deps import State
from reelflow_gateway.errors import json_response
from reelflow_gateway.state import AppState
from reelflow_kit.health import health_report

router = APIRouter(tags=["health"])

HEALTH_REPORT = {
    "application/json": {
        "schema": {
            "type": "object",
            "required": ["status", "checks"],
            "properties": {
                "status": {"type": "string"},
                "checks": {"type": "object"},
                "read_model": {"type": "object"},
            },
        }
    }
}


@router.get(
    "/healthz",
    summary="Health of the gateway and the servers it depends on",
    responses={
        200: {"description": "healthy", "content": HEALTH_REPORT},
        503: {"description": "a dependency is unavailable", "content": HEALTH_REPORT},
    },
)
async def healthz(state: State):
    report = await health_report(state.runtime)
    report["read_model"] = {
        "group": state.settings.read_model_group,
        "assigned_partitions": assigned_partitions(state),
        "waiting_requests": len(state.waiters),
        "held_reads": len(state.read_model.changes),
    }
    return json_response(report, 200 if report["status"] == "ok" else 503)


def assigned_partitions(state: AppState) -> int:
    """How many event-topic partitions this instance's read-model consumer currently owns."""
    return state.read_model.assigned_partitions()
