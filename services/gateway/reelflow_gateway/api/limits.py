"""GET /api/limits: every limit this gateway applies, and the caps the services enforce."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from reelflow_contracts.messages.common import MAX_SCRIPT_BYTES
from reelflow_gateway.deps import State
from reelflow_gateway.errors import json_response
from reelflow_gateway.limits.rates import Rate
from reelflow_gateway.settings import Settings
from reelflow_kit.content_caps import MAX_SHOTS_PER_SCENE

router = APIRouter(tags=["limits"])


class RateOut(BaseModel):
    count: int = Field(description="at most this many")
    per_s: int = Field(description="per window of this many seconds (fixed windows)")


class LimitsOut(BaseModel):
    login_per_address: RateOut = Field(description="login attempts from one client address")
    login_failures_per_account: RateOut = Field(
        description="failed logins to one account; then 429 until the window ends"
    )
    register_per_address: RateOut = Field(description="registrations from one client address")
    register_per_account: RateOut = Field(description="registrations of one email")
    writes_per_user: RateOut = Field(description="POST/PUT/DELETE calls under /api (not /api/auth) per user")
    running_operations_per_user: int = Field(description="operations not completed, cancelled or failed, per user")
    held_requests_per_user: int = Field(
        description="event streams and `Prefer: wait` GETs one user holds open at once (per gateway instance)"
    )
    long_poll_max_s: float = Field(description="the longest `Prefer: wait=N` is honoured")
    scenes_per_script: int = Field(description="a script cutting into more fails segmentation (`too_many_scenes`)")
    shots_per_scene: int = Field(
        description="the shot planners plan 1 to this many shots per scene (a page of shots holds them all)"
    )
    shot_max_s: float = Field(
        description="no planned shot lasts longer (`REELFLOW_MAX_SHOT_S`): a passage that takes longer to read "
        "gets more shots, not longer ones; a scene's planned time is at most `shots_per_scene` shots of this"
    )
    shot_min_s: float = Field(
        description="no planned shot is shorter (`REELFLOW_MIN_SHOT_S`): short beats are joined; "
        "a scene lasts at least 4 s (within these limits)"
    )
    script_bytes: int = Field(description="UTF-8 bytes of a script's content")
    body_bytes: int = Field(description="bytes of a request body; larger answers 413")


def _rate(rate: Rate) -> dict:
    return {"count": rate.count, "per_s": rate.per_s}


def limits_of(settings: Settings) -> dict:
    return {
        "login_per_address": _rate(settings.rate_limit_login_per_address),
        "login_failures_per_account": _rate(settings.rate_limit_login_failures_per_account),
        "register_per_address": _rate(settings.rate_limit_register_per_address),
        "register_per_account": _rate(settings.rate_limit_register_per_account),
        "writes_per_user": _rate(settings.rate_limit_writes_per_user),
        "running_operations_per_user": settings.max_running_operations_per_user,
        "held_requests_per_user": settings.max_held_requests_per_user,
        "long_poll_max_s": settings.long_poll_max_s,
        "scenes_per_script": settings.max_scenes_per_script,
        "shots_per_scene": MAX_SHOTS_PER_SCENE,
        "shot_max_s": settings.max_shot_s,
        "shot_min_s": settings.min_shot_s,
        "script_bytes": MAX_SCRIPT_BYTES,
        "body_bytes": settings.max_body_bytes,
    }


@router.get("/limits", response_model=LimitsOut, summary="Every limit and cap the API applies (public)")
async def get_limits(state: State):
    """Rates answer 429 with `Retry-After` once spent; caps are stated here so a client can stay
    within them. No token needed."""
    return json_response(limits_of(state.settings))
