"""What every write route shares: send the command, wait for its outcome, answer (read-your-writes).

Every answer names its command in `X-Command-ID` (`GET /api/commands/{id}` says what became of it).
200/201 with the resource's new state once the answering event is in the read model, 409 with
the owning service's `code` and reason when it refused the command, 502 when the AI gave up,
202 with a `Location` when no outcome arrived in time (the command stays on the bus and will
be applied; GET the Location until it answers 200).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request, status
from starlette.responses import Response

from reelflow_contracts.messages.base import Command
from reelflow_gateway.errors import ApiError, json_response
from reelflow_gateway.schemas import PendingOut
from reelflow_gateway.state import AppState

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$")
REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")

PENDING_RESPONSE: dict[int | str, dict[str, Any]] = {
    202: {
        "model": PendingOut,
        "description": "Accepted, outcome not known yet: GET the Location until it answers 200",
        "headers": {
            "Location": {"description": "where the resource will be", "schema": {"type": "string"}},
            "Retry-After": {"description": "seconds", "schema": {"type": "integer"}},
        },
    },
}


def valid_id(value: str) -> bool:
    return bool(ID_PATTERN.match(value))


def request_id_of(request: Request) -> str:
    given = request.headers.get("x-request-id")
    return given if given and REQUEST_ID_PATTERN.match(given) else uuid.uuid4().hex


async def execute(
    state: AppState,
    request: Request,
    user: str,
    command: Command,
    *,
    resource_id: str,
    location: str,
    render: Callable[[dict], dict],
    fits: Callable[[dict], bool],
    reread: Callable[[], Awaitable[dict | None]],
    created: bool = False,
    failure: str = "the AI provider failed",
    failure_code: str = "upstream_failed",
) -> Response:
    """Send `command` and answer with the state it led to.

    `fits(view)` says whether the view document the projector handed over is the caller's
    resource; otherwise (another instance projected the answer) `reread()` reads it: the outcome
    was committed with the view change, so the view has it. `render` makes the JSON body.
    """
    rid = request_id_of(request)
    envelope, outcome, view = await state.commands.send(command, owner_id=user, request_id=rid)
    headers = {"X-Request-ID": rid, "X-Command-ID": envelope.id}
    if outcome is not None and outcome.status == "rejected":
        raise ApiError(409, outcome.reason or "rejected", outcome.code, headers)
    if outcome is not None and outcome.status == "failed":
        raise ApiError(502, f"{failure}: {outcome.reason}", outcome.code or failure_code, headers)
    doc = None
    if outcome is not None:
        doc = view if view is not None and fits(view) else await reread()
    if doc is None:
        pending = PendingOut(
            id=resource_id,
            command_id=envelope.id,
            detail=f"accepted; not applied within {state.commands.timeout:g}s: "
            f"GET {location}, or /api/commands/{envelope.id} for the outcome",
        )
        return json_response(
            pending.model_dump(), status.HTTP_202_ACCEPTED, {**headers, "Location": location, "Retry-After": "1"}
        )
    if created:
        headers["Location"] = location
    return json_response(render(doc), status.HTTP_201_CREATED if created else status.HTTP_200_OK, headers)
