"""`reelctl doctor`: every server and service Reelflow needs, checked for real, with what to do
when one is wrong."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from dataclasses import asdict, dataclass

import boto3
import httpx
from botocore.client import Config
from botocore.exceptions import BotoCoreError, ClientError
from pymongo import AsyncMongoClient
from pymongo.errors import PyMongoError

from reelflow_kit.ai import AISettings, NarrationSettings
from reelflow_kit.provider_check import check_provider
from reelflow_ops.cluster import TANSU, connect
from reelflow_ops.settings import SERVICES, OpsSettings

DOCTOR_COLLECTION = "reelctl_doctor"


@dataclass(frozen=True)
class Finding:
    area: str
    name: str
    ok: bool
    detail: str
    fix: str = ""
    warning: bool = False


async def check_broker(settings: OpsSettings) -> list[Finding]:
    try:
        async with asyncio.timeout(20):
            async with connect(settings) as cluster:
                topics = await cluster.topics()
                groups = await cluster.groups()
    except Exception as exc:  # noqa: BLE001 - reported
        return [
            Finding(
                "kafka",
                settings.kafka_bootstrap,
                False,
                f"cannot talk to the broker: {exc!r}"[:400],
                "start it (make infra-up) or set REELFLOW_KAFKA_BOOTSTRAP to a reachable broker",
            )
        ]
    found = [
        Finding("kafka", settings.kafka_bootstrap, True, f"{cluster.kind}: {len(topics)} topics, {len(groups)} groups")
    ]
    if cluster.kind == TANSU:
        found.append(
            Finding(
                "kafka",
                "broker features",
                True,
                "embedded Tansu: no idempotent producers or transactions; ListOffsets (latest, by time) and some "
                "admin calls answer wrongly, so reelctl reads high watermarks and timestamps itself; "
                "kcat cannot connect (confluent-kafka 2.x and aiokafka can)",
                "for exact admin calls and every outside tool run Apache Kafka (REELFLOW_STACK_KAFKA=apache)",
                warning=True,
            )
        )
    return found


async def check_mongo(settings: OpsSettings) -> list[Finding]:
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(
        settings.mongo_uri, serverSelectionTimeoutMS=settings.mongo_timeout_ms
    )
    try:
        hello = await client.admin.command("hello")
        if not hello.get("setName"):
            return [
                Finding(
                    "mongodb",
                    settings.mongo_uri,
                    False,
                    "reachable, but not a replica set: transactions (the outbox) cannot work",
                    "run MongoDB as a replica set (mongod --replSet rs0, then rs.initiate()); the embedded one is",
                )
            ]
        db = client[settings.database_name]
        async with client.start_session() as session:
            async with await session.start_transaction():
                await db[DOCTOR_COLLECTION].insert_one({"checked": True}, session=session)
        await db.drop_collection(DOCTOR_COLLECTION)
        return [
            Finding("mongodb", settings.mongo_uri, True, f"replica set {hello['setName']!r}, a transaction committed")
        ]
    except PyMongoError as exc:
        return [
            Finding(
                "mongodb",
                settings.mongo_uri,
                False,
                f"{type(exc).__name__}: {exc}"[:400],
                "start it (make infra-up) or set REELFLOW_MONGO_URI to a replica set",
            )
        ]
    finally:
        await client.close()


def check_s3(settings: OpsSettings) -> list[Finding]:
    s3 = boto3.client(
        "s3",
        endpoint_url=settings.s3_endpoint,
        aws_access_key_id=settings.s3_access_key,
        aws_secret_access_key=settings.s3_secret_key.get_secret_value(),
        region_name=settings.s3_region,
        config=Config(s3={"addressing_style": "path"}, connect_timeout=5, read_timeout=10, retries={"max_attempts": 1}),
    )
    try:
        buckets = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        return [
            Finding(
                "s3",
                settings.s3_endpoint,
                False,
                f"the server refused the credentials ({code})",
                "set REELFLOW_S3_ACCESS_KEY and REELFLOW_S3_SECRET_KEY to a key the server knows",
            )
        ]
    except BotoCoreError as exc:
        return [
            Finding(
                "s3",
                settings.s3_endpoint,
                False,
                f"cannot reach it: {exc}"[:400],
                "start it (make infra-up) or set REELFLOW_S3_ENDPOINT",
            )
        ]
    found = [Finding("s3", settings.s3_endpoint, True, f"credentials accepted, {len(buckets)} bucket(s)")]
    for bucket in (settings.image_bucket, settings.video_bucket):
        found.append(
            Finding("s3", f"bucket {bucket}", True, "exists")
            if bucket in buckets
            else Finding(
                "s3",
                f"bucket {bucket}",
                True,
                "not there yet",
                "the image and video services create their buckets when they start; start them (make up)",
                warning=True,
            )
        )
    return found


async def check_services(settings: OpsSettings) -> list[Finding]:
    async def one(service: str, client: httpx.AsyncClient) -> Finding:
        url = settings.health_url(service)
        try:
            response = await client.get(url)
        except httpx.HTTPError as exc:
            return Finding(
                "service",
                service,
                False,
                f"no answer at {url} ({type(exc).__name__})",
                f"start it (make up) or set {'REELFLOW_GATEWAY_PORT' if service == 'gateway' else f'REELFLOW_{service.upper()}_HEALTH_PORT'}",
            )
        if response.status_code == 200:
            return Finding("service", service, True, f"healthy at {url}")
        try:
            checks = response.json().get("checks", {})
        except ValueError:
            checks = {}
        failing = ", ".join(f"{k}: {v}" for k, v in checks.items() if v not in ("ok", True)) or response.text[:200]
        return Finding(
            "service",
            service,
            False,
            f"answers {response.status_code}: {failing}"[:400],
            f"see its log (var/log/{service}.log); it cannot reach a server it needs",
        )

    async with httpx.AsyncClient(timeout=5) as client:
        return list(await asyncio.gather(*(one(service, client) for service in SERVICES)))


async def check_ai() -> list[Finding]:
    report = await check_provider(AISettings(), NarrationSettings(), timeout=90)
    where = f" at {report.base_url}" if report.base_url else ""
    return [Finding("ai", f"{report.provider} {c.capability}{where}", c.ok, c.detail, c.fix) for c in report.checks]


def check_ffmpeg() -> list[Finding]:
    try:
        import imageio_ffmpeg

        path = imageio_ffmpeg.get_ffmpeg_exe()
    except Exception:  # noqa: BLE001 - reported
        path = shutil.which("ffmpeg") or ""
    if not path:
        return [Finding("ffmpeg", "ffmpeg", False, "not found", "pip install imageio-ffmpeg (make install does)")]
    encode = [
        path,
        "-hide_banner",
        "-loglevel",
        "error",
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=64x64:rate=2:duration=1",
        "-c:v",
        "libx264",
        "-f",
        "null",
        "-",
    ]
    result = subprocess.run(encode, capture_output=True, text=True, timeout=60, check=False)
    if result.returncode != 0:
        return [
            Finding(
                "ffmpeg",
                path,
                False,
                f"cannot encode H.264: {result.stderr.strip()[:300]}",
                "use an FFmpeg with libx264 (imageio-ffmpeg's has it)",
            )
        ]
    return [Finding("ffmpeg", path, True, "encodes H.264 (libx264)")]


async def diagnose(settings: OpsSettings, skip_ai: bool = False) -> list[Finding]:
    broker, mongo, services = await asyncio.gather(
        check_broker(settings), check_mongo(settings), check_services(settings)
    )
    s3 = await asyncio.to_thread(check_s3, settings)
    ai = [] if skip_ai else await check_ai()
    ffmpeg = await asyncio.to_thread(check_ffmpeg)
    return [*broker, *mongo, *s3, *services, *ai, *ffmpeg]


def as_json(findings: list[Finding]) -> dict[str, object]:
    return {"ok": all(f.ok for f in findings), "findings": [asdict(f) for f in findings]}
