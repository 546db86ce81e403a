"""The `local` provider: offline, deterministic, no key."""

from reelflow_kit.ai.local.script_writer import LocalScriptWriter

__all__ = ["LocalScriptWriter"]
