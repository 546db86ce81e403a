"""Composition root: wires the video service's handlers to the bus, database and storage."""

from reelflow_contracts.topics import VIDEO_COMMANDS, SCENE_EVENTS, IMAGE_EVENTS
from reelflow_kit.runtime import ServiceRuntime

from reelflow_video.settings import Settings

CONSUMER_GROUP = "video-service"


def build(settings: Settings | None = None) -> ServiceRuntime:
    settings = settings or Settings()
    runtime = ServiceRuntime(settings)
    runtime.consume(CONSUMER_GROUP, [VIDEO_COMMANDS, SCENE_EVENTS, IMAGE_EVENTS], handlers={})
    return runtime
