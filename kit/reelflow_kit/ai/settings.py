"""AI provider settings, read from REELFLOW_* environment variables.

A service that uses AI mixes these into its settings: `class Settings(KitSettings, AISettings)`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

AIProviderName = Literal["local", "openai"]


class AISettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REELFLOW_", env_file=None, extra="ignore")

    ai_provider: AIProviderName = Field(
        default="local", description="`local`: offline and deterministic; `openai`: any OpenAI-compatible API"
    )

    openai_base_url: str = Field(
        default="https://api.openai.com/v1",
        description="OpenAI, OpenRouter, Ollama (`http://host:11434/v1`), vLLM, ...",
    )
    openai_api_key: SecretStr = Field(default=SecretStr(""), description="empty for servers that need none")
    openai_model: str = Field(default="gpt-4o-mini", description="chat model for writing, segmenting and shot planning")
    openai_fallback_models: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(), description="comma-separated; tried in order once the previous model gave up"
    )
    openai_max_retries: int = Field(
        default=3, ge=0, le=20, description="retries per model of a 429, 5xx, timeout or connection error"
    )
    openai_timeout_s: float = Field(default=90.0, gt=0, description="per request")
    openai_deadline_s: float = Field(
        default=240.0,
        gt=0,
        description="for a whole call, retries, waits and fallback models included; "
        "keep it below the Kafka consumer's max poll interval (300 s)",
    )
    openai_backoff_s: float = Field(default=0.5, ge=0, description="first backoff delay; doubles per retry")
    openai_backoff_max_s: float = Field(default=20.0, ge=0, description="longest backoff delay")
    openai_retry_after_max_s: float = Field(
        default=60.0, ge=0, description="a longer Retry-After gives up on that model instead of waiting"
    )
    openai_temperature: float = Field(default=0.8, ge=0, le=2, description="sampling temperature of chat calls")

    openai_image_model: str = Field(
        default="gpt-image-1.5",
        description="first image model tried (`gpt-image-1.5`, `gpt-image-2`, "
        "`dall-e-3` on servers that still have it, or any compatible model)",
    )
    openai_image_fallback_models: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(), description="comma-separated; tried in order once the previous image model gave up"
    )
    openai_image_quality: str = Field(
        default="",
        max_length=20,
        description="sent as `quality` when set (e.g. `low`, `medium`, `high`); empty: the model's default",
    )

    @field_validator("openai_fallback_models", "openai_image_fallback_models", mode="before")
    @classmethod
    def _split_comma_list(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @property
    def openai_models(self) -> tuple[str, ...]:
        """The primary model, then the fallbacks, without repeats."""
        return tuple(dict.fromkeys((self.openai_model, *self.openai_fallback_models)))

    @property
    def openai_image_models(self) -> tuple[str, ...]:
        """The primary image model, then its fallbacks, without repeats."""
        return tuple(dict.fromkeys((self.openai_image_model, *self.openai_image_fallback_models)))
