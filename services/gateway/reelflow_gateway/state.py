"""What the routes share, one per process (built by bootstrap.py): settings, the views, the
command sender, the operations service, the stores."""

from __future__ import annotations

from dataclasses import dataclass, field

from reelflow_gateway.auth.passwords import PasswordHashing
from reelflow_gateway.auth.tokens import TokenCodec
from reelflow_gateway.auth.users import UserStore
from reelflow_gateway.commands import CommandSender
from reelflow_gateway.idempotency import IdempotencyStore
from reelflow_gateway.limits.held import HeldRequests
from reelflow_gateway.limits.limiter import RateLimiter
from reelflow_gateway.media import MediaStore
from reelflow_gateway.operations.service import OperationService
from reelflow_gateway.readmodel.consumer import ReadModelConsumer
from reelflow_gateway.readmodel.images import ImagesView
from reelflow_gateway.readmodel.outcomes import OutcomeWaiters
from reelflow_gateway.readmodel.scenes import ScenesView
from reelflow_gateway.readmodel.scripts import ScriptsView
from reelflow_gateway.readmodel.videos import VideosView
from reelflow_gateway.settings import Settings
from reelflow_gateway.webhooks.secret_store import WebhookSecrets
from reelflow_kit.runtime import ServiceRuntime


@dataclass
class AppState:
    settings: Settings
    runtime: ServiceRuntime
    waiters: OutcomeWaiters
    users: UserStore
    scripts: ScriptsView
    scenes: ScenesView
    images: ImagesView
    videos: VideosView
    read_model: ReadModelConsumer
    commands: CommandSender
    operations: OperationService
    """Start, cancel and read operations (the process manager drives them)."""
    image_media: MediaStore
    """The image service's bucket (PNGs)."""
    video_media: MediaStore
    """The video service's bucket (MP4s)."""
    idempotency: IdempotencyStore
    webhook_secrets: WebhookSecrets
    """Each owner's webhook signing secrets."""
    passwords: PasswordHashing
    """Password hashing on threads of its own."""
    limiter: RateLimiter
    """Rate limits, counted in MongoDB (shared by every instance)."""
    held: HeldRequests
    """Event streams and held GETs open on this instance, per user."""
    tokens: TokenCodec | None = field(default=None)
    """Set on startup, once the signing key is known."""
