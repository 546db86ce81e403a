"""Bus metrics: FastStream's Prometheus middleware (what arrives and leaves per topic and message
type) and the consumer's own (what each group did with a message, how long its handler took,
retries, dead letters).

FastStream's middleware labels a received message by its topic (`handler`) and a published one
by its destination; a custom label adds the CloudEvents type. Its callables see the raw record
on the way in but nothing on the way out (FastStream passes `None`), so published messages get
their type from the publish command's headers here (`_TypedPublishScope`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiokafka.structs import ConsumerRecord
from faststream._internal.context.repository import ContextRepo
from faststream.kafka.prometheus import KafkaPrometheusMiddleware
from faststream.kafka.response import KafkaPublishCommand
from faststream.prometheus.middleware import BasePrometheusMiddleware
from prometheus_client import CollectorRegistry, Counter, Histogram

from reelflow_kit.metrics.labels import UNKNOWN, message_type, record_type

MESSAGE_TYPE = "message_type"
UNDECODABLE = "undecodable"
"""The type label of a record that is no valid CloudEvent (dead-lettered as it came)."""

HANDLER_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


def _consumed_type(record: Any) -> str:
    return record_type(record.headers) if isinstance(record, ConsumerRecord) else UNKNOWN


class _TypedPublishScope(BasePrometheusMiddleware[KafkaPublishCommand, Any]):
    __slots__ = ()

    async def publish_scope(self, call_next: Callable[[KafkaPublishCommand], Any], cmd: KafkaPublishCommand) -> Any:
        self._custom_labels = {**self._custom_labels, MESSAGE_TYPE: message_type(cmd.headers.get("ce_type"))}
        return await super().publish_scope(call_next, cmd)


class TypedKafkaPrometheusMiddleware(KafkaPrometheusMiddleware):
    """FastStream's Kafka metrics (`faststream_*`), with a `message_type` label on each."""

    def __init__(self, *, registry: CollectorRegistry, app_name: str) -> None:
        super().__init__(registry=registry, app_name=app_name, custom_labels={MESSAGE_TYPE: _consumed_type})

    def __call__(self, msg: Any, /, *, context: ContextRepo) -> BasePrometheusMiddleware[KafkaPublishCommand, Any]:
        if msg is not None:  # a received record
            return super().__call__(msg, context=context)
        return _TypedPublishScope(
            None,
            metrics_manager=self._metrics_manager,
            settings_provider_factory=self._settings_provider_factory,
            context=context,
            custom_labels={**self._static_labels, MESSAGE_TYPE: UNKNOWN},
        )


class BusMetrics:
    """What each consumer group did with the messages it read."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.consumed = Counter(
            "reelflow_consumed_messages",
            "Messages a consumer group read, by type and outcome (handled, passed_over: none of its business)",
            ["group", "type", "outcome"],
            registry=registry,
        )
        self.handler_seconds = Histogram(
            "reelflow_handler_duration_seconds",
            "Time a group's handler took for one message, retries included (read model: one batch)",
            ["group", "type"],
            buckets=HANDLER_BUCKETS,
            registry=registry,
        )
        self.retries = Counter(
            "reelflow_handler_retries",
            "Handler runs tried again: transient (a server away, a write conflict) or failed (counts towards the DLQ)",
            ["group", "type", "reason"],
            registry=registry,
        )
        self.dead_letters = Counter(
            "reelflow_dead_letters",
            "Messages sent to a group's dead-letter topic, by type (`undecodable`: no valid CloudEvent)",
            ["group", "type"],
            registry=registry,
        )

    def retried(self, group: str, ce_type: str) -> Callable[[str], None]:
        """The `on_retry(reason)` callback of one message's retries."""
        return lambda reason: self.retries.labels(group, message_type(ce_type), reason).inc()
