"""Composition root: wires the scene service's handlers and shot-planning jobs to the bus,
database and AI provider, each handed a SceneUnitOfWork."""

from reelflow_contracts.messages.scene import ApproveScene, UpdateScene
from reelflow_contracts.messages.script import ScriptApproved
from reelflow_contracts.topics import SCENE_COMMANDS, SCENE_EVENTS, SCRIPT_EVENTS
from reelflow_kit.ai import Segmenter, ShotPlanner, make_segmenter, make_shot_planner
from reelflow_kit.metrics.ai import observed
from reelflow_kit.runtime import ServiceRuntime
from reelflow_kit.unit_of_work import give_up_handler, job_handler, message_handlers
from reelflow_scene.adapters import ensure_indexes
from reelflow_scene.handlers import (
    PLAN_SHOTS,
    approve_scene,
    give_up_planning,
    plan_shots_with,
    script_not_segmented,
    segment_script_with,
    update_scene,
)
from reelflow_scene.settings import Settings
from reelflow_scene.unit_of_work import SceneUnitOfWork

CONSUMER_GROUP = "scene-service"


def build(
    settings: Settings | None = None, *, segmenter: Segmenter | None = None, shot_planner: ShotPlanner | None = None
) -> ServiceRuntime:
    """The scene service: consumer group `scene-service` on `script.events` and `scene.commands`,
    shot planning as `plan-shots` jobs, events through the outbox to `scene.events`.
    `segmenter` and `shot_planner` override the providers chosen by the settings."""
    settings = settings or Settings()
    runtime = ServiceRuntime(settings, uses_object_store=False, topics=[SCRIPT_EVENTS, SCENE_COMMANDS, SCENE_EVENTS])
    ai = runtime.metrics.ai
    segmenter = observed(segmenter or make_segmenter(settings), "segmentation", ai, settings.ai_provider)
    shot_planner = observed(shot_planner or make_shot_planner(settings), "shot_planning", ai, settings.ai_provider)

    async def create_indexes(rt: ServiceRuntime) -> None:
        await ensure_indexes(rt.db)

    runtime.on_startup(create_indexes)
    runtime.consume(
        CONSUMER_GROUP,
        [SCRIPT_EVENTS, SCENE_COMMANDS],
        handlers=message_handlers(
            SceneUnitOfWork,
            {
                ScriptApproved: segment_script_with(segmenter, settings.max_scenes_per_script),
                UpdateScene: update_scene,
                ApproveScene: approve_scene,
            },
        ),
        look_up_inbox_first=False,  # segmentation looks for the script's scenes first; the rest is quick
        on_dead_letter={ScriptApproved: script_not_segmented},
    )
    runtime.work(
        PLAN_SHOTS,
        job_handler(SceneUnitOfWork, plan_shots_with(shot_planner, settings.pacing)),
        concurrency=settings.shot_planning_concurrency,
        lease_s=settings.shot_planning_lease_s,
        max_attempts=settings.shot_planning_max_attempts,
        on_give_up=give_up_handler(SceneUnitOfWork, give_up_planning),
        deadline_s=settings.shot_planning_deadline_s,
    )
    return runtime
