"""The FastAPI application: routes, error handlers, CORS, body limit, runtime lifespan."""

from __future__ import annotations

import gc
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from reelflow_gateway.api import api_router, health
from reelflow_gateway.bootstrap import build
from reelflow_gateway.errors import install_error_handlers, responses
from reelflow_gateway.limits.limiter import is_limited_write
from reelflow_gateway.middleware import BodySizeLimit, JsonCORSMiddleware
from reelflow_gateway.settings import Settings
from reelflow_gateway.studio import studio_routes

DESCRIPTION = """\
AI-assisted video production. Register, get a bearer token from `/api/auth/token`
(the Authorize button here does it for you), then write or generate scripts. Approving a
script has the AI cut it into scenes (`GET /api/scripts/{id}/scenes`); edit and approve each
scene, and the AI plans its shots with image prompts (`GET /api/scenes/{id}/shots`) and draws
an image for each (`GET /api/scenes/{id}/images`): approve or reject (with feedback) each one.
When every shot has an approved image, `POST /api/scripts/{id}/create-video` renders the video.

Writes are commands on the event bus: the answer is the new state (201/200) once the owning
service applied it, 409 if it refused (`code` says why), or 202 with a `Location` to poll when
it takes longer than a few seconds. Every error is JSON `{"detail", "code"}`.

Limits (`GET /api/limits` lists them with their values): login and registration attempts per
client address and per account, writes per user, running operations per user, event streams and
held GETs per user answer `429` with `Retry-After` once reached; a script cuts into at most
`scenes_per_script` scenes and a scene into at most `shots_per_scene` shots.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    state = build(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        await state.runtime.start()
        await state.read_model.start()
        # Startup objects live as long as the process: keep them out of the cyclic GC's scans,
        # which makes full collections (and so latency spikes) much smaller.
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            await state.read_model.stop()
            await state.runtime.stop()
            state.passwords.shutdown()

    app = FastAPI(title="Reelflow API", version="0.1.0", description=DESCRIPTION, lifespan=lifespan)
    app.state.gateway = state
    app.state.runtime = state.runtime
    install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(api_router)
    app.router.routes.extend(studio_routes())  # the web studio at `/`, outside the OpenAPI document
    app.add_middleware(BodySizeLimit, limit=settings.max_body_bytes)
    if settings.cors_origins:
        app.add_middleware(
            JsonCORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=["Location", "Retry-After", "X-Request-ID", "X-Command-ID", "ETag", "Content-Range", "Accept-Ranges"],
            allow_credentials="*" not in settings.cors_origins,
        )
    app.openapi = lambda: openapi_schema(app)  # type: ignore[method-assign]
    return app


def openapi_schema(app: FastAPI) -> dict:
    """FastAPI's document, with its default 422 model replaced by the error model actually sent."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    error_ref = {"$ref": "#/components/schemas/ErrorOut"}
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            invalid = operation.get("responses", {}).get("422")
            if invalid:
                invalid["description"] = "A field is missing or invalid; `errors` lists each one"
                invalid["content"] = {"application/json": {"schema": error_ref}}
    add_write_rate_limit(schema)
    components = schema.get("components", {}).get("schemas", {})
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    app.openapi_schema = schema
    return schema


def add_write_rate_limit(schema: dict) -> None:
    """Documents the 429 of the per-user write rate on every route it applies to (api/guards.py)."""
    rate_limited = responses(429, described={429: "Too many writes by this user (`writes_per_user` in "
                                                  "`GET /api/limits`): retry after `Retry-After` seconds"})[429]
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            if is_limited_write(method, path):
                entry = {key: value for key, value in rate_limited.items() if key != "model"}
                entry["content"] = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
                operation.setdefault("responses", {}).setdefault("429", entry)
