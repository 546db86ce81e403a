"""The script service's handlers: one per command, each `(command, uow)`."""

from reelflow_script.handlers.generation import generate_script_with
from reelflow_script.handlers.script_commands import approve_script, create_script, update_script

__all__ = ["approve_script", "create_script", "generate_script_with", "update_script"]
