"""The FastAPI application: routes, error handlers, CORS, body limit, runtime lifespan."""

from __future__ import annotations

import gc
from contextlib import asynccontextmanager

from fastapi import FastAPI

from reelflow_gateway.api import api_router, health, metrics
from reelflow_gateway.apidoc import openapi_schema, operation_id
from reelflow_gateway.apidoc.asyncapi_page import asyncapi_routes
from reelflow_gateway.bootstrap import build
from reelflow_gateway.errors import install_error_handlers
from reelflow_gateway.metrics import HttpMetrics
from reelflow_gateway.middleware import BodySizeLimit, HttpMetricsMiddleware, JsonCORSMiddleware
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

Pacing: a shot is on screen while its narration is read (2.5 words a second), between
`shot_min_s` (3 s by default) and `shot_max_s` (8 s by default) long; a passage that takes longer
to read gets more shots, never longer ones. A scene lasts at least 4 s. A long chapter under a
heading is cut into scenes of at most 2400 characters at its breaks (`* * *`, groups of blank
lines, paragraphs), the heading staying on the first; a scene under a slugline is never cut.
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

    app = FastAPI(
        title="Reelflow API",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        generate_unique_id_function=operation_id,
    )
    app.state.gateway = state
    app.state.runtime = state.runtime
    install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(metrics.router)
    app.include_router(api_router)
    app.router.routes.extend(asyncapi_routes())  # the message contract: `/asyncapi.yaml` and a page at `/asyncapi`
    app.router.routes.extend(studio_routes())  # the web studio at `/`, outside the OpenAPI document
    app.add_middleware(BodySizeLimit, limit=settings.max_body_bytes)
    if settings.cors_origins:
        app.add_middleware(
            JsonCORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=[
                "Location",
                "Retry-After",
                "X-Request-ID",
                "X-Command-ID",
                "ETag",
                "Content-Range",
                "Accept-Ranges",
            ],
            allow_credentials="*" not in settings.cors_origins,
        )
    # outermost: counts what the middlewares inside answer too (413, CORS refusals)
    app.add_middleware(HttpMetricsMiddleware, metrics=HttpMetrics(state.runtime.metrics.registry))
    app.openapi = lambda: openapi_schema(app)  # type: ignore[method-assign]
    return app
