"""Settings shared by every service, read from REELFLOW_* environment variables."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class KitSettings(BaseSettings):
    """Connection and runtime settings. Services subclass this to add their own fields."""

    model_config = SettingsConfigDict(env_prefix="REELFLOW_", env_file=None, extra="ignore")

    service_name: str = "reelflow"
    instance_id: str = Field(default="", description="unique per process; defaults to host:pid")
    log_level: str = "INFO"

    kafka_bootstrap: str = "127.0.0.1:19092"
    kafka_namespace: str = Field(
        default="", pattern=r"^([a-z0-9][a-z0-9_-]*)?$",
        description="prefixes every topic and consumer group (`<ns>.script.events`, `<ns>.script-service`), "
                    "so independent deployments can share one Kafka cluster")
    kafka_partitions: int = Field(default=4, ge=1, description="partitions of topics we create")
    kafka_session_timeout_ms: int = 2000
    kafka_heartbeat_interval_ms: int = 300
    kafka_fetch_max_wait_ms: int = 15
    kafka_request_timeout_ms: int = 10_000

    mongo_uri: str = "mongodb://127.0.0.1:27117/?directConnection=true"
    mongo_database: str = Field(default="", description="defaults to reelflow_<service_name>")
    mongo_timeout_ms: int = 5000

    s3_endpoint: str = "http://127.0.0.1:18333"
    s3_access_key: str = "reelflow"
    s3_secret_key: SecretStr = SecretStr("reelflow-secret")
    s3_region: str = "us-east-1"
    s3_bucket: str = Field(default="", description="defaults to reelflow-<service_name>")

    outbox_poll_interval_s: float = 0.5
    outbox_orphan_after_s: float = 5.0
    handler_max_attempts: int = Field(default=5, ge=1, description="tries before a failing message goes to the DLQ")
    retry_backoff_s: float = 0.2
    retry_backoff_max_s: float = 10.0

    health_host: str = "127.0.0.1"
    health_port: int = 0

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
