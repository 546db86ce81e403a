"""`reelctl tail TOPIC`: the decoded envelopes of one topic, from where you say, optionally for ever."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime

from aiokafka.structs import TopicPartition
from rich.markup import escape

from reelflow_contracts.messages.base import CATALOG
from reelflow_ops.cluster import Cluster
from reelflow_ops.output import console, print_json_line
from reelflow_ops.records import Event, matches, read_event


class BadStart(ValueError):
    """`--from` is neither earliest, latest, an offset nor an ISO time."""


def parse_start(text: str) -> str | int | datetime:
    if text in ("earliest", "latest"):
        return text
    if text.isdigit():
        return int(text)
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise BadStart(f"--from {text!r}: expected earliest, latest, an offset or an ISO time") from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def type_filter(text: str | None) -> str | None:
    """A class name (`ScriptApproved`) as its ce_type; anything else as given (a part of a ce_type)."""
    if not text:
        return None
    by_name = {cls.__name__: ce_type for ce_type, cls in CATALOG.items()}
    return by_name.get(text, text)


async def events(
    cluster: Cluster,
    topic: str,
    *,
    start: str | int | datetime,
    follow: bool,
    type_: str | None = None,
    subject: str | None = None,
    correlation: str | None = None,
) -> AsyncIterator[Event]:
    tps = await cluster.partitions(topic)
    if not tps:
        return
    not_before_ms: int | None = None
    position: str | int | dict[TopicPartition, int]
    if start == "latest":
        position = await cluster.end_offsets(tps)
    elif isinstance(start, datetime):
        if cluster.exact_offset_requests:
            position = await cluster.offsets_at(tps, start)
        else:
            # Tansu's timestamp lookup is wrong: read from the start and pass over what is older.
            position, not_before_ms = "earliest", int(start.timestamp() * 1000)
    else:
        position = start
    stop_at = None if follow else await cluster.end_offsets(tps)
    async for record in cluster.read(tps, start=position, stop_at=stop_at, follow=follow):
        if not_before_ms is not None and record.timestamp < not_before_ms:
            continue
        event = read_event(record)
        if matches(event, type_=type_filter(type_), subject=subject, correlation=correlation):
            yield event


def show(event: Event, as_json: bool) -> None:
    if as_json:
        print_json_line(event.as_json())
        return
    payload = json.dumps(event.payload, ensure_ascii=False, separators=(",", ":"), default=str)
    cause = f" cause={event.causation_id}" if event.causation_id else ""
    error = f" [red]error={escape(event.error)}[/]" if event.error else ""
    console.print(
        f"[dim]{event.time}[/] [cyan]{escape(event.type or '?')}[/] subject={escape(event.subject)} "
        f"corr={escape(event.correlation_id)}{escape(cause)} [dim]{event.topic}[{event.partition}]@{event.offset}[/]"
        f"{error} {escape(payload)}",
        soft_wrap=True,
        highlight=False,
    )
