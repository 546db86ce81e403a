"""Limits applied around routes: the write rate per user, held-open slots per user, client address."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Request
from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from reelflow_gateway.auth.tokens import TokenError
from reelflow_gateway.errors import ApiError
from reelflow_gateway.limits.held import HeldSlot, TooManyHeld
from reelflow_gateway.limits.limiter import RateLimit, is_limited_write, rate_limited
from reelflow_gateway.state import AppState


def client_address(request: Request) -> str:
    """The caller's address (uvicorn puts a trusted proxy's X-Forwarded-For client here)."""
    return request.client.host if request.client else "unknown"


def writes_limit(state: AppState) -> RateLimit:
    return RateLimit("writes-user", "writes by this user", state.settings.rate_limit_writes_per_user)


def _bearer_user(request: Request, state: AppState) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token or state.tokens is None:
        return None
    try:
        return state.tokens.verify(token.strip())
    except TokenError:
        return None  # the route answers 401


async def limit_writes(request: Request) -> None:
    """Router dependency: every write of an authenticated user counts against their write rate
    (before the route runs, so a refused write sends no command)."""
    if not is_limited_write(request.method, request.url.path):
        return
    state: AppState = request.app.state.gateway
    user = _bearer_user(request, state)
    if user is not None:
        await state.limiter.hit(writes_limit(state), user)


def take_held_slot(state: AppState, user: str) -> HeldSlot:
    """A slot for a stream or held GET of `user`, or 429 when they hold the maximum open."""
    try:
        return state.held.take(user)
    except TooManyHeld as full:
        raise rate_limited(full.refusal) from None


@asynccontextmanager
async def held_open(state: AppState, user: str) -> AsyncIterator[None]:
    slot = take_held_slot(state, user)
    try:
        yield
    finally:
        slot.release()


class HeldStreamingResponse(StreamingResponse):
    """A streaming response that gives its held slot back however it ends (finished, client gone,
    cancelled before the first byte)."""

    def __init__(self, *args, slot: HeldSlot, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.slot = slot

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self.slot.release()


def hashing_busy() -> ApiError:
    return ApiError(
        503,
        "too many logins and registrations are being checked right now; retry shortly",
        "busy",
        {"Retry-After": "1"},
    )
