"""Ending the transactions of dead processes, so their locks do not stall the living.

A process killed inside a MongoDB transaction leaves it open on the server until the server
expires it, and every write to a document it wrote waits until then: SecantusDB blocks such
writes (measured: minutes, whatever `maxTimeMS` says), so a job claim or a redelivered message
could hang long after the process died. Each process therefore records the logical session ids
it opens transactions in, with a heartbeat, in its service's `instances` collection. Every
instance looks for instances whose heartbeat stopped and ends their sessions (`killSessions`
aborts their open transactions and releases their locks), lets the runtime hand their other
work back (`on_dead`: their leased jobs go back to the queue at once, rather than when the lease
runs out), then forgets them.

A live process paused longer than `dead_after_s` has its transactions aborted too: they fail
as transient errors and are retried, so nothing is lost; it re-registers at its next beat.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta, timezone
from typing import AsyncIterator, Awaitable, Callable

from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

log = logging.getLogger(__name__)

INSTANCES = "instances"

DeadHook = Callable[[str], Awaitable[object]]
"""Called with a dead instance's id, after its sessions were ended."""


class SessionRegistry:
    def __init__(self, client: AsyncMongoClient, db: AsyncDatabase, instance_id: str, *,
                 heartbeat_s: float = 2.0, dead_after_s: float = 15.0) -> None:
        self._client = client
        self._instances = db[INSTANCES]
        self._instance_id = instance_id
        self._heartbeat_s = heartbeat_s
        self._dead_after = timedelta(seconds=dead_after_s)
        self._known: dict[bytes, dict] = {}
        self._task: asyncio.Task | None = None
        self._on_dead: list[DeadHook] = []

    def on_dead(self, hook: DeadHook) -> None:
        self._on_dead.append(hook)

    @contextlib.asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncClientSession]:
        """A client session, recorded before use so it can be ended if this process dies."""
        async with self._client.start_session() as session:
            lsid = session.session_id
            if bytes(lsid["id"]) not in self._known:
                self._known[bytes(lsid["id"])] = lsid
                await self._beat()
            yield session

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="session-registry")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        with contextlib.suppress(Exception):
            await self._instances.delete_one({"_id": self._instance_id})

    async def reap(self) -> int:
        """End the sessions of every instance whose heartbeat stopped; returns how many instances."""
        stale = datetime.now(timezone.utc) - self._dead_after
        reaped = 0
        async for doc in self._instances.find({"heartbeat_at": {"$lt": stale}}):
            if doc.get("lsids"):
                await self._client.admin.command("killSessions", doc["lsids"])
            for hook in self._on_dead:  # after the sessions: their locks no longer hold these writes up
                await hook(doc["_id"])
            await self._instances.delete_one({"_id": doc["_id"], "heartbeat_at": doc["heartbeat_at"]})
            log.warning("ended the sessions of a dead instance",
                        extra={"dead_instance": doc["_id"], "sessions": len(doc.get("lsids", ()))})
            reaped += 1
        return reaped

    async def _beat(self) -> None:
        await self._instances.update_one(
            {"_id": self._instance_id},
            {"$set": {"heartbeat_at": datetime.now(timezone.utc), "lsids": list(self._known.values())}},
            upsert=True)

    async def _run(self) -> None:
        while True:
            try:
                await self._beat()
                await self.reap()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("session registry round failed", extra={"error": repr(exc)})
            await asyncio.sleep(self._heartbeat_s)
