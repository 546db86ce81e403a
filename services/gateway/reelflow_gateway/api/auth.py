"""POST /api/auth/register and POST /api/auth/token (OAuth2 password flow)."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, status
from fastapi.security import OAuth2PasswordRequestForm

from reelflow_gateway.auth.passwords import burn_verification, hash_password, needs_rehash, verify_password
from reelflow_gateway.auth.users import EmailTaken
from reelflow_gateway.deps import State
from reelflow_gateway.errors import ApiError, responses
from reelflow_gateway.schemas import RegisterIn, TokenOut, UserOut

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/register", status_code=status.HTTP_201_CREATED, response_model=UserOut,
             summary="Create an account",
             responses=responses(400, 413, 422, described={409: "The email is already registered"}))
async def register(body: RegisterIn, state: State) -> UserOut:
    # argon2 is deliberately slow (~50 ms of CPU): run it off the event loop.
    password_hash = await asyncio.to_thread(hash_password, body.password)
    try:
        user = await state.users.create(body.email, password_hash)
    except EmailTaken:
        raise ApiError(409, f"email {body.email} is already registered", "email_taken") from None
    return UserOut(id=user.id, email=user.email, created_at=user.created_at)


@router.post("/token", response_model=TokenOut, summary="Log in: trade email and password for a bearer token",
             responses=responses(400, 413, 422, described={401: "Wrong email or password"}))
async def token(form: Annotated[OAuth2PasswordRequestForm, Depends()], state: State) -> TokenOut:
    """OAuth2 password flow: form fields `username` (the email) and `password`."""
    user = await state.users.by_email(form.username)
    if user is None:
        await asyncio.to_thread(burn_verification, form.password)
        ok = False
    else:
        ok = await asyncio.to_thread(verify_password, user.password_hash, form.password)
    if not ok:
        raise ApiError(401, "incorrect email or password", "bad_credentials", {"WWW-Authenticate": "Bearer"})
    if needs_rehash(user.password_hash):
        await state.users.set_password_hash(user.id, await asyncio.to_thread(hash_password, form.password))
    assert state.tokens is not None
    return TokenOut(access_token=state.tokens.issue(user.id), expires_in=state.tokens.ttl_s)
