"""Where the tests' Kafka, MongoDB and S3 come from, in order of preference:

1. external servers named by REELFLOW_KAFKA_BOOTSTRAP, REELFLOW_MONGO_URI and REELFLOW_S3_ENDPOINT;
2. testcontainers, when a Docker engine answers;
3. the embedded stack (Tansu, SecantusDB, SeaweedFS) on free loopback ports, one per session;
   with REELFLOW_STACK_KAFKA=apache, Apache Kafka (KRaft, from Maven Central's jars) instead of
   Tansu: `make test` runs a compatibility selection that way when java and mvn are present.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Infra:
    kind: str
    kafka_bootstrap: str
    mongo_uri: str
    s3_endpoint: str
    s3_access_key: str
    s3_secret_key: str
    s3_region: str = "us-east-1"
    kafka_broker: str = "tansu"
    """"tansu" or "apache" (Apache Kafka: idempotent producers, exact end offsets and timestamp lookups)."""

    def env(self) -> dict[str, str]:
        """Environment for a service process pointed at these servers."""
        env = {
            "REELFLOW_KAFKA_BOOTSTRAP": self.kafka_bootstrap,
            "REELFLOW_MONGO_URI": self.mongo_uri,
            "REELFLOW_S3_ENDPOINT": self.s3_endpoint,
            "REELFLOW_S3_ACCESS_KEY": self.s3_access_key,
            "REELFLOW_S3_SECRET_KEY": self.s3_secret_key,
            "REELFLOW_S3_REGION": self.s3_region,
        }
        if self.kafka_broker == "apache":
            env["REELFLOW_KAFKA_IDEMPOTENT_PRODUCER"] = "true"
        return env

    def settings_kwargs(self) -> dict[str, str]:
        return {k.removeprefix("REELFLOW_").lower(): v for k, v in self.env().items()}


def external_infra() -> Infra | None:
    names = ("REELFLOW_KAFKA_BOOTSTRAP", "REELFLOW_MONGO_URI", "REELFLOW_S3_ENDPOINT")
    if not all(os.environ.get(n) for n in names):
        return None
    return Infra(
        kind="external",
        kafka_bootstrap=os.environ["REELFLOW_KAFKA_BOOTSTRAP"],
        mongo_uri=os.environ["REELFLOW_MONGO_URI"],
        s3_endpoint=os.environ["REELFLOW_S3_ENDPOINT"],
        s3_access_key=os.environ.get("REELFLOW_S3_ACCESS_KEY", "reelflow"),
        s3_secret_key=os.environ.get("REELFLOW_S3_SECRET_KEY", "reelflow-secret"),
        s3_region=os.environ.get("REELFLOW_S3_REGION", "us-east-1"),
        kafka_broker=os.environ.get("REELFLOW_STACK_KAFKA", "tansu"),
    )


def docker_engine_answers() -> bool:
    if os.environ.get("REELFLOW_TEST_NO_DOCKER"):
        return False
    try:
        import docker

        docker.from_env(timeout=3).ping()
        return True
    except Exception:
        return False


@contextlib.contextmanager
def embedded_infra() -> Iterator[Infra]:
    sys.path.insert(0, str(ROOT / "deploy"))
    from embedded import stack

    var_dir = ROOT / "var" / f"test-stack-{os.getpid()}"
    shutil.rmtree(var_dir, ignore_errors=True)
    broker = os.environ.get("REELFLOW_STACK_KAFKA", "tansu")
    cfg = stack.StackConfig.with_free_ports(var_dir, kafka_storage="memory", kafka_broker=broker)
    stack.start(cfg)
    atexit.register(stack.stop, cfg)  # last resort if the session dies without tearing down
    try:
        yield Infra(
            kind="embedded",
            kafka_bootstrap=cfg.kafka_bootstrap,
            mongo_uri=cfg.mongo_uri,
            s3_endpoint=cfg.s3_endpoint,
            s3_access_key=cfg.s3_access_key,
            s3_secret_key=cfg.s3_secret_key,
            s3_region=cfg.s3_region,
            kafka_broker=cfg.kafka_broker,
        )
    finally:
        stack.stop(cfg)
        shutil.rmtree(var_dir, ignore_errors=True)


@contextlib.contextmanager
def container_infra() -> Iterator[Infra]:
    """Apache Kafka (KRaft), MongoDB as a one-node replica set, and MinIO, on testcontainers."""
    from testcontainers.community.kafka import KafkaContainer
    from testcontainers.community.minio import MinioContainer
    from testcontainers.core.container import DockerContainer
    from testcontainers.core.waiting_utils import wait_for_logs

    with contextlib.ExitStack() as stack_:
        kafka = stack_.enter_context(KafkaContainer("confluentinc/cp-kafka:7.6.0").with_kraft())
        minio = stack_.enter_context(MinioContainer())
        mongo = DockerContainer("mongo:7.0").with_command("--replSet rs0 --bind_ip_all").with_exposed_ports(27017)
        stack_.enter_context(mongo)
        wait_for_logs(mongo, "Waiting for connections", timeout=60)
        mongo.exec(
            ["mongosh", "--quiet", "--eval", "rs.initiate({_id: 'rs0', members: [{_id: 0, host: 'localhost:27017'}]})"]
        )
        host, port = mongo.get_container_host_ip(), mongo.get_exposed_port(27017)
        minio_cfg = minio.get_config()
        yield Infra(
            kind="testcontainers",
            kafka_bootstrap=kafka.get_bootstrap_server(),
            mongo_uri=f"mongodb://{host}:{port}/?directConnection=true",
            s3_endpoint=f"http://{minio_cfg['endpoint']}",
            s3_access_key=minio_cfg["access_key"],
            s3_secret_key=minio_cfg["secret_key"],
            kafka_broker="apache",
        )


@contextlib.contextmanager
def provide_infra() -> Iterator[Infra]:
    if (external := external_infra()) is not None:
        yield external
    elif docker_engine_answers():
        with container_infra() as infra:
            yield infra
    else:
        with embedded_infra() as infra:
            yield infra
