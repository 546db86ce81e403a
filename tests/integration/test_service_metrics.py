"""/metrics of real service processes on the real servers: the script service handles commands and
the scene service segments on its ScriptApproved and plans shots (jobs) once each scene is approved; scraped
over HTTP, their counters show what they did, by message type, group, job kind and AI capability."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from pymongo import MongoClient

from reelflow_contracts.envelope import encode, new_envelope
from reelflow_contracts.messages.scene import ApproveScene
from reelflow_contracts.messages.script import ApproveScript, CreateScript, ScriptApproved, ScriptCreated
from reelflow_kit.bus.broker import make_broker, publish_record
from reelflow_kit.settings import KitSettings
from tests.support.processes import ServiceProcess, free_port

CONTENT = "INT. LIGHTHOUSE - NIGHT\n\nMARA climbs the stairs.\n\nEXT. HARBOR - DAWN\n\nGulls circle the boats.\n"
CREATE, APPROVE = CreateScript.ce_type, ApproveScript.ce_type


class Service:
    def __init__(self, name: str, infra, namespace: str, tmp_path) -> None:
        self.name, self.port = name, free_port()
        self.database = f"{namespace}_{name}"
        env = {
            **infra.env(),
            "REELFLOW_KAFKA_NAMESPACE": namespace,
            "REELFLOW_MONGO_DATABASE": self.database,
            "REELFLOW_HEALTH_PORT": str(self.port),
            "REELFLOW_AI_PROVIDER": "local",
        }
        self.process = ServiceProcess(
            ["-m", f"reelflow_{name}"], env, tmp_path / f"{name}.log", f"http://127.0.0.1:{self.port}/healthz"
        )

    def scrape(self) -> dict[tuple[str, frozenset], float]:
        response = httpx.get(f"http://127.0.0.1:{self.port}/metrics", timeout=5)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
        return {
            (sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(response.text)
            for sample in family.samples
        }


def value(samples: dict, name: str, **labels: str) -> float:
    """The sum of `name`'s samples whose labels include `labels`."""
    wanted = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and wanted <= ls)


def eventually(check, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while True:
        try:
            return check()
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


@pytest.fixture
def services(infra, unique, tmp_path) -> Iterator[dict[str, Service]]:
    namespace = f"metrics{unique}"
    started = {name: Service(name, infra, namespace, tmp_path) for name in ("script", "scene")}
    try:
        for service in started.values():
            service.process.start()
        for service in started.values():
            service.process.wait_healthy(60)
        yield started
    finally:
        for service in started.values():
            service.process.stop()
        with MongoClient(infra.mongo_uri) as client:
            for service in started.values():
                client.drop_database(service.database)


async def test_scraped_counters_follow_the_work_done(infra, unique, services) -> None:
    script, scene = services["script"], services["scene"]
    namespace = f"metrics{unique}"
    script_id = f"script-{unique}"
    create = CreateScript(script_id=script_id, owner_id="u1", title="Tides", content=CONTENT, requested_by="u1")
    await send_commands(infra, namespace, [create, ApproveScript(script_id=script_id)])

    group = f"{namespace}.script-service"

    def script_worked() -> dict:
        samples = script.scrape()
        assert value(samples, "reelflow_consumed_messages_total", group=group, type=CREATE, outcome="handled") == 1
        assert value(samples, "reelflow_consumed_messages_total", group=group, type=APPROVE, outcome="handled") == 1
        assert value(samples, "reelflow_handler_duration_seconds_count", group=group, type=CREATE) == 1
        received = "faststream_received_messages_total"
        assert value(samples, received, handler=f"{namespace}.script.commands", message_type=CREATE) == 1
        published = "faststream_published_messages_total"
        for event in (ScriptCreated, ScriptApproved):
            topic = f"{namespace}.script.events"
            assert value(samples, published, destination=topic, message_type=event.ce_type, status="success") == 1
        assert value(samples, "reelflow_outbox_published_total") == 2
        assert value(samples, "reelflow_outbox_backlog") == 0
        assert value(samples, "reelflow_dead_letters_total") == 0
        return samples

    samples = eventually(script_worked)
    assert value(samples, "process_resident_memory_bytes") > 0

    scene_group = f"{namespace}.scene-service"
    handled = "reelflow_consumed_messages_total"

    def scene_segmented() -> dict:
        samples = scene.scrape()
        assert value(samples, handled, group=scene_group, type=ScriptApproved.ce_type, outcome="handled") == 1
        # ScriptCreated is on the same topic and none of the scene service's business
        created = ScriptCreated.ce_type
        assert value(samples, handled, group=scene_group, type=created, outcome="passed_over") == 1
        assert value(samples, "reelflow_ai_calls_total", capability="segmentation", provider="local", outcome="ok") == 1
        assert value(samples, "reelflow_job_attempts_total", kind="plan-shots") == 0  # scenes wait for the writer
        return samples

    eventually(scene_segmented)
    with MongoClient(infra.mongo_uri) as client:
        scene_ids = [doc["_id"] for doc in client[scene.database]["scenes"].find({"script_id": script_id})]
    assert len(scene_ids) == 2
    await send_commands(infra, namespace, [ApproveScene(script_id=script_id, scene_id=s) for s in scene_ids])

    def shots_planned() -> dict:
        samples = scene.scrape()
        assert value(samples, handled, group=scene_group, type=ApproveScene.ce_type, outcome="handled") == 2
        assert value(samples, "reelflow_job_attempts_total", kind="plan-shots", outcome="done") == 2
        assert value(samples, "reelflow_job_duration_seconds_count", kind="plan-shots", outcome="done") == 2
        assert value(samples, "reelflow_job_queue_wait_seconds_count", kind="plan-shots") == 2
        assert value(samples, "reelflow_ai_calls_total", capability="shot_planning", outcome="ok") == 2
        assert value(samples, "reelflow_jobs", kind="plan-shots", status="queued") == 0
        assert value(samples, "reelflow_jobs_running_here", kind="plan-shots") == 0
        assert value(samples, "reelflow_outbox_backlog") == 0
        return samples

    eventually(shots_planned)


async def send_commands(infra, namespace: str, commands: list) -> None:
    broker = make_broker(KitSettings(service_name="metrics-test", kafka_namespace=namespace, **infra.settings_kwargs()))
    await broker.start()
    try:
        for command in commands:
            record = encode(new_envelope(command, source="gateway"))
            await publish_record(broker, record, topic=f"{namespace}.{record.topic}")
    finally:
        await broker.stop()
