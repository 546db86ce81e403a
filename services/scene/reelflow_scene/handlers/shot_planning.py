"""The `plan-shots` job, queued by ApproveScene: plan the scene's shots, store them, emit them.

Runs in the kit's durable job pool (leases, bounded attempts, shared by instances), so AI calls
never hold up the consumer. The planner is called outside the unit of work; then, in one
transaction, the shots are stored (ids derived from the scene id and order), the scene records
its plan, and one ShotPlanned per shot is emitted (the call's usage on the first only).
A provider failure worth retrying (rate limits, 5xx, timeouts, invalid output) is re-raised for
the job queue to try again; once the job's attempts are used up, `give_up_planning` emits
ShotPlanningFailed. A failure that no retry can fix (bad credentials, unknown model, a request
the provider refuses) ends the job failed with ShotPlanningFailed at once, and so does a plan of
more than MAX_SHOTS_PER_SCENE shots (`too_many_shots`) or a shot longer than the pacing's
`max_shot_s` (`shot_too_long`): the planners never make one (a long scene gets more shots, up to
the cap, and its planned time is at most the cap's shots at their longest); a provider or
planner that did is refused rather than believed.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from reelflow_contracts.messages.base import Usage
from reelflow_contracts.messages.scene import ShotPlanningFailed
from reelflow_kit.ai import AIProviderError, SceneText, ShotPlan, ShotPlanner
from reelflow_kit.ai.timing import DEFAULT_PACING, Pacing
from reelflow_kit.content_caps import MAX_SHOTS_PER_SCENE
from reelflow_kit.failures import Failure
from reelflow_kit.jobs import Job
from reelflow_scene.domain import Scene, ShotPlanning
from reelflow_scene.handlers.shots import context_of, shot_planned_event, shots_of, usage_of_shot
from reelflow_scene.unit_of_work import SceneUnitOfWork

log = logging.getLogger(__name__)

PLAN_SHOTS = "plan-shots"
GAVE_UP_CODE = "shot_planning_failed"


def planning_job(scene: Scene) -> dict[str, str]:
    """The payload of a scene's `plan-shots` job."""
    return {"scene_id": scene.id, "script_id": scene.script_id}


def plan_shots_with(
    planner: ShotPlanner, pacing: Pacing = DEFAULT_PACING
) -> Callable[[Job, SceneUnitOfWork], Awaitable[None]]:
    async def plan_shots(job: Job, uow: SceneUnitOfWork) -> None:
        scene_id = job.payload["scene_id"]
        scene = await uow.scenes.get(scene_id)
        if scene is None:  # cannot happen: approval stores the scene with the job
            log.error("shot planning job for an unknown scene", extra={"scene_id": scene_id})
            async with uow.failing(Failure("not_found", f"there is no scene {scene_id}", retryable=False)):
                return
        context = context_of(await uow.script_facts.get(scene.script_id))
        try:
            plan = await planner.plan_shots(
                SceneText(order=scene.order, text=scene.text, heading=scene.heading), context=context
            )
        except AIProviderError as failure:
            if failure.retryable:
                raise  # the job queue tries again
            await planning_failed(job, uow, failure.failure, failure.usage)
            return
        if refusal := refusal_of(plan, pacing):
            await planning_failed(job, uow, refusal, plan.usage)
            return
        async with uow:
            if await uow.shots.any_for_scene(scene.id):
                log.info("scene already has its shots", extra={"scene_id": scene.id})
                return
            planned = shots_of(scene, plan, context)
            await uow.shots.add_all(planned)
            await uow.scenes.record_shot_planning(scene.id, ShotPlanning.PLANNED, len(planned))
            for shot in planned:
                uow.emit(shot_planned_event(shot, usage_of_shot(shot.order, plan.usage)))

    return plan_shots


def refusal_of(plan: ShotPlan, pacing: Pacing) -> Failure | None:
    """Why a plan breaks the caps (more shots than a scene may have, a shot over the longest), or None."""
    if len(plan.shots) > MAX_SHOTS_PER_SCENE:
        return Failure(
            "too_many_shots",
            f"the plan has {len(plan.shots)} shots; at most {MAX_SHOTS_PER_SCENE} shots per scene are allowed",
            retryable=False,
        )
    if too_long := [shot for shot in plan.shots if shot.duration_s > pacing.max_shot_s + 1e-9]:
        return Failure(
            "shot_too_long",
            f"shot {too_long[0].order} lasts {too_long[0].duration_s} s; "
            f"a shot lasts at most {pacing.max_shot_s:g} s (REELFLOW_MAX_SHOT_S)",
            retryable=False,
        )
    return None


async def give_up_planning(job: Job, failure: Failure, uow: SceneUnitOfWork) -> None:
    """The job used up its attempts: ShotPlanningFailed with the last error."""
    await planning_failed(job, uow, failure.named(GAVE_UP_CODE))


async def planning_failed(job: Job, uow: SceneUnitOfWork, failure: Failure, usage: Usage | None = None) -> None:
    """The job ends `failed` with `failure`; the scene records it and ShotPlanningFailed says why."""
    scene_id = job.payload["scene_id"]
    async with uow.failing(failure):
        await uow.scenes.record_shot_planning(scene_id, ShotPlanning.FAILED)
        uow.emit(
            ShotPlanningFailed(
                script_id=job.payload["script_id"],
                scene_id=scene_id,
                code=failure.code,
                error=failure.message,
                final=True,
                attempts=max(1, job.attempt),
                usage=usage or Usage(),
            )
        )
