"""The process manager: every event of an operation's script moves it on, by commands only."""

from __future__ import annotations

import json
import logging
import random
import re
import time
from collections import OrderedDict
from dataclasses import dataclass

from reelflow_kit.handling import Handler, HandlerContext
from reelflow_kit.jobs import Deferred, JobContext, RetryLater, enqueue_job
from reelflow_gateway.costs import PriceList
from reelflow_gateway.operations.domain import HANDLED_EVENTS, TERMINAL, from_document, to_document
from reelflow_gateway.operations.events import state_event
from reelflow_gateway.webhooks.delivery import DeliveryFailed, DeliveryLimits, Resolver, post_webhook, resolve_host
from reelflow_gateway.webhooks.owner_slots import OwnerSlots
from reelflow_gateway.webhooks.policy import OutboundPolicy
from reelflow_gateway.webhooks.secret_store import WebhookSecrets
from reelflow_gateway.webhooks.signature import message_id, signed_headers
from reelflow_kit.clock import now

log = logging.getLogger(__name__)

OPERATIONS = "operations"
OPERATIONS_GROUP = "gateway-operations"
DELIVER_WEBHOOK = "deliver-webhook"
OWNER_BUSY = "too many deliveries at once"
SHOWN_ERRORS = re.compile(r"timeout|refused by policy|connection failed|host not found|HTTP \d{3}|" + OWNER_BUSY)
"""What a stored delivery error may say: anything else (an exception's text) is shown as "delivery failed"."""


class Undriven:
    """Scripts known to have no running operation, so their events cost no query at all.

    Safe to remember: an operation's script id is new (uuid4) and its document is committed with
    the first command for that script, so no event of the script can come before it; and an
    operation that ended (completed, cancelled) never runs again. Bounded: oldest forgotten first.
    """

    def __init__(self, capacity: int = 100_000) -> None:
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._capacity = capacity

    def skips(self, event) -> bool:
        return event.script_id in self._ids

    def add(self, script_id: str) -> None:
        self._ids[script_id] = None
        if len(self._ids) > self._capacity:
            self._ids.popitem(last=False)


def script_event_handler(undriven: Undriven, prices: PriceList) -> Handler:
    async def on_script_event(ctx: HandlerContext) -> None:
        script_id = ctx.message.script_id
        if await ctx.db[OPERATIONS].find_one({"script_id": script_id, "status": {"$nin": list(TERMINAL)}},
                                             projection={"_id": 1}) is None:
            undriven.add(script_id)  # not driven by an operation, or its operation ended
            return
        await advance(ctx, prices)

    return on_script_event


async def advance(ctx: HandlerContext, prices: PriceList) -> None:
    """The operation of the event's script takes the event: its commands and state change, at once."""
    event = ctx.message
    async with ctx.transaction() as tx:
        doc = await tx.db[OPERATIONS].find_one({"script_id": event.script_id}, session=tx.session)
        op = from_document(doc)
        before = (op.status, op.stage, op.waiting_for, json.dumps(op.progress()))
        at = now()
        for command in op.apply(event, at):
            tx.emit(command)
        await tx.db[OPERATIONS].replace_one({"_id": op.id}, to_document(op) | kept_fields(doc), session=tx.session)
        if (op.status, op.stage, op.waiting_for, json.dumps(op.progress())) != before:
            tx.emit(state_event(op, at, prices))
        if op.status in ("completed", "failed") and doc.get("webhook_url"):
            await enqueue_job(tx, DELIVER_WEBHOOK, f"webhook/{op.id}/{op.status}/{len(op.errors)}",
                              {"operation_id": op.id, "owner_id": op.owner_id, "url": doc["webhook_url"],
                               "summary": summary(op, doc, prices)}, fair_key=op.owner_id)


def kept_fields(doc: dict) -> dict:
    """Fields the domain does not know but every write of the document keeps: the webhook URL and
    what its delivery came to."""
    return {k: doc[k] for k in ("webhook_url", "webhook") if k in doc}


def summary(op, doc: dict, prices: PriceList) -> dict:
    return {"id": op.id, "status": op.status, "stage": op.stage, "script_id": op.script_id,
            "result": op.result, "errors": op.errors, "usage": op.usage, "cost": prices.cost(op.usage_by_model),
            "progress": op.progress()}


async def ensure_operation_indexes(db) -> None:
    await db[OPERATIONS].create_index("script_id")
    await db[OPERATIONS].create_index([("owner_id", 1), ("created_at", -1)])


def operation_handlers(undriven: Undriven, prices: PriceList) -> dict[type, Handler]:
    """The process manager's handlers; consume them with `skip=undriven.skips`."""
    on_script_event = script_event_handler(undriven, prices)
    return {event_type: on_script_event for event_type in HANDLED_EVENTS}


@dataclass(frozen=True)
class WebhookDelivery:
    """What delivering a webhook needs: the owners' secrets, where it may go, its limits, and a
    bound per owner on deliveries in flight (see OwnerSlots)."""

    secrets: WebhookSecrets
    policy: OutboundPolicy
    limits: DeliveryLimits
    owner_slots: OwnerSlots
    resolve: Resolver = resolve_host


def deliver_webhook_with(delivery: WebhookDelivery) -> callable:
    async def deliver(ctx: JobContext) -> None:
        payload = ctx.job.payload
        owner_id = payload.get("owner_id") or await owner_of(ctx, payload["operation_id"])
        if not delivery.owner_slots.try_take(owner_id):
            raise Deferred(OWNER_BUSY, delay_s=random.uniform(0.5, 1.5))
        try:
            body = json.dumps({"event": f"operation.{payload['summary']['status']}", "operation": payload["summary"]},
                              default=str).encode()
            headers = {"content-type": "application/json",
                       **signed_headers(await delivery.secrets.signing_secrets(owner_id), message_id(ctx.job.id),
                                        int(time.time()), body)}
            await post_webhook(payload["url"], body, headers, delivery.policy, delivery.limits, delivery.resolve)
        except DeliveryFailed as failure:
            if failure.permanent:
                await give_up_webhook(ctx, failure.reason)
                return
            raise RetryLater(failure.reason, delay_s=failure.retry_after_s) from None
        finally:
            delivery.owner_slots.give_back(owner_id)
        async with ctx.transaction() as tx:
            await tx.db[OPERATIONS].update_one({"_id": payload["operation_id"]}, {"$set": {
                "webhook": {"status": "delivered", "attempts": ctx.job.attempt, "at": now()}}}, session=tx.session)

    return deliver


async def owner_of(ctx: JobContext, operation_id: str) -> str:
    """For deliveries queued before jobs carried their owner."""
    doc = await ctx.db[OPERATIONS].find_one({"_id": operation_id}, projection={"owner_id": 1})
    return doc["owner_id"]


async def give_up_webhook(ctx: JobContext, error: str) -> None:
    shown = error if SHOWN_ERRORS.fullmatch(error) else "delivery failed"
    async with ctx.transaction(status="failed", error=shown) as tx:
        await tx.db[OPERATIONS].update_one({"_id": ctx.job.payload["operation_id"]}, {"$set": {
            "webhook": {"status": "failed", "attempts": ctx.job.attempt, "error": shown, "at": now()}}},
            session=tx.session)
