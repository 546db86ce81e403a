"""AI settings from REELFLOW_* variables, and the factory choosing a provider from them."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from reelflow_kit.ai import AISettings, make_script_writer
from reelflow_kit.ai.local import LocalScriptWriter
from reelflow_kit.ai.openai_compat import OpenAIScriptWriter

AI_VARIABLES = (
    "REELFLOW_AI_PROVIDER",
    "REELFLOW_OPENAI_BASE_URL",
    "REELFLOW_OPENAI_API_KEY",
    "REELFLOW_OPENAI_MODEL",
    "REELFLOW_OPENAI_FALLBACK_MODELS",
    "REELFLOW_OPENAI_MAX_RETRIES",
    "REELFLOW_OPENAI_TIMEOUT_S",
)


@pytest.fixture
def clean_env(monkeypatch):
    for name in AI_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_the_default_provider_is_local(clean_env):
    settings = AISettings()
    assert settings.ai_provider == "local"
    assert isinstance(make_script_writer(settings), LocalScriptWriter)


def test_openai_settings_come_from_the_environment(clean_env):
    clean_env.setenv("REELFLOW_AI_PROVIDER", "openai")
    clean_env.setenv("REELFLOW_OPENAI_BASE_URL", "http://127.0.0.1:11434/v1")
    clean_env.setenv("REELFLOW_OPENAI_API_KEY", "sk-test")
    clean_env.setenv("REELFLOW_OPENAI_MODEL", "llama3.1")
    clean_env.setenv("REELFLOW_OPENAI_FALLBACK_MODELS", " qwen2.5, llama3.1 ,mistral,")
    clean_env.setenv("REELFLOW_OPENAI_MAX_RETRIES", "5")
    clean_env.setenv("REELFLOW_OPENAI_TIMEOUT_S", "12.5")
    settings = AISettings()
    assert settings.ai_provider == "openai"
    assert settings.openai_base_url == "http://127.0.0.1:11434/v1"
    assert settings.openai_api_key.get_secret_value() == "sk-test"
    assert "sk-test" not in repr(settings)
    assert settings.openai_fallback_models == ("qwen2.5", "llama3.1", "mistral")
    assert settings.openai_models == ("llama3.1", "qwen2.5", "mistral")
    assert (settings.openai_max_retries, settings.openai_timeout_s) == (5, 12.5)
    assert isinstance(make_script_writer(settings), OpenAIScriptWriter)


def test_an_unknown_provider_is_a_configuration_error(clean_env):
    clean_env.setenv("REELFLOW_AI_PROVIDER", "magic")
    with pytest.raises(ValidationError, match="ai_provider"):
        AISettings()


def test_a_service_mixes_ai_settings_into_its_own(clean_env):
    from reelflow_script.settings import Settings

    clean_env.setenv("REELFLOW_AI_PROVIDER", "openai")
    settings = Settings(mongo_database="scripts_test")
    assert (settings.service_name, settings.ai_provider, settings.database_name) == ("script", "openai", "scripts_test")
