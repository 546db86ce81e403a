"""Scripts: writes become commands on `script.commands`; reads come from the read model.

A write waits (settings.command_timeout_s) for the command's outcome and answers with the new
state (201/200), 409 when the script service rejected it, 502 when the AI gave up, or 202 with
a Location when the outcome did not arrive in time (the command stays on the bus).
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, status
from starlette.responses import Response

from reelflow_contracts import ApproveScript, CreateScript, GenerateScript, UpdateScript
from reelflow_contracts.messages.base import Command
from reelflow_gateway.api.idempotency import IDEMPOTENCY_RESPONSES, IdempotencyKey, once
from reelflow_gateway.api.paging import Offset
from reelflow_gateway.api.writes import PENDING_RESPONSE, valid_id
from reelflow_gateway.api.writes import execute as execute_command
from reelflow_gateway.deps import CurrentUser, State
from reelflow_gateway.errors import ApiError, json_response, responses
from reelflow_gateway.readmodel.public import page, script_body
from reelflow_gateway.schemas import ScriptCreateIn, ScriptOut, ScriptPage, ScriptUpdateIn, ScriptUsageOut
from reelflow_gateway.state import AppState

router = APIRouter(prefix="/scripts", tags=["scripts"], responses=responses(401, 503))

MAX_PAGE = 100


def location_of(script_id: str) -> str:
    return f"/api/scripts/{script_id}"


async def execute(state: AppState, request: Request, user: str, command: Command, *, created: bool) -> Response:
    """Send a script command, wait for its outcome, answer with the script's new state or why not."""
    script_id = command.script_id
    return await execute_command(
        state,
        request,
        user,
        command,
        resource_id=script_id,
        location=location_of(script_id),
        render=script_body,
        fits=lambda view: view.get("owner_id") == user,
        reread=lambda: state.scripts.get(user, script_id),
        created=created,
        failure="script generation failed",
        failure_code="generation_failed",
    )


async def not_found(state: AppState, user: str, script_id: str) -> ApiError:
    """404, saying why when the caller asked for this script to be made (pending, failed, refused)."""
    if not valid_id(script_id):
        return ApiError(404, f"script {script_id!r} not found")
    failure = await state.scripts.failure(user, script_id)
    if failure is not None:
        return ApiError(
            404,
            f"script {script_id} was not created: script generation failed: {failure['error']}",
            failure.get("code") or "generation_failed",
        )
    command = await state.commands.pending_for(user, script_id)
    if command is not None:
        outcome = await state.commands.outcome_of(command["_id"])
        if outcome is None:
            return ApiError(
                404,
                f"script {script_id} is not created yet: its command is still pending, retry shortly",
                "pending",
                {"Retry-After": "1"},
            )
        if outcome.status == "rejected":
            return ApiError(404, f"script {script_id} was not created: {outcome.reason}", outcome.code)
    return ApiError(404, f"script {script_id} not found")


async def owned_script(state: AppState, user: str, script_id: str) -> dict:
    doc = await state.scripts.get(user, script_id) if valid_id(script_id) else None
    if doc is None:
        raise await not_found(state, user, script_id)
    return doc


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ScriptOut,
    summary="Create a script from your text, or have the AI write one from a premise",
    responses={**PENDING_RESPONSE, **responses(400, 409, 413, 422, 502), **IDEMPOTENCY_RESPONSES},
)
async def create_script(
    body: ScriptCreateIn, user: CurrentUser, state: State, request: Request, idempotency_key: IdempotencyKey = None
):
    """`content` stores your script as a draft (`origin: user`); `premise` has the AI write it
    (`origin: ai`). 201 with the script and its Location, 502 if the AI gave up, 202 if still working.
    With an `Idempotency-Key`, the same request again gets this first answer."""
    return await once(state, request, user, idempotency_key, lambda: _create_script(body, user, state, request))


async def _create_script(body: ScriptCreateIn, user: str, state: AppState, request: Request) -> Response:
    script_id = str(uuid.uuid4())
    command: Command
    if body.content is not None:
        command = CreateScript(
            script_id=script_id,
            owner_id=user,
            requested_by=user,
            title=body.title or "",
            content=body.content,
            aspect=body.aspect,
        )
    else:
        assert body.premise is not None, "ScriptCreateIn holds exactly one of content and premise"
        command = GenerateScript(
            script_id=script_id,
            owner_id=user,
            requested_by=user,
            title=body.title or "",
            premise=body.premise,
            aspect=body.aspect,
            target_scenes=body.target_scenes,
        )
    return await execute(state, request, user, command, created=True)


@router.get("", response_model=ScriptPage, summary="Your scripts, newest first", responses=responses(422))
async def list_scripts(
    user: CurrentUser,
    state: State,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="page size")] = 20,
    offset: Offset = 0,
):
    items, total = await state.scripts.page(user, limit, offset)
    return json_response(page([script_body(d) for d in items], total, limit, offset))


@router.get("/{script_id}", response_model=ScriptOut, summary="One of your scripts", responses=responses(404))
async def get_script(script_id: str, user: CurrentUser, state: State):
    doc = await state.scripts.get(user, script_id) if valid_id(script_id) else None
    if doc is None:
        raise await not_found(state, user, script_id)
    return json_response(script_body(doc))


@router.get(
    "/{script_id}/usage",
    response_model=ScriptUsageOut,
    summary="What AI one of your scripts used, and its cost",
    responses=responses(404),
)
async def get_script_usage(script_id: str, user: CurrentUser, state: State):
    """Every event of the script that used AI (writing it, segmenting it, planning shots, drawing
    images, narrating), per provider and model, priced with `REELFLOW_PRICES`."""
    if not (valid_id(script_id) and await state.scripts.owns(user, script_id)):
        raise await not_found(state, user, script_id)
    usage = await state.scripts.usage(script_id)
    return json_response({"script_id": script_id, "usage": usage, "cost": state.settings.price_list().cost(usage)})


@router.put(
    "/{script_id}",
    response_model=ScriptOut,
    summary="Edit a draft (title, content and/or aspect)",
    responses={
        **PENDING_RESPONSE,
        **responses(400, 404, 413, 422, described={409: "Refused, e.g. `not_draft`: the script is approved"}),
    },
)
async def update_script(script_id: str, body: ScriptUpdateIn, user: CurrentUser, state: State, request: Request):
    await owned_script(state, user, script_id)
    command = UpdateScript(
        script_id=script_id, requested_by=user, title=body.title, content=body.content, aspect=body.aspect
    )
    return await execute(state, request, user, command, created=False)


@router.post(
    "/{script_id}/approve",
    response_model=ScriptOut,
    summary="Approve a draft (starts scene segmentation)",
    responses={**PENDING_RESPONSE, **responses(404, described={409: "Refused, e.g. `not_draft`: already approved"})},
)
async def approve_script(script_id: str, user: CurrentUser, state: State, request: Request):
    await owned_script(state, user, script_id)
    command = ApproveScript(script_id=script_id, requested_by=user)
    return await execute(state, request, user, command, created=False)
