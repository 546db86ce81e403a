"""FastAPI dependencies, as `Annotated` aliases for route signatures."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.security import OAuth2PasswordBearer

from reelflow_gateway.auth.tokens import TokenError
from reelflow_gateway.errors import ApiError
from reelflow_gateway.state import AppState

TOKEN_URL = "/api/auth/token"
_bearer = OAuth2PasswordBearer(tokenUrl=TOKEN_URL, auto_error=False)
_CHALLENGE = {"WWW-Authenticate": "Bearer"}


async def get_state(request: Request) -> AppState:
    return request.app.state.gateway


State = Annotated[AppState, Depends(get_state)]


async def current_user_id(request: Request, token: Annotated[str | None, Depends(_bearer)]) -> str:
    """The user id in a valid bearer token (no database lookup: the signature vouches for it)."""
    if not token:
        raise ApiError(
            401,
            "not authenticated: send the header `Authorization: Bearer <access_token>`",
            "not_authenticated",
            _CHALLENGE,
        )
    tokens = request.app.state.gateway.tokens
    try:
        return tokens.verify(token)
    except TokenError as exc:
        raise ApiError(401, str(exc), "invalid_token", _CHALLENGE) from None


CurrentUser = Annotated[str, Depends(current_user_id)]


def media_viewer(kind: str):
    """The user allowed to fetch the content of the `kind` (`video`, `image`) in the path: by bearer
    token, or by a media ticket for that very resource in `?ticket=` (for `<video src>`, `<img src>`)."""

    async def viewer(
        request: Request,
        token: Annotated[str | None, Depends(_bearer)],
        ticket: Annotated[
            str | None,
            Query(
                description="a media ticket for this resource (`GET .../content-ticket`), "
                "instead of the Authorization header"
            ),
        ] = None,
    ) -> str:
        if token or not ticket:
            return await current_user_id(request, token)
        resource = f"{kind}:{request.path_params[f'{kind}_id']}"
        try:
            return request.app.state.gateway.tokens.verify_ticket(ticket, resource)
        except TokenError as exc:
            raise ApiError(401, str(exc), "invalid_ticket") from None

    return viewer


VideoViewer = Annotated[str, Depends(media_viewer("video"))]
ImageViewer = Annotated[str, Depends(media_viewer("image"))]
