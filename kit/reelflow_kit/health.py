"""Health checks (broker, MongoDB, S3 reachable) and a tiny ASGI app serving /healthz and /metrics."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from typing import Any, Protocol

from pymongo.asynchronous.database import AsyncDatabase

from reelflow_kit.metrics.service import CONTENT_TYPE, ServiceMetrics
from reelflow_kit.settings import KitSettings
from reelflow_kit.store.outbox import OutboxRelay, set_aside_count

Scope = MutableMapping[str, Any]
"""An ASGI connection scope."""
ASGIMessage = MutableMapping[str, Any]
"""An event the ASGI server hands the app, or one the app sends back."""
Receive = Callable[[], Awaitable[ASGIMessage]]
Send = Callable[[ASGIMessage], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class Counted(Protocol):
    """What the health report shows of a consumer."""

    @property
    def group(self) -> str: ...

    @property
    def processed(self) -> int: ...

    @property
    def dead_lettered(self) -> int: ...


class Observed(Protocol):
    """What the health report reads of a running service, and how its app starts and stops it."""

    db: AsyncDatabase[dict[str, Any]]
    instance_id: str
    health_probes: dict[str, Callable[[], Awaitable[object]]]
    metrics: ServiceMetrics

    @property
    def settings(self) -> KitSettings: ...

    @property
    def relay(self) -> OutboxRelay: ...

    @property
    def consumers(self) -> Sequence[Counted]: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


CHECK_TIMEOUT_S = 3.0


async def _check(probe: Callable[[], Awaitable[object]]) -> dict[str, Any]:
    try:
        await asyncio.wait_for(probe(), CHECK_TIMEOUT_S)
        return {"ok": True}
    except Exception as exc:
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:500]}


async def _set_aside(runtime: Observed) -> int | None:
    """Outbox entries the broker refused for good, kept with their error (None: cannot count now)."""
    try:
        return await asyncio.wait_for(set_aside_count(runtime.db), CHECK_TIMEOUT_S)
    except Exception:
        return None


async def health_report(runtime: Observed) -> dict[str, Any]:
    checks = dict(
        zip(
            runtime.health_probes,
            await asyncio.gather(*(_check(p) for p in runtime.health_probes.values())),
            strict=True,
        )
    )
    return {
        "service": runtime.settings.service_name,
        "instance": runtime.instance_id,
        "status": "ok" if all(c["ok"] for c in checks.values()) else "unavailable",
        "checks": checks,
        "outbox": {
            "published": runtime.relay.published,
            "last_error": runtime.relay.last_error,
            "set_aside": await _set_aside(runtime),
        },
        "consumers": {c.group: {"processed": c.processed, "dead_lettered": c.dead_lettered} for c in runtime.consumers},
    }


def health_app(runtime: Observed) -> ASGIApp:
    """ASGI app: GET /healthz (200 healthy, 503 not), GET /metrics (Prometheus), and lifespan
    starting/stopping the runtime."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                event = await receive()
                if event["type"] == "lifespan.startup":
                    try:
                        await runtime.start()
                    except Exception as exc:
                        await send({"type": "lifespan.startup.failed", "message": repr(exc)})
                        return
                    await send({"type": "lifespan.startup.complete"})
                elif event["type"] == "lifespan.shutdown":
                    await runtime.stop()
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        if scope["path"] == "/metrics":
            await _send(send, 200, await runtime.metrics.exposition(), CONTENT_TYPE)
            return
        if scope["path"] != "/healthz":
            await _respond(send, 404, {"detail": f"no route {scope['path']}"})
            return
        report = await health_report(runtime)
        await _respond(send, 200 if report["status"] == "ok" else 503, report)

    return app


async def _respond(send: Send, status: int, body: dict[str, Any]) -> None:
    await _send(send, status, json.dumps(body).encode(), "application/json")


async def _send(send: Send, status: int, payload: bytes, content_type: str) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", content_type.encode()), (b"content-length", str(len(payload)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": payload})
