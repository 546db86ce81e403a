"""Composition root: wires the image service's handlers to the bus, database and storage."""

from reelflow_contracts.topics import IMAGE_COMMANDS, SCENE_EVENTS, IMAGE_EVENTS
from reelflow_kit.runtime import ServiceRuntime

from reelflow_image.settings import Settings

CONSUMER_GROUP = "image-service"


def build(settings: Settings | None = None) -> ServiceRuntime:
    settings = settings or Settings()
    runtime = ServiceRuntime(settings)
    runtime.consume(CONSUMER_GROUP, [IMAGE_COMMANDS, SCENE_EVENTS, IMAGE_EVENTS], handlers={})
    return runtime
