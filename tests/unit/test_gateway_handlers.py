"""The gateway's process manager, as its handler decides with an in-memory unit of work: which
events it takes, the commands and state events it emits, the webhook it queues."""

from __future__ import annotations

from datetime import UTC, datetime

from reelflow_contracts.messages.common import VideoOptions
from reelflow_contracts.messages.operation import OperationCompleted, OperationProgressed
from reelflow_contracts.messages.scene import ApproveScene, ScriptSegmented
from reelflow_contracts.messages.script import ApproveScript, ScriptCreated
from reelflow_contracts.messages.video import VideoRendered
from reelflow_gateway.costs import PriceList
from reelflow_gateway.operations.domain import Operation
from reelflow_gateway.operations.handlers import Undriven, script_event_handler
from reelflow_gateway.operations.repository import StoredOperation
from reelflow_gateway.operations.webhook_job import DELIVER_WEBHOOK
from tests.support.fakes import delivered
from tests.support.fakes.gateway import FakeOperationsUnitOfWork

AT = datetime(2026, 1, 1, tzinfo=UTC)
PRICES = PriceList(prices={}, currency="USD")
CREATED = ScriptCreated(
    script_id="s1", owner_id="u1", title="T", content="INT. A - DAY\n\nx", origin="user", created_at=AT
)


def operation(status: str = "running", stage: str = "script", **fields) -> Operation:
    return Operation(
        id="op-1",
        owner_id="u1",
        script_id="s1",
        input="content",
        auto_approve=True,
        options=VideoOptions().model_dump(),
        created_at=AT,
        status=status,
        stage=stage,
        **fields,
    )


async def handle(event, *stored: StoredOperation, undriven: Undriven | None = None) -> FakeOperationsUnitOfWork:
    uow = FakeOperationsUnitOfWork(delivered(event, source="script"), *stored)
    await script_event_handler(undriven or Undriven(), PRICES)(event, uow)
    return uow


async def test_an_event_of_a_script_no_operation_drives_is_remembered_and_costs_nothing_more():
    undriven = Undriven()
    uow = await handle(CREATED, undriven=undriven)
    assert uow.commits == 0 and uow.emitted == [] and undriven.skips(CREATED)


async def test_an_ended_operation_takes_no_more_events():
    uow = await handle(CREATED, StoredOperation(operation(status="completed")))
    assert uow.commits == 0 and uow.emitted == []


async def test_an_event_that_changes_nothing_shown_sends_the_next_command_only():
    uow = await handle(CREATED, StoredOperation(operation()))
    assert uow.commits == 1 and [type(m) for m in uow.emitted] == [ApproveScript]
    assert uow.emitted[0].script_id == "s1"


async def test_an_event_that_moves_the_operation_on_sends_its_commands_and_its_new_state_together():
    segmented = ScriptSegmented(script_id="s1", scene_ids=("a", "b"), method="sluglines")
    uow = await handle(segmented, StoredOperation(operation(stage="segmentation")))
    assert [type(m) for m in uow.emitted] == [ApproveScene, ApproveScene, OperationProgressed]
    assert [m.scene_id for m in uow.emitted[:2]] == ["a", "b"]
    progressed = uow.emitted[2]
    assert progressed.operation_id == "op-1" and progressed.progress.scenes_segmented == 2
    assert [s.scene_id for s in uow.operations.by_id["op-1"].operation.scenes] == ["a", "b"]


async def test_a_rendered_video_completes_the_operation_and_queues_its_webhook_for_its_owner():
    op = operation(stage="render", video_id="v1", render="running")
    rendered = VideoRendered(
        script_id="s1",
        video_id="v1",
        duration_s=4.0,
        width=1280,
        height=720,
        size_bytes=10,
        media_key="videos/video_v1.mp4",
        rendered_at=AT,
    )
    uow = await handle(rendered, StoredOperation(op, webhook_url="https://hooks.example/reelflow"))
    [completed] = [m for m in uow.emitted if isinstance(m, OperationCompleted)]
    assert (completed.operation_id, completed.video_id) == ("op-1", "v1")
    assert uow.operations.by_id["op-1"].operation.status == "completed"
    [webhook] = uow.enqueued
    assert (webhook.kind, webhook.fair_key) == (DELIVER_WEBHOOK, "u1")
    assert webhook.payload["url"] == "https://hooks.example/reelflow"
    assert webhook.payload["summary"]["status"] == "completed"


async def test_a_completed_operation_without_a_webhook_queues_nothing():
    op = operation(stage="render", video_id="v1", render="running")
    rendered = VideoRendered(
        script_id="s1",
        video_id="v1",
        duration_s=4.0,
        width=1280,
        height=720,
        size_bytes=10,
        media_key="videos/video_v1.mp4",
        rendered_at=AT,
    )
    uow = await handle(rendered, StoredOperation(op))
    assert uow.enqueued == [] and any(isinstance(m, OperationCompleted) for m in uow.emitted)
