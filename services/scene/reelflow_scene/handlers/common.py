"""What the scene service's handlers share: the refusal of a command."""

from __future__ import annotations

import logging

from reelflow_contracts.messages.common import CommandRejected
from reelflow_kit.handling import HandlerContext, Transaction

log = logging.getLogger(__name__)


def reject(ctx: HandlerContext, tx: Transaction, code: str, reason: str) -> None:
    log.info("command rejected", extra={"code": code, "reason": reason, "ce_type": ctx.envelope.type})
    tx.emit(CommandRejected.of(ctx.envelope, code=code, reason=reason))
