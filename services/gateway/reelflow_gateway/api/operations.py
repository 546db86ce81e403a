"""Operations: one call from a premise or a script to a finished video, with live progress.

The operation drives the chain by commands and events only (see operations/domain.py): it
creates or generates the script, approves it, approves each scene as it appears and each shot's
first image, asks for the video when every shot has an approved image, and completes when the
video is rendered. With `auto_approve: false` it pauses at each human gate and resumes when the
user approves through the normal endpoints.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, model_validator
from starlette.responses import Response

from reelflow_contracts.messages.common import ScriptText
from reelflow_gateway.api.guards import HeldStreamingResponse, take_held_slot
from reelflow_gateway.api.idempotency import IDEMPOTENCY_RESPONSES, IdempotencyKey, once
from reelflow_gateway.api.paging import Offset
from reelflow_gateway.deps import CurrentUser, State
from reelflow_gateway.errors import ApiError, json_response, responses
from reelflow_gateway.limits.limiter import rate_limited
from reelflow_gateway.operations.domain import NOT_RUNNING
from reelflow_gateway.operations.public import listed_operation, operation_body
from reelflow_gateway.operations.repository import StoredOperation
from reelflow_gateway.operations.service import AlreadyEnded, OperationNotFound, OperationRequest, TooManyRunning
from reelflow_gateway.readmodel.public import page
from reelflow_gateway.schemas import SceneCount, VideoOptionsIn, content_or_premise
from reelflow_gateway.state import AppState
from reelflow_gateway.webhooks.url_check import WebhookUrlRejected

router = APIRouter(tags=["operations"], responses=responses(401, 503))
MAX_OPERATIONS_PAGE = 100
SSE_POLL_S = 0.25
SSE_EVENT = {
    "type": "object",
    "required": ["event", "data"],
    "properties": {
        "event": {"enum": ["progress", "end"]},
        "data": {
            "type": "string",
            "contentMediaType": "application/json",
            "description": '`progress`: the operation as `GET` answers it; `end`: `{"status"}`',
        },
    },
}
"""One event of an operation's stream, as OpenAPI describes the items of `text/event-stream`."""
WEBHOOK_URL_PATTERN = r"^$|^[hH][tT][tT][pP][sS]?://[^/?#@\s]+([/?#].*)?$"
"""What a webhook URL looks like (empty: none); whether its host resolves to allowed addresses is checked
when it is given."""


def operation_rules(schema: dict) -> None:
    content_or_premise(schema, premise_not_blank=False)
    schema["examples"] = [
        {"premise": "a lighthouse keeper finds a message in a bottle", "auto_approve": False},
        {
            "content": "INT. LIGHTHOUSE - NIGHT\n\nThe keeper climbs the stairs.",
            "auto_approve": False,
            "options": {"resolution": "720p"},
        },
    ]


class OperationIn(BaseModel):
    """Exactly one of `premise` (the AI writes the script) or `content` (your script)."""

    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra=operation_rules)

    premise: str | None = Field(default=None, min_length=1, max_length=4000, description="AI writes the script")
    content: ScriptText | None = Field(
        default=None, description="your script (up to 200 KB of UTF-8, 400 KB JSON-encoded)"
    )
    title: str = Field(default="", max_length=200)
    target_scenes: SceneCount | None = Field(
        default=None, description="with a premise: how many scenes to ask the AI for (a hint)"
    )
    options: VideoOptionsIn = Field(default_factory=VideoOptionsIn, description="as for create-video")
    auto_approve: bool = Field(default=True, description="false: pause at every human gate")
    webhook_url: str | None = Field(
        default=None,
        max_length=2000,
        json_schema_extra={"pattern": WEBHOOK_URL_PATTERN},
        description="an http(s) URL without credentials, POSTed a signed JSON summary "
        "when the operation ends (Standard Webhooks signature); its host must "
        "resolve to addresses the outbound policy allows (public ones)",
    )

    @model_validator(mode="after")
    def _one_input(self) -> OperationIn:
        if (self.premise is None) == (self.content is None):
            raise ValueError("give exactly one of `premise` or `content`")
        if self.target_scenes is not None and self.premise is None:
            raise ValueError("target_scenes only applies with a premise")
        return self


class OperationAccepted(BaseModel):
    id: str
    status: str
    webhook_secret: str | None = Field(
        default=None,
        description="only in the answer to your first operation with a `webhook_url`: the secret "
        "your webhooks are signed with (Standard Webhooks), shown this once; "
        "`POST /api/webhooks/secret` rotates it",
    )


async def owned(state: AppState, user: str, operation_id: str) -> StoredOperation:
    try:
        return await state.operations.owned(user, operation_id)
    except OperationNotFound:
        raise not_found(operation_id) from None


def not_found(operation_id: str) -> ApiError:
    return ApiError(404, f"operation {operation_id!r} not found")


def webhook_url_error(detail: str, code: str) -> ApiError:
    return ApiError(
        422, detail, code, extra={"errors": [{"loc": ["body", "webhook_url"], "msg": detail, "type": code}]}
    )


@router.post(
    "/operations",
    status_code=202,
    response_model=OperationAccepted,
    summary="Run the whole chain from a premise or a script to a video",
    responses={**responses(422, 429), **IDEMPOTENCY_RESPONSES},
)
async def start_operation(
    payload: OperationIn, request: Request, user: CurrentUser, state: State, idempotency_key: IdempotencyKey = None
):
    """At most `running_operations_per_user` (`GET /api/limits`) run at once: one more answers 429.
    With an `Idempotency-Key`, the same request again gets the first answer (one operation, not
    two; a webhook secret shown in the first answer is not shown again)."""
    return await once(
        state,
        request,
        user,
        idempotency_key,
        lambda: _start_operation(payload, user, state),
        unkept_fields=("webhook_secret",),
    )


async def _start_operation(payload: OperationIn, user: str, state: AppState) -> Response:
    request = OperationRequest(
        premise=payload.premise,
        content=payload.content,
        title=payload.title,
        target_scenes=payload.target_scenes,
        options=payload.options,
        auto_approve=payload.auto_approve,
        webhook_url=payload.webhook_url,
    )
    try:
        started = await state.operations.start(user, request)
    except TooManyRunning as full:
        raise rate_limited(full.refusal) from None
    except WebhookUrlRejected as rejected:
        raise webhook_url_error(rejected.detail, rejected.code) from None
    op = started.operation
    accepted = {"id": op.id, "status": op.status} | (
        {"webhook_secret": started.webhook_secret} if started.webhook_secret else {}
    )
    return json_response(accepted, 202, headers={"Location": f"/api/operations/{op.id}"})


class OperationSummaryOut(BaseModel):
    id: str
    status: str = Field(description="running, paused, completed, failed or cancelled")
    stage: str
    waiting_for: str | None = Field(description="what a paused operation waits for")
    title: str
    input: str = Field(description="`premise` or `content`")
    script_id: str
    video_id: str | None
    progress: dict[str, Any]
    created_at: datetime
    updated_at: datetime | None


class OperationPage(BaseModel):
    items: list[OperationSummaryOut] = Field(description="newest first")
    total: int = Field(description="how many operations the caller has in all")
    limit: int
    offset: int


@router.get(
    "/operations", response_model=OperationPage, summary="Your operations, newest first", responses=responses(422)
)
async def list_operations(
    user: CurrentUser,
    state: State,
    limit: Annotated[int, Query(ge=1, le=MAX_OPERATIONS_PAGE, description="page size")] = 20,
    offset: Offset = 0,
):
    """Each with its status, stage, what it waits for and its progress; `GET /api/operations/{id}`
    gives one in full (scenes, errors, result, usage, cost)."""
    listed, total = await state.operations.page(user, limit=limit, offset=offset)
    return json_response(page([listed_operation(op) for op in listed], total, limit, offset))


@router.get(
    "/operations/{operation_id}",
    summary="An operation's status, stage, progress, errors and result",
    responses=responses(404),
)
async def get_operation(operation_id: str, user: CurrentUser, state: State):
    return json_response(operation_body(await owned(state, user, operation_id), state.operations.prices))


@router.get(
    "/operations/{operation_id}/events",
    summary="Server-Sent Events of an operation's progress",
    responses={
        200: {
            "description": "The event stream: `progress` events, then `end`",
            "content": {"text/event-stream": {"schema": SSE_EVENT}},
        },
        **responses(404, 429),
    },
    response_class=StreamingResponse,
)
async def operation_events(operation_id: str, user: CurrentUser, state: State):
    """`event: progress` with the operation's JSON whenever it changes; `event: end` when it ends.
    A stream takes one of the user's held-open slots (`held_requests_per_user`): all taken, 429."""
    await owned(state, user, operation_id)
    operations = state.operations

    async def stream():
        seen = None
        while True:
            stored = await operations.latest(operation_id)
            op = stored.operation
            snapshot = json.dumps(operation_body(stored, operations.prices), default=str)
            if snapshot != seen:
                seen = snapshot
                yield f"event: progress\ndata: {snapshot}\n\n"
            if op.status in NOT_RUNNING:  # a failed one may resume later: GET it then
                yield f"event: end\ndata: {json.dumps({'status': op.status})}\n\n"
                return
            await asyncio.sleep(SSE_POLL_S)

    return HeldStreamingResponse(
        stream(),
        media_type="text/event-stream",
        slot=take_held_slot(state, user),
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@router.post(
    "/operations/{operation_id}/cancel", summary="Stop issuing commands for an operation", responses=responses(404, 409)
)
async def cancel_operation(operation_id: str, user: CurrentUser, state: State):
    """Runs again when it races the operation's own progress (a write conflict): it then sees the
    latest state, and may find the operation ended (409)."""
    try:
        cancelled = await state.operations.cancel(user, operation_id)
    except OperationNotFound:
        raise not_found(operation_id) from None
    except AlreadyEnded as ended:
        raise ApiError(409, f"operation {operation_id} is already {ended.status}", "already_ended") from None
    return json_response(operation_body(cancelled, state.operations.prices))
