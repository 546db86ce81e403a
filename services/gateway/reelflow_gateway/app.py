"""The FastAPI application."""

from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse

from reelflow_kit.health import health_report
from reelflow_gateway.bootstrap import build_runtime
from reelflow_gateway.settings import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    runtime = build_runtime(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(title="Reelflow API", version="0.1.0", lifespan=lifespan)
    app.state.runtime = runtime
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["*"],
            allow_headers=["*"],
            allow_credentials=True,
        )

    @app.get("/healthz", tags=["health"], summary="Broker and MongoDB reachable")
    async def healthz() -> JSONResponse:
        report = await health_report(runtime)
        return JSONResponse(report, status_code=200 if report["status"] == "ok" else 503)

    return app
