"""Settings shared by every service, read from REELFLOW_* environment variables."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class KitSettings(BaseSettings):
    """Connection and runtime settings. Services subclass this to add their own fields."""

    model_config = SettingsConfigDict(env_prefix="REELFLOW_", env_file=None, extra="ignore")

    service_name: str = Field(
        default="reelflow", description="names the service in logs, events (`source`), database and bucket"
    )
    instance_id: str = Field(default="", description="unique per process; defaults to host:pid")
    log_level: str = Field(default="INFO", description="DEBUG, INFO, WARNING or ERROR; JSON lines on stderr")

    kafka_bootstrap: str = Field(default="127.0.0.1:19092", description="Kafka bootstrap servers, comma-separated")
    kafka_namespace: str = Field(
        default="",
        pattern=r"^([a-z0-9][a-z0-9_-]*)?$",
        description="prefixes every topic and consumer group (`<ns>.script.events`, `<ns>.script-service`), "
        "so independent deployments can share one Kafka cluster",
    )
    kafka_partitions: int = Field(default=4, ge=1, description="partitions of topics we create")
    kafka_replication_factor: int = Field(
        default=1,
        ge=1,
        description="replicas of topics we create; 3 on a production cluster, with the brokers' min.insync.replicas=2",
    )
    kafka_idempotent_producer: bool = Field(
        default=False,
        description="idempotent producer (no duplicates or reordering when a send is retried); needs Apache Kafka "
        "(the embedded stack sets it there): Tansu refuses it at start",
    )
    kafka_session_timeout_ms: int = Field(
        default=2000, description="a consumer silent this long leaves its group (short: fast takeover)"
    )
    kafka_heartbeat_interval_ms: int = Field(
        default=300, description="consumer heartbeats; well under the session timeout"
    )
    kafka_fetch_max_wait_ms: int = Field(
        default=15, description="how long the broker holds a fetch open when there is nothing new"
    )
    kafka_request_timeout_ms: int = Field(
        default=10_000, description="Kafka requests (produce, metadata) give up after this"
    )
    kafka_max_record_bytes: int = Field(
        default=900_000,
        ge=10_000,
        description="the largest event a handler may emit (value, key and headers); a larger one refuses the "
        "handler's transaction (the command is rejected) instead of blocking the outbox. Keep it under "
        "the producer's 1 MiB request limit and the broker's message.max.bytes",
    )

    mongo_uri: str = Field(
        default="mongodb://127.0.0.1:27117/?directConnection=true",
        description="MongoDB; must be a replica set (transactions)",
    )
    mongo_database: str = Field(default="", description="defaults to reelflow_<service_name>")
    mongo_timeout_ms: int = Field(default=5000, description="server selection and connect timeout")

    s3_endpoint: str = Field(default="http://127.0.0.1:18333", description="S3 API endpoint (MinIO, SeaweedFS, AWS)")
    s3_access_key: str = Field(default="reelflow", description="S3 access key id")
    s3_secret_key: SecretStr = Field(default=SecretStr("reelflow-secret"), description="S3 secret key")
    s3_region: str = Field(default="us-east-1", description="S3 region (signing)")
    s3_bucket: str = Field(default="", description="defaults to reelflow-<service_name>")

    outbox_poll_interval_s: float = Field(
        default=0.5, description="how often the outbox relay looks for events no committed handler has published yet"
    )
    outbox_orphan_after_s: float = Field(
        default=5.0,
        description="an outbox entry unpublished this long is sent by any instance (its writer may have died)",
    )
    handler_max_attempts: int = Field(default=5, ge=1, description="tries before a failing message goes to the DLQ")
    retry_backoff_s: float = Field(default=0.2, description="first wait before a failed message is tried again")
    retry_backoff_max_s: float = Field(default=10.0, description="longest wait between tries of a message")

    health_host: str = Field(default="127.0.0.1", description="where `/healthz` listens")
    health_port: int = Field(default=0, description="`/healthz` and `/metrics` port; 0: none")
    metrics_sample_budget_s: float = Field(
        default=0.5,
        gt=0,
        description="time each database read behind a `/metrics` gauge (outbox backlog, job queue) may take "
        "before the scrape goes on with the gauge's last value",
    )

    def topic(self, name: str) -> str:
        """The Kafka topic behind a contract topic name, in this deployment's namespace."""
        return f"{self.kafka_namespace}.{name}" if self.kafka_namespace else name

    def consumer_group(self, name: str) -> str:
        """The Kafka group id a consumer called `name` joins."""
        return self.topic(name)

    @property
    def database_name(self) -> str:
        return self.mongo_database or f"reelflow_{self.service_name}"

    @property
    def bucket_name(self) -> str:
        return self.s3_bucket or f"reelflow-{self.service_name}"
