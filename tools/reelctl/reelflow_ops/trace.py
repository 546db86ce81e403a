"""`reelctl trace ID`: every message about one script, operation or correlation id, on every topic,
in the order it happened."""

from __future__ import annotations

from reelflow_contracts.topics import ALL_TOPICS
from reelflow_ops.cluster import Cluster
from reelflow_ops.output import progress
from reelflow_ops.records import Event, read_event
from reelflow_ops.settings import OpsSettings


async def trace(cluster: Cluster, settings: OpsSettings, any_id: str, show_progress: bool) -> list[Event]:
    found: list[Event] = []
    topics = [settings.topic(t) for t in ALL_TOPICS]
    with progress(show_progress) as bar:
        task = bar.add_task("reading topics", total=len(topics))
        for topic in topics:
            bar.update(task, description=f"reading {topic}")
            tps = await cluster.partitions(topic)
            async for record in cluster.read(tps, start="earliest"):
                event = read_event(record)
                if event.mentions(any_id):
                    found.append(event)
            bar.advance(task)
    return sorted(found, key=Event.sort_key)
