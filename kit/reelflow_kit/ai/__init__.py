"""AI providers for Reelflow services: one small interface per capability, two providers.

    from reelflow_kit.ai import AISettings, AIProviderError, make_script_writer

    writer = make_script_writer(settings)          # settings: AISettings (or a subclass)
    try:
        script = await writer.write_script("A lighthouse keeper finds...", title_hint="", target_scenes=5)
    except AIProviderError as err:                  # err.code, err.attempts, err.usage, str(err)
        ...
    script.title, script.content, script.usage      # usage goes on the emitted event

Providers (`REELFLOW_AI_PROVIDER`): `local` (default; offline, deterministic) and `openai`
(any OpenAI-compatible API; see AISettings). Capabilities: script writing now; segmentation,
shot planning, image generation and narration follow as sibling interfaces and factories.
"""

from reelflow_contracts.messages.base import Usage
from reelflow_kit.ai.errors import AIProviderError
from reelflow_kit.ai.factory import make_script_writer
from reelflow_kit.ai.screenplay import Beat, Scene, Screenplay, render_screenplay
from reelflow_kit.ai.script_writing import ScriptWriter, WrittenScript
from reelflow_kit.ai.settings import AIProviderName, AISettings

__all__ = [
    "AIProviderError",
    "AIProviderName",
    "AISettings",
    "Beat",
    "Scene",
    "Screenplay",
    "ScriptWriter",
    "Usage",
    "WrittenScript",
    "make_script_writer",
    "render_screenplay",
]
