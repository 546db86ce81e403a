"""The caps the API states (GET /api/limits), enforced by the scene service: scenes per script
(`REELFLOW_MAX_SCENES_PER_SCRIPT`) and shots per scene (fixed by the planners)."""

from __future__ import annotations

from functools import partial

import pytest

from reelflow_contracts.messages.scene import ApproveScene, SceneApproved, SegmentationFailed, ShotPlanningFailed
from reelflow_kit.ai import SceneText, ScriptContext, ShotPlan
from reelflow_kit.ai.local.shot_planner import plan_scene
from reelflow_kit.content_caps import MAX_SHOTS_PER_SCENE
from reelflow_scene.bootstrap import build
from reelflow_scene.settings import Settings
from tests.integration.test_scene_service import events_of, script_approved, send
from tests.support.in_process import service_starter


class OneShotTooMany:
    """A planner (or a provider ignoring its schema) that plans more shots than a scene may have."""

    async def plan_shots(self, scene: SceneText, *, context: ScriptContext) -> ShotPlan:
        plan = plan_scene(scene, context)
        shots = [plan.shots[0]] * (MAX_SHOTS_PER_SCENE + 1)
        return ShotPlan(shots=shots, setting=plan.setting, time_of_day=plan.time_of_day, usage=plan.usage)


@pytest.fixture
async def start_service(infra, unique):
    async with service_starter(
        infra, Settings, partial(build, shot_planner=OneShotTooMany()), f"scene_caps_{unique}"
    ) as start:
        yield start


async def test_a_script_cutting_into_more_scenes_than_the_cap_fails_segmentation_naming_the_cap(
    infra, start_service, unique
):
    service = await start_service(max_scenes_per_script=3)
    script_id = f"script-{unique}"
    await service.publish(script_approved(script_id))  # the screenplay sample: 4 scenes

    [failed] = await events_of(infra, script_id, 1)
    assert isinstance(failed.data, SegmentationFailed)
    assert failed.data.code == "too_many_scenes" and failed.data.final
    assert "4 scenes" in failed.data.error and "at most 3 scenes per script" in failed.data.error
    assert await service.db.scenes.count_documents({"script_id": script_id}) == 0


async def test_a_plan_of_more_shots_than_a_scene_may_have_fails_shot_planning(infra, start_service, unique):
    service = await start_service()
    script_id = f"script-{unique}"
    await service.publish(script_approved(script_id))
    created = (await events_of(infra, script_id, 5))[:4]
    await send(service, ApproveScene(script_id=script_id, scene_id=created[0].data.scene_id))

    approved, failed = (await events_of(infra, script_id, 7))[5:]
    assert isinstance(approved.data, SceneApproved)
    assert isinstance(failed.data, ShotPlanningFailed) and failed.data.code == "too_many_shots"
    assert f"{MAX_SHOTS_PER_SCENE + 1} shots" in failed.data.error
    assert f"at most {MAX_SHOTS_PER_SCENE} shots per scene" in failed.data.error
    assert await service.db.shots.count_documents({"scene_id": created[0].data.scene_id}) == 0
