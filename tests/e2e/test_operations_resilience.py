"""Operations under load and under failure: several at once from two users, and a service killed
with SIGKILL in the middle of one (then started again), with nothing duplicated."""

from __future__ import annotations

import signal

import pytest
from pymongo import MongoClient

from tests.e2e.conftest import Reelflow
from tests.e2e.helpers import HARBOR, KITCHEN, User, wait_for
from tests.e2e.test_operations import FAST, operation, start, wait_status

# A killed service's open transactions are ended by its successor (kit/reelflow_kit/store/sessions.py)
# within about 15 s, and its job leases expire within 20-60 s; this leaves ample room on a loaded machine.
RECOVERY_S = 300


def test_five_operations_from_two_users_at_once_all_complete_and_stay_private(
    reelflow: Reelflow, alice: User, bob: User
):
    mine = [start(alice, content=KITCHEN, title=f"alice {n}") for n in range(3)]
    theirs = [start(bob, content=HARBOR, title=f"bob {n}") for n in range(2)]
    for user, ids in ((alice, mine), (bob, theirs)):
        for operation_id in ids:
            done = wait_status(user, operation_id, "completed", "failed", timeout=RECOVERY_S)
            assert done["status"] == "completed", done["errors"]
    for operation_id in theirs:
        assert alice.get(f"/api/operations/{operation_id}").status_code == 404
    for operation_id in mine:
        assert bob.get(f"/api/operations/{operation_id}").status_code == 404
        script_id = operation(alice, operation_id)["script_id"]
        assert bob.get(f"/api/scripts/{script_id}").status_code == 404
    listed = {s["id"] for s in bob.get("/api/scripts", params={"limit": 100}).json()["items"]}
    assert not listed & {operation(alice, o)["script_id"] for o in mine}


def rendering(reelflow: Reelflow) -> bool:
    """The video service holds a render job: FFmpeg is at work."""
    with MongoClient(reelflow.infra.mongo_uri) as mongo:
        return mongo[reelflow.video_db]["jobs"].count_documents({"kind": "render-video", "status": "running"}) > 0


# When to pull the plug on each service: while its own part of the work is under way (for the
# script service, whose part takes milliseconds, as soon as the operation is accepted; its kill in
# the middle of a stream of commands is covered in test_restarts.py).
MOMENT = {
    "script": lambda reelflow, op: True,
    "scene": lambda reelflow, op: op["progress"]["scenes_segmented"] > 0,
    "image": lambda reelflow, op: op["progress"]["images_generated"] > 0,
    "video": lambda reelflow, op: rendering(reelflow),
    "gateway": lambda reelflow, op: op["progress"]["images_generated"] > 0,
}


@pytest.mark.parametrize("service", list(MOMENT))
def test_an_operation_survives_any_service_killed_midway(reelflow: Reelflow, alice: User, service: str):
    operation_id = start(alice, content=KITCHEN + "\n" + HARBOR, options={**FAST, "motion": True})
    wait_for(
        lambda: MOMENT[service](reelflow, operation(alice, operation_id)),
        timeout=RECOVERY_S,
        interval=0.05,
        what=f"the moment to kill {service}",
    )
    getattr(reelflow, service).kill(signal.SIGKILL)
    getattr(reelflow, f"start_{service}")()

    done = wait_status(alice, operation_id, "completed", "failed", timeout=RECOVERY_S)
    assert done["status"] == "completed", done["errors"]
    script_id = done["script_id"]
    # The operation runs on its own consumer group: the read model (another group) may still be
    # catching up, e.g. after the gateway was killed inside one of its transactions.
    reelflow.wait_writes_flow()
    video = wait_for(
        lambda: (v := alice.get(f"/api/scripts/{script_id}/video").json()).get("status") == "approved" and v,
        timeout=60,
        what="the video in the read model",
    )
    assert video["id"] == done["video_id"]  # one video, the operation's
    scenes = alice.get(f"/api/scripts/{script_id}/scenes").json()["items"]
    assert len(scenes) == 2 == done["progress"]["scenes_segmented"]  # no duplicate scenes
    for scene in scenes:
        shots = alice.get(f"/api/scenes/{scene['id']}/shots").json()["items"]
        assert len(shots) == shots[0]["shot_count"] == len({s["id"] for s in shots})  # no duplicate shots
        images = wait_for(
            lambda scene=scene, shots=shots: (
                (i := alice.get(f"/api/scenes/{scene['id']}/images").json()["items"])
                and sorted(x["shot_id"] for x in i) == sorted(s["id"] for s in shots)
                and i
            ),
            timeout=30,
            what=f"one image per shot of scene {scene['id']}",
        )  # never two
        assert all(i["attempt"] == 1 for i in images)
