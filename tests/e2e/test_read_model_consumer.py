"""The read model's batch consumer on the session's real MongoDB, fed records directly: a batch is
applied once, a bad event is retried alone and dead-lettered without losing its neighbours,
garbage is dead-lettered, and waiting requests are woken with their outcomes."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from aiokafka.structs import ConsumerRecord
from prometheus_client import CollectorRegistry
from pymongo import AsyncMongoClient

from reelflow_contracts import (
    ApproveScene,
    SceneApproved,
    SceneCreated,
    ScriptCreated,
    ScriptSegmented,
    Usage,
    encode,
    new_envelope,
)
from reelflow_gateway.collections import SCENES, SCRIPTS
from reelflow_gateway.readmodel.consumer import ReadModelConsumer
from reelflow_gateway.readmodel.outcomes import OutcomeWaiters
from reelflow_gateway.readmodel.projector import batch_projections, projections
from reelflow_gateway.readmodel.usage import usage_of
from reelflow_kit.metrics.bus import BusMetrics
from reelflow_kit.settings import KitSettings
from reelflow_kit.store.inbox import INBOX
from reelflow_kit.store.sessions import SessionRegistry
from tests.support.infra import Infra

T0 = datetime(2025, 3, 14, 9, 0, tzinfo=UTC)


class FakeBroker:
    def __init__(self) -> None:
        self.published: list[tuple[str, bytes, dict]] = []

    async def publish(self, value: bytes, topic: str, *, key: bytes | None = None, headers: dict) -> None:
        self.published.append((topic, value, headers))


@pytest.fixture
async def runtime(infra: Infra):
    client = AsyncMongoClient(infra.mongo_uri, tz_aware=True)
    name = f"e2e_rmc_{uuid.uuid4().hex[:8]}"
    settings = KitSettings(
        mongo_uri=infra.mongo_uri, retry_backoff_s=0.01, retry_backoff_max_s=0.05, handler_max_attempts=2
    )
    try:
        yield SimpleNamespace(
            settings=settings,
            mongo=client,
            db=client[name],
            broker=FakeBroker(),
            topics=set(),
            consumers=[],
            sessions=SessionRegistry(client, client[name], "read-model-test"),
            metrics=SimpleNamespace(bus=BusMetrics(CollectorRegistry())),
        )
    finally:
        await client.drop_database(name)
        await client.close()


def records_of(envelopes, start: int = 0) -> list[ConsumerRecord]:
    out = []
    for offset, env in enumerate(envelopes, start=start):
        r = encode(env)
        out.append(
            ConsumerRecord(r.topic, 0, offset, 0, 0, r.key, r.value, None, len(r.key), len(r.value), list(r.headers))
        )
    return out


def script_and_scenes():
    s = "s-" + uuid.uuid4().hex[:8]
    approve = new_envelope(ApproveScene(script_id=s, scene_id=f"{s}-c1"), source="gateway")
    events = [
        new_envelope(
            ScriptCreated(
                script_id=s, owner_id="u1", title="T", content="INT. A - DAY\n\na", origin="user", created_at=T0
            ),
            source="script",
        ),
        *[
            new_envelope(
                SceneCreated(script_id=s, scene_id=f"{s}-c{n}", order=n, text=f"scene {n}", created_at=T0),
                source="scene",
            )
            for n in (1, 2, 3)
        ],
        new_envelope(
            ScriptSegmented(
                script_id=s,
                scene_ids=tuple(f"{s}-c{n}" for n in (1, 2, 3)),
                method="sluglines",
                usage=Usage(provider="openai", model="m", input_tokens=100, output_tokens=10),
            ),
            source="scene",
        ),
        new_envelope(
            SceneApproved(script_id=s, scene_id=f"{s}-c1", order=1, approved_at=T0), source="scene", causation=approve
        ),
    ]
    return s, approve, events


async def test_a_batch_is_applied_once_and_wakes_its_request(runtime) -> None:
    waiters = OutcomeWaiters()
    consumer = ReadModelConsumer(
        runtime, "read-model", ["script.events", "scene.events"], projections(), waiters, batched=batch_projections()
    )
    s, approve, events = script_and_scenes()
    waiting = waiters.register(approve.id)
    await consumer.handle(records_of(events))
    outcome, view = waiting.result()
    assert (outcome.status, outcome.command_id) == ("applied", approve.id)
    assert view["_id"] == f"{s}-c1" and view["status"] == "approved"
    script = await runtime.db[SCRIPTS].find_one({"_id": s})
    assert (script["scene_count"], script["approved_scene_count"]) == (3, 1)
    assert script["segmentation"]["state"] == "done"
    assert await runtime.db[INBOX].count_documents({"_id": {"$regex": "^read-model/"}}) == len(events)
    assert (consumer.processed, consumer.batches) == (len(events), 1)

    await consumer.handle(records_of(events))  # redelivered: nothing changes
    assert await runtime.db[SCRIPTS].find_one({"_id": s}) == script
    assert await runtime.db[SCENES].count_documents({"script_id": s}) == 3
    assert runtime.broker.published == []


async def test_a_batch_overlapping_an_applied_one_applies_only_what_is_new(runtime) -> None:
    waiters = OutcomeWaiters()
    consumer = ReadModelConsumer(
        runtime, "read-model", ["script.events", "scene.events"], projections(), waiters, batched=batch_projections()
    )
    s, approve, events = script_and_scenes()
    await consumer.handle(records_of(events[:5]))  # everything but the approval
    waiting = waiters.register(approve.id)
    # redelivered from the middle, with the approval, and one event twice in the same fetch
    await consumer.handle(records_of([*events[2:], events[4]], start=2))

    outcome, _ = waiting.result()
    assert outcome.status == "applied"
    script = await runtime.db[SCRIPTS].find_one({"_id": s})
    assert (script["scene_count"], script["approved_scene_count"]) == (3, 1)
    scenes = await runtime.db[SCENES].find({"script_id": s}).sort("order", 1).to_list()
    assert [(c["order"], c["version"]) for c in scenes] == [(1, 2), (2, 1), (3, 1)]  # created, then approved
    [usage] = await usage_of(runtime.db, s)
    assert (usage["input_tokens"], usage["output_tokens"]) == (100, 10)  # counted once
    assert await runtime.db[INBOX].count_documents({"_id": {"$regex": "^read-model/"}}) == len(events)


async def test_a_bad_event_is_dead_lettered_alone(runtime) -> None:
    table = projections()

    async def broken(db, session, env):
        raise ValueError("cannot project this one")

    table[ScriptSegmented] = (broken, table[ScriptSegmented][1])
    consumer = ReadModelConsumer(
        runtime, "read-model", ["scene.events"], table, OutcomeWaiters(), batched=batch_projections()
    )
    s, _, events = script_and_scenes()
    garbage = ConsumerRecord("scene.events", 1, 7, 0, 0, b"k", b"not json", None, 1, 8, [("ce_type", b"nonsense")])
    await consumer.handle([garbage, *records_of(events)])

    script = await runtime.db[SCRIPTS].find_one({"_id": s})
    assert (script["scene_count"], script["approved_scene_count"]) == (3, 1)  # its neighbours are applied
    assert "segmentation" not in script
    dead = {headers["x-dlq-source-offset"]: headers for _, _, headers in runtime.broker.published}
    assert set(dead) == {"7", "4"} and consumer.dead_lettered == 2
    assert dead["7"]["x-dlq-error"].startswith("undecodable")
    assert "after 2 attempts" in dead["4"]["x-dlq-error"] and "cannot project" in dead["4"]["x-dlq-error"]
    assert all(h["x-dlq-group"] == "read-model" for h in dead.values())
    assert {topic for topic, _, _ in runtime.broker.published} == {"read-model.dlq"}
