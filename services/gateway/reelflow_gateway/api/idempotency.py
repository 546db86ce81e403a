"""The `Idempotency-Key` header of the creating POSTs (see reelflow_gateway/idempotency.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

import orjson
from fastapi import Header, Request
from starlette.responses import Response

from reelflow_gateway.errors import ApiError, error_response, responses
from reelflow_gateway.idempotency import KEPT_HEADERS, Kept, KeyInUse, KeyReused, fingerprint, worth_keeping
from reelflow_gateway.state import AppState

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        pattern=r"^[\x21-\x7e]+$",
        description="any unique string (a UUID): the same request sent again with it within a day gets the first "
        "answer instead of a second effect",
    ),
]

IDEMPOTENCY_RESPONSES = responses(
    described={
        409: "Conflict: refused in the resource's current state, or `idempotency_key_in_use` (a request with this "
        "Idempotency-Key is still running: retry after Retry-After)"
    }
)


async def once(
    state: AppState,
    request: Request,
    user: str,
    key: str | None,
    run: Callable[[], Awaitable[Response]],
    unkept_fields: tuple[str, ...] = (),
) -> Response:
    """`run()` the first time this user sends `key` to this route; the kept answer after that
    (without `unkept_fields` of its JSON body: a secret is shown once)."""
    if key is None:
        return await run()
    scope = request.scope["route"].path if "route" in request.scope else request.url.path
    print_ = fingerprint(request.method, request.url.path, await request.body())
    try:
        kept = await state.idempotency.claim(user, scope, key, print_)
    except KeyInUse:
        raise ApiError(
            409,
            "a request with this Idempotency-Key is still in progress; retry shortly",
            "idempotency_key_in_use",
            {"Retry-After": "1"},
        ) from None
    except KeyReused:
        raise ApiError(
            422, "this Idempotency-Key was used for a different request; use a new key", "idempotency_key_reused"
        ) from None
    if kept is not None:
        return Response(kept.body, kept.status, headers={**kept.headers, "Idempotent-Replayed": "true"})
    try:
        response = await run()
    except ApiError as exc:
        response = error_response(exc.status, exc.detail, exc.code, exc.headers, extra=exc.extra)
    except BaseException:
        await state.idempotency.release(user, scope, key)
        raise
    if worth_keeping(response.status_code):
        headers = {k: v for k, v in response.headers.items() if k in KEPT_HEADERS}
        await state.idempotency.keep(
            user, scope, key, Kept(response.status_code, _without(bytes(response.body), unkept_fields), headers)
        )
    else:
        await state.idempotency.release(user, scope, key)
    return response


def _without(body: bytes, fields: tuple[str, ...]) -> bytes:
    if not fields:
        return body
    document = orjson.loads(body)
    return orjson.dumps({k: v for k, v in document.items() if k not in fields}) if isinstance(document, dict) else body
