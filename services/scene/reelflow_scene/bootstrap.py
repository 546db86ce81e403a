"""Composition root: wires the scene service's handlers to the bus, database and storage."""

from reelflow_contracts.topics import SCENE_COMMANDS, SCRIPT_EVENTS
from reelflow_kit.runtime import ServiceRuntime

from reelflow_scene.settings import Settings

CONSUMER_GROUP = "scene-service"


def build(settings: Settings | None = None) -> ServiceRuntime:
    settings = settings or Settings()
    runtime = ServiceRuntime(settings)
    runtime.consume(CONSUMER_GROUP, [SCENE_COMMANDS, SCRIPT_EVENTS], handlers={})
    return runtime
