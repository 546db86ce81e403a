"""The Operation* events describing an operation's state, for subscribers and the SSE stream."""

from __future__ import annotations

from datetime import datetime

from reelflow_contracts.messages.operation import (
    OperationCompleted,
    OperationFailed,
    OperationProgress,
    OperationProgressed,
    SceneProgress,
    StageSeconds,
    UsageTotals,
)
from reelflow_gateway.costs import PriceList
from reelflow_gateway.operations.domain import Operation


def usage_totals(op: Operation, prices: PriceList) -> UsageTotals:
    """`cost_usd` is the priced total when the price list is in US dollars (0 otherwise)."""
    cost = prices.cost(op.usage_by_model)
    return UsageTotals(**op.usage, cost_usd=cost["total"] if cost["currency"] == "USD" else 0.0)


def stage_seconds(op: Operation) -> StageSeconds:
    def span(stage: str) -> float:
        first, last = op.stage_times.get(stage, (None, None))
        return (
            max(0.0, (datetime.fromisoformat(last) - datetime.fromisoformat(first)).total_seconds()) if first else 0.0
        )

    return StageSeconds(**{stage: round(span(stage), 3) for stage in StageSeconds.model_fields})


def state_event(
    op: Operation, at: datetime, prices: PriceList
) -> OperationCompleted | OperationFailed | OperationProgressed:
    """The event for the operation's state after a change (a cancelled one's is OperationCancelled,
    emitted when it is cancelled: nothing changes it after that)."""
    if op.status == "completed":
        result = op.result
        assert result is not None, "a completed operation has its video"
        return OperationCompleted(
            script_id=op.script_id,
            operation_id=op.id,
            video_id=result["video_id"],
            media_key=result["media_key"],
            duration_s=result["duration_s"],
            stage_seconds=stage_seconds(op),
            usage=usage_totals(op, prices),
            completed_at=at,
        )
    if op.status == "failed":
        last = op.errors[-1]
        return OperationFailed(
            script_id=op.script_id,
            operation_id=op.id,
            stage=last["stage"],
            code=last["code"],
            error=last["message"],
            usage=usage_totals(op, prices),
            failed_at=at,
        )
    if op.status == "cancelled":
        raise ValueError(f"operation {op.id} is cancelled: OperationCancelled told its last state")
    progress = op.progress()
    progress.pop("shots_total")
    return OperationProgressed(
        script_id=op.script_id,
        operation_id=op.id,
        status=op.status,
        stage=op.stage,
        waiting_for=op.waiting_for,
        progress=OperationProgress(**progress),
        usage=usage_totals(op, prices),
        scenes=tuple(
            SceneProgress(
                scene_id=s.scene_id,
                order=s.order,
                status="approved" if s.status == "approved" else "pending",
                shots_planned=len(s.shots),
                images_generated=len(s.generated),
                images_approved=len(s.approved),
            )
            for s in op.scenes
        ),
    )
