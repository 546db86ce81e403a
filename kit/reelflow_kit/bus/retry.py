"""Which failures are worth retrying, and how long to wait."""

from __future__ import annotations

import random

from aiokafka.errors import KafkaConnectionError, KafkaTimeoutError, NodeNotReadyError, RequestTimedOutError
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
