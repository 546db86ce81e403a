"""Videos: a script's approved images rendered into an MP4 by the video service.

`POST /api/scripts/{id}/create-video` answers 409 `not_segmented` while the script has no scenes
(the script's state, from the read model). Otherwise it sends CreateVideo (the gateway chooses
the video id; the command names the planned shots and approved images the user sees) and waits briefly for the
video service's answer, like every write. Whether the script can be rendered is that service's
rule alone: its refusal is a 409 `images_missing` with what is missing (`missing_shots`,
`unplanned_scene_ids`); its acceptance, or no answer in time, is 202 with the video's Location. Rendering takes a while: GET the video
until its `status` is `approved` (then `content_url` serves the MP4, with byte ranges) or
`rejected`. Owner-scoped through the script: another user's video is 404.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Request, status
from starlette.responses import Response

from reelflow_contracts import CreateVideo
from reelflow_gateway.api.content import content_ticket, entity_tag, matches, not_modified, stream_ranged
from reelflow_gateway.api.idempotency import IdempotencyKey, once
from reelflow_gateway.api.scripts import owned_script
from reelflow_gateway.api.writes import request_id_of, valid_id
from reelflow_gateway.deps import CurrentUser, State, VideoViewer
from reelflow_gateway.errors import ApiError, json_response, responses
from reelflow_gateway.readmodel.public import video_body
from reelflow_gateway.schemas import (
    ContentTicketOut,
    ErrorOut,
    VideoAcceptedOut,
    VideoCreateIn,
    VideoOut,
    VideoRefusedOut,
)
from reelflow_gateway.state import AppState

router = APIRouter(tags=["videos"], responses=responses(401, 503))

MP4 = "video/mp4"
NOT_SEGMENTED = "not_segmented"


def location_of(video_id: str) -> str:
    return f"/api/videos/{video_id}"


async def video_not_found(state: AppState, user: str, video_id: str) -> ApiError:
    """404, saying why when the caller asked for this video (still pending, or refused later)."""
    if valid_id(video_id):
        command = await state.commands.pending_for(user, video_id)
        if command is not None:
            outcome = await state.commands.outcome_of(command["_id"])
            if outcome is None:
                return ApiError(
                    404,
                    f"video {video_id} is not accepted yet: its command is still pending, retry shortly",
                    "pending",
                    {"Retry-After": "1"},
                )
            if outcome.status == "rejected":
                return ApiError(
                    404, f"video {video_id} was not made: {outcome.reason}", outcome.code, extra=outcome.details
                )
    return ApiError(404, f"video {video_id!r} not found")


async def owned_video(state: AppState, user: str, video_id: str) -> dict:
    video = await state.videos.get(video_id) if valid_id(video_id) else None
    if video is None or not await state.scripts.owns(user, video["script_id"]):
        raise await video_not_found(state, user, video_id)
    return video


@router.post(
    "/scripts/{script_id}/create-video",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=VideoAcceptedOut,
    summary="Render the script's approved images into a video",
    responses={
        202: {
            "description": "Accepted: rendering; GET the Location until `status` is `approved` or `rejected`",
            "headers": {
                "Location": {"description": "the video", "schema": {"type": "string"}},
                "Retry-After": {"description": "seconds", "schema": {"type": "integer"}},
            },
        },
        409: {
            "model": VideoRefusedOut,
            "description": "Refused: `images_missing`, as the video service answers (`missing_shots` "
            "lists every shot without an approved image, `unplanned_scene_ids` every "
            "scene whose shots are not all planned yet), `not_segmented` (the script has "
            "no scenes yet) or "
            "`idempotency_key_in_use` (a request with this Idempotency-Key is still running)",
        },
        **responses(400, 404, 413, 422),
    },
)
async def create_video(
    script_id: str,
    user: CurrentUser,
    state: State,
    request: Request,
    body: Annotated[VideoCreateIn | None, Body()] = None,
    idempotency_key: IdempotencyKey = None,
):
    """Options (all optional): `aspect` (default: the script's), `resolution`, `transition`,
    `transition_s`, `motion`, `narration`, `subtitles`, `fps`. With an `Idempotency-Key`, the same
    request again gets the first answer (one video, not two)."""
    return await once(
        state, request, user, idempotency_key, lambda: _create_video(script_id, user, state, request, body)
    )


async def _create_video(
    script_id: str, user: str, state: AppState, request: Request, body: VideoCreateIn | None
) -> Response:
    script = await owned_script(state, user, script_id)
    options = (body or VideoCreateIn()).options(script.get("aspect") or "16:9")
    segmentation = script.get("segmentation") or {}
    if segmentation.get("state") != "done":
        raise ApiError(
            409,
            f"script {script_id} has no scenes yet: approve it and wait for its scenes",
            NOT_SEGMENTED,
            extra={"missing_shots": [], "unplanned_scene_ids": []},
        )

    video_id = str(uuid.uuid4())
    rid = request_id_of(request)
    command = CreateVideo(
        script_id=script_id,
        video_id=video_id,
        options=options,
        requested_by=user,
        shot_ids=await state.scenes.planned_shot_ids(script_id),
        image_ids=await state.images.approved_image_ids(script_id),
    )
    _, outcome, _ = await state.commands.send(command, owner_id=user, request_id=rid)
    if outcome is not None and outcome.status == "rejected":
        extra = {"missing_shots": [], "unplanned_scene_ids": [], **(outcome.details or {})}
        raise ApiError(409, outcome.reason or "refused", outcome.code, {"X-Request-ID": rid}, extra=extra)
    return json_response(
        VideoAcceptedOut(id=video_id).model_dump(),
        status.HTTP_202_ACCEPTED,
        {"X-Request-ID": rid, "Location": location_of(video_id), "Retry-After": "2"},
    )


@router.get(
    "/scripts/{script_id}/video",
    response_model=VideoOut,
    summary="The latest video of one of your scripts",
    responses=responses(
        404, described={404: "No such script for this user, or no video of it yet (`code` `no_video`)"}
    ),
)
async def latest_video(script_id: str, user: CurrentUser, state: State):
    await owned_script(state, user, script_id)
    video = await state.videos.latest_of(script_id)
    if video is None:
        raise ApiError(404, f"script {script_id} has no video yet", "no_video")
    return json_response(video_body(video))


@router.get(
    "/videos/{video_id}",
    response_model=VideoOut,
    summary="One video of one of your scripts",
    responses=responses(
        404, described={404: "No such video for this user (`code` `pending` while the request is not accepted yet)"}
    ),
)
async def get_video(video_id: str, user: CurrentUser, state: State):
    return json_response(video_body(await owned_video(state, user, video_id)))


@router.get(
    "/videos/{video_id}/content-ticket",
    response_model=ContentTicketOut,
    summary="A URL of the video's MP4 that works without the Authorization header (`<video src>`)",
    responses=responses(404),
)
async def video_content_ticket(video_id: str, user: CurrentUser, state: State):
    """Good for this video only, for `REELFLOW_MEDIA_TICKET_TTL_S` seconds (an hour by default)."""
    await owned_video(state, user, video_id)
    return json_response(content_ticket(state, user, "video", video_id))


@router.get(
    "/videos/{video_id}/content",
    summary="The video's MP4 (byte ranges supported)",
    response_class=Response,
    responses={
        200: {
            "content": {MP4: {"schema": {"type": "string", "format": "binary"}}},
            "description": "The whole MP4 (H.264 + AAC, faststart); `Accept-Ranges: bytes`, `ETag`, "
            "`Cache-Control: immutable`",
            "headers": {"Accept-Ranges": {"schema": {"type": "string"}}, "ETag": {"schema": {"type": "string"}}},
        },
        206: {
            "content": {MP4: {"schema": {"type": "string", "format": "binary"}}},
            "description": "The byte range asked for with `Range: bytes=a-b`, `bytes=a-` or `bytes=-n`",
            "headers": {"Content-Range": {"schema": {"type": "string"}, "description": "bytes a-b/size"}},
        },
        304: {"description": "Not modified (`If-None-Match` names the current ETag)"},
        404: {
            "model": ErrorOut,
            "description": "No such video for this user, or not rendered "
            "(`code` `not_rendered`: still pending, or rendering failed)",
        },
        **responses(416),
    },
)
async def video_content(video_id: str, user: VideoViewer, state: State, request: Request):
    video = await owned_video(state, user, video_id)
    rendered = video.get("rendered")
    if not rendered:
        status_now = "rendering failed" if video.get("failure") else "it is still rendering"
        raise ApiError(404, f"video {video_id} has no content: {status_now}", "not_rendered")
    etag = entity_tag("video", video_id)
    if matches(request.headers.get("if-none-match"), etag):
        return not_modified(etag)
    return await stream_ranged(
        request,
        state.video_media,
        rendered["media_key"],
        media_type=MP4,
        etag=etag,
        what=f"video {video_id}",
        filename=f"video_{video_id}.mp4",
    )
