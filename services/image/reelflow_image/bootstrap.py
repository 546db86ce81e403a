"""Composition root: wires the image service's handlers and generation jobs to the bus, database,
object store and AI provider. The handlers get what they use from here (their unit of work, the
media store, the generator, this instance's id), never from the runtime."""

from reelflow_contracts.messages.image import ApproveImage, RejectImage
from reelflow_contracts.messages.scene import ShotPlanned
from reelflow_contracts.topics import IMAGE_COMMANDS, IMAGE_EVENTS, SCENE_EVENTS
from reelflow_image.adapters import ensure_indexes
from reelflow_image.adapters.media import ImageMedia
from reelflow_image.handlers import (
    GENERATE_IMAGE,
    approve_image,
    generate_images_with,
    give_up,
    on_shot_planned,
    reject_image_with,
    shot_not_drawn,
)
from reelflow_image.settings import Settings
from reelflow_image.unit_of_work import ImageUnitOfWork
from reelflow_kit.ai import ImageGenerator, make_image_generator
from reelflow_kit.metrics.ai import observed
from reelflow_kit.runtime import ServiceRuntime
from reelflow_kit.unit_of_work import give_up_handler, job_handler, message_handlers

CONSUMER_GROUP = "image-service"


def build(settings: Settings | None = None, *, image_generator: ImageGenerator | None = None) -> ServiceRuntime:
    """The image service: consumer group `image-service` on `scene.events` (ShotPlanned) and
    `image.commands`, generation as `generate-image` jobs, events through the outbox to
    `image.events`, PNGs in its bucket. `image_generator` overrides the provider chosen by the settings."""
    settings = settings or Settings()
    runtime = ServiceRuntime(settings, topics=[SCENE_EVENTS, IMAGE_COMMANDS, IMAGE_EVENTS])
    assert runtime.store is not None, "the image service keeps its PNGs in the object store"
    media = ImageMedia(runtime.store)
    generator = observed(
        image_generator or make_image_generator(settings), "image_generation", runtime.metrics.ai, settings.ai_provider
    )

    async def create_indexes(rt: ServiceRuntime) -> None:
        await ensure_indexes(rt.db)

    runtime.on_startup(create_indexes)
    runtime.consume(
        CONSUMER_GROUP,
        [SCENE_EVENTS, IMAGE_COMMANDS],
        handlers=message_handlers(
            ImageUnitOfWork,
            {
                ShotPlanned: on_shot_planned,
                ApproveImage: approve_image,
                RejectImage: reject_image_with(settings.image_max_attempts),
            },
        ),
        on_dead_letter={ShotPlanned: shot_not_drawn},
    )
    runtime.work(
        GENERATE_IMAGE,
        job_handler(ImageUnitOfWork, generate_images_with(generator, media, runtime.instance_id)),
        concurrency=settings.image_concurrency,
        lease_s=settings.image_generation_lease_s,
        max_attempts=settings.image_generation_tries,
        on_give_up=give_up_handler(ImageUnitOfWork, give_up),
        deadline_s=settings.image_generation_deadline_s,
        max_outages=settings.image_generation_max_outages,
    )
    return runtime
