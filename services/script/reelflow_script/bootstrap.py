"""Composition root: wires the script service's handlers to the bus, database and AI provider."""

from reelflow_contracts.messages.script import ApproveScript, CreateScript, GenerateScript, UpdateScript
from reelflow_contracts.topics import SCRIPT_COMMANDS, SCRIPT_EVENTS
from reelflow_kit.ai import ScriptWriter, make_script_writer
from reelflow_kit.metrics.ai import observed
from reelflow_kit.runtime import ServiceRuntime
from reelflow_kit.unit_of_work import message_handlers
from reelflow_script.handlers import approve_script, create_script, generate_script_with, update_script
from reelflow_script.settings import Settings
from reelflow_script.unit_of_work import ScriptUnitOfWork

CONSUMER_GROUP = "script-service"


def build(settings: Settings | None = None, *, script_writer: ScriptWriter | None = None) -> ServiceRuntime:
    """The script service: consumer group `script-service` on `script.commands`, events through the
    outbox to `script.events`. `script_writer` overrides the provider chosen by the settings."""
    settings = settings or Settings()
    runtime = ServiceRuntime(settings, uses_object_store=False, topics=[SCRIPT_COMMANDS, SCRIPT_EVENTS])
    writer = observed(
        script_writer or make_script_writer(settings), "script_writing", runtime.metrics.ai, settings.ai_provider
    )
    runtime.consume(
        CONSUMER_GROUP,
        [SCRIPT_COMMANDS],
        handlers=message_handlers(
            ScriptUnitOfWork,
            {
                CreateScript: create_script,
                UpdateScript: update_script,
                ApproveScript: approve_script,
                GenerateScript: generate_script_with(writer),
            },
        ),
    )
    return runtime
