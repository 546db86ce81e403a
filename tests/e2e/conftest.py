"""End-to-end fixtures: the script, scene, image and video services and the gateway as real
processes, over real HTTP.

One set per test session, against the `infra` fixture's Kafka, MongoDB and S3, on free ports,
with databases unique to the session. Tests that stop a service start it again before they end.
"""

from __future__ import annotations

import json
import signal
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import httpx
import pytest
from botocore.client import Config
from botocore.exceptions import ClientError
from pymongo import MongoClient

from tests.e2e.helpers import COMMAND_TIMEOUT_S, CORS_ORIGIN, User, bearer, register
from tests.support.infra import Infra
from tests.support.limits import HIGH_LIMITS
from tests.support.processes import ServiceProcess, free_port

# Services started here live in a Kafka namespace of their own (topics `e2e.script.commands`, ...,
# groups `e2e.script-service`, ...), so the in-process services of the integration tests on the
# same broker never see their messages, nor they theirs.
E2E_NAMESPACE = {"REELFLOW_KAFKA_NAMESPACE": "e2e"}
PRICES = {"writer-large": {"input_per_mtok": 2.5, "output_per_mtok": 10.0}}
"""The gateway's price list: the model the cost test's fake OpenAI server answers as."""
IMAGE_MAX_ATTEMPTS = 3
"""The e2e image service's cap on attempts per shot (small, so a test reaches it quickly)."""
WEBHOOK_ALLOWED_NETWORKS = "127.0.0.0/8"
"""The e2e tests' webhook receivers listen on loopback, which the outbound policy refuses unless allowed."""


@dataclass
class Reelflow:
    infra: Infra
    suffix: str
    log_dir: Path
    gateway_port: int = field(default_factory=free_port)
    script_port: int = field(default_factory=free_port)
    scene_port: int = field(default_factory=free_port)
    image_port: int = field(default_factory=free_port)
    video_port: int = field(default_factory=free_port)
    gateway: ServiceProcess | None = None
    script: ServiceProcess | None = None
    scene: ServiceProcess | None = None
    image: ServiceProcess | None = None
    video: ServiceProcess | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.gateway_port}"

    @property
    def gateway_db(self) -> str:
        return f"e2e_{self.suffix}_gateway"

    @property
    def script_db(self) -> str:
        return f"e2e_{self.suffix}_script"

    @property
    def scene_db(self) -> str:
        return f"e2e_{self.suffix}_scene"

    @property
    def image_db(self) -> str:
        return f"e2e_{self.suffix}_image"

    @property
    def video_db(self) -> str:
        return f"e2e_{self.suffix}_video"

    @property
    def databases(self) -> tuple[str, ...]:
        return self.gateway_db, self.script_db, self.scene_db, self.image_db, self.video_db

    @property
    def image_bucket(self) -> str:
        return f"e2e-{self.suffix}-image"

    @property
    def video_bucket(self) -> str:
        return f"e2e-{self.suffix}-video"

    @property
    def buckets(self) -> tuple[str, ...]:
        return self.image_bucket, self.video_bucket

    def gateway_env(self) -> dict[str, str]:
        return {
            **self.infra.env(),
            **E2E_NAMESPACE,
            "REELFLOW_MONGO_DATABASE": self.gateway_db,
            "REELFLOW_HTTP_PORT": str(self.gateway_port),
            "REELFLOW_COMMAND_TIMEOUT_S": str(COMMAND_TIMEOUT_S),
            "REELFLOW_CORS_ORIGINS": f"{CORS_ORIGIN},http://localhost:5173",
            "REELFLOW_IMAGE_BUCKET": self.image_bucket,
            "REELFLOW_VIDEO_BUCKET": self.video_bucket,
            "REELFLOW_WEBHOOK_ALLOWED_NETWORKS": WEBHOOK_ALLOWED_NETWORKS,
            "REELFLOW_PRICES": json.dumps(PRICES),
            **HIGH_LIMITS,
            "PYTHONUNBUFFERED": "1",
        }

    def script_env(self) -> dict[str, str]:
        return {
            **self.infra.env(),
            **E2E_NAMESPACE,
            "REELFLOW_MONGO_DATABASE": self.script_db,
            "REELFLOW_HEALTH_PORT": str(self.script_port),
            "REELFLOW_AI_PROVIDER": "local",
            "PYTHONUNBUFFERED": "1",
        }

    def scene_env(self) -> dict[str, str]:
        return {
            **self.infra.env(),
            **E2E_NAMESPACE,
            "REELFLOW_MONGO_DATABASE": self.scene_db,
            "REELFLOW_HEALTH_PORT": str(self.scene_port),
            "REELFLOW_AI_PROVIDER": "local",
            "PYTHONUNBUFFERED": "1",
        }

    def image_env(self) -> dict[str, str]:
        return {
            **self.infra.env(),
            **E2E_NAMESPACE,
            "REELFLOW_MONGO_DATABASE": self.image_db,
            "REELFLOW_S3_BUCKET": self.image_bucket,
            "REELFLOW_HEALTH_PORT": str(self.image_port),
            "REELFLOW_AI_PROVIDER": "local",
            "REELFLOW_IMAGE_MAX_ATTEMPTS": str(IMAGE_MAX_ATTEMPTS),
            "PYTHONUNBUFFERED": "1",
        }

    def video_env(self) -> dict[str, str]:
        return {
            **self.infra.env(),
            **E2E_NAMESPACE,
            "REELFLOW_MONGO_DATABASE": self.video_db,
            "REELFLOW_S3_BUCKET": self.video_bucket,
            "REELFLOW_IMAGE_BUCKET": self.image_bucket,
            "REELFLOW_HEALTH_PORT": str(self.video_port),
            "REELFLOW_AI_PROVIDER": "local",
            "REELFLOW_WORKDIR": str(self.log_dir / "video-work"),
            "PYTHONUNBUFFERED": "1",
        }

    # -- processes

    def start_script(self, **extra_env: str) -> None:
        self.script = ServiceProcess(
            ["-m", "reelflow_script"],
            {**self.script_env(), **extra_env},
            self.log_dir / "script.log",
            f"http://127.0.0.1:{self.script_port}/healthz",
        ).start()
        self.script.wait_healthy(60)

    def restart_script(self, **extra_env: str) -> None:
        """Stopped gracefully and started again, with `extra_env` over its usual environment."""
        assert self.script
        self.script.stop()
        self.start_script(**extra_env)

    def kill_script(self) -> None:
        assert self.script
        self.script.kill(signal.SIGKILL)

    def start_scene(self) -> None:
        self.scene = ServiceProcess(
            ["-m", "reelflow_scene"],
            self.scene_env(),
            self.log_dir / "scene.log",
            f"http://127.0.0.1:{self.scene_port}/healthz",
        ).start()
        self.scene.wait_healthy(60)

    def start_image(self) -> None:
        self.image = ServiceProcess(
            ["-m", "reelflow_image"],
            self.image_env(),
            self.log_dir / "image.log",
            f"http://127.0.0.1:{self.image_port}/healthz",
        ).start()
        self.image.wait_healthy(60)

    def start_video(self) -> None:
        self.video = ServiceProcess(
            ["-m", "reelflow_video"],
            self.video_env(),
            self.log_dir / "video.log",
            f"http://127.0.0.1:{self.video_port}/healthz",
        ).start()
        self.video.wait_healthy(60)

    def start_gateway(self) -> None:
        self.gateway = ServiceProcess(
            ["-m", "reelflow_gateway"], self.gateway_env(), self.log_dir / "gateway.log", f"{self.base_url}/healthz"
        ).start()
        self.gateway.wait_healthy(60)

    def kill_gateway(self) -> None:
        assert self.gateway
        self.gateway.kill(signal.SIGKILL)

    def wait_writes_flow(self, timeout: float = 90.0) -> None:
        """Until a write is answered 201: both consumer groups have joined and the path is warm."""
        with httpx.Client(base_url=self.base_url, timeout=30) as client:
            token = register(client)[1]
            deadline = time.monotonic() + timeout
            while True:
                response = client.post(
                    "/api/scripts",
                    headers=bearer(token),
                    json={"title": "warm-up", "content": "INT. WARM-UP - DAY\n\nReady."},
                )
                if response.status_code == 201:
                    return
                assert response.status_code == 202, response.text
                if time.monotonic() > deadline:
                    raise AssertionError(f"no write applied within {timeout}s\n{self.logs()}")
                time.sleep(0.5)

    def wait_scenes_flow(self, timeout: float = 90.0) -> None:
        """Until an approved script's scenes are visible: the scene service's group has joined too."""
        with httpx.Client(base_url=self.base_url, timeout=30) as client:
            token = register(client)[1]
            response = client.post(
                "/api/scripts",
                headers=bearer(token),
                json={"title": "warm-up", "content": "INT. WARM-UP - DAY\n\nReady."},
            )
            assert response.status_code == 201, response.text
            script_id = response.json()["id"]
            response = client.post(f"/api/scripts/{script_id}/approve", headers=bearer(token))
            assert response.status_code == 200, response.text
            deadline = time.monotonic() + timeout
            while client.get(f"/api/scripts/{script_id}/scenes", headers=bearer(token)).json()["total"] < 1:
                if time.monotonic() > deadline:
                    raise AssertionError(f"no scene made within {timeout}s\n{self.logs()}")
                time.sleep(0.2)

    def logs(self) -> str:
        parts = []
        for name, proc in (
            ("gateway", self.gateway),
            ("script", self.script),
            ("scene", self.scene),
            ("image", self.image),
            ("video", self.video),
        ):
            if proc:
                parts.append(f"--- {name} log tail\n{proc.log_tail()}")
        return "\n".join(parts)

    def stop(self) -> None:
        for proc in (self.gateway, self.video, self.image, self.scene, self.script):
            if proc:
                proc.stop()


@pytest.fixture(scope="session")
def reelflow(infra: Infra, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Reelflow]:
    """The script and scene services and the gateway, running and accepting writes (logs in pytest's tmp dir)."""
    suffix = uuid.uuid4().hex[:10]
    log_dir = tmp_path_factory.mktemp("e2e-logs")
    app = Reelflow(infra=infra, suffix=suffix, log_dir=log_dir)
    try:
        app.start_script()
        app.start_scene()
        app.start_image()
        app.start_video()
        app.start_gateway()
        app.wait_writes_flow()
        app.wait_scenes_flow()
        yield app
    finally:
        app.stop()
        with MongoClient(infra.mongo_uri, serverSelectionTimeoutMS=5000) as mongo:
            for name in app.databases:
                mongo.drop_database(name)
        empty_buckets(infra, app.buckets)


def s3_client(infra: Infra):
    return boto3.client(
        "s3",
        endpoint_url=infra.s3_endpoint,
        aws_access_key_id=infra.s3_access_key,
        aws_secret_access_key=infra.s3_secret_key,
        region_name=infra.s3_region,
        config=Config(s3={"addressing_style": "path"}),
    )


def empty_buckets(infra: Infra, buckets: tuple[str, ...]) -> None:
    """Delete the session's buckets and what is in them."""
    s3 = s3_client(infra)
    for bucket in buckets:
        try:
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
                for item in page.get("Contents", []):
                    s3.delete_object(Bucket=bucket, Key=item["Key"])
            s3.delete_bucket(Bucket=bucket)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in ("NoSuchBucket", "404"):
                raise


@pytest.fixture
def http(reelflow: Reelflow) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=reelflow.base_url, timeout=30) as client:
        yield client


@pytest.fixture
def alice(http: httpx.Client) -> User:
    email, token = register(http)
    return User(email, token, http)


@pytest.fixture
def bob(http: httpx.Client) -> User:
    email, token = register(http)
    return User(email, token, http)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)
