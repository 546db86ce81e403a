"""CloudEvents 1.0 envelope in Kafka binary content mode.

Headers carry the attributes (`ce_id`, `ce_type`, ...), the value is the JSON of the message
model, and the key is the script id.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from pydantic import ValidationError

from reelflow_contracts.messages.base import CATALOG, Message

SPECVERSION = "1.0"
CONTENT_TYPE = "application/json"

M = TypeVar("M", bound=Message)
M_co = TypeVar("M_co", bound=Message, covariant=True)


class MessageDecodeError(ValueError):
    """The bytes are not a valid Reelflow message: they belong in a dead-letter topic."""


class UnknownMessageType(MessageDecodeError):
    """A well-formed envelope of a type this code does not know (e.g. a newer version)."""

    def __init__(self, ce_type: str) -> None:
        super().__init__(f"unknown message type {ce_type!r}")
        self.ce_type = ce_type


@dataclass(frozen=True)
class Envelope(Generic[M_co]):
    data: M_co
    source: str
    correlation_id: str
    causation_id: str | None = None
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    time: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def type(self) -> str:
        return self.data.ce_type

    @property
    def topic(self) -> str:
        return self.data.topic

    @property
    def key(self) -> str:
        return self.data.key

    @property
    def subject(self) -> str:
        return self.data.subject


@dataclass(frozen=True)
class KafkaRecord:
    """What goes on the wire: topic, key, headers and value, all bytes but the topic."""

    topic: str
    key: bytes
    headers: list[tuple[str, bytes]]
    value: bytes

    def header_dict(self) -> dict[str, str]:
        return {k: v.decode("utf-8", "replace") for k, v in self.headers}


def new_envelope(
    data: M,
    *,
    source: str,
    correlation_id: str | None = None,
    causation: Envelope[Message] | None = None,
    id: str | None = None,
) -> Envelope[M]:
    """An envelope for `data`; reacting to `causation` inherits its correlation id."""
    if causation is not None:
        correlation_id = correlation_id or causation.correlation_id
    ev_id = id or str(uuid.uuid4())
    return Envelope(
        data=data,
        source=source,
        correlation_id=correlation_id or ev_id,
        causation_id=causation.id if causation else None,
        id=ev_id,
    )


def format_time(t: datetime) -> str:
    return t.astimezone(UTC).isoformat().replace("+00:00", "Z")


def encode(env: Envelope[Message]) -> KafkaRecord:
    headers = {
        "ce_specversion": SPECVERSION,
        "ce_id": env.id,
        "ce_type": env.type,
        "ce_source": env.source,
        "ce_time": format_time(env.time),
        "ce_subject": env.subject,
        "content-type": CONTENT_TYPE,
        "ce_correlationid": env.correlation_id,
    }
    if env.causation_id:
        headers["ce_causationid"] = env.causation_id
    return KafkaRecord(
        topic=env.topic,
        key=env.key.encode(),
        headers=[(k, v.encode()) for k, v in headers.items()],
        value=env.data.model_dump_json().encode(),
    )


_REQUIRED = ("ce_specversion", "ce_id", "ce_type", "ce_source")


def decode(headers: Iterable[tuple[str, bytes]], value: bytes | None) -> Envelope[Message]:
    """Parse a Kafka record into an envelope with a typed, validated message.

    Raises MessageDecodeError (or its UnknownMessageType) naming the problem.
    """
    try:
        attrs = {k.lower(): v.decode("utf-8") for k, v in headers}
    except (UnicodeDecodeError, AttributeError) as exc:
        raise MessageDecodeError(f"headers are not UTF-8 text: {exc}") from None
    missing = [h for h in _REQUIRED if not attrs.get(h)]
    if missing:
        raise MessageDecodeError(f"not a CloudEvent: missing header(s) {', '.join(missing)}")
    if attrs["ce_specversion"] != SPECVERSION:
        raise MessageDecodeError(f"unsupported ce_specversion {attrs['ce_specversion']!r}")
    content_type = attrs.get("content-type", CONTENT_TYPE).split(";")[0].strip()
    if content_type != CONTENT_TYPE:
        raise MessageDecodeError(f"unsupported content-type {content_type!r}")
    model = CATALOG.get(attrs["ce_type"])
    if model is None:
        raise UnknownMessageType(attrs["ce_type"])
    if not value:
        raise MessageDecodeError(f"{attrs['ce_type']}: empty value")
    try:
        data = model.model_validate_json(value)
    except ValidationError as exc:
        raise MessageDecodeError(f"{attrs['ce_type']}: {_describe(exc)}") from None
    try:
        time = datetime.fromisoformat(attrs["ce_time"]) if attrs.get("ce_time") else None
    except ValueError:
        raise MessageDecodeError(f"ce_time is not an RFC 3339 time: {attrs['ce_time']!r}") from None
    if time is not None and time.tzinfo is None:
        # RFC 3339 requires an offset; read a bare time as UTC rather than as this host's local time.
        time = time.replace(tzinfo=UTC)
    return Envelope(
        data=data,
        source=attrs["ce_source"],
        correlation_id=attrs.get("ce_correlationid") or attrs["ce_id"],
        causation_id=attrs.get("ce_causationid") or None,
        id=attrs["ce_id"],
        time=time or datetime.now(UTC),
    )


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors(include_url=False):
        where = ".".join(str(p) for p in err["loc"]) or "value"
        parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)


def decode_record(record: KafkaRecord) -> Envelope[Message]:
    return decode(record.headers, record.value)


def to_json_dict(env: Envelope[Message]) -> dict[str, Any]:
    """Structured-mode view (for logs and SSE): attributes plus data."""
    return {
        "specversion": SPECVERSION,
        "id": env.id,
        "type": env.type,
        "source": env.source,
        "time": format_time(env.time),
        "subject": env.subject,
        "correlationid": env.correlation_id,
        "causationid": env.causation_id,
        "data": json.loads(env.data.model_dump_json()),
    }
