"""Scene service settings: the kit's connection settings, the AI provider's, and shot planning's (REELFLOW_*)."""

from pydantic import Field

from reelflow_kit.ai import AISettings
from reelflow_kit.content_caps import ContentCaps
from reelflow_kit.settings import KitSettings


class Settings(KitSettings, AISettings, ContentCaps):
    service_name: str = "scene"
    health_port: int = 8082
    shot_planning_concurrency: int = Field(default=4, ge=1, description="scenes planned at once by one instance")
    shot_planning_max_attempts: int = Field(
        default=5, ge=1, description="tries of a scene's shot planning before ShotPlanningFailed"
    )
    shot_planning_lease_s: float = Field(
        default=60.0, gt=0, description="a planning job whose instance went silent this long is taken over"
    )
    shot_planning_deadline_s: float = Field(
        default=300.0,
        gt=0,
        description="a try of a scene's shot planning still running this long is cancelled "
        "(a failed try); above openai_deadline_s",
    )
