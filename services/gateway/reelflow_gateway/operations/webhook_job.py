"""An operation's webhook: when it completes or fails, a durable job POSTs its summary, signed,
and records on the operation what the delivery came to (see docs/architecture.md#operations)."""

from __future__ import annotations

import json
import random
import re
import time
from dataclasses import dataclass

from reelflow_gateway.operations.unit_of_work import OperationsUnitOfWork
from reelflow_gateway.webhooks.delivery import DeliveryFailed, DeliveryLimits, Resolver, post_webhook, resolve_host
from reelflow_gateway.webhooks.owner_slots import OwnerSlots
from reelflow_gateway.webhooks.policy import OutboundPolicy
from reelflow_gateway.webhooks.secret_store import WebhookSecrets
from reelflow_gateway.webhooks.signature import message_id, signed_headers
from reelflow_kit.clock import now
from reelflow_kit.failures import Failure, RetryLater
from reelflow_kit.jobs import Deferred, Job

DELIVER_WEBHOOK = "deliver-webhook"
OWNER_BUSY = "too many deliveries at once"
SHOWN_ERRORS = re.compile(r"timeout|refused by policy|connection failed|host not found|HTTP \d{3}|" + OWNER_BUSY)
"""What a stored delivery error may say: anything else (an exception's text) is shown as "delivery failed"."""


@dataclass(frozen=True)
class WebhookDelivery:
    """What delivering a webhook needs: the owners' secrets, where it may go, its limits, and a
    bound per owner on deliveries in flight (see OwnerSlots)."""

    secrets: WebhookSecrets
    policy: OutboundPolicy
    limits: DeliveryLimits
    owner_slots: OwnerSlots
    resolve: Resolver = resolve_host


def deliver_webhook_with(delivery: WebhookDelivery):
    async def deliver(job: Job, uow: OperationsUnitOfWork) -> None:
        payload = job.payload
        owner_id = payload.get("owner_id") or await owner_of(uow, payload["operation_id"])
        if not delivery.owner_slots.try_take(owner_id):
            raise Deferred(OWNER_BUSY, delay_s=random.uniform(0.5, 1.5))
        try:
            body = json.dumps(
                {"event": f"operation.{payload['summary']['status']}", "operation": payload["summary"]}, default=str
            ).encode()
            headers = {
                "content-type": "application/json",
                **signed_headers(
                    await delivery.secrets.signing_secrets(owner_id), message_id(job.id), int(time.time()), body
                ),
            }
            await post_webhook(payload["url"], body, headers, delivery.policy, delivery.limits, delivery.resolve)
        except DeliveryFailed as failure:
            if failure.permanent:
                await give_up_webhook(job, Failure("delivery_failed", failure.reason, retryable=False), uow)
                return
            raise RetryLater("delivery_failed", failure.reason, delay_s=failure.retry_after_s) from None
        finally:
            delivery.owner_slots.give_back(owner_id)
        async with uow:
            await uow.operations.record_webhook(
                payload["operation_id"], {"status": "delivered", "attempts": job.attempt, "at": now()}
            )

    return deliver


async def owner_of(uow: OperationsUnitOfWork, operation_id: str) -> str:
    """For deliveries queued before jobs carried their owner."""
    owner_id = await uow.operations.owner_of(operation_id)
    assert owner_id is not None  # operations are never deleted
    return owner_id


async def give_up_webhook(job: Job, failure: Failure, uow: OperationsUnitOfWork) -> None:
    shown = failure.message if SHOWN_ERRORS.fullmatch(failure.message) else "delivery failed"
    async with uow.failing(Failure(failure.code, shown, retryable=False)):
        await uow.operations.record_webhook(
            job.payload["operation_id"], {"status": "failed", "attempts": job.attempt, "error": shown, "at": now()}
        )
