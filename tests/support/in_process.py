"""Services run in the test process, each test on a database of its own (integration tests)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

from pymongo import AsyncMongoClient

from reelflow_kit.runtime import ServiceRuntime

Starter = Callable[..., Awaitable[ServiceRuntime]]


@contextlib.asynccontextmanager
async def service_starter(infra, settings_class, build, database: str) -> AsyncIterator[Starter]:
    """`start(**overrides)` builds and starts one more instance of the service on `database`
    (local AI); every instance is stopped and the database dropped afterwards."""
    started: list[ServiceRuntime] = []

    async def start(**overrides) -> ServiceRuntime:
        settings = settings_class(
            **{
                "mongo_database": database,
                "ai_provider": "local",
                "outbox_orphan_after_s": 1.0,
                **infra.settings_kwargs(),
                **overrides,
            }
        )
        runtime = build(settings)
        await runtime.start()
        started.append(runtime)
        return runtime

    try:
        yield start
    finally:
        for runtime in started:
            await runtime.stop()
        async with AsyncMongoClient(infra.mongo_uri) as client:
            await client.drop_database(database)
