"""HTTP routes, one module per resource."""

from fastapi import APIRouter, Depends

from reelflow_gateway.api import (
    auth,
    commands,
    health,
    images,
    limits,
    operations,
    providers,
    scenes,
    scripts,
    videos,
    webhooks,
)
from reelflow_gateway.api.guards import limit_writes

api_router = APIRouter(prefix="/api", dependencies=[Depends(limit_writes)])
api_router.include_router(auth.router)
api_router.include_router(limits.router)
api_router.include_router(providers.router)
api_router.include_router(scripts.router)
api_router.include_router(scenes.router)
api_router.include_router(images.router)
api_router.include_router(videos.router)
api_router.include_router(operations.router)
api_router.include_router(commands.router)
api_router.include_router(webhooks.router)

__all__ = ["api_router", "health"]
