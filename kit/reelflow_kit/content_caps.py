"""Caps on how much one script may become, shared by the service that enforces them (scene)
and the one that states them to callers (gateway): the same REELFLOW_* variable sets both.

A service mixes them into its settings: `class Settings(KitSettings, ContentCaps)`.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from reelflow_kit.ai.timing import MAX_SHOTS

MAX_SCENES_CEILING = 1000
"""The most `max_scenes_per_script` may be set to (a page of scenes holds them all)."""
MAX_SHOTS_PER_SCENE = MAX_SHOTS
"""Fixed by the shot planners (local and AI alike plan 1 to this many shots per scene)."""


class ContentCaps(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REELFLOW_", env_file=None, extra="ignore")

    max_scenes_per_script: int = Field(
        default=300,
        ge=1,
        le=MAX_SCENES_CEILING,
        description="a script that cuts into more scenes fails segmentation (`too_many_scenes`); "
        "set the same value for the scene service and the gateway (which states it in /api/limits)",
    )
