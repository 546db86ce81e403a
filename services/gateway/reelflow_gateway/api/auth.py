"""POST /api/auth/register and POST /api/auth/token (OAuth2 password flow).

Both are rate limited per client address (every attempt counts, and is refused before any
password is hashed) and per account: registrations per email, failed logins per email.
Password hashing runs on the gateway's own hashing threads (auth/passwords.py).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, status

from reelflow_gateway.api.guards import client_address, hashing_busy
from reelflow_gateway.auth.passwords import HashingBusy, needs_rehash
from reelflow_gateway.auth.users import EmailTaken, User, normalize_email
from reelflow_gateway.deps import State
from reelflow_gateway.errors import ApiError, responses
from reelflow_gateway.limits.limiter import RateLimit
from reelflow_gateway.schemas import RegisterIn, TokenOut, UserOut
from reelflow_gateway.state import AppState

router = APIRouter(prefix="/auth", tags=["auth"])


class LoginForm:
    """The OAuth2 password flow's form: `username` (the email) and `password`, both required and
    not empty (an empty form field counts as missing), and `grant_type` `password` if given (a form
    field cannot be null: absent is the only way to leave it out)."""

    def __init__(
        self,
        username: Annotated[str, Form(min_length=1, description="your email")],
        password: Annotated[str, Form(min_length=1, json_schema_extra={"format": "password"})],
        grant_type: Annotated[str, Form(pattern="^password$")] = "password",
    ) -> None:
        self.username = username
        self.password = password


BUSY = {503: "Too many password checks at once (`busy`), or a server the gateway depends on is unavailable"}


def login_limits(state: AppState) -> tuple[RateLimit, RateLimit]:
    """(attempts per client address, failures per account)."""
    settings = state.settings
    return (
        RateLimit("login-address", "login attempts from this address", settings.rate_limit_login_per_address),
        RateLimit(
            "login-failures-account", "failed logins to this account", settings.rate_limit_login_failures_per_account
        ),
    )


def register_limits(state: AppState) -> tuple[RateLimit, RateLimit]:
    """(attempts per client address, attempts per email)."""
    settings = state.settings
    return (
        RateLimit("register-address", "registrations from this address", settings.rate_limit_register_per_address),
        RateLimit("register-account", "registrations of this email", settings.rate_limit_register_per_account),
    )


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    response_model=UserOut,
    summary="Create an account",
    responses=responses(400, 413, 422, 429, described={409: "The email is already registered", **BUSY}),
)
async def register(body: RegisterIn, request: Request, state: State) -> UserOut:
    """Limited per client address and per email (`GET /api/limits`): over, 429 with `Retry-After`."""
    per_address, per_account = register_limits(state)
    await state.limiter.hit(per_address, client_address(request))
    await state.limiter.hit(per_account, normalize_email(body.email))
    try:
        password_hash = await state.passwords.hash(body.password, normalize_email(body.email))
    except HashingBusy:
        raise hashing_busy() from None
    try:
        user = await state.users.create(body.email, password_hash)
    except EmailTaken:
        raise ApiError(409, f"email {body.email} is already registered", "email_taken") from None
    return UserOut(id=user.id, email=user.email, created_at=user.created_at)


@router.post(
    "/token",
    response_model=TokenOut,
    summary="Log in: trade email and password for a bearer token",
    responses=responses(400, 413, 422, 429, described={401: "Wrong email or password", **BUSY}),
)
async def token(form: Annotated[LoginForm, Depends()], request: Request, state: State) -> TokenOut:
    """OAuth2 password flow: form fields `username` (the email) and `password`. Attempts per client
    address and failed logins per account are limited (`GET /api/limits`): over, 429 with `Retry-After`."""
    per_address, failures_per_account = login_limits(state)
    await state.limiter.hit(per_address, client_address(request))
    account = normalize_email(form.username)
    await state.limiter.refuse_if_spent(failures_per_account, account)
    try:
        user = await _checked_user(state, form.username, form.password, account)
    except HashingBusy:
        raise hashing_busy() from None
    if user is None:
        await state.limiter.add(failures_per_account, account)
        raise ApiError(401, "incorrect email or password", "bad_credentials", {"WWW-Authenticate": "Bearer"})
    if needs_rehash(user.password_hash):
        await state.users.set_password_hash(user.id, await state.passwords.hash(form.password, account))
    assert state.tokens is not None
    return TokenOut(access_token=state.tokens.issue(user.id), expires_in=state.tokens.ttl_s)


async def _checked_user(state: AppState, email: str, password: str, account: str) -> User | None:
    """The user when `password` is theirs, else None (an unknown email costs the same time)."""
    user = await state.users.by_email(email)
    if user is None:
        await state.passwords.burn(password, account)
        return None
    return user if await state.passwords.verify(user.password_hash, password, account) else None
