"""A process killed inside a transaction: its locks block writers until another instance ends
its sessions (real MongoDB server, a real SIGKILL)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap

from pymongo import AsyncMongoClient

from reelflow_kit.store.sessions import INSTANCES, SessionRegistry

CHILD = textwrap.dedent("""
    import asyncio, sys
    from pymongo import AsyncMongoClient
    from reelflow_kit.store.sessions import SessionRegistry

    async def main(uri, database, doc_id):
        client = AsyncMongoClient(uri)
        registry = SessionRegistry(client, client[database], "doomed-instance")
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
        child = subprocess.Popen([sys.executable, "-c", CHILD, infra.mongo_uri, database, "job-1"],
                                 stdout=subprocess.PIPE, text=True, env=os.environ.copy())
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
