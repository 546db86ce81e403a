"""Gateway settings, read from REELFLOW_* environment variables (see KitSettings for the shared ones)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from ipaddress import IPv4Network, IPv6Network, ip_network
from typing import Annotated

from pydantic import BeforeValidator, Field, PlainSerializer, SecretStr, field_validator
from pydantic_settings import NoDecode

from reelflow_gateway.costs import ModelPrice, PriceList
from reelflow_gateway.limits.rates import Rate
from reelflow_kit.content_caps import ContentCaps
from reelflow_kit.settings import KitSettings

RateSetting = Annotated[Rate, NoDecode, BeforeValidator(Rate.parse), PlainSerializer(str)]
"""`N/60s`, `N/min`, `N/hour` in the environment."""


class Settings(KitSettings, ContentCaps):
    service_name: str = "gateway"

    http_host: str = Field(default="127.0.0.1", description="where the REST API listens (0.0.0.0 in a container)")
    http_port: int = Field(default=8080, description="the REST API's port (and /healthz)")
    shutdown_grace_s: int = Field(
        default=5,
        ge=1,
        description="on SIGTERM, requests still open this long after (held GETs, event streams) "
        "are cut off, so a stop never waits on a client",
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="browser origins allowed to call the API: a JSON list or comma-separated",
    )
    max_body_bytes: int = Field(
        default=1_048_576,
        ge=1024,
        description="larger request bodies get 413; leaves room for a 200 KB script sent with every character JSON-escaped",
    )

    prices: dict[str, ModelPrice] = Field(
        default_factory=dict,
        description="what AI models cost, for operations' `cost`: JSON, model -> {input_per_mtok, output_per_mtok, "
        "per_image, per_audio_minute}; a model not listed is reported as unpriced, local work is free",
    )
    price_currency: str = Field(default="USD", min_length=1, max_length=8, description="the currency of `prices`")
    webhook_max_attempts: int = Field(default=8, ge=1, description="deliveries tried before a webhook is given up")
    webhook_allowed_networks: Annotated[list[IPv4Network | IPv6Network], NoDecode] = Field(
        default_factory=list,
        description="private networks webhooks may reach (receivers inside the deployment), as CIDRs: a JSON list "
        "or comma-separated; every other non-public address is refused",
    )
    webhook_deadline_s: float = Field(
        default=10.0,
        gt=0,
        le=300,
        description="the most one webhook try may take, all included: lookup, connect, TLS, send, answer",
    )
    webhook_response_bytes: int = Field(
        default=4096, ge=0, le=1_048_576, description="how much of a webhook receiver's answer is read at most"
    )
    webhook_concurrency: int = Field(
        default=16, ge=1, le=1024, description="webhook deliveries in flight per gateway instance"
    )
    webhook_owner_concurrency: int = Field(
        default=4,
        ge=1,
        description="of those, at most this many for one owner; the owner's others go back to the queue for a few seconds",
    )
    webhook_secret_grace_s: int = Field(
        default=86_400,
        ge=0,
        description="after a webhook secret is rotated, how long the one it replaced keeps signing deliveries",
    )
    jwt_secret: SecretStr | None = Field(
        default=None,
        description="HS256 key; unset: generated once and kept in the gateway database",
    )
    access_token_ttl_s: int = Field(default=86_400, ge=60, description="lifetime of an access token")
    media_ticket_ttl_s: int = Field(
        default=3_600, ge=10, le=86_400, description="lifetime of a media ticket (a content URL usable without headers)"
    )

    command_timeout_s: float = Field(default=3.0, gt=0, description="how long a write waits for its outcome")
    long_poll_max_s: float = Field(
        default=20.0,
        ge=0,
        description="the longest a list GET with `Prefer: wait=N` is held open for a change",
    )
    command_poll_interval_s: float = Field(
        default=0.05,
        gt=0,
        description="fallback poll of the outcome in MongoDB while a write waits",
    )
    read_model_group: str = Field(
        default="gateway-read-model", min_length=1, description="Kafka consumer group the read model is fed by"
    )

    image_bucket: str = Field(
        default="reelflow-image", min_length=3, description="the image service's bucket: image content is read from it"
    )
    video_bucket: str = Field(
        default="reelflow-video", min_length=3, description="the video service's bucket: video content is read from it"
    )
    media_threads: int = Field(
        default=16, ge=1, le=256, description="threads (and S3 connections) serving image and video content"
    )
    media_chunk_bytes: int = Field(default=262_144, ge=4096, description="bytes read from S3 per streamed chunk")
    webhook_job_deadline_s: float = Field(
        default=60.0, gt=0, description="a webhook delivery job still running this long is cancelled (a failed try)"
    )

    trusted_proxies: str = Field(
        default="127.0.0.1",
        description="comma-separated addresses (or `*`) of reverse proxies whose X-Forwarded-For names the client; "
        "per-address limits key on that client address",
    )
    rate_limit_login_per_address: RateSetting = Field(
        default=Rate(10, 60), description="login attempts (right or wrong) from one client address; over: 429"
    )
    rate_limit_login_failures_per_account: RateSetting = Field(
        default=Rate(5, 60),
        description="failed logins to one account (email); once spent, that account's logins "
        "answer 429 until the window ends",
    )
    rate_limit_register_per_address: RateSetting = Field(
        default=Rate(10, 3600), description="registrations tried from one client address; over: 429"
    )
    rate_limit_register_per_account: RateSetting = Field(
        default=Rate(3, 60), description="registrations tried for one email; over: 429"
    )
    rate_limit_writes_per_user: RateSetting = Field(
        default=Rate(120, 60), description="POST, PUT and DELETE calls under /api (not /api/auth) per user; over: 429"
    )
    max_running_operations_per_user: int = Field(
        default=3,
        ge=1,
        description="operations of one user not yet completed, cancelled or failed; starting one more answers 429",
    )
    max_held_requests_per_user: int = Field(
        default=10,
        ge=1,
        description="event streams and `Prefer: wait` GETs one user holds open on one gateway "
        "instance; one more answers 429",
    )
    password_hash_threads: int = Field(
        default=2,
        ge=1,
        le=64,
        description="threads hashing and checking passwords (argon2), used by nothing else; about the gateway's "
        "cores: more run each check slower, and a login waits for one to end",
    )
    password_hash_queue: int = Field(
        default=32,
        ge=0,
        description="password checks that may wait for a hashing thread (in one line per account, "
        "at most 2 of one account, let in round robin); more answer 503",
    )

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        return split_list(value)

    @field_validator("webhook_allowed_networks", mode="before")
    @classmethod
    def _networks(cls, value: object) -> object:
        items = split_list(value)
        if not isinstance(items, Iterable):
            return items  # no list at all: the field's validation refuses it
        return [ip_network(item) if isinstance(item, str) else item for item in items]

    def price_list(self) -> PriceList:
        return PriceList(self.prices, self.price_currency)


def split_list(value: object) -> object:
    """A list setting from the environment: a JSON list, or comma-separated."""
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return []
        if text.startswith("["):
            return json.loads(text)
        return [part.strip() for part in text.split(",") if part.strip()]
    return value
