"""Image service settings: the kit's connection settings, the AI provider's, and image generation's (REELFLOW_*)."""

from pydantic import Field

from reelflow_kit.ai import AISettings
from reelflow_kit.settings import KitSettings


class Settings(KitSettings, AISettings):
    service_name: str = "image"
    health_port: int = 8083
    image_concurrency: int = Field(default=3, ge=1, description="images generated at once by one instance")
    image_max_attempts: int = Field(
        default=5,
        ge=1,
        le=1000,
        description="images per shot: a rejection past the last one ends in "
        "ImageGenerationFailed (`max_attempts`) instead of a new attempt",
    )
    image_generation_tries: int = Field(
        default=5, ge=1, description="tries of one attempt (provider or storage errors) before ImageGenerationFailed"
    )
    image_generation_lease_s: float = Field(
        default=20.0, gt=0, description="a generation whose instance went silent this long is taken over"
    )
    image_generation_max_outages: int = Field(
        default=20,
        ge=1,
        description="tries of one attempt that met the store away (retried with backoff up to "
        "30 s, not counted in image_generation_tries) before ImageGenerationFailed",
    )
    image_generation_deadline_s: float = Field(
        default=300.0,
        gt=0,
        description="a try of one image still running this long is cancelled (a failed try); above openai_deadline_s",
    )
