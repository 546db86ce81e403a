"""Scenes and shots: writes become commands on `scene.commands`; reads come from the read model.

The scene service makes a script's scenes when the script is approved, and a scene's shots when
the scene is approved; both arrive in the read model as events, a moment after the approval's
answer (`segmentation` on the script and `shot_planning` on the scene say how far it got).
Everything is owner-scoped through the script: another user's scene is answered exactly like one
that does not exist (404), never 403.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from reelflow_contracts import ApproveScene, UpdateScene
from reelflow_contracts.messages.base import Command
from reelflow_gateway.api.paging import Offset
from reelflow_gateway.api.scripts import not_found
from reelflow_gateway.api.watch import CONDITIONAL_RESPONSES, watched
from reelflow_gateway.api.writes import PENDING_RESPONSE, execute, valid_id
from reelflow_gateway.deps import CurrentUser, State
from reelflow_gateway.errors import ApiError, json_response, responses
from reelflow_gateway.readmodel.public import page, scene_body, shot_body
from reelflow_gateway.schemas import SceneOut, ScenePage, SceneUpdateIn, ShotPage
from reelflow_gateway.state import AppState

router = APIRouter(tags=["scenes"], responses=responses(401, 503))

MAX_SCENES_PAGE = 1000
"""A script has at most 1000 scenes (the scene service's limit): one page can hold them all."""
MAX_SHOTS_PAGE = 100


def location_of(scene_id: str) -> str:
    return f"/api/scenes/{scene_id}"


async def owned_scene(state: AppState, user: str, scene_id: str) -> dict:
    """The scene, if its script belongs to `user`; 404 otherwise (also while its script is unknown here)."""
    scene = await state.scenes.get(scene_id) if valid_id(scene_id) else None
    if scene is None or not await state.scripts.owns(user, scene["script_id"]):
        raise ApiError(404, f"scene {scene_id!r} not found")
    return scene


async def send(state: AppState, request: Request, user: str, command: Command, scene_id: str):
    return await execute(
        state,
        request,
        user,
        command,
        resource_id=scene_id,
        location=location_of(scene_id),
        render=scene_body,
        fits=lambda view: view.get("_id") == scene_id and "created_at" in view,
        reread=lambda: state.scenes.get(scene_id),
    )


@router.get(
    "/scripts/{script_id}/scenes",
    response_model=ScenePage,
    summary="The scenes of one of your scripts",
    responses={**CONDITIONAL_RESPONSES, **responses(404, 422)},
)
async def list_scenes(
    script_id: str,
    user: CurrentUser,
    state: State,
    request: Request,
    limit: Annotated[int, Query(ge=1, le=MAX_SCENES_PAGE, description="page size")] = 100,
    offset: Offset = 0,
):
    """In script order. Empty until the approved script is segmented (the script's `segmentation`
    says `pending`, `done` or `failed`); `total` is how many scenes exist so far. Send the last
    `ETag` in `If-None-Match` with `Prefer: wait=N` to wait up to N seconds for a change."""
    if not (valid_id(script_id) and await state.scripts.owns(user, script_id)):  # not the whole script: cheap
        raise await not_found(state, user, script_id)

    async def read() -> dict:
        items, total = await state.scenes.of_script(script_id, limit, offset)
        return page([scene_body(d) for d in items], total, limit, offset)

    return await watched(request, state, user, script_id, read)


@router.get(
    "/scenes/{scene_id}", response_model=SceneOut, summary="One scene of one of your scripts", responses=responses(404)
)
async def get_scene(scene_id: str, user: CurrentUser, state: State):
    return json_response(scene_body(await owned_scene(state, user, scene_id)))


@router.put(
    "/scenes/{scene_id}",
    response_model=SceneOut,
    summary="Edit a pending scene's text and heading",
    responses={
        **PENDING_RESPONSE,
        **responses(400, 404, 413, 422, described={409: "Refused, e.g. `not_pending`: the scene is approved"}),
    },
)
async def update_scene(scene_id: str, body: SceneUpdateIn, user: CurrentUser, state: State, request: Request):
    """200 with the scene's new state (its heading as given, or read again from the text)."""
    scene = await owned_scene(state, user, scene_id)
    command = UpdateScene(
        script_id=scene["script_id"], scene_id=scene_id, text=body.text, heading=body.heading, requested_by=user
    )
    return await send(state, request, user, command, scene_id)


@router.post(
    "/scenes/{scene_id}/approve",
    response_model=SceneOut,
    summary="Approve a pending scene (starts planning its shots)",
    responses={**PENDING_RESPONSE, **responses(404, described={409: "Refused, e.g. `already_approved`"})},
)
async def approve_scene(scene_id: str, user: CurrentUser, state: State, request: Request):
    """200 with the scene `approved` and `shot_planning.state` `planning`; its shots follow
    (`GET /api/scenes/{id}/shots`)."""
    scene = await owned_scene(state, user, scene_id)
    command = ApproveScene(script_id=scene["script_id"], scene_id=scene_id, requested_by=user)
    return await send(state, request, user, command, scene_id)


@router.get(
    "/scenes/{scene_id}/shots",
    response_model=ShotPage,
    summary="The planned shots of one of your scenes",
    responses={**CONDITIONAL_RESPONSES, **responses(404, 422)},
)
async def list_shots(
    scene_id: str,
    user: CurrentUser,
    state: State,
    request: Request,
    limit: Annotated[int, Query(ge=1, le=MAX_SHOTS_PAGE, description="page size")] = 100,
    offset: Offset = 0,
):
    """In order. Empty until the approved scene's shots are planned (the scene's `shot_planning`
    says `planning`, `planned` or `failed`); every shot carries the scene's `shot_count`.
    `If-None-Match` with `Prefer: wait=N` waits up to N seconds for a change."""
    await owned_scene(state, user, scene_id)

    async def read() -> dict:
        items, total = await state.scenes.shots_of(scene_id, limit, offset)
        return page([shot_body(d) for d in items], total, limit, offset)

    return await watched(request, state, user, scene_id, read)
