"""Composition root: the gateway's runtime (bus, database) and its FastAPI app."""

from reelflow_contracts.topics import EVENT_TOPICS
from reelflow_kit.runtime import ServiceRuntime

from reelflow_gateway.settings import Settings

READ_MODEL_GROUP = "gateway-read-model"


def build_runtime(settings: Settings) -> ServiceRuntime:
    runtime = ServiceRuntime(settings, uses_object_store=False)
    runtime.consume(READ_MODEL_GROUP, EVENT_TOPICS, handlers={})
    return runtime
