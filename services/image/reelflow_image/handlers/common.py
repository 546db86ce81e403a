"""What the image service's handlers share: the clock, ids, the refusal of a command, and error
texts that keep their code through the job queue."""

from __future__ import annotations

import logging
import re

from reelflow_contracts.messages.common import CommandRejected
from reelflow_kit.handling import HandlerContext, Transaction, derived_id

log = logging.getLogger(__name__)

GENERATE_IMAGE = "generate-image"
GAVE_UP_CODE = "generation_failed"
_CODED = re.compile(r"^\[([a-z][a-z0-9_]*)\] (.*)$", re.DOTALL)


def image_id_of(shot_id: str, attempt: int) -> str:
    """The id of a shot's attempt: the same whichever message or replay starts it."""
    return derived_id(shot_id, "image", attempt)


def job_id_of(image_id: str) -> str:
    return f"{GENERATE_IMAGE}/{image_id}"


def reject_command(ctx: HandlerContext, tx: Transaction, code: str, reason: str) -> None:
    log.info("command rejected", extra={"code": code, "reason": reason, "ce_type": ctx.envelope.type})
    tx.emit(CommandRejected.of(ctx.envelope, code=code, reason=reason))


def coded(code: str, message: str) -> str:
    """An error text that keeps its code through the job queue (which keeps only text)."""
    return f"[{code}] {message}"


def decoded(error: str) -> tuple[str, str]:
    """(code, message) of a `coded` text; any other error is a GAVE_UP_CODE with the text as is."""
    match = _CODED.match(error)
    return (match.group(1), match.group(2)) if match else (GAVE_UP_CODE, error)
