"""What every consumer does with a message that fails: retry it, then dead-letter it.

Shared by the kit's `Consumer` (one message per transaction) and the gateway's batched read
model (when a batch fails for a reason other than our servers, it falls back to one event at a
time through this). The rules (docs/architecture.md, "Delivery"):
- a server that is away or a write conflict is retried without limit: the message is fine;
- anything else is retried `handler_max_attempts` times (an `Unprocessable` one not at all), then
  the record goes to `<group>.dlq` with the error and where it came from in `x-dlq-*` headers.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import Awaitable, Callable
from typing import TypeVar

from aiokafka.structs import ConsumerRecord
from faststream.kafka import KafkaBroker

from reelflow_kit.bus.retry import Unprocessable, backoff_delay, is_infrastructure_error, is_transient_transaction_error
from reelflow_kit.settings import KitSettings

log = logging.getLogger(__name__)

T = TypeVar("T")


async def with_message_retries(
    settings: KitSettings,
    attempt: Callable[[], Awaitable[T]],
    give_up: Callable[[str], Awaitable[T]],
    *,
    what: str = "handler",
    on_retry: Callable[[str], None] | None = None,
) -> T:
    """`attempt()` until it returns; `give_up(error)` once the message itself has failed
    `settings.handler_max_attempts` times (`error` says how, for the dead-letter headers).
    `on_retry(reason)` hears of each retry: `transient` (not counted) or `failed`."""
    attempts = transient = 0
    while True:
        attempts += 1
        try:
            return await attempt()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if is_transient_transaction_error(exc) or is_infrastructure_error(exc):
                transient += 1
                attempts -= 1  # not the message's fault: does not count towards dead-lettering
                if on_retry is not None:
                    on_retry("transient")
                if transient in (1, 10) or transient % 50 == 0:
                    log.warning("transient failure, retrying", extra={"error": repr(exc), "retries": transient})
                await asyncio.sleep(
                    backoff_delay(min(transient, 4), settings.retry_backoff_s, settings.retry_backoff_max_s)
                )
                continue
            if attempts >= settings.handler_max_attempts or isinstance(exc, Unprocessable):
                log.exception(f"{what} failed, dead-lettering")
                return await give_up(
                    f"{what} failed after {attempts} attempts: " + "".join(traceback.format_exception_only(exc)).strip()
                )
            log.warning(f"{what} failed, retrying", extra={"error": repr(exc), "attempt": attempts})
            if on_retry is not None:
                on_retry("failed")
            await asyncio.sleep(backoff_delay(attempts, settings.retry_backoff_s, settings.retry_backoff_max_s))


async def dead_letter(broker: KafkaBroker, record: ConsumerRecord, group: str, dlq_topic: str, error: str) -> None:
    """The record, as it came, to `dlq_topic` with its headers and the `x-dlq-*` ones."""
    headers = {k: (v or b"").decode("utf-8", "replace") for k, v in (record.headers or ())}
    headers.update(
        {
            "x-dlq-error": error[:4000],
            "x-dlq-source-topic": record.topic,
            "x-dlq-source-partition": str(record.partition),
            "x-dlq-source-offset": str(record.offset),
            "x-dlq-group": group,
        }
    )
    await broker.publish(record.value or b"", dlq_topic, key=record.key, headers=headers)
    log.error(
        "message dead-lettered",
        extra={"dlq": dlq_topic, "error": error, "topic": record.topic, "offset": record.offset},
    )
