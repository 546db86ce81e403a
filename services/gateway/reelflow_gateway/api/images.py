"""Images: one per shot and attempt, drawn by the image service once the scene is approved.

Approve and reject become commands on `image.commands`; reads come from the read model, and the
PNG from the image service's bucket (streamed through the gateway, so it is owner-scoped like
everything else). Another user's image is answered exactly like one that does not exist (404).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query, Request
from starlette.responses import Response

from reelflow_contracts import ApproveImage, RejectImage
from reelflow_contracts.messages.base import Command
from reelflow_gateway.api.content import content_ticket, entity_tag, matches, not_modified, stream_whole
from reelflow_gateway.api.paging import Offset
from reelflow_gateway.api.scenes import owned_scene
from reelflow_gateway.api.watch import CONDITIONAL_RESPONSES, watched
from reelflow_gateway.api.writes import PENDING_RESPONSE, execute, valid_id
from reelflow_gateway.deps import CurrentUser, ImageViewer, State
from reelflow_gateway.errors import ApiError, json_response, responses
from reelflow_gateway.readmodel.public import MAX_ATTEMPTS_CODE, image_body, page
from reelflow_gateway.schemas import ContentTicketOut, ImageOut, ImagePage, ImageRejectIn
from reelflow_gateway.state import AppState

router = APIRouter(tags=["images"], responses=responses(401, 503))

MAX_IMAGES_PAGE = 500
PNG = "image/png"


def location_of(image_id: str) -> str:
    return f"/api/images/{image_id}"


async def owned_image(state: AppState, user: str, image_id: str) -> dict:
    """The image, if its script belongs to `user`; 404 otherwise."""
    image = await state.images.get(image_id) if valid_id(image_id) else None
    if image is None or not await state.scripts.owns(user, image["script_id"]):
        raise ApiError(404, f"image {image_id!r} not found")
    return image


async def send(state: AppState, request: Request, user: str, command: Command, image_id: str):
    # Always read the image again after the outcome: a rejection of a shot's last attempt is
    # followed, in the same batch, by the failure that ends the shot (status `failed`).
    return await execute(
        state,
        request,
        user,
        command,
        resource_id=image_id,
        location=location_of(image_id),
        render=image_body,
        fits=lambda view: False,
        reread=lambda: state.images.get(image_id),
    )


@router.get(
    "/scenes/{scene_id}/images",
    response_model=ImagePage,
    summary="The images of one of your scenes, every attempt",
    responses={**CONDITIONAL_RESPONSES, **responses(404, 422)},
)
async def list_images(
    scene_id: str,
    user: CurrentUser,
    state: State,
    request: Request,
    limit: Annotated[int, Query(ge=1, le=MAX_IMAGES_PAGE, description="page size")] = 100,
    offset: Offset = 0,
):
    """In shot order, then attempt. Empty until the approved scene's shots are planned and drawn:
    each shot gets attempt 1 (`pending`), and each rejection the next attempt.
    `If-None-Match` with `Prefer: wait=N` waits up to N seconds for a change."""
    await owned_scene(state, user, scene_id)

    async def read() -> dict:
        items, total = await state.images.of_scene(scene_id, limit, offset)
        return page([image_body(d) for d in items], total, limit, offset)

    return await watched(request, state, user, scene_id, read)


@router.get(
    "/images/{image_id}", response_model=ImageOut, summary="One image of one of your scenes", responses=responses(404)
)
async def get_image(image_id: str, user: CurrentUser, state: State):
    return json_response(image_body(await owned_image(state, user, image_id)))


@router.get(
    "/images/{image_id}/content-ticket",
    response_model=ContentTicketOut,
    summary="A URL of the image's PNG that works without the Authorization header (`<img src>`)",
    responses=responses(404),
)
async def image_content_ticket(image_id: str, user: CurrentUser, state: State):
    """Good for this image only, for `REELFLOW_MEDIA_TICKET_TTL_S` seconds (an hour by default)."""
    await owned_image(state, user, image_id)
    return json_response(content_ticket(state, user, "image", image_id))


@router.get(
    "/images/{image_id}/content",
    summary="The image's PNG",
    response_class=Response,
    responses={
        200: {
            "content": {PNG: {"schema": {"type": "string", "format": "binary"}}},
            "description": "The PNG, `width` x `height`; `ETag` and `Cache-Control: immutable` (an image "
            "never changes)",
            "headers": {"ETag": {"schema": {"type": "string"}}, "Cache-Control": {"schema": {"type": "string"}}},
        },
        304: {"description": "Not modified (`If-None-Match` names the current ETag)"},
        **responses(
            404,
            described={
                404: "No such image for this user, or it has no picture (`code` `no_content`: its generation failed)"
            },
        ),
    },
)
async def image_content(image_id: str, user: ImageViewer, state: State, request: Request):
    image = await owned_image(state, user, image_id)
    if not image.get("media_key"):
        raise ApiError(404, f"image {image_id} has no picture: its generation failed", "no_content")
    etag = entity_tag("image", image_id)
    if matches(request.headers.get("if-none-match"), etag):
        return not_modified(etag)
    return await stream_whole(
        state.image_media,
        image["media_key"],
        media_type=PNG,
        etag=etag,
        what=f"image {image_id}",
        filename=f"image_{image_id}.png",
    )


@router.post(
    "/images/{image_id}/approve",
    response_model=ImageOut,
    summary="Approve a pending image: it becomes its shot's image",
    responses={
        **PENDING_RESPONSE,
        **responses(404, described={409: "Refused, e.g. `not_pending` (only a pending image can be approved)"}),
    },
)
async def approve_image(image_id: str, user: CurrentUser, state: State, request: Request):
    """200 with the image `approved` (`selected`). Approving a new attempt for a shot that had an
    approved image replaces it (the earlier one gets `replaced_by`)."""
    image = await owned_image(state, user, image_id)
    command = ApproveImage(script_id=image["script_id"], image_id=image_id, requested_by=user)
    return await send(state, request, user, command, image_id)


@router.post(
    "/images/{image_id}/reject",
    response_model=ImageOut,
    summary="Reject an image (pending, failed or approved): its shot gets a new attempt",
    responses={
        **PENDING_RESPONSE,
        **responses(
            400,
            404,
            413,
            422,
            described={
                409: "Refused, e.g. `already_rejected`, `generation_in_progress`, or `max_attempts` "
                "(the shot has used all its attempts)"
            },
        ),
    },
)
async def reject_image(
    image_id: str,
    user: CurrentUser,
    state: State,
    request: Request,
    body: Annotated[ImageRejectIn | None, Body()] = None,
):
    """200 with the image `rejected` (its `feedback` kept); the next attempt, drawn with the
    feedback, appears in the scene's images a moment later. Rejecting the shot's last allowed
    attempt gives `failed` with `code` `max_attempts` instead: no further image is drawn."""
    image = await owned_image(state, user, image_id)
    failure = image.get("failure") or {}
    if failure.get("code") == MAX_ATTEMPTS_CODE:
        raise ApiError(409, failure.get("error") or "the shot has used all its attempts", MAX_ATTEMPTS_CODE)
    command = RejectImage(
        script_id=image["script_id"], image_id=image_id, requested_by=user, feedback=body.feedback if body else ""
    )
    return await send(state, request, user, command, image_id)
