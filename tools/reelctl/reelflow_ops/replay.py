"""`reelctl replay`: move a stopped consumer group's committed offsets (to re-read, or to skip).

Only a group without members is moved: a running consumer would overwrite the new offsets with
its own at its next commit, or be told nothing and keep its position. Replaying is safe for
Reelflow's groups: every consumer records the `ce_id`s it applied and derives the ids of what
it creates from the causing event, so reading a record again changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiokafka.structs import TopicPartition

from reelflow_ops.cluster import Cluster
from reelflow_ops.settings import OpsSettings


class CannotReplay(RuntimeError):
    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


@dataclass(frozen=True)
class Move:
    topic: str
    partition: int
    committed: int | None
    target: int

    @property
    def rereads(self) -> int:
        """Records read again (negative: skipped)."""
        return (self.committed or 0) - self.target

    def as_json(self) -> dict[str, Any]:
        return {**self.__dict__, "rereads": self.rereads}


async def plan(
    cluster: Cluster, settings: OpsSettings, group: str, to: str | int | datetime, topic: str | None
) -> list[Move]:
    group_id = settings.local_group(group)
    topics = await cluster.topics()
    if topic is not None:
        name = settings.local_topic(topic)
        if name not in topics:
            raise CannotReplay(f"no topic {name!r}")
        candidates = [TopicPartition(name, p) for p in topics[name]]
    else:
        candidates = [TopicPartition(t, p) for t, ps in topics.items() for p in ps]
    committed = await cluster.committed(group_id, candidates)
    if topic is None:
        read_topics = {tp.topic for tp in committed}
        candidates = [tp for tp in candidates if tp.topic in read_topics]
    if not candidates:
        raise CannotReplay(
            f"group {group_id!r} has committed no offset on any topic",
            "name the topic with --topic to set its offsets anyway",
        )
    await refuse_while_running(cluster, group_id, {tp.topic for tp in candidates})
    firsts = await cluster.beginning_offsets(candidates)
    ends = await cluster.end_offsets(candidates)
    if to == "earliest":
        targets = firsts
    elif isinstance(to, datetime):
        targets = await cluster.offsets_at(candidates, to)
    else:
        targets = {tp: min(max(int(to), firsts[tp]), ends[tp]) for tp in candidates}
    return [Move(tp.topic, tp.partition, committed.get(tp), targets[tp]) for tp in candidates]


async def refuse_while_running(cluster: Cluster, group_id: str, topics: set[str]) -> None:
    state = await cluster.stopped_group_state(group_id, topics)
    if state.active:
        raise CannotReplay(
            f"group {group_id!r} has {state.members} active member(s) (state {state.state})",
            "stop every instance of the service that runs this group, then replay; start it again after",
        )


async def execute(cluster: Cluster, settings: OpsSettings, group: str, moves: list[Move]) -> None:
    group_id = settings.local_group(group)
    # checked again: an instance may have started since the plan
    await refuse_while_running(cluster, group_id, {m.topic for m in moves})
    await cluster.commit(group_id, {TopicPartition(m.topic, m.partition): m.target for m in moves})
