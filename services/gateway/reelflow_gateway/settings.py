"""Gateway settings, read from REELFLOW_* environment variables (see KitSettings for the shared ones)."""

from __future__ import annotations

import json
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import NoDecode

from reelflow_kit.settings import KitSettings

from reelflow_gateway.operations.costs import ModelPrice, PriceList


class Settings(KitSettings):
    service_name: str = "gateway"

    http_host: str = Field(default="127.0.0.1", description="where the REST API listens (0.0.0.0 in a container)")
    http_port: int = Field(default=8080, description="the REST API's port (and /healthz)")
    shutdown_grace_s: int = Field(
        default=5, ge=1, description="on SIGTERM, requests still open this long after (held GETs, event streams) "
                                       "are cut off, so a stop never waits on a client",
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="browser origins allowed to call the API: a JSON list or comma-separated",
    )
    max_body_bytes: int = Field(
        default=1_048_576, ge=1024,
        description="larger request bodies get 413; leaves room for a 200 KB script sent with every character JSON-escaped",
    )

    prices: dict[str, ModelPrice] = Field(
        default_factory=dict,
        description="what AI models cost, for operations' `cost`: JSON, model -> {input_per_mtok, output_per_mtok, "
                    "per_image, per_audio_minute}; a model not listed is reported as unpriced, local work is free",
    )
    price_currency: str = Field(default="USD", min_length=1, max_length=8, description="the currency of `prices`")
    webhook_secret: SecretStr | None = Field(
        default=None, description="HMAC-SHA256 key signing operation webhooks; generated and kept in the database when unset")
    webhook_max_attempts: int = Field(default=8, ge=1, description="deliveries tried before a webhook is given up")
    jwt_secret: SecretStr | None = Field(
        default=None, description="HS256 key; unset: generated once and kept in the gateway database",
    )
    access_token_ttl_s: int = Field(default=86_400, ge=60, description="lifetime of an access token")
    media_ticket_ttl_s: int = Field(default=3_600, ge=10, le=86_400,
                                    description="lifetime of a media ticket (a content URL usable without headers)")

    command_timeout_s: float = Field(default=3.0, gt=0, description="how long a write waits for its outcome")
    long_poll_max_s: float = Field(
        default=20.0, ge=0, description="the longest a list GET with `Prefer: wait=N` is held open for a change",
    )
    command_poll_interval_s: float = Field(
        default=0.05, gt=0, description="fallback poll of the outcome in MongoDB while a write waits",
    )
    read_model_group: str = Field(default="gateway-read-model", min_length=1,
                                  description="Kafka consumer group the read model is fed by")

    image_bucket: str = Field(default="reelflow-image", min_length=3,
                              description="the image service's bucket: image content is read from it")
    video_bucket: str = Field(default="reelflow-video", min_length=3,
                              description="the video service's bucket: video content is read from it")
    media_threads: int = Field(default=16, ge=1, le=256,
                               description="threads (and S3 connections) serving image and video content")
    media_chunk_bytes: int = Field(default=262_144, ge=4096, description="bytes read from S3 per streamed chunk")
    webhook_job_deadline_s: float = Field(
        default=60.0, gt=0, description="a webhook delivery job still running this long is cancelled (a failed try)")

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if not text:
                return []
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    def price_list(self) -> PriceList:
        return PriceList(self.prices, self.price_currency)
