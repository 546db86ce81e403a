"""Scripts: writes become commands on `script.commands`; reads come from the read model.

A write waits (settings.command_timeout_s) for the command's outcome and answers with the new
state (201/200), 409 when the script service rejected it, 502 when the AI gave up, or 202 with
a Location when the outcome did not arrive in time (the command stays on the bus).
"""

from __future__ import annotations

import re
import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, status
from starlette.responses import Response

from reelflow_contracts import ApproveScript, CreateScript, GenerateScript, UpdateScript
from reelflow_contracts.messages.base import Command

from reelflow_gateway.deps import CurrentUser, State
from reelflow_gateway.errors import ApiError, json_response, responses
from reelflow_gateway.readmodel.outcomes import find_outcome
from reelflow_gateway.readmodel.scripts import PUBLIC_FIELDS
from reelflow_gateway.schemas import PendingOut, ScriptCreateIn, ScriptOut, ScriptPage, ScriptUpdateIn
from reelflow_gateway.state import AppState

router = APIRouter(prefix="/scripts", tags=["scripts"], responses=responses(401, 503))

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$")
REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")
MAX_PAGE = 100

_PENDING = {
    202: {"model": PendingOut, "description": "Accepted, outcome not known yet: GET the Location until it answers 200",
          "headers": {"Location": {"description": "/api/scripts/{id}", "schema": {"type": "string"}}}},
}


def script_json(doc: dict) -> dict:
    body = {"id": doc["_id"]}
    for name in PUBLIC_FIELDS:
        body[name] = doc.get(name)
    return body


def location_of(script_id: str) -> str:
    return f"/api/scripts/{script_id}"


def request_id_of(request: Request) -> str:
    given = request.headers.get("x-request-id")
    return given if given and REQUEST_ID_PATTERN.match(given) else uuid.uuid4().hex


async def execute(state: AppState, request: Request, user: str, command: Command, *, created: bool) -> Response:
    """Send the command, wait for its outcome, answer with the new state or why not."""
    rid = request_id_of(request)
    script_id = command.script_id
    envelope, outcome, view = await state.commands.send(command, owner_id=user, request_id=rid)
    headers = {"X-Request-ID": rid}
    if outcome is not None and outcome.status == "rejected":
        raise ApiError(409, outcome.reason or "rejected", outcome.code, headers)
    if outcome is not None and outcome.status == "failed":
        raise ApiError(502, f"script generation failed: {outcome.reason}", outcome.code or "generation_failed", headers)
    doc = None
    if outcome is not None:
        # The projector usually hands over the new state; otherwise (another instance projected
        # it) read it: the outcome was committed with the view change, so the view has it.
        doc = view if view is not None and view.get("owner_id") == user else await state.scripts.get(user, script_id)
    if doc is None:
        pending = PendingOut(id=script_id, command_id=envelope.id,
                             detail=f"accepted; not applied within {state.commands.timeout:g}s: "
                                    f"GET {location_of(script_id)} for the outcome")
        return json_response(pending.model_dump(), status.HTTP_202_ACCEPTED,
                             {**headers, "Location": location_of(script_id), "Retry-After": "1"})
    if created:
        headers["Location"] = location_of(script_id)
    return json_response(script_json(doc), status.HTTP_201_CREATED if created else status.HTTP_200_OK, headers)


async def not_found(state: AppState, user: str, script_id: str) -> ApiError:
    """404, saying why when the caller asked for this script to be made (pending, failed, refused)."""
    if not ID_PATTERN.match(script_id):
        return ApiError(404, f"script {script_id!r} not found")
    failure = await state.scripts.failure(user, script_id)
    if failure is not None:
        return ApiError(404, f"script {script_id} was not created: script generation failed: {failure['error']}",
                        failure.get("code") or "generation_failed")
    command = await state.commands.pending_for(user, script_id)
    if command is not None:
        outcome = await find_outcome(state.runtime.db, command["_id"])
        if outcome is None:
            return ApiError(404, f"script {script_id} is not created yet: its command is still pending, retry shortly",
                            "pending", {"Retry-After": "1"})
        if outcome.status == "rejected":
            return ApiError(404, f"script {script_id} was not created: {outcome.reason}", outcome.code)
    return ApiError(404, f"script {script_id} not found")


async def owned_script(state: AppState, user: str, script_id: str) -> dict:
    doc = await state.scripts.get(user, script_id) if ID_PATTERN.match(script_id) else None
    if doc is None:
        raise await not_found(state, user, script_id)
    return doc


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ScriptOut,
             summary="Create a script from your text, or have the AI write one from a premise",
             responses={**_PENDING, **responses(400, 409, 413, 422, 502)})
async def create_script(body: ScriptCreateIn, user: CurrentUser, state: State, request: Request):
    """`content` stores your script as a draft (`origin: user`); `premise` has the AI write it
    (`origin: ai`). 201 with the script and its Location, 502 if the AI gave up, 202 if still working."""
    script_id = str(uuid.uuid4())
    command: Command
    if body.content is not None:
        command = CreateScript(script_id=script_id, owner_id=user, requested_by=user, title=body.title or "",
                               content=body.content, aspect=body.aspect)
    else:
        command = GenerateScript(script_id=script_id, owner_id=user, requested_by=user, title=body.title or "",
                                 premise=body.premise, aspect=body.aspect, target_scenes=body.target_scenes)
    return await execute(state, request, user, command, created=True)


@router.get("", response_model=ScriptPage, summary="Your scripts, newest first",
            responses=responses(422))
async def list_scripts(user: CurrentUser, state: State,
                       limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="page size")] = 20,
                       offset: Annotated[int, Query(ge=0, description="how many to skip")] = 0):
    items, total = await state.scripts.page(user, limit, offset)
    return json_response({"items": [script_json(d) for d in items], "total": total, "limit": limit, "offset": offset})


@router.get("/{script_id}", response_model=ScriptOut, summary="One of your scripts",
            responses=responses(404))
async def get_script(script_id: str, user: CurrentUser, state: State):
    doc = await state.scripts.get(user, script_id) if ID_PATTERN.match(script_id) else None
    if doc is None:
        raise await not_found(state, user, script_id)
    return json_response(script_json(doc))


@router.put("/{script_id}", response_model=ScriptOut, summary="Edit a draft (title, content and/or aspect)",
            responses={**_PENDING, **responses(400, 404, 413, 422,
                                               described={409: "Refused, e.g. `not_draft`: the script is approved"})})
async def update_script(script_id: str, body: ScriptUpdateIn, user: CurrentUser, state: State, request: Request):
    await owned_script(state, user, script_id)
    command = UpdateScript(script_id=script_id, requested_by=user, title=body.title, content=body.content,
                           aspect=body.aspect)
    return await execute(state, request, user, command, created=False)


@router.post("/{script_id}/approve", response_model=ScriptOut, summary="Approve a draft (starts scene segmentation)",
             responses={**_PENDING, **responses(404, described={409: "Refused, e.g. `not_draft`: already approved"})})
async def approve_script(script_id: str, user: CurrentUser, state: State, request: Request):
    await owned_script(state, user, script_id)
    command = ApproveScript(script_id=script_id, requested_by=user)
    return await execute(state, request, user, command, created=False)
