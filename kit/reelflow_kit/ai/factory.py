"""Choosing the provider of each capability from AISettings (`REELFLOW_AI_PROVIDER`).

One `make_<capability>` function per capability; segmentation, shot planning, image generation
and narration get theirs next to `make_script_writer`, with a local and an openai implementation.
"""

from __future__ import annotations

from reelflow_kit.ai.script_writing import ScriptWriter
from reelflow_kit.ai.settings import AISettings


def make_script_writer(settings: AISettings | None = None) -> ScriptWriter:
    settings = settings or AISettings()
    if settings.ai_provider == "openai":
        from reelflow_kit.ai.openai_compat import OpenAIScriptWriter, StructuredChat

        return OpenAIScriptWriter(StructuredChat(settings))
    from reelflow_kit.ai.local import LocalScriptWriter

    return LocalScriptWriter()
