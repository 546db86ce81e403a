"""The subscriber examples quoted in docs/events.md, run as they are against the real broker: each
reads Reelflow messages written as the services write them and prints every attribute it promises."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from aiokafka import AIOKafkaProducer

from reelflow_contracts import encode
from reelflow_contracts.examples import example_envelope
from reelflow_contracts.messages import ScriptApproved, ScriptCreated, ShotPlanned
from tests.support.infra import ROOT, Infra

EXAMPLES = ROOT / "docs" / "examples"
MESSAGES = (ScriptCreated, ScriptApproved, ShotPlanned)


async def publish(infra: Infra, topic: str) -> list[str]:
    """The examples' messages on `topic`; the line each subscriber should print for each."""
    producer = AIOKafkaProducer(bootstrap_servers=infra.kafka_bootstrap)
    await producer.start()
    expected = []
    try:
        for cls in MESSAGES:
            envelope = example_envelope(cls)
            record = encode(envelope)
            await producer.send_and_wait(topic, record.value, key=record.key, headers=record.headers)
            payload = json.dumps(json.loads(record.value), sort_keys=True)
            expected.append(f"{envelope.type} {envelope.subject} {envelope.correlation_id} {payload}")
    finally:
        await producer.stop()
    return expected


@pytest.mark.parametrize("example", ["subscribe_aiokafka.py", "subscribe_confluent.py", "subscribe_cloudevents.py"])
async def test_the_documented_subscriber_reads_every_message(infra: Infra, unique: str, example: str) -> None:
    topic = f"examples-{unique}"
    expected = await publish(infra, topic)
    result = subprocess.run(
        [
            sys.executable,
            str(EXAMPLES / example),
            "--bootstrap",
            infra.kafka_bootstrap,
            "--topic",
            topic,
            "--group",
            f"example-{unique}",
            "--max",
            str(len(expected)),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == expected


def test_events_md_quotes_every_example_file() -> None:
    events_md = (ROOT / "docs" / "events.md").read_text(encoding="utf-8")
    for path in sorted(EXAMPLES.glob("subscribe_*.py")):
        assert f"docs/examples/{path.name}" in events_md, path.name
        body = path.read_text(encoding="utf-8")
        start = body.index("\nimport ")  # quoted from the imports on, the docstring aside
        assert body[start:].strip() in events_md, f"docs/events.md quotes an old {path.name}: update it"
