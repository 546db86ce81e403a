"""The kit's settings mixins together, as a service mixes them (`class Settings(KitSettings,
AISettings, NarrationSettings)`): each mixin's comma-separated lists are still split."""

from __future__ import annotations

from reelflow_kit.ai.narration import NarrationSettings
from reelflow_kit.ai.settings import AISettings
from reelflow_kit.settings import KitSettings


class Mixed(KitSettings, AISettings, NarrationSettings):
    pass


def test_every_mixin_splits_its_comma_lists(monkeypatch):
    monkeypatch.setenv("REELFLOW_OPENAI_FALLBACK_MODELS", "qwen2.5, mistral")
    monkeypatch.setenv("REELFLOW_OPENAI_IMAGE_FALLBACK_MODELS", "dall-e-3")
    monkeypatch.setenv("REELFLOW_OPENAI_TTS_FALLBACK_MODELS", " tts-1 ,tts-1-hd,")
    settings = Mixed()
    assert settings.openai_fallback_models == ("qwen2.5", "mistral")
    assert settings.openai_image_fallback_models == ("dall-e-3",)
    assert settings.openai_tts_fallback_models == ("tts-1", "tts-1-hd")
