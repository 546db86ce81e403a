"""Composition root: wires the script service's handlers to the bus, database and storage."""

from reelflow_contracts.topics import SCRIPT_COMMANDS
from reelflow_kit.runtime import ServiceRuntime

from reelflow_script.settings import Settings

CONSUMER_GROUP = "script-service"


def build(settings: Settings | None = None) -> ServiceRuntime:
    settings = settings or Settings()
    runtime = ServiceRuntime(settings)
    runtime.consume(CONSUMER_GROUP, [SCRIPT_COMMANDS], handlers={})
    return runtime
