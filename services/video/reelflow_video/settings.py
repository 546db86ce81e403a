from pathlib import Path

from pydantic import Field

from reelflow_kit.ai import AISettings, NarrationSettings
from reelflow_kit.settings import KitSettings


class Settings(KitSettings, AISettings, NarrationSettings):
    service_name: str = "video"
    health_port: int = 8084
    image_bucket: str = Field(default="reelflow-image", description="where the image service keeps approved images")
    create_video_grace_s: float = Field(
        default=3.0,
        ge=0,
        description="how long a CreateVideo whose sender saw more than the storyboard holds "
        "(an image approved a moment before) waits for it, before it is decided with "
        "what the storyboard holds",
    )
    render_concurrency: int = Field(default=1, ge=1, description="videos rendered at once by one instance")
    render_parallel_pieces: int = Field(
        default=0, ge=0, description="FFmpeg processes per render; 0: one per usable CPU (a container's CPU limit)"
    )
    render_max_attempts: int = Field(default=3, ge=1, description="tries of a render before VideoFailed")
    render_lease_s: float = Field(
        default=30.0,
        gt=0,
        description="a render whose instance went silent this long is taken over (renewed every third of it)",
    )
    render_deadline_s: float = Field(
        default=1800.0,
        gt=0,
        description="a try of a render still running this long is cancelled, its FFmpeg "
        "processes killed (a failed try)",
    )
    render_progress_every_s: float = Field(
        default=1.0,
        gt=0,
        description="a rendering video's progress (VideoRenderProgressed) goes out at most this often",
    )
    workdir: Path = Field(default=Path("/tmp/reelflow-video"), description="scratch space for renders")
