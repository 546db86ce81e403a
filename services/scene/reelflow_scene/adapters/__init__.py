"""Adapters: the scene service's ports to MongoDB (`scenes`, `shots`, `scripts` collections).
(Its AI port is the kit's `reelflow_kit.ai`.)"""

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from reelflow_scene.adapters.scenes import ensure_scene_indexes
from reelflow_scene.adapters.shots import ensure_shot_indexes


async def ensure_indexes(db: AsyncDatabase[dict[str, Any]]) -> None:
    await ensure_scene_indexes(db)
    await ensure_shot_indexes(db)
