"""Choosing the provider of each capability from AISettings (`REELFLOW_AI_PROVIDER`).

One `make_<capability>` function per capability, each with a local and an openai
implementation; narration gets its own here next.
"""

from __future__ import annotations

from reelflow_kit.ai.image_generation import ImageGenerator
from reelflow_kit.ai.narration import NarrationSettings, Narrator
from reelflow_kit.ai.script_writing import ScriptWriter
from reelflow_kit.ai.segmentation import Segmenter
from reelflow_kit.ai.settings import AISettings
from reelflow_kit.ai.shot_planning import ShotPlanner
from reelflow_kit.ai.timing import DEFAULT_PACING, Pacing


def make_script_writer(settings: AISettings | None = None) -> ScriptWriter:
    settings = settings or AISettings()
    if settings.ai_provider == "openai":
        from reelflow_kit.ai.openai_compat import OpenAIScriptWriter, StructuredChat

        return OpenAIScriptWriter(StructuredChat(settings))
    from reelflow_kit.ai.local import LocalScriptWriter

    return LocalScriptWriter()


def make_segmenter(settings: AISettings | None = None) -> Segmenter:
    settings = settings or AISettings()
    if settings.ai_provider == "openai":
        from reelflow_kit.ai.openai_compat import OpenAISegmenter, StructuredChat

        return OpenAISegmenter(StructuredChat(settings))
    from reelflow_kit.ai.local import LocalSegmenter

    return LocalSegmenter()


def make_shot_planner(settings: AISettings | None = None, pacing: Pacing | None = None) -> ShotPlanner:
    """The shot planner of `settings.ai_provider`, keeping to `pacing`, else to the pacing of
    `settings` when it mixes ContentCaps in (REELFLOW_MAX_SHOT_S, REELFLOW_MIN_SHOT_S), else the default."""
    settings = settings or AISettings()
    if pacing is None:
        pacing = _pacing_in(settings)
    if settings.ai_provider == "openai":
        from reelflow_kit.ai.openai_compat import OpenAIShotPlanner, StructuredChat

        return OpenAIShotPlanner(StructuredChat(settings), pacing)
    from reelflow_kit.ai.local import LocalShotPlanner

    return LocalShotPlanner(pacing)


def make_image_generator(settings: AISettings | None = None) -> ImageGenerator:
    settings = settings or AISettings()
    if settings.ai_provider == "openai":
        from reelflow_kit.ai.openai_compat import OpenAIImageGenerator

        return OpenAIImageGenerator(settings)
    from reelflow_kit.ai.local import LocalImageGenerator

    return LocalImageGenerator()


def make_narrator(settings: AISettings | None = None, narration: NarrationSettings | None = None) -> Narrator:
    """The narrator of `settings.ai_provider`. Narration settings come from `narration`, else from
    `settings` when it mixes NarrationSettings in, else from the environment."""
    settings = settings or AISettings()
    if narration is None:
        narration = _narration_settings_in(settings)
    if settings.ai_provider == "openai":
        from reelflow_kit.ai.openai_compat.speech import OpenAINarrator

        return OpenAINarrator(settings, narration)
    from reelflow_kit.ai.local.espeak import EspeakNarrator

    return EspeakNarrator(voice=narration.local_tts_voice, rate_wpm=narration.local_tts_rate_wpm)


def _pacing_in(settings: object) -> Pacing:
    """The pacing of `settings` when it mixes ContentCaps in, else the default."""
    from reelflow_kit.content_caps import ContentCaps

    return settings.pacing if isinstance(settings, ContentCaps) else DEFAULT_PACING


def _narration_settings_in(settings: object) -> NarrationSettings:
    """`settings` when it mixes NarrationSettings in (taken as any object: for mypy, the generated
    initialisers of AISettings and NarrationSettings would rule a class with both out), else the
    environment's."""
    return settings if isinstance(settings, NarrationSettings) else NarrationSettings()
