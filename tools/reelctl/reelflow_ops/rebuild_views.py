"""`reelctl rebuild-views`: the gateway's read model rebuilt from the event topics.

The work is the gateway's own (`reelflow_gateway.readmodel.rebuild.rebuild`: drop every view,
forget the read-model group's inbox, rewind the group to the start of every event topic); the
replay itself is done by the gateway when it starts. reelctl refuses while a gateway is running
(its consumer would keep its offsets), and with `--wait` follows the replay until the group has
caught up with every event topic.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from aiokafka.structs import TopicPartition

from reelflow_contracts.topics import EVENT_TOPICS
from reelflow_ops.cluster import Cluster
from reelflow_ops.output import progress
from reelflow_ops.replay import CannotReplay

if TYPE_CHECKING:
    from reelflow_gateway.settings import Settings as GatewaySettings


def gateway_settings() -> GatewaySettings:
    try:
        from reelflow_gateway.settings import Settings
    except ImportError:
        raise CannotReplay(
            "rebuild-views needs the gateway package (reelflow-gateway)",
            "install it beside reelctl: pip install -e services/gateway (make install does)",
        ) from None
    return Settings()


def read_model_group(settings: GatewaySettings) -> str:
    return settings.consumer_group(settings.read_model_group)


async def rebuild(cluster: Cluster, settings: GatewaySettings) -> str:
    from reelflow_gateway.readmodel.rebuild import rebuild as rebuild_read_model

    group = read_model_group(settings)
    state = await cluster.stopped_group_state(group, [settings.topic(t) for t in EVENT_TOPICS])
    if state.active:
        raise CannotReplay(
            f"the read-model group {group!r} has {state.members} active member(s): a gateway is running",
            "stop every gateway instance first (make down, or stop the process), then run rebuild-views again",
        )
    return await rebuild_read_model(settings)


async def wait_caught_up(cluster: Cluster, settings: GatewaySettings, timeout: float, show_progress: bool) -> int:
    """Until the read-model group's committed offsets reach the end of every event topic (as it is
    when the wait starts); the number of events replayed."""
    group = read_model_group(settings)
    tps: list[TopicPartition] = []
    for topic in EVENT_TOPICS:
        tps += await cluster.partitions(settings.topic(topic))
    firsts, ends = await cluster.beginning_offsets(tps), await cluster.end_offsets(tps)
    total = sum(ends[tp] - firsts[tp] for tp in tps)
    deadline = time.monotonic() + timeout
    with progress(show_progress) as bar:
        task = bar.add_task(f"replaying into the views ({group}); start the gateway", total=total)
        while True:
            committed = await cluster.committed(group, tps)
            done = sum(min(committed.get(tp, firsts[tp]), ends[tp]) - firsts[tp] for tp in tps)
            bar.update(task, completed=done)
            if done >= total:
                return total
            if time.monotonic() > deadline:
                raise CannotReplay(
                    f"the read model replayed {done} of {total} events within {timeout:.0f}s",
                    "is the gateway running? Its log says why it is slow or stuck",
                )
            await asyncio.sleep(0.5)
