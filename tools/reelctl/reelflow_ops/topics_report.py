"""`reelctl topics`: every topic with its partitions, record counts, and the groups reading it with their lag."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aiokafka.structs import TopicPartition
from rich.table import Table

from reelflow_ops.cluster import TANSU, Cluster
from reelflow_ops.output import console, progress


@dataclass
class GroupOnTopic:
    group: str
    state: str
    members: int
    committed: dict[int, int]
    lag: int


@dataclass
class TopicReport:
    topic: str
    first: dict[int, int]
    end: dict[int, int]
    groups: list[GroupOnTopic] = field(default_factory=list)

    @property
    def records(self) -> int:
        return sum(self.end[p] - self.first[p] for p in self.end)

    def as_json(self) -> dict[str, Any]:
        return {
            "topic": self.topic,
            "partitions": [
                {"partition": p, "first_offset": self.first[p], "end_offset": self.end[p]} for p in sorted(self.end)
            ],
            "records": self.records,
            "groups": [g.__dict__ for g in self.groups],
        }


async def report(cluster: Cluster, show_progress: bool) -> list[TopicReport]:
    topics = await cluster.topics()
    tps = [TopicPartition(t, p) for t, ps in topics.items() for p in ps]
    firsts = await cluster.beginning_offsets(tps)
    ends = await cluster.end_offsets(tps)
    reports = {
        t: TopicReport(
            t,
            {p: firsts[TopicPartition(t, p)] for p in ps},
            {p: ends[TopicPartition(t, p)] for p in ps},
        )
        for t, ps in topics.items()
    }
    groups = await cluster.groups()
    with progress(show_progress) as bar:
        task = bar.add_task("consumer groups", total=len(groups))
        for group in groups:
            state = await cluster.group_state(group)
            committed = await cluster.committed(group, tps)
            for topic, topic_report in reports.items():
                mine = {tp.partition: off for tp, off in committed.items() if tp.topic == topic}
                if not mine:
                    continue
                lag = sum(max(0, topic_report.end[p] - mine.get(p, topic_report.first[p])) for p in topic_report.end)
                topic_report.groups.append(GroupOnTopic(group, state.state, state.members, mine, lag))
            bar.advance(task)
    return list(reports.values())


def render(reports: list[TopicReport], broker: str) -> None:
    table = Table(title=f"topics on {broker}", title_justify="left")
    table.add_column("topic", style="cyan", no_wrap=True)
    table.add_column("partitions", justify="right")
    table.add_column("records", justify="right")
    table.add_column("consumer groups (state, members): lag")
    for item in reports:
        groups = "\n".join(
            f"{g.group} ({g.state}, {g.members}): " + (f"[green]{g.lag}[/]" if g.lag == 0 else f"[yellow]{g.lag}[/]")
            for g in item.groups
        )
        name = f"[red]{item.topic}[/]" if item.topic.endswith(".dlq") and item.records else item.topic
        table.add_row(name, str(len(item.end)), str(item.records), groups or "[dim]none[/]")
    console.print(table)
    if broker == TANSU:
        console.print(
            "[dim]members as the broker lists them: Tansu keeps a stopped consumer listed until its group "
            "rebalances (replay and rebuild-views find out which still answer)[/]"
        )
