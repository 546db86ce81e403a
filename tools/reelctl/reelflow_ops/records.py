"""A Kafka record as an operator reads it: the CloudEvent attributes and the JSON payload.

Read from the headers directly rather than through `reelflow_contracts.decode`, so a record that
does not validate (a dead letter, a newer `.v2`) is still shown as it is, with why it does not
decode in `error`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiokafka.structs import ConsumerRecord

from reelflow_contracts.envelope import MessageDecodeError, UnknownMessageType, decode


@dataclass(frozen=True)
class Event:
    topic: str
    partition: int
    offset: int
    timestamp: datetime
    key: str
    headers: dict[str, str]
    payload: Any
    error: str | None

    @property
    def type(self) -> str:
        return self.headers.get("ce_type", "")

    @property
    def id(self) -> str:
        return self.headers.get("ce_id", "")

    @property
    def time(self) -> str:
        return self.headers.get("ce_time", "") or self.timestamp.isoformat().replace("+00:00", "Z")

    @property
    def subject(self) -> str:
        return self.headers.get("ce_subject", "")

    @property
    def correlation_id(self) -> str:
        return self.headers.get("ce_correlationid", "")

    @property
    def causation_id(self) -> str:
        return self.headers.get("ce_causationid", "")

    @property
    def source(self) -> str:
        return self.headers.get("ce_source", "")

    def mentions(self, any_id: str) -> bool:
        """Whether this record is about `any_id`: its key (the script id), subject, correlation or
        causation id, its own id, or an `*_id` field of its payload."""
        if any_id in (self.key, self.subject, self.correlation_id, self.causation_id, self.id):
            return True
        if isinstance(self.payload, dict):
            return any(k.endswith("_id") and v == any_id for k, v in self.payload.items())
        return False

    def sort_key(self) -> tuple[str, str, int, int]:
        return (_normal_time(self.time), self.topic, self.partition, self.offset)

    def as_json(self) -> dict[str, Any]:
        return {
            "topic": self.topic,
            "partition": self.partition,
            "offset": self.offset,
            "key": self.key,
            "id": self.id,
            "type": self.type,
            "source": self.source,
            "time": self.time,
            "subject": self.subject,
            "correlationid": self.correlation_id,
            "causationid": self.causation_id or None,
            "headers": {k: v for k, v in self.headers.items() if not k.startswith("ce_") and k != "content-type"},
            "payload": self.payload,
            "error": self.error,
        }


def _normal_time(text: str) -> str:
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return text
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).isoformat()


def read_event(record: ConsumerRecord) -> Event:
    raw_headers = list(record.headers or ())
    headers = {k: (v or b"").decode("utf-8", "replace") for k, v in raw_headers}
    value = record.value or b""
    try:
        payload: Any = json.loads(value) if value else None
    except ValueError:
        payload = value.decode("utf-8", "replace")
    error = None
    try:
        decode(raw_headers, value)
    except UnknownMessageType as exc:
        error = str(exc)
    except MessageDecodeError as exc:
        error = str(exc)
    return Event(
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        timestamp=datetime.fromtimestamp(record.timestamp / 1000, UTC),
        key=(record.key or b"").decode("utf-8", "replace"),
        headers=headers,
        payload=payload,
        error=error,
    )


def matches(event: Event, *, type_: str | None, subject: str | None, correlation: str | None) -> bool:
    """`type_` is a full ce_type or any part of one (`script.approved`)."""
    if type_ and type_ not in event.type:
        return False
    if subject and event.subject != subject:
        return False
    return not (correlation and event.correlation_id != correlation)
