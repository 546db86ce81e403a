"""What the scene service's handlers share: the clock and the refusal of a command."""

from __future__ import annotations

import logging
from datetime import datetime, timezone

from reelflow_contracts.messages.common import CommandRejected
from reelflow_kit.handling import HandlerContext, Transaction

log = logging.getLogger(__name__)


def now() -> datetime:
    """UTC now at MongoDB's millisecond precision, so stored and emitted times agree."""
    t = datetime.now(timezone.utc)
    return t.replace(microsecond=t.microsecond // 1000 * 1000)


def reject(ctx: HandlerContext, tx: Transaction, code: str, reason: str) -> None:
    log.info("command rejected", extra={"code": code, "reason": reason, "ce_type": ctx.envelope.type})
    tx.emit(CommandRejected.of(ctx.envelope, code=code, reason=reason))
