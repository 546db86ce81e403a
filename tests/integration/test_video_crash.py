"""A video service killed with SIGKILL in the middle of a render leaves no video marked done; once
restarted, the render is done again and exactly one VideoRendered comes out."""

from __future__ import annotations

import asyncio
import time

from pymongo import AsyncMongoClient

from reelflow_contracts.envelope import decode
from reelflow_contracts.messages.video import VideoRendered
from reelflow_contracts.topics import VIDEO_EVENTS
from reelflow_kit.runtime import ServiceRuntime
from reelflow_kit.settings import KitSettings
from reelflow_kit.store.s3 import ObjectStore
from tests.integration.test_video_service import OPTIONS, approved_ids, create, storyboard
from tests.support.kafka import read_topic
from tests.support.processes import ServiceProcess, free_port
from tests.support.video_probe import probe


async def test_a_render_killed_midway_is_redone_and_reported_once(infra, unique, tmp_path):
    script_id, video_id = f"s-{unique}", f"v-{unique}"
    database, port = f"videocrash_{unique}", free_port()
    env = {
        **infra.env(),
        "REELFLOW_MONGO_DATABASE": database,
        "REELFLOW_S3_BUCKET": f"video-{unique}",
        "REELFLOW_IMAGE_BUCKET": f"images-{unique}",
        "REELFLOW_WORKDIR": str(tmp_path / "work"),
        "REELFLOW_HEALTH_PORT": str(port),
        "REELFLOW_RENDER_LEASE_S": "3",
        "REELFLOW_RENDER_PARALLEL_PIECES": "1",
        "REELFLOW_KAFKA_NAMESPACE": f"crash{unique}",
    }
    settings = KitSettings(service_name="test", kafka_namespace=f"crash{unique}", **infra.settings_kwargs())
    images = ObjectStore(settings, bucket=f"images-{unique}")
    await images.ensure_bucket()
    publisher = ServiceRuntime(settings, uses_object_store=False)  # publishes what other services would
    await publisher.broker.start()
    mongo = AsyncMongoClient(infra.mongo_uri)
    service = ServiceProcess(["-m", "reelflow_video"], env, tmp_path / "video.log", f"http://127.0.0.1:{port}/healthz")
    try:
        service.start().wait_healthy()
        shot_ids = await storyboard(publisher, images, script_id, shots=4, approve=4)
        await create(
            publisher, script_id, video_id, OPTIONS.model_copy(update={"motion": True}), approved_ids(shot_ids)
        )
        jobs = mongo[database]["jobs"]
        deadline = time.monotonic() + 60
        while not await jobs.find_one({"status": "running", "payload.video_id": video_id}):
            assert time.monotonic() < deadline, service.log_tail()
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)  # well inside the render
        service.kill()

        video = await mongo[database]["videos"].find_one({"_id": video_id})
        assert video["status"] == "pending"  # not marked done by a half render
        events = f"crash{unique}.{VIDEO_EVENTS}"
        early = await read_topic(infra.kafka_bootstrap, events, timeout=3, idle=1.0)
        assert not [
            r
            for r in early
            if r.key == script_id.encode() and isinstance(decode(r.headers, r.value).data, VideoRendered)
        ]

        service.start().wait_healthy()

        def rendered(records):
            return [
                e.data
                for e in (decode(r.headers, r.value) for r in records if r.key == script_id.encode())
                if isinstance(e.data, VideoRendered)
            ]

        await read_topic(infra.kafka_bootstrap, events, until=lambda rs: bool(rendered(rs)), timeout=120)
        records = await read_topic(infra.kafka_bootstrap, events, timeout=4, idle=2.0)
        [done] = rendered(records)
        video = await mongo[database]["videos"].find_one({"_id": video_id})
        assert video["status"] == "approved"
        store = ObjectStore(settings, bucket=f"video-{unique}")
        path = tmp_path / "video.mp4"
        path.write_bytes(await store.get(done.media_key))
        assert abs(probe(path).frames / OPTIONS.fps - done.duration_s) <= 1 / OPTIONS.fps
    finally:
        service.kill()
        await publisher.broker.stop()
        await mongo.drop_database(database)
        await mongo.close()
