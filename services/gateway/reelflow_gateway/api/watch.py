"""Conditional and long-polling reads: `ETag`, `If-None-Match`, `Prefer: wait=N` (RFC 7240).

Every watched view answers with an `ETag` (a digest of the body). A GET carrying that tag in
`If-None-Match` gets `304 Not Modified` while the view is unchanged; adding `Prefer: wait=N`
holds the request open up to N seconds (at most `settings.long_poll_max_s`) and answers `200`
with the new body as soon as the view changes, so a client sees new scenes or shots the moment
they are projected, without polling in a loop. A held GET takes one of the user's held-open slots
(`max_held_requests_per_user`, shared with event streams): with all taken it answers 429.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from fastapi import Request
from starlette.responses import Response

from reelflow_gateway.api.content import matches
from reelflow_gateway.api.guards import held_open
from reelflow_gateway.errors import responses
from reelflow_gateway.state import AppState

RECHECK_S = 1.0
"""Re-read this often while waiting: another gateway instance may have projected the change."""

CONDITIONAL_RESPONSES: dict[int | str, dict[str, Any]] = {
    304: {
        "description": "Not modified: the view still has the `ETag` given in `If-None-Match` "
        "(after waiting, with `Prefer: wait=N`)"
    },
    **responses(
        429,
        described={
            429: "The user already holds the most event streams and held GETs open "
            "(`Prefer: wait`): retry after `Retry-After` seconds"
        },
    ),
}


def requested_wait(prefer: str | None, limit: float) -> float:
    """Seconds asked for by `Prefer: wait=N`, capped at `limit`; 0 when absent or malformed."""
    for preference in (prefer or "").split(","):
        name, _, value = preference.strip().partition("=")
        if name.strip().lower() == "wait":
            try:
                seconds = float(value.strip().strip('"'))
            except ValueError:
                return 0.0
            return min(max(seconds, 0.0), limit) if seconds == seconds else 0.0  # NaN: not a number
    return 0.0


def body_tag(body: bytes) -> str:
    return f'"{hashlib.blake2b(body, digest_size=12).hexdigest()}"'


async def watched(
    request: Request, state: AppState, user: str, subject: str, read: Callable[[], Awaitable[Any]]
) -> Response:
    """The JSON body `read()` makes, as a conditional (and, asked to, long-polling) GET of the
    view about `subject`, for `user` (whose held-open slot a long poll takes)."""
    if_none_match = request.headers.get("if-none-match")
    wait = requested_wait(request.headers.get("prefer"), state.settings.long_poll_max_s) if if_none_match else 0.0
    if not wait:
        return await _watch(request, state, subject, read, if_none_match, wait)
    async with held_open(state, user):
        return await _watch(request, state, subject, read, if_none_match, wait)


async def _watch(
    request: Request,
    state: AppState,
    subject: str,
    read: Callable[[], Awaitable[Any]],
    if_none_match: str | None,
    wait: float,
) -> Response:
    deadline = time.monotonic() + wait
    applied = {"Preference-Applied": f"wait={wait:g}"} if wait else {}
    with state.read_model.changes.watch(subject) as changed:
        while True:
            changed.clear()  # before reading: a change during the read wakes the wait below
            body = orjson.dumps(await read(), option=orjson.OPT_UTC_Z)
            tag = body_tag(body)
            headers = {"ETag": tag, "Cache-Control": "private, no-cache", **applied}
            if not matches(if_none_match, tag):
                return Response(body, 200, media_type="application/json", headers=headers)
            remaining = deadline - time.monotonic()
            if remaining <= 0 or await request.is_disconnected():
                return Response(status_code=304, headers=headers)
            try:
                await asyncio.wait_for(changed.wait(), min(remaining, RECHECK_S))
            except TimeoutError:
                pass
