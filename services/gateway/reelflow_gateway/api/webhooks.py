"""The signing secret of your webhooks: rotate it (the one it replaces keeps signing for a while)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from reelflow_gateway.deps import CurrentUser, State
from reelflow_gateway.errors import json_response, responses

router = APIRouter(tags=["webhooks"], responses=responses(401, 503))


class WebhookSecretOut(BaseModel):
    webhook_secret: str = Field(description="the new signing secret (`whsec_...`), shown this once")
    previous_valid_until: datetime | None = Field(
        description="until then deliveries carry a signature by the replaced secret too (null: there was none)"
    )


@router.post(
    "/webhooks/secret",
    response_model=WebhookSecretOut,
    summary="Create or rotate the secret your operation webhooks are signed with",
)
async def rotate_webhook_secret(user: CurrentUser, state: State):
    """Receivers verify deliveries with any Standard Webhooks library and this secret. During the
    grace period deliveries are signed with both the new and the replaced secret, so receivers can
    switch over without losing one."""
    rotated = await state.webhook_secrets.rotate(user)
    return json_response({"webhook_secret": rotated.secret, "previous_valid_until": rotated.previous_valid_until})
