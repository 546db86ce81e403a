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

An instance is dead when its heartbeat stopped for `dead_after_s`, or at once when it ran on
this machine, in this PID namespace, and its process is gone (`process_gone`): a service
restarted where it was killed frees its predecessor's locks as it starts, instead of stalling
on them until the heartbeat goes stale. Whether two instances share a machine and a PID
namespace is told by the kernel's boot id and the namespace's inode, never by the host name
(containers may share one), and a PID taken by another process counts as alive, so a doubt
always falls back to the heartbeat.

A live process paused longer than `dead_after_s` has its transactions aborted too: they fail
as transient errors and are retried, so nothing is lost; it re-registers at its next beat.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, TypedDict

from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

log = logging.getLogger(__name__)

INSTANCES = "instances"

DeadHook = Callable[[str], Awaitable[object]]
"""Called with a dead instance's id, after its sessions were ended."""


class ProcessPlace(TypedDict):
    """Where a process runs: the machine's boot, the PID namespace, and its PID there."""

    boot_id: str
    pid_namespace: int
    pid: int


def this_process() -> ProcessPlace | None:
    """Where this process runs, as far as telling its death from a sibling goes (Linux only)."""
    try:
        with open("/proc/sys/kernel/random/boot_id") as boot:
            boot_id = boot.read().strip()
        pid_namespace = os.stat("/proc/self/ns/pid").st_ino
    except OSError:
        return None
    return ProcessPlace(boot_id=boot_id, pid_namespace=pid_namespace, pid=os.getpid())


def process_gone(pid: int) -> bool:
    """Whether process `pid` of this PID namespace has exited (a zombie has)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rpartition(")")[2].split()[0] == "Z"
    except FileNotFoundError:
        return True
    except (OSError, IndexError):
        return False


def _beating(doc: dict[str, Any], stale: datetime) -> bool:
    beat: datetime = doc["heartbeat_at"]
    return (beat if beat.tzinfo else beat.replace(tzinfo=UTC)) >= stale


def _process_of_doc_gone(doc: dict[str, Any]) -> bool:
    """Only asked of instances recorded with this machine's boot id and PID namespace."""
    pid = (doc.get("process") or {}).get("pid")
    return pid is not None and process_gone(pid)


class SessionRegistry:
    def __init__(
        self,
        client: AsyncMongoClient[dict[str, Any]],
        db: AsyncDatabase[dict[str, Any]],
        instance_id: str,
        *,
        heartbeat_s: float = 2.0,
        dead_after_s: float = 15.0,
    ) -> None:
        self._client = client
        self._instances = db[INSTANCES]
        self._instance_id = instance_id
        self._heartbeat_s = heartbeat_s
        self._dead_after = timedelta(seconds=dead_after_s)
        self._known: dict[bytes, Mapping[str, Any]] = {}
        self._task: asyncio.Task[None] | None = None
        self._on_dead: list[DeadHook] = []
        self._process = this_process()

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
        """End the sessions of every dead instance (heartbeat stopped, or a process of this
        machine that is gone); returns how many instances."""
        stale = datetime.now(UTC) - self._dead_after
        suspects: list[dict[str, Any]] = [{"heartbeat_at": {"$lt": stale}}]
        if self._process:
            suspects.append(
                {"process.boot_id": self._process["boot_id"], "process.pid_namespace": self._process["pid_namespace"]}
            )
        reaped = 0
        async for doc in self._instances.find({"$or": suspects, "_id": {"$ne": self._instance_id}}):
            if _beating(doc, stale) and not _process_of_doc_gone(doc):
                continue  # a live neighbour on this machine
            if doc.get("lsids"):
                await self._client.admin.command("killSessions", doc["lsids"])
            for hook in self._on_dead:  # after the sessions: their locks no longer hold these writes up
                await hook(doc["_id"])
            await self._instances.delete_one({"_id": doc["_id"], "heartbeat_at": doc["heartbeat_at"]})
            log.warning(
                "ended the sessions of a dead instance",
                extra={"dead_instance": doc["_id"], "sessions": len(doc.get("lsids", ()))},
            )
            reaped += 1
        return reaped

    async def _beat(self) -> None:
        await self._instances.update_one(
            {"_id": self._instance_id},
            {
                "$set": {
                    "heartbeat_at": datetime.now(UTC),
                    "lsids": list(self._known.values()),
                    "process": self._process,
                }
            },
            upsert=True,
        )

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
