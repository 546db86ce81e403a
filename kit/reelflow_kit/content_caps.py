"""Caps on how much one script may become, shared by the service that enforces them (scene)
and the one that states them to callers (gateway): the same REELFLOW_* variable sets both.

A service mixes them into its settings: `class Settings(KitSettings, ContentCaps)`.
"""

from __future__ import annotations

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from reelflow_kit.ai.timing import MAX_SHOT_S, MAX_SHOTS, MIN_SHOT_S, SHOT_S_CEILING, Pacing

MAX_SCENES_CEILING = 1000
"""The most `max_scenes_per_script` may be set to (a page of scenes holds them all)."""
MAX_SHOTS_PER_SCENE = MAX_SHOTS
"""Fixed: the shot planners (local and AI alike) plan 1 to this many shots per scene (a page of
shots holds them all). A scene's planned time is at most this many shots of `max_shot_s`."""


class ContentCaps(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REELFLOW_", env_file=None, extra="ignore")

    max_scenes_per_script: int = Field(
        default=300,
        ge=1,
        le=MAX_SCENES_CEILING,
        description="a script that cuts into more scenes fails segmentation (`too_many_scenes`); "
        "set the same value for the scene service and the gateway (which states it in /api/limits)",
    )
    max_shot_s: float = Field(
        default=MAX_SHOT_S,
        ge=2.0,
        le=SHOT_S_CEILING,
        description="the longest a planned shot lasts: a passage that takes longer to read gets more shots, "
        "not longer ones (a scene has at most 100 shots); set the same value for the scene service and the gateway",
    )
    min_shot_s: float = Field(
        default=MIN_SHOT_S,
        ge=1.0,
        le=SHOT_S_CEILING / 2,
        description="the shortest a planned shot lasts (a scene at least 4 s), at most half of max_shot_s; "
        "set the same value for the scene service and the gateway",
    )

    @model_validator(mode="after")
    def _shot_lengths_fit(self) -> ContentCaps:
        if self.min_shot_s > self.max_shot_s / 2:
            raise ValueError(
                f"min_shot_s ({self.min_shot_s}) must be at most half of max_shot_s ({self.max_shot_s}), "
                "so a passage just over the longest shot can be cut in two"
            )
        return self

    @property
    def pacing(self) -> Pacing:
        return Pacing(max_shot_s=self.max_shot_s, min_shot_s=self.min_shot_s)
