"""The process manager: every event of an operation's script moves it on, by commands only."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections import OrderedDict

import httpx

from reelflow_kit.handling import Handler, HandlerContext
from reelflow_kit.jobs import JobContext, RetryLater, enqueue_job
from reelflow_gateway.operations.costs import PriceList
from reelflow_gateway.operations.domain import HANDLED_EVENTS, TERMINAL, from_document, to_document
from reelflow_gateway.operations.events import state_event
from reelflow_kit.clock import now

log = logging.getLogger(__name__)

OPERATIONS = "operations"
OPERATIONS_GROUP = "gateway-operations"
DELIVER_WEBHOOK = "deliver-webhook"
SIGNATURE_HEADER = "X-Reelflow-Signature"
TIMESTAMP_HEADER = "X-Reelflow-Timestamp"
DELIVERY_HEADER = "X-Reelflow-Delivery"
"""The same on every try of one delivery: receivers drop repeats by it (delivery is at least once)."""


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
                              {"operation_id": op.id, "url": doc["webhook_url"], "summary": summary(op, doc, prices)},
                              fair_key=doc.get("owner_id"))


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


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """`sha256=` + hex HMAC-SHA256 of `<timestamp>.<body>` with the webhook secret."""
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def deliver_webhook_with(secret_of) -> callable:
    async def deliver(ctx: JobContext) -> None:
        payload = ctx.job.payload
        body = json.dumps({"event": f"operation.{payload['summary']['status']}", "operation": payload["summary"]},
                          default=str).encode()
        timestamp = str(int(time.time()))
        headers = {"content-type": "application/json", TIMESTAMP_HEADER: timestamp, DELIVERY_HEADER: ctx.job.id,
                   SIGNATURE_HEADER: sign(await secret_of(), timestamp, body)}
        try:
            async with httpx.AsyncClient(timeout=10, follow_redirects=False) as client:
                response = await client.post(payload["url"], content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise RetryLater(f"webhook unreachable: {exc!r}") from exc
        if response.status_code >= 300:
            raise RetryLater(f"webhook answered {response.status_code}",
                             delay_s=float(response.headers["retry-after"]) if
                             response.headers.get("retry-after", "").isdigit() else None)
        async with ctx.transaction() as tx:
            await tx.db[OPERATIONS].update_one({"_id": payload["operation_id"]}, {"$set": {
                "webhook": {"status": "delivered", "attempts": ctx.job.attempt, "at": now()}}}, session=tx.session)

    return deliver


async def give_up_webhook(ctx: JobContext, error: str) -> None:
    async with ctx.transaction(status="failed", error=error) as tx:
        await tx.db[OPERATIONS].update_one({"_id": ctx.job.payload["operation_id"]}, {"$set": {
            "webhook": {"status": "failed", "attempts": ctx.job.attempt, "error": error, "at": now()}}},
            session=tx.session)
