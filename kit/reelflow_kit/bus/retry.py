"""Which failures are worth retrying, and how long to wait."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from aiokafka.errors import (
    CorruptRecordException,
    InvalidTimestampError,
    InvalidTopicError,
    KafkaConnectionError,
    KafkaTimeoutError,
    MessageSizeTooLargeError,
    NodeNotReadyError,
    RecordListTooLargeError,
    RecordTooLargeError,
    RequestTimedOutError,
    UnsupportedForMessageFormatError,
)
from botocore.exceptions import ConnectionError as ObjectStoreConnectionError
from botocore.exceptions import HTTPClientError as ObjectStoreHTTPError
from pymongo.errors import AutoReconnect, ConnectionFailure, NetworkTimeout, PyMongoError, ServerSelectionTimeoutError

SERVER_AWAY_ERRORS = (
    ConnectionFailure,
    ServerSelectionTimeoutError,
    NetworkTimeout,
    AutoReconnect,
    KafkaConnectionError,
    KafkaTimeoutError,
    NodeNotReadyError,
    RequestTimedOutError,
    ObjectStoreConnectionError,  # S3: EndpointConnectionError, ConnectTimeoutError
    ObjectStoreHTTPError,  # S3: ConnectionClosedError, ReadTimeoutError
)
"""MongoDB, Kafka or S3 away, as their own clients say it."""

INFRASTRUCTURE_ERRORS = (*SERVER_AWAY_ERRORS, ConnectionError, TimeoutError)


REFUSED_FOR_GOOD = (
    MessageSizeTooLargeError,
    RecordListTooLargeError,
    RecordTooLargeError,
    CorruptRecordException,
    InvalidTopicError,
    InvalidTimestampError,
    UnsupportedForMessageFormatError,
)
"""What the broker (or the producer, before sending) refuses whatever the number of tries."""


class Unprocessable(Exception):
    """This message can never be applied as it is: trying it again is pointless."""


def is_refused_for_good(exc: BaseException) -> bool:
    return isinstance(exc, REFUSED_FOR_GOOD)


def is_infrastructure_error(exc: BaseException) -> bool:
    """A server we depend on is away: retry without limit, the message itself is fine."""
    return isinstance(exc, INFRASTRUCTURE_ERRORS)


def is_server_away(exc: BaseException) -> bool:
    """MongoDB, Kafka or S3 away. Narrower than `is_infrastructure_error`: a bare ConnectionError
    or TimeoutError may as well come from a job's own target (a webhook receiver, an AI provider),
    whose failures count."""
    return isinstance(exc, SERVER_AWAY_ERRORS)


def is_transient_transaction_error(exc: BaseException) -> bool:
    return isinstance(exc, PyMongoError) and (
        exc.has_error_label("TransientTransactionError") or exc.has_error_label("UnknownTransactionCommitResult")
    )


def backoff_delay(attempt: int, base: float, cap: float) -> float:
    """Exponential backoff with full jitter; attempt starts at 1."""
    return random.uniform(0, min(cap, base * (2 ** (attempt - 1))))


T = TypeVar("T")


async def retried_on_conflict(attempt: Callable[[], Awaitable[T]], tries: int = 6) -> T:
    """`attempt()` (one whole transaction), again after a short backoff when it lost a write
    conflict with another transaction, up to `tries` times."""
    for n in range(1, tries + 1):
        try:
            return await attempt()
        except PyMongoError as exc:
            if n == tries or not is_transient_transaction_error(exc):
                raise
            await asyncio.sleep(backoff_delay(n, 0.02, 0.25))
    raise AssertionError("unreachable")
