"""What the image service's handlers share: ids, and the refusal of a command."""

from __future__ import annotations

import logging

from reelflow_contracts.messages.common import CommandRejected
from reelflow_kit.handling import HandlerContext, Transaction, derived_id

log = logging.getLogger(__name__)

GENERATE_IMAGE = "generate-image"


def image_id_of(shot_id: str, attempt: int) -> str:
    """The id of a shot's attempt: the same whichever message or replay starts it."""
    return derived_id(shot_id, "image", attempt)


def job_id_of(image_id: str) -> str:
    return f"{GENERATE_IMAGE}/{image_id}"


def reject_command(ctx: HandlerContext, tx: Transaction, code: str, reason: str) -> None:
    log.info("command rejected", extra={"code": code, "reason": reason, "ce_type": ctx.envelope.type})
    tx.emit(CommandRejected.of(ctx.envelope, code=code, reason=reason))
