"""What became of a write that answered 202: its command's outcome, for its sender only."""

from __future__ import annotations

from fastapi import APIRouter

from reelflow_gateway.api.writes import valid_id
from reelflow_gateway.deps import CurrentUser, State
from reelflow_gateway.errors import ApiError, json_response, responses
from reelflow_gateway.schemas import CommandOut

router = APIRouter(prefix="/commands", tags=["commands"], responses=responses(401, 503))


@router.get(
    "/{command_id}",
    response_model=CommandOut,
    summary="What became of a write (its command's outcome)",
    responses=responses(404),
)
async def get_command(command_id: str, user: CurrentUser, state: State):
    """The `command_id` of a 202 answer: `pending` until its service answered, then `applied`,
    `rejected` (with `code` and `reason`) or `failed`. Kept for seven days."""
    sent = await state.commands.sent_by(user, command_id) if valid_id(command_id) else None
    if sent is None:
        raise ApiError(404, f"command {command_id!r} not found")
    outcome = await state.commands.outcome_of(command_id)
    return json_response(
        {
            "id": command_id,
            "type": sent["type"],
            "subject": sent["subject"],
            "sent_at": sent["sent_at"],
            "status": outcome.status if outcome else "pending",
            "code": outcome.code if outcome else None,
            "reason": outcome.reason if outcome else None,
            "answered_at": outcome.at if outcome else None,
        }
    )
