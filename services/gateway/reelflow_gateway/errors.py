"""Every error is JSON: {"detail": "<what went wrong>", "code": "<snake_case>"} (+ "errors" on 400/422).

Bad input of any kind (malformed JSON, wrong types, unknown ids, oversized bodies) answers 4xx;
a dependency that is down answers 503; anything else is a bug and answers 500 without details.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pymongo.errors import PyMongoError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.routing import Match

from reelflow_gateway.schemas import ErrorOut
from reelflow_kit.bus.retry import INFRASTRUCTURE_ERRORS, is_transient_transaction_error

log = logging.getLogger(__name__)

_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "body_too_large",
    415: "unsupported_media_type",
    416: "range_not_satisfiable",
    422: "validation_error",
    429: "rate_limited",
    502: "upstream_failed",
    503: "unavailable",
}

_DESCRIPTIONS = {
    400: "Malformed request (e.g. a body that is not JSON)",
    401: "Missing, invalid or expired bearer token (or wrong credentials)",
    404: "No such resource for this user",
    409: "Conflict: the request was refused in the resource's current state",
    413: "Request body too large",
    416: "The byte range asked for lies past the end of the content (`Content-Range: bytes */<size>` gives the size)",
    422: "A field is missing or invalid; `errors` lists each one",
    429: "A limit is reached (`detail` says which and when to retry; `GET /api/limits` lists them): "
    "retry after `Retry-After` seconds",
    502: "The AI provider failed to write the script",
    503: "A server the gateway depends on (Kafka, MongoDB, object storage) is unavailable, or the resource is "
    "being changed by another request (`conflict_retry`): retry after `Retry-After` seconds",
}


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        detail: str,
        code: str | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.code = code or _STATUS_CODES.get(status, "error")
        self.headers = headers
        self.extra = extra
        """More fields of the error body (e.g. `missing_shots` of a refused video)."""


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        orjson.dumps(body, option=orjson.OPT_UTC_Z), status_code=status, media_type="application/json", headers=headers
    )


def error_response(
    status: int,
    detail: str,
    code: str | None = None,
    headers: dict[str, str] | None = None,
    errors: list[dict] | None = None,
    extra: dict[str, Any] | None = None,
) -> Response:
    body: dict[str, Any] = {"detail": detail, "code": code or _STATUS_CODES.get(status, "error")}
    for name, value in (extra or {}).items():
        body.setdefault(name, value)
    if errors is not None:
        body["errors"] = errors
    return json_response(body, status, headers)


def responses(*statuses: int, described: dict[int, str] | None = None) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries with the error model for a route's errors (`described` overrides texts)."""
    texts = {**{s: _DESCRIPTIONS[s] for s in statuses}, **(described or {})}
    return {
        status: {"model": ErrorOut, "description": text, **_headers_of(status)}
        for status, text in sorted(texts.items())
    }


RETRY_AFTER_HEADER = {"Retry-After": {"description": "seconds to wait before retrying", "schema": {"type": "integer"}}}


def _headers_of(status: int) -> dict[str, Any]:
    return {"headers": RETRY_AFTER_HEADER} if status == 429 else {}


def _where(loc: Iterable[Any]) -> str:
    parts = [str(p) for p in loc]
    if not parts:
        return "request"
    if parts[0] == "body":
        return ".".join(parts[1:]) or "body"
    if parts[0] in ("query", "path", "header", "cookie") and len(parts) > 1:
        return f"{parts[0]} parameter {'.'.join(parts[1:])}"
    return ".".join(parts)


def _message(error: dict) -> str:
    msg = str(error.get("msg", "invalid"))
    if error.get("type") == "missing" and tuple(error.get("loc", ())) == ("body",):
        return "a JSON body is required"
    return msg.removeprefix("Value error, ")


async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
    errors = [
        {"loc": list(e.get("loc", ())), "msg": _message(e), "type": str(e.get("type", "invalid"))} for e in exc.errors()
    ]
    if any(e["type"] == "json_invalid" for e in errors):
        where = next(e for e in errors if e["type"] == "json_invalid")
        ctx: dict[str, Any] = next((e.get("ctx", {}) for e in exc.errors() if e.get("type") == "json_invalid"), {})
        reason = ctx.get("error", "not valid JSON")
        return error_response(
            400, f"malformed JSON body: {reason} (at position {where['loc'][-1]})", "malformed_json", errors=errors
        )
    summary = "; ".join(f"{_where(e['loc'])}: {e['msg']}" for e in errors) or "invalid request"
    return error_response(422, summary, "validation_error", errors=errors)


async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
    detail = exc.detail
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"no such path: {request.url.path}"
    headers = getattr(exc, "headers", None)
    if exc.status_code == 405:
        detail = f"method {request.method} not allowed on {request.url.path}"
        headers = {**(headers or {}), "Allow": ", ".join(allowed_methods(request))}
    return error_response(exc.status_code, str(detail), headers=headers)


ROUTED_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def allowed_methods(request: Request) -> list[str]:
    """Every method some route serves at the request's path (the router's 405 names only the
    methods of the first route matching the path)."""
    return [
        method
        for method in ROUTED_METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] == Match.FULL for route in request.app.router.routes
        )
    ]


async def _api_error(request: Request, exc: ApiError) -> Response:
    return error_response(exc.status, exc.detail, exc.code, exc.headers, extra=exc.extra)


async def _unavailable(request: Request, exc: Exception) -> Response:
    log.warning("dependency unavailable", extra={"error": repr(exc), "path": request.url.path})
    return error_response(
        503, f"service unavailable: {type(exc).__name__}", "unavailable", headers={"Retry-After": "1"}
    )


async def _database_error(request: Request, exc: Exception) -> Response:
    """A transaction that lost a write conflict (after the route's own retries, if any) is worth
    retrying by the client; any other database error is a bug."""
    if is_transient_transaction_error(exc):
        log.warning("transaction conflict", extra={"error": repr(exc), "path": request.url.path})
        return error_response(
            503,
            "the resource is being changed by another request right now; retry shortly",
            "conflict_retry",
            headers={"Retry-After": "1"},
        )
    return await _unexpected(request, exc)


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error", extra={"path": request.url.path, "method": request.method})
    return error_response(500, "internal error", "internal_error")


def install_error_handlers(app: FastAPI) -> None:
    # ignored arg-type: Starlette types a handler as taking any Exception, not its own type (starlette PR #2403)
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(ApiError, _api_error)  # type: ignore[arg-type]
    for error_type in INFRASTRUCTURE_ERRORS:
        app.add_exception_handler(error_type, _unavailable)
    app.add_exception_handler(PyMongoError, _database_error)
    app.add_exception_handler(Exception, _unexpected)
