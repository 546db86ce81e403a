"""A process killed inside a transaction: its locks block writers until another instance ends
its sessions (real MongoDB server, a real SIGKILL)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta

from pymongo import AsyncMongoClient

from reelflow_kit.jobs import JOBS, release_jobs_of
from reelflow_kit.store.sessions import INSTANCES, SessionRegistry

CHILD = textwrap.dedent("""
    import asyncio, sys
    from pymongo import AsyncMongoClient
    from reelflow_kit.store.sessions import SessionRegistry

    async def main(uri, database, doc_id, instance_id="doomed-instance"):
        client = AsyncMongoClient(uri)
        registry = SessionRegistry(client, client[database], instance_id)
        async with registry.session() as session:
            await session.start_transaction()
            await client[database]["jobs"].update_one({"_id": doc_id}, {"$set": {"status": "done"}}, session=session)
            print("locked", flush=True)
            await asyncio.sleep(3600)

    asyncio.run(main(*sys.argv[1:]))
""")


async def test_the_sessions_of_a_killed_instance_are_ended_and_its_locks_released(infra, unique):
    database = f"sessions_{unique}"
    async with AsyncMongoClient(infra.mongo_uri) as client:
        jobs = client[database]["jobs"]
        await jobs.insert_one({"_id": "job-1", "status": "running"})
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, infra.mongo_uri, database, "job-1"],
            stdout=subprocess.PIPE,
            text=True,
            env=os.environ.copy(),
        )
        try:
            assert child.stdout.readline().strip() == "locked"
        finally:
            os.kill(child.pid, signal.SIGKILL)
            child.wait()

        # The dead transaction holds the document: a plain write waits.
        blocked = asyncio.create_task(jobs.update_one({"_id": "job-1"}, {"$set": {"status": "taken over"}}))
        await asyncio.sleep(1.5)
        assert not blocked.done()

        survivor = SessionRegistry(client, client[database], "survivor", dead_after_s=0.5)
        assert await survivor.reap() == 1
        await asyncio.wait_for(blocked, 10)
        assert (await jobs.find_one({"_id": "job-1"}))["status"] == "taken over"  # the dead write never lands
        assert await client[database][INSTANCES].count_documents({}) == 0
        assert await survivor.reap() == 0

        await client.drop_database(database)


def locking_child(uri: str, database: str, doc_id: str, instance_id: str) -> subprocess.Popen:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, uri, database, doc_id, instance_id],
        stdout=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )
    assert child.stdout.readline().strip() == "locked"
    return child


async def test_a_killed_process_of_this_machine_is_found_dead_without_waiting_for_its_heartbeat(infra, unique):
    """Its heartbeat is fresh, but its process is gone: a survivor on the same machine ends its
    sessions at once (as a restarted service does on start); a live neighbour is left alone."""
    database = f"sessions_{unique}"
    async with AsyncMongoClient(infra.mongo_uri) as client:
        jobs = client[database]["jobs"]
        await jobs.insert_many([{"_id": "job-1", "status": "running"}, {"_id": "job-2", "status": "running"}])
        doomed = locking_child(infra.mongo_uri, database, "job-1", "doomed-instance")
        neighbour = locking_child(infra.mongo_uri, database, "job-2", "live-neighbour")
        try:
            os.kill(doomed.pid, signal.SIGKILL)
            doomed.wait()
            survivor = SessionRegistry(client, client[database], "survivor")  # heartbeats go stale after 15 s
            assert await survivor.reap() == 1
            await asyncio.wait_for(jobs.update_one({"_id": "job-1"}, {"$set": {"status": "taken over"}}), 10)
            assert [doc["_id"] async for doc in client[database][INSTANCES].find()] == ["live-neighbour"]
            assert await survivor.reap() == 0
        finally:
            neighbour.kill()
            neighbour.wait()
        assert await SessionRegistry(client, client[database], "survivor").reap() == 1  # its locks too
        await client.drop_database(database)


async def test_the_jobs_of_a_dead_instance_are_queued_again_at_once(infra, unique):
    """A job leased for an hour by an instance that stopped beating is back in the queue as soon
    as the instance is found dead, not when its lease runs out; other instances' jobs stay put."""
    database = f"sessions_{unique}"
    long_ago = datetime.now(UTC) - timedelta(minutes=5)
    lease_until = datetime.now(UTC) + timedelta(hours=1)
    async with AsyncMongoClient(infra.mongo_uri) as client:
        db = client[database]
        await db[INSTANCES].insert_one({"_id": "dead-1", "heartbeat_at": long_ago, "lsids": []})
        await db[JOBS].insert_many(
            [
                {
                    "_id": "mine",
                    "kind": "render",
                    "status": "running",
                    "lease_owner": "dead-1/render",
                    "lease_until": lease_until,
                    "attempts": 1,
                },
                {
                    "_id": "other",
                    "kind": "render",
                    "status": "running",
                    "lease_owner": "dead-10/render",
                    "lease_until": lease_until,
                    "attempts": 1,
                },
            ]
        )
        survivor = SessionRegistry(client, db, "survivor", dead_after_s=15)
        survivor.on_dead(lambda instance: release_jobs_of(db, instance))
        assert await survivor.reap() == 1

        mine, other = await db[JOBS].find_one({"_id": "mine"}), await db[JOBS].find_one({"_id": "other"})
        assert mine["status"] == "queued" and "lease_owner" not in mine and mine["attempts"] == 1
        assert other["status"] == "running" and other["lease_owner"] == "dead-10/render"
        assert await db[INSTANCES].count_documents({}) == 0
        await client.drop_database(database)
