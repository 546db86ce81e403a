"""Which failures are worth retrying, and how long to wait."""

from __future__ import annotations

import random

from aiokafka.errors import (
    CorruptRecordException, InvalidTimestampError, InvalidTopicError, KafkaConnectionError, KafkaTimeoutError,
    MessageSizeTooLargeError, NodeNotReadyError, RecordListTooLargeError, RecordTooLargeError, RequestTimedOutError,
    UnsupportedForMessageFormatError,
)
from pymongo.errors import AutoReconnect, ConnectionFailure, NetworkTimeout, PyMongoError, ServerSelectionTimeoutError

INFRASTRUCTURE_ERRORS = (
    ConnectionFailure,
    ServerSelectionTimeoutError,
    NetworkTimeout,
    AutoReconnect,
    KafkaConnectionError,
    KafkaTimeoutError,
    NodeNotReadyError,
    RequestTimedOutError,
    ConnectionError,
    TimeoutError,
)


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


def is_transient_transaction_error(exc: BaseException) -> bool:
    return isinstance(exc, PyMongoError) and (
        exc.has_error_label("TransientTransactionError") or exc.has_error_label("UnknownTransactionCommitResult")
    )


def backoff_delay(attempt: int, base: float, cap: float) -> float:
    """Exponential backoff with full jitter; attempt starts at 1."""
    return random.uniform(0, min(cap, base * (2 ** (attempt - 1))))
