"""Composition root: the gateway's runtime (bus, database), read-model consumer and shared state.

Start order (app.py): the runtime (topics, indexes, the JWT key, the producer), then the read
model's consumer, which may dead-letter through the runtime's producer.
"""

from __future__ import annotations

from datetime import timedelta

from reelflow_contracts.topics import EVENT_TOPICS
from reelflow_gateway.auth.passwords import PasswordHashing
from reelflow_gateway.auth.secret import resolve_jwt_secret
from reelflow_gateway.auth.tokens import TokenCodec
from reelflow_gateway.auth.users import UserStore
from reelflow_gateway.commands import CommandSender, ensure_command_indexes
from reelflow_gateway.idempotency import IdempotencyStore
from reelflow_gateway.limits.counters import MongoWindowCounters, ensure_counter_indexes
from reelflow_gateway.limits.held import HeldRequests
from reelflow_gateway.limits.limiter import RateLimiter
from reelflow_gateway.media import MediaStore, media_executor
from reelflow_gateway.operations.handlers import OPERATIONS_GROUP, Undriven, operation_handlers
from reelflow_gateway.operations.repository import ensure_operation_indexes
from reelflow_gateway.operations.service import OperationService
from reelflow_gateway.operations.unit_of_work import OperationsUnitOfWork
from reelflow_gateway.operations.webhook_job import (
    DELIVER_WEBHOOK,
    WebhookDelivery,
    deliver_webhook_with,
    give_up_webhook,
)
from reelflow_gateway.readmodel import projector
from reelflow_gateway.readmodel.consumer import ReadModelConsumer
from reelflow_gateway.readmodel.images import ImagesView, ensure_image_indexes
from reelflow_gateway.readmodel.outcomes import OutcomeWaiters, ensure_outcome_indexes
from reelflow_gateway.readmodel.scenes import ScenesView, ensure_scene_indexes
from reelflow_gateway.readmodel.scripts import ScriptsView, ensure_script_indexes
from reelflow_gateway.readmodel.usage import ensure_usage_indexes
from reelflow_gateway.readmodel.videos import VideosView, ensure_video_indexes
from reelflow_gateway.settings import Settings
from reelflow_gateway.state import AppState
from reelflow_gateway.webhooks.delivery import DeliveryLimits, own_addresses
from reelflow_gateway.webhooks.owner_slots import OwnerSlots
from reelflow_gateway.webhooks.policy import OutboundPolicy
from reelflow_gateway.webhooks.secret_store import WebhookSecrets
from reelflow_kit.runtime import ServiceRuntime
from reelflow_kit.unit_of_work import give_up_handler, job_handler

READ_MODEL_GROUP = "gateway-read-model"
"""The default read-model consumer group (settings.read_model_group)."""


def build_runtime(settings: Settings) -> ServiceRuntime:
    return build(settings).runtime


def build(settings: Settings) -> AppState:
    runtime = ServiceRuntime(settings, uses_object_store=False)
    waiters = OutcomeWaiters()
    read_model = ReadModelConsumer(
        runtime,
        settings.read_model_group,
        EVENT_TOPICS,
        projector.projections(),
        waiters,
        batched=projector.batch_projections(),
    )
    images = ImagesView(runtime.db)
    webhook_policy = OutboundPolicy(
        allowed_networks=tuple(settings.webhook_allowed_networks),
        own_port=settings.http_port,
        own_addresses=own_addresses(),
    )
    webhook_secrets = WebhookSecrets(runtime.db, timedelta(seconds=settings.webhook_secret_grace_s))
    executor = media_executor(settings.media_threads)

    def media(bucket: str) -> MediaStore:
        return MediaStore(
            settings, bucket, executor, chunk_bytes=settings.media_chunk_bytes, connections=settings.media_threads
        )

    state = AppState(
        settings=settings,
        runtime=runtime,
        waiters=waiters,
        users=UserStore(runtime.db),
        scripts=ScriptsView(runtime.db),
        scenes=ScenesView(runtime.db),
        images=images,
        videos=VideosView(runtime.db),
        read_model=read_model,
        commands=CommandSender(
            runtime,
            waiters,
            answers_read_by=read_model,
            timeout=settings.command_timeout_s,
            poll_interval=settings.command_poll_interval_s,
        ),
        image_media=media(settings.image_bucket),
        video_media=media(settings.video_bucket),
        idempotency=IdempotencyStore(runtime.db),
        operations=OperationService(
            runtime,
            webhook_secrets=webhook_secrets,
            webhook_policy=webhook_policy,
            prices=settings.price_list(),
            running_cap=settings.max_running_operations_per_user,
        ),
        webhook_secrets=webhook_secrets,
        passwords=PasswordHashing(settings.password_hash_threads, settings.password_hash_queue),
        limiter=RateLimiter(MongoWindowCounters(runtime.db)),
        held=HeldRequests(settings.max_held_requests_per_user),
    )

    # The operations process manager: its own group, so it never waits on the read model.
    undriven = Undriven()
    runtime.consume(
        OPERATIONS_GROUP, EVENT_TOPICS, operation_handlers(undriven, settings.price_list()), skip=undriven.skips
    )
    delivery = WebhookDelivery(
        secrets=webhook_secrets,
        policy=webhook_policy,
        limits=DeliveryLimits(deadline_s=settings.webhook_deadline_s, response_bytes=settings.webhook_response_bytes),
        owner_slots=OwnerSlots(settings.webhook_owner_concurrency),
    )
    runtime.work(
        DELIVER_WEBHOOK,
        job_handler(OperationsUnitOfWork, deliver_webhook_with(delivery)),
        concurrency=settings.webhook_concurrency,
        lease_s=30.0,
        max_attempts=settings.webhook_max_attempts,
        on_give_up=give_up_handler(OperationsUnitOfWork, give_up_webhook),
        deadline_s=settings.webhook_job_deadline_s,
    )

    @runtime.on_startup
    async def prepare(rt: ServiceRuntime) -> None:
        # Before the consumers start: indexes exist and tokens can be verified.
        await state.users.ensure_indexes()
        await ensure_script_indexes(rt.db)
        await ensure_scene_indexes(rt.db)
        await ensure_image_indexes(rt.db)
        await ensure_video_indexes(rt.db)
        await ensure_outcome_indexes(rt.db)
        await ensure_usage_indexes(rt.db)
        await ensure_command_indexes(rt.db)
        await ensure_operation_indexes(rt.db)
        await state.idempotency.ensure_indexes()
        await ensure_counter_indexes(rt.db)
        secret = await resolve_jwt_secret(
            rt.db, settings.jwt_secret.get_secret_value() if settings.jwt_secret else None
        )
        state.tokens = TokenCodec(secret=secret, ttl_s=settings.access_token_ttl_s)

    return state
