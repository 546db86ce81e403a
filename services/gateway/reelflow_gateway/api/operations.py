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
import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from starlette.responses import Response
from pydantic import BaseModel, ConfigDict, Field, model_validator

from reelflow_contracts.messages.common import ScriptText
from reelflow_contracts.messages.operation import OperationCancelled, OperationStarted
from reelflow_contracts.messages.script import CreateScript, GenerateScript
from reelflow_gateway.api.idempotency import IDEMPOTENCY_RESPONSES, IdempotencyKey, once
from reelflow_gateway.api.guards import HeldStreamingResponse, take_held_slot
from reelflow_gateway.api.paging import Offset
from reelflow_gateway.deps import CurrentUser, State
from reelflow_gateway.errors import ApiError, json_response, responses
from reelflow_gateway.readmodel.public import page
from reelflow_gateway.schemas import SceneCount, VideoOptionsIn, content_or_premise
from reelflow_gateway.operations.domain import TERMINAL, Operation, from_document, to_document
from reelflow_gateway.costs import PriceList
from reelflow_gateway.operations.events import stage_seconds, usage_totals
from reelflow_kit.bus.retry import retried_on_conflict
from reelflow_kit.clock import now
from reelflow_gateway.operations.handlers import OPERATIONS, kept_fields
from reelflow_gateway.state import AppState
from reelflow_gateway.webhooks.delivery import Resolver, Unresolvable, WebhookRefused, checked_addresses, resolve_host
from reelflow_gateway.webhooks.policy import InvalidWebhookUrl, OutboundPolicy, parse_target
from reelflow_gateway.limits.running import refuse_beyond_running_cap

router = APIRouter(tags=["operations"], responses=responses(401, 503))
MAX_OPERATIONS_PAGE = 100
SSE_POLL_S = 0.25
SSE_EVENT = {"type": "object", "required": ["event", "data"],
             "properties": {"event": {"enum": ["progress", "end"]},
                            "data": {"type": "string", "contentMediaType": "application/json",
                                     "description": "`progress`: the operation as `GET` answers it; "
                                                    "`end`: `{\"status\"}`"}}}
"""One event of an operation's stream, as OpenAPI describes the items of `text/event-stream`."""
WEBHOOK_URL_PATTERN = r"^$|^[hH][tT][tT][pP][sS]?://[^/?#@\s]+([/?#].*)?$"
"""What a webhook URL looks like (empty: none); whether its host resolves to allowed addresses is checked
when it is given."""
WEBHOOK_LOOKUP_S = 5.0
"""How long the webhook host's name lookup may hold a request."""


def operation_rules(schema: dict) -> None:
    content_or_premise(schema, premise_not_blank=False)
    schema["examples"] = [{"premise": "a lighthouse keeper finds a message in a bottle", "auto_approve": False},
                          {"content": "INT. LIGHTHOUSE - NIGHT\n\nThe keeper climbs the stairs.", "auto_approve": False,
                           "options": {"resolution": "720p"}}]


class OperationIn(BaseModel):
    """Exactly one of `premise` (the AI writes the script) or `content` (your script)."""

    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra=operation_rules)

    premise: str | None = Field(default=None, min_length=1, max_length=4000, description="AI writes the script")
    content: ScriptText | None = Field(default=None, description="your script (up to 200 KB of UTF-8, 400 KB "
                                                                 "JSON-encoded)")
    title: str = Field(default="", max_length=200)
    target_scenes: SceneCount | None = Field(default=None,
                                      description="with a premise: how many scenes to ask the AI for (a hint)")
    options: VideoOptionsIn = Field(default_factory=VideoOptionsIn, description="as for create-video")
    auto_approve: bool = Field(default=True, description="false: pause at every human gate")
    webhook_url: str | None = Field(default=None, max_length=2000, json_schema_extra={"pattern": WEBHOOK_URL_PATTERN},
                                    description="an http(s) URL without credentials, POSTed a signed JSON summary "
                                                "when the operation ends (Standard Webhooks signature); its host must "
                                                "resolve to addresses the outbound policy allows (public ones)")

    @model_validator(mode="after")
    def _one_input(self) -> "OperationIn":
        if (self.premise is None) == (self.content is None):
            raise ValueError("give exactly one of `premise` or `content`")
        if self.target_scenes is not None and self.premise is None:
            raise ValueError("target_scenes only applies with a premise")
        return self


class OperationAccepted(BaseModel):
    id: str
    status: str
    webhook_secret: str | None = Field(
        default=None, description="only in the answer to your first operation with a `webhook_url`: the secret "
                                  "your webhooks are signed with (Standard Webhooks), shown this once; "
                                  "`POST /api/webhooks/secret` rotates it")


def body(op: Operation, doc: dict, prices: PriceList) -> dict:
    result = None
    if op.result:
        result = {**{k: v for k, v in op.result.items() if k != "media_key"},
                  "content_url": f"/api/videos/{op.result['video_id']}/content"}
    return {
        "id": op.id, "status": op.status, "stage": op.stage, "waiting_for": op.waiting_for,
        "script_id": op.script_id, "video_id": op.video_id, "auto_approve": op.auto_approve,
        "options": op.options, "progress": op.progress(),
        "scenes": [{"scene_id": s.scene_id, "order": s.order, "status": s.status, "shot_count": s.shot_count,
                    "shots_planned": len(s.shots), "images_generated": len(s.generated),
                    "images_approved": len(s.approved)} for s in op.scenes],
        "errors": op.errors, "result": result, "usage": usage_totals(op, prices).model_dump(),
        "usage_by_model": op.usage_by_model, "cost": prices.cost(op.usage_by_model),
        "stage_seconds": stage_seconds(op).model_dump(), "webhook": doc.get("webhook"),
        "created_at": op.created_at, "updated_at": op.updated_at,
    }


async def owned(state, user: str, operation_id: str) -> dict:
    doc = await state.runtime.db[OPERATIONS].find_one({"_id": operation_id})
    if doc is None or doc["owner_id"] != user:
        raise ApiError(404, f"operation {operation_id!r} not found")
    return doc


async def check_webhook(url: str, policy: OutboundPolicy, resolve: Resolver = resolve_host) -> None:
    """An http(s) URL whose every address the outbound policy allows (delivery checks it again)."""
    try:
        async with asyncio.timeout(WEBHOOK_LOOKUP_S):
            await checked_addresses(parse_target(url), policy, resolve)
    except InvalidWebhookUrl as exc:
        raise webhook_url_error(f"webhook_url {exc}", "invalid_webhook_url") from None
    except (Unresolvable, TimeoutError):
        raise webhook_url_error("webhook_url has a host that does not resolve", "invalid_webhook_url") from None
    except WebhookRefused as refused:
        raise webhook_url_error(f"webhook_url points at a {refused.reason} address, which webhooks may not reach",
                                "webhook_url_refused") from None


def webhook_url_error(detail: str, code: str) -> ApiError:
    return ApiError(422, detail, code, extra={"errors": [{"loc": ["body", "webhook_url"], "msg": detail, "type": code}]})


@router.post("/operations", status_code=202, response_model=OperationAccepted,
             summary="Run the whole chain from a premise or a script to a video",
             responses={**responses(422, 429), **IDEMPOTENCY_RESPONSES})
async def start_operation(payload: OperationIn, request: Request, user: CurrentUser, state: State,
                          idempotency_key: IdempotencyKey = None):
    """At most `running_operations_per_user` (`GET /api/limits`) run at once: one more answers 429.
    With an `Idempotency-Key`, the same request again gets the first answer (one operation, not
    two; a webhook secret shown in the first answer is not shown again)."""
    return await once(state, request, user, idempotency_key, lambda: _start_operation(payload, user, state),
                      unkept_fields=("webhook_secret",))


async def _start_operation(payload: OperationIn, user: str, state: AppState) -> Response:
    await refuse_beyond_running_cap(state.runtime.db, user, state.settings.max_running_operations_per_user)
    new_webhook_secret = None
    if payload.webhook_url:
        await check_webhook(payload.webhook_url, state.webhook_policy)
        new_webhook_secret = await state.webhook_secrets.create_if_missing(user)
    op = Operation(id=str(uuid.uuid4()), owner_id=user, script_id=str(uuid.uuid4()),
                   input="premise" if payload.premise else "content", auto_approve=payload.auto_approve,
                   options=payload.options.model_dump(), created_at=now(), title=payload.title)
    op.updated_at = op.created_at
    if payload.premise:
        first = GenerateScript(script_id=op.script_id, owner_id=user, premise=payload.premise, title=payload.title,
                               target_scenes=payload.target_scenes, aspect=payload.options.aspect,
                               requested_by=op.requester)
    else:
        first = CreateScript(script_id=op.script_id, owner_id=user, title=payload.title, content=payload.content,
                             aspect=payload.options.aspect, requested_by=op.requester)
    async with state.runtime.transaction(correlation_id=op.id) as tx:
        await tx.db[OPERATIONS].insert_one(to_document(op) | ({"webhook_url": payload.webhook_url}
                                                              if payload.webhook_url else {}), session=tx.session)
        tx.emit(OperationStarted(script_id=op.script_id, operation_id=op.id, owner_id=user, input=op.input,
                                 title=payload.title, premise=payload.premise, auto_approve=op.auto_approve,
                                 options=payload.options, webhook=bool(payload.webhook_url), started_at=op.created_at))
        tx.emit(first)
    accepted = {"id": op.id, "status": op.status} | ({"webhook_secret": new_webhook_secret} if new_webhook_secret else {})
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


def summary_of(op: Operation) -> dict:
    return {"id": op.id, "status": op.status, "stage": op.stage, "waiting_for": op.waiting_for, "title": op.title,
            "input": op.input, "script_id": op.script_id, "video_id": op.video_id, "progress": op.progress(),
            "created_at": op.created_at, "updated_at": op.updated_at}


@router.get("/operations", response_model=OperationPage, summary="Your operations, newest first",
            responses=responses(422))
async def list_operations(user: CurrentUser, state: State,
                          limit: Annotated[int, Query(ge=1, le=MAX_OPERATIONS_PAGE, description="page size")] = 20,
                          offset: Offset = 0):
    """Each with its status, stage, what it waits for and its progress; `GET /api/operations/{id}`
    gives one in full (scenes, errors, result, usage, cost)."""
    owned_by = {"owner_id": user}
    docs = await state.runtime.db[OPERATIONS].find(owned_by).sort([("created_at", -1), ("_id", -1)]).skip(offset).limit(limit).to_list()
    total = await state.runtime.db[OPERATIONS].count_documents(owned_by)
    return json_response(page([summary_of(from_document(d)) for d in docs], total, limit, offset))


@router.get("/operations/{operation_id}", summary="An operation's status, stage, progress, errors and result",
            responses=responses(404))
async def get_operation(operation_id: str, user: CurrentUser, state: State):
    doc = await owned(state, user, operation_id)
    return json_response(body(from_document(doc), doc, state.settings.price_list()))


@router.get("/operations/{operation_id}/events", summary="Server-Sent Events of an operation's progress",
            responses={200: {"description": "The event stream: `progress` events, then `end`",
                             "content": {"text/event-stream": {"schema": SSE_EVENT}}},
                       **responses(404, 429)},
            response_class=StreamingResponse)
async def operation_events(operation_id: str, user: CurrentUser, state: State):
    """`event: progress` with the operation's JSON whenever it changes; `event: end` when it ends.
    A stream takes one of the user's held-open slots (`held_requests_per_user`): all taken, 429."""
    await owned(state, user, operation_id)
    prices = state.settings.price_list()

    async def stream():
        seen = None
        while True:
            doc = await state.runtime.db[OPERATIONS].find_one({"_id": operation_id})
            op = from_document(doc)
            snapshot = json.dumps(body(op, doc, prices), default=str)
            if snapshot != seen:
                seen = snapshot
                yield f"event: progress\ndata: {snapshot}\n\n"
            if op.status in (*TERMINAL, "failed"):  # a failed one may resume later: GET it then
                yield f"event: end\ndata: {json.dumps({'status': op.status})}\n\n"
                return
            await asyncio.sleep(SSE_POLL_S)

    return HeldStreamingResponse(stream(), media_type="text/event-stream", slot=take_held_slot(state, user),
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


@router.post("/operations/{operation_id}/cancel", summary="Stop issuing commands for an operation",
             responses=responses(404, 409))
async def cancel_operation(operation_id: str, user: CurrentUser, state: State):
    """Runs again when it races the operation's own progress (a write conflict): it then sees the
    latest state, and may find the operation ended (409)."""
    await owned(state, user, operation_id)
    prices = state.settings.price_list()

    async def cancel() -> tuple[Operation, dict]:
        async with state.runtime.transaction(correlation_id=operation_id) as tx:
            doc = await tx.db[OPERATIONS].find_one({"_id": operation_id}, session=tx.session)
            op = from_document(doc)
            if op.status in TERMINAL:
                raise ApiError(409, f"operation {operation_id} is already {op.status}", "already_ended")
            op.cancel(now())
            await tx.db[OPERATIONS].replace_one({"_id": op.id}, to_document(op) | kept_fields(doc),
                                                session=tx.session)
            tx.emit(OperationCancelled(script_id=op.script_id, operation_id=op.id, stage=op.stage, cancelled_by=user,
                                       usage=usage_totals(op, prices), cancelled_at=op.updated_at))
        return op, doc

    op, doc = await retried_on_conflict(cancel)
    return json_response(body(op, doc, prices))
