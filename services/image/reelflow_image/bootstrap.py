"""Composition root: wires the image service's handlers and generation jobs to the bus, database,
object store and AI provider."""

from reelflow_contracts.messages.image import ApproveImage, RejectImage
from reelflow_contracts.messages.scene import ShotPlanned
from reelflow_contracts.topics import IMAGE_COMMANDS, IMAGE_EVENTS, SCENE_EVENTS
from reelflow_kit.ai import ImageGenerator, make_image_generator
from reelflow_kit.runtime import ServiceRuntime

from reelflow_image.adapters import ensure_indexes
from reelflow_image.handlers import (
    GENERATE_IMAGE, approve_image, generate_images_with, give_up, on_shot_planned, reject_image_with, shot_not_drawn,
)
from reelflow_image.settings import Settings

CONSUMER_GROUP = "image-service"


def build(settings: Settings | None = None, *, image_generator: ImageGenerator | None = None) -> ServiceRuntime:
    """The image service: consumer group `image-service` on `scene.events` (ShotPlanned) and
    `image.commands`, generation as `generate-image` jobs, events through the outbox to
    `image.events`, PNGs in its bucket. `image_generator` overrides the provider chosen by the settings."""
    settings = settings or Settings()
    runtime = ServiceRuntime(settings, topics=[SCENE_EVENTS, IMAGE_COMMANDS, IMAGE_EVENTS])

    async def create_indexes(rt: ServiceRuntime) -> None:
        await ensure_indexes(rt.db)

    runtime.on_startup(create_indexes)
    runtime.consume(CONSUMER_GROUP, [SCENE_EVENTS, IMAGE_COMMANDS], handlers={
        ShotPlanned: on_shot_planned,
        ApproveImage: approve_image,
        RejectImage: reject_image_with(settings.image_max_attempts),
    }, on_dead_letter={ShotPlanned: shot_not_drawn})
    runtime.work(GENERATE_IMAGE, generate_images_with(image_generator or make_image_generator(settings)),
                 concurrency=settings.image_concurrency, lease_s=settings.image_generation_lease_s,
                 max_attempts=settings.image_generation_tries, on_give_up=give_up,
                 deadline_s=settings.image_generation_deadline_s,
                 max_outages=settings.image_generation_max_outages)
    return runtime
