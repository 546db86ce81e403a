"""What an operation shows: in full (`GET /api/operations/{id}`, its event stream), in a list, in a webhook."""

from __future__ import annotations

from typing import Any

from reelflow_gateway.costs import PriceList
from reelflow_gateway.operations.domain import Operation
from reelflow_gateway.operations.events import stage_seconds, usage_totals
from reelflow_gateway.operations.repository import StoredOperation


def operation_body(stored: StoredOperation, prices: PriceList) -> dict[str, Any]:
    op = stored.operation
    result = None
    if op.result:
        result = {
            **{k: v for k, v in op.result.items() if k != "media_key"},
            "content_url": f"/api/videos/{op.result['video_id']}/content",
        }
    return {
        "id": op.id,
        "status": op.status,
        "stage": op.stage,
        "waiting_for": op.waiting_for,
        "script_id": op.script_id,
        "video_id": op.video_id,
        "auto_approve": op.auto_approve,
        "options": op.options,
        "progress": op.progress(),
        "scenes": [
            {
                "scene_id": s.scene_id,
                "order": s.order,
                "status": s.status,
                "shot_count": s.shot_count,
                "shots_planned": len(s.shots),
                "images_generated": len(s.generated),
                "images_approved": len(s.approved),
            }
            for s in op.scenes
        ],
        "errors": op.errors,
        "result": result,
        "usage": usage_totals(op, prices).model_dump(),
        "usage_by_model": op.usage_by_model,
        "cost": prices.cost(op.usage_by_model),
        "stage_seconds": stage_seconds(op).model_dump(),
        "webhook": stored.webhook,
        "created_at": op.created_at,
        "updated_at": op.updated_at,
    }


def listed_operation(op: Operation) -> dict[str, Any]:
    """One item of `GET /api/operations`."""
    return {
        "id": op.id,
        "status": op.status,
        "stage": op.stage,
        "waiting_for": op.waiting_for,
        "title": op.title,
        "input": op.input,
        "script_id": op.script_id,
        "video_id": op.video_id,
        "progress": op.progress(),
        "created_at": op.created_at,
        "updated_at": op.updated_at,
    }


def webhook_summary(op: Operation, prices: PriceList) -> dict[str, Any]:
    """The `operation` of a webhook's body, as the delivery job is queued with it."""
    return {
        "id": op.id,
        "status": op.status,
        "stage": op.stage,
        "script_id": op.script_id,
        "result": op.result,
        "errors": op.errors,
        "usage": op.usage,
        "cost": prices.cost(op.usage_by_model),
        "progress": op.progress(),
    }
