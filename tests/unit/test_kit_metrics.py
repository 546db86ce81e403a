"""The kit's metric wiring, on fakes: FastStream's middleware labelled by message type, the
consumer's outcomes, retries and dead letters, AI calls, scrape-time gauges with a time budget,
and /metrics on the health app."""

from __future__ import annotations

import asyncio
import time
from types import SimpleNamespace

import pytest
from aiokafka.structs import ConsumerRecord
from faststream.kafka import KafkaBroker, TestKafkaBroker
from prometheus_client import CollectorRegistry

from reelflow_contracts.envelope import encode, new_envelope
from reelflow_contracts.messages.base import Usage
from reelflow_contracts.messages.script import ApproveScript, CreateScript
from reelflow_kit.ai import AIProviderError
from reelflow_kit.bus.consumer import Consumer
from reelflow_kit.bus.delivery import with_message_retries
from reelflow_kit.health import health_app
from reelflow_kit.metrics.ai import AIMetrics, observed
from reelflow_kit.metrics.bus import BusMetrics, TypedKafkaPrometheusMiddleware
from reelflow_kit.metrics.labels import OTHER, BoundedValues, message_type
from reelflow_kit.metrics.sampled import SampledGauges
from reelflow_kit.metrics.service import ServiceMetrics
from reelflow_kit.settings import KitSettings

CREATE = "reelflow.script.create_script.v1"


def value(registry: CollectorRegistry, name: str, **labels: str) -> float:
    return registry.get_sample_value(name, labels) or 0.0


def test_message_type_labels_are_contract_types_or_unknown() -> None:
    assert message_type(CREATE) == CREATE
    assert message_type(CREATE.encode()) == CREATE
    assert message_type("reelflow.script.create_script.v1; drop") == "unknown"
    assert message_type(None) == "unknown"


def test_bounded_values_name_every_value_past_the_limit_other() -> None:
    models = BoundedValues(limit=2)
    assert [models(m) for m in ("a", "b", "c", "a", "d")] == ["a", "b", OTHER, "a", OTHER]


async def test_faststream_middleware_labels_received_and_published_messages_by_type() -> None:
    registry = CollectorRegistry()
    broker = KafkaBroker(
        middlewares=[TypedKafkaPrometheusMiddleware(registry=registry, app_name="script")], apply_types=False
    )

    @broker.subscriber("script.commands")
    async def handle(msg: object) -> None:
        return None

    async with TestKafkaBroker(broker) as running:
        await running.publish(b"{}", "script.commands", headers={"ce_type": CREATE})
        await running.publish(b"{}", "script.commands", headers={"ce_type": "made-up-by-a-producer"})

    common = {"app_name": "script", "broker": "kafka"}
    received = "faststream_received_messages_total"
    assert value(registry, received, **common, handler="script.commands", message_type=CREATE) == 1
    assert value(registry, received, **common, handler="script.commands", message_type="unknown") == 1
    published = "faststream_published_messages_total"
    labels = {**common, "destination": "script.commands", "status": "success"}
    assert value(registry, published, **labels, message_type=CREATE) == 1
    assert value(registry, published, **labels, message_type="unknown") == 1
    histogram = "faststream_received_processed_messages_duration_seconds_count"
    assert value(registry, histogram, **common, handler="script.commands", message_type=CREATE) == 1


class FakeBroker:
    def __init__(self) -> None:
        self.published: list[tuple[bytes, str]] = []

    async def publish(self, value: bytes, topic: str, **_: object) -> None:
        self.published.append((value, topic))


def record_of(message: object, offset: int = 0) -> ConsumerRecord:
    encoded = encode(new_envelope(message, source="test"))
    return record(encoded.headers, encoded.value, offset)


def record(headers: list[tuple[str, bytes]], value: bytes, offset: int = 0) -> ConsumerRecord:
    return ConsumerRecord("script.commands", 0, offset, 0, 0, b"k", value, None, 1, len(value), headers=tuple(headers))


async def test_the_consumer_counts_what_it_did_with_each_message_by_group_and_type() -> None:
    registry = CollectorRegistry()
    runtime = SimpleNamespace(settings=KitSettings(), broker=FakeBroker())
    handled: list[object] = []

    async def create(ctx: object) -> None:
        handled.append(ctx)

    consumer = Consumer(
        runtime,  # type: ignore[arg-type]
        "script-service",
        ("script.commands",),
        {CreateScript: create},
        look_up_inbox_first=False,
        metrics=BusMetrics(registry),
    )
    create_script = CreateScript(script_id="s1", owner_id="u", title="t", content="c", requested_by="u")
    assert await consumer.process(record_of(create_script))
    assert not await consumer.process(record_of(ApproveScript(script_id="s1"), 1))
    assert await consumer.process(record([("ce_type", b"x")], b"garbage", 2))

    group = {"group": "script-service"}
    consumed = "reelflow_consumed_messages_total"
    assert value(registry, consumed, **group, type=CREATE, outcome="handled") == 1
    approve = ApproveScript.ce_type
    assert value(registry, consumed, **group, type=approve, outcome="passed_over") == 1
    assert value(registry, "reelflow_handler_duration_seconds_count", **group, type=CREATE) == 1
    assert value(registry, "reelflow_dead_letters_total", **group, type="undecodable") == 1
    assert runtime.broker.published[0][1] == "script-service.dlq"


async def test_message_retries_are_reported_by_reason() -> None:
    settings = KitSettings(retry_backoff_s=0.001, retry_backoff_max_s=0.001, handler_max_attempts=5)
    failures = [ConnectionError("away"), ValueError("bug")]
    reasons: list[str] = []

    async def attempt() -> str:
        if failures:
            raise failures.pop(0)
        return "done"

    async def give_up(error: str) -> str:
        raise AssertionError(error)

    assert await with_message_retries(settings, attempt, give_up, on_retry=reasons.append) == "done"
    assert reasons == ["transient", "failed"]


class Drawer:
    pacing = "kept"

    async def draw(self, prompt: str) -> SimpleNamespace:
        if prompt == "refused":
            raise AIProviderError("rate_limited", "slow down", usage=Usage(provider="openai", input_tokens=7))
        usage = Usage(provider="openai", model="img-1", images=1, input_tokens=12, output_tokens=3)
        return SimpleNamespace(usage=usage)


async def test_ai_calls_are_timed_and_their_usage_counted_by_capability() -> None:
    registry = CollectorRegistry()
    drawer = observed(Drawer(), "image_generation", AIMetrics(registry), "openai")
    assert drawer.pacing == "kept"  # what is not a coroutine passes through
    await drawer.draw("a lighthouse")
    with pytest.raises(AIProviderError):
        await drawer.draw("refused")

    base = {"capability": "image_generation", "provider": "openai"}
    assert value(registry, "reelflow_ai_calls_total", **base, outcome="ok") == 1
    assert value(registry, "reelflow_ai_calls_total", **base, outcome="rate_limited") == 1
    assert value(registry, "reelflow_ai_call_duration_seconds_count", **base) == 2
    assert value(registry, "reelflow_ai_images_total", **base, model="img-1") == 1
    assert value(registry, "reelflow_ai_tokens_total", **base, model="img-1", direction="input") == 12
    assert value(registry, "reelflow_ai_tokens_total", **base, model="none", direction="input") == 7


class AsyncRows:
    def __init__(self, rows: list[dict]) -> None:
        self.rows = rows

    def __aiter__(self):
        return self._iterate()

    async def _iterate(self):
        for row in self.rows:
            yield row


class FakeCollection:
    def __init__(self, delay_s: float = 0.0, counts: dict[str, int] | None = None, rows: list | None = None):
        self.delay_s, self.counts, self.rows = delay_s, counts or {}, rows or []

    async def count_documents(self, query: dict) -> int:
        await asyncio.sleep(self.delay_s)
        return self.counts["set_aside" if "set_aside_at" in query and query["set_aside_at"] else "backlog"]

    async def find_one(self, *_: object, **__: object) -> None:
        return None

    async def aggregate(self, pipeline: list) -> AsyncRows:
        await asyncio.sleep(self.delay_s)
        return AsyncRows(self.rows)


def fake_db(delay_s: float = 0.0) -> dict[str, FakeCollection]:
    rows = [{"_id": {"kind": "render", "status": "queued"}, "n": 4}]
    return {
        "outbox": FakeCollection(delay_s, {"backlog": 3, "set_aside": 1}),
        "jobs": FakeCollection(delay_s, rows=rows),
    }


async def test_scrape_time_gauges_read_the_outbox_and_the_job_queue() -> None:
    registry = CollectorRegistry()
    gauges = SampledGauges(registry, fake_db(), budget_s=1.0, job_kinds=lambda: ["render", "decide"])  # type: ignore[arg-type]
    await gauges.refresh()
    assert value(registry, "reelflow_outbox_backlog") == 3
    assert value(registry, "reelflow_outbox_set_aside") == 1
    assert value(registry, "reelflow_jobs", kind="render", status="queued") == 4
    assert registry.get_sample_value("reelflow_jobs", {"kind": "decide", "status": "running"}) == 0


async def test_a_slow_database_costs_a_scrape_its_budget_not_more() -> None:
    registry = CollectorRegistry()
    gauges = SampledGauges(registry, fake_db(delay_s=5.0), budget_s=0.05, job_kinds=lambda: [])  # type: ignore[arg-type]
    began = time.monotonic()
    await gauges.refresh()
    assert time.monotonic() - began < 1.0
    assert value(registry, "reelflow_metrics_sample_failures_total", sample="outbox") == 1
    assert value(registry, "reelflow_metrics_sample_failures_total", sample="jobs") == 1


async def test_the_health_app_serves_metrics_in_the_prometheus_text_format() -> None:
    relay = SimpleNamespace(published=5, refused=0, last_error=None)
    metrics = ServiceMetrics("script", fake_db(), relay=lambda: relay, job_kinds=lambda: [], sample_budget_s=1.0)  # type: ignore[arg-type]
    runtime = SimpleNamespace(metrics=metrics)
    sent: list[dict] = []

    async def send(message: dict) -> None:
        sent.append(message)

    async def receive() -> dict:
        return {"type": "http.request"}

    await health_app(runtime)({"type": "http", "path": "/metrics", "method": "GET"}, receive, send)  # type: ignore[arg-type]
    assert sent[0]["status"] == 200
    assert dict(sent[0]["headers"])[b"content-type"].startswith(b"text/plain; version=0.0.4")
    body = sent[1]["body"].decode()
    assert "reelflow_outbox_published_total 5.0" in body
    assert "reelflow_outbox_backlog 3.0" in body
    assert "process_cpu_seconds_total" in body
