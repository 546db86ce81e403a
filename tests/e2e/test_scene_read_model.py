"""The read model gets script events and scene events from different topics, so in any order:
every order must give the same views, and scenes must stay invisible until their owner is known.

Runs the gateway's projections on the session's real MongoDB, in a scratch database.
"""

from __future__ import annotations

import dataclasses
import itertools
import uuid
from datetime import UTC, datetime

import pytest
from pymongo import AsyncMongoClient

from reelflow_contracts import (
    ApproveScene,
    ApproveScript,
    CreateScript,
    SceneApproved,
    SceneCreated,
    ScriptApproved,
    ScriptCreated,
    ScriptSegmented,
    ShotPlanned,
    new_envelope,
)
from reelflow_contracts.envelope import Envelope
from reelflow_gateway.collections import SCENES, SCRIPTS, SHOTS
from reelflow_gateway.readmodel.consumer import runs
from reelflow_gateway.readmodel.projector import batch_projections, projections
from reelflow_gateway.readmodel.public import scene_body, script_body
from reelflow_gateway.readmodel.scenes import ScenesView
from reelflow_gateway.readmodel.scripts import ScriptsView
from tests.support.infra import Infra

T0 = datetime(2025, 3, 14, 9, 0, tzinfo=UTC)


def timeline() -> tuple[list[Envelope], list[Envelope]]:
    """One script's events as the two topics carry them: (script.events, scene.events), each in order."""
    s, c1, c2 = "s-" + uuid.uuid4().hex[:8], "c1-" + uuid.uuid4().hex[:8], "c2-" + uuid.uuid4().hex[:8]
    create = new_envelope(
        CreateScript(script_id=s, owner_id="u1", content="INT. A - DAY\n\na\n\nEXT. B - NIGHT\n\nb"), source="gateway"
    )
    approve = new_envelope(ApproveScript(script_id=s), source="gateway")
    script_events = [
        new_envelope(
            ScriptCreated(
                script_id=s, owner_id="u1", title="T", content=create.data.content, origin="user", created_at=T0
            ),
            source="script",
            causation=create,
        ),
        new_envelope(
            ScriptApproved(
                script_id=s, owner_id="u1", title="T", content=create.data.content, approved_at=T0.replace(minute=1)
            ),
            source="script",
            causation=approve,
        ),
    ]
    approved = script_events[1]
    approve_scene = new_envelope(ApproveScene(script_id=s, scene_id=c1), source="gateway")
    scene_events = [
        new_envelope(
            SceneCreated(
                script_id=s,
                scene_id=c1,
                order=1,
                heading="INT. A - DAY",
                text="INT. A - DAY\n\na",
                created_at=T0.replace(minute=2),
            ),
            source="scene",
            causation=approved,
        ),
        new_envelope(
            SceneCreated(
                script_id=s,
                scene_id=c2,
                order=2,
                heading="EXT. B - NIGHT",
                text="EXT. B - NIGHT\n\nb",
                created_at=T0.replace(minute=2),
            ),
            source="scene",
            causation=approved,
        ),
        new_envelope(
            ScriptSegmented(script_id=s, scene_ids=(c1, c2), method="sluglines"), source="scene", causation=approved
        ),
        new_envelope(
            SceneApproved(script_id=s, scene_id=c1, order=1, approved_at=T0.replace(minute=3)),
            source="scene",
            causation=approve_scene,
        ),
    ]
    shots = [
        new_envelope(
            ShotPlanned(
                script_id=s,
                scene_id=c1,
                shot_id=f"{c1}-h{n}",
                scene_order=1,
                order=n,
                shot_count=2,
                description=f"shot {n}",
                image_prompt=f"prompt {n}",
                duration_s=2.5,
            ),
            source="scene",
            causation=approve_scene,
        )
        for n in (1, 2)
    ]
    return script_events, scene_events + shots


def interleavings(a: list, b: list, limit: int = 12) -> list[list]:
    """Merges of two sequences that keep each one's own order (what two partitions can give)."""
    merges = []
    for positions in itertools.combinations(range(len(a) + len(b)), len(a)):
        merged, ia, ib = [], iter(a), iter(b)
        for i in range(len(a) + len(b)):
            merged.append(next(ia) if i in positions else next(ib))
        merges.append(merged)
    step = max(1, len(merges) // limit)
    return merges[::step] + [merges[-1]]


@pytest.fixture
async def db(infra: Infra):
    client = AsyncMongoClient(infra.mongo_uri, tz_aware=True)
    name = f"e2e_readmodel_{uuid.uuid4().hex[:8]}"
    try:
        yield client[name]
    finally:
        await client.drop_database(name)
        await client.close()


async def project(db, events: list[Envelope]) -> dict[str, list[dict]]:
    table = projections()
    for env in events:
        apply, _ = table[type(env.data)]
        await apply(db, None, env)
    return {name: await db[name].find().sort("_id").to_list() for name in (SCRIPTS, SCENES, SHOTS)}


async def project_in_runs(db, events: list[Envelope]) -> dict[str, list[dict]]:
    """As the read model's consumer does with a fetched batch: consecutive scenes or shots at once."""
    table, batched = projections(), batch_projections()
    items = [(None, env, table[type(env.data)]) for env in events]
    for run in runs(items, batched):
        envs = [env for _, env, _ in run]
        if len(envs) > 1:
            await batched[type(envs[0].data)](db, None, envs)
        else:
            await table[type(envs[0].data)][0](db, None, envs[0])
    return {name: await db[name].find().sort("_id").to_list() for name in (SCRIPTS, SCENES, SHOTS)}


async def test_batches_give_the_same_views_as_one_event_at_a_time(db) -> None:
    script_events, scene_events = timeline()
    events = script_events + scene_events
    one_by_one = await project(db, events)
    other = db.client[f"{db.name}_runs"]
    try:
        assert len(runs([(None, e, None) for e in events], batch_projections())) < len(events)
        assert await project_in_runs(other, events) == one_by_one
        again = [dataclasses.replace(env, id=str(uuid.uuid4())) for env in scene_events]
        assert await project_in_runs(other, again) == one_by_one  # replayed under new ids: nothing changes
    finally:
        await db.client.drop_database(other.name)


async def test_any_order_across_topics_gives_the_same_views(db) -> None:
    script_events, scene_events = timeline()
    orders = interleavings(script_events, scene_events)
    assert orders[0][:2] == script_events and orders[-1][-2:] == script_events  # both extremes included
    results = []
    for n, events in enumerate(orders):
        scratch = db.client[f"{db.name}_{n}"]
        try:
            results.append(await project(scratch, events))
        finally:
            await db.client.drop_database(scratch.name)
    assert all(result == results[0] for result in results)

    views = results[0]
    script = script_body(views[SCRIPTS][0])
    assert (script["status"], script["scene_count"], script["approved_scene_count"]) == ("approved", 2, 1)
    assert script["segmentation"]["state"] == "done" and script["version"] == 2
    first = scene_body(next(d for d in views[SCENES] if d["order"] == 1))
    assert first["status"] == "approved" and first["version"] == 2
    assert first["shot_planning"] == {"state": "planned", "shot_count": 2, "code": None, "error": None}
    assert first["updated_at"] == T0.replace(minute=3)


async def test_scenes_are_invisible_until_their_owner_is_known(db) -> None:
    script_events, scene_events = timeline()
    await project(db, scene_events)  # every scene event first
    script_id = scene_events[0].data.script_id
    scripts, scenes = ScriptsView(db), ScenesView(db)
    assert await scripts.get("u1", script_id) is None and not await scripts.owns("u1", script_id)
    assert (await scripts.page("u1", 10, 0)) == ([], 0)
    assert len((await scenes.of_script(script_id, 10, 0))[0]) == 2  # stored, but no owner to show them to

    await project(db, script_events)
    assert await scripts.owns("u1", script_id) and not await scripts.owns("u2", script_id)
    shown = script_body(await scripts.get("u1", script_id))
    assert shown["scene_count"] == 2 and shown["approved_scene_count"] == 1


async def test_the_same_facts_again_under_new_ids_change_nothing(db) -> None:
    script_events, scene_events = timeline()
    first = await project(db, script_events + scene_events)
    again = [dataclasses.replace(env, id=str(uuid.uuid4())) for env in script_events[1:] + scene_events]
    assert await project(db, again) == first
