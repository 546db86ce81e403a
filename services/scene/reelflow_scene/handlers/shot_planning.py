"""The `plan-shots` job, queued by ApproveScene: plan the scene's shots, store them, emit them.

Runs in the kit's durable job pool (leases, bounded attempts, shared by instances), so AI calls
never hold up the consumer. The planner is called outside the transaction; then, in one
transaction, the shots are stored (ids derived from the scene id and order), the scene records
its plan, and one ShotPlanned per shot is emitted (the call's usage on the first only).
A provider failure worth retrying (rate limits, 5xx, timeouts, invalid output) is a RetryLater;
once the job's attempts are used up, `give_up_planning` emits ShotPlanningFailed. A failure
that no retry can fix (bad credentials, unknown model, a request the provider refuses) emits
ShotPlanningFailed at once, and so does a plan of more than MAX_SHOTS_PER_SCENE shots (the
planners never make one; a provider or planner that did is refused rather than believed).
"""

from __future__ import annotations

import logging

from reelflow_contracts.messages.base import Usage
from reelflow_contracts.messages.common import StyleHints
from reelflow_contracts.messages.scene import ShotPlanned, ShotPlanningFailed
from reelflow_kit.ai import AIProviderError, SceneText, ScriptContext, ShotPlan, ShotPlanner
from reelflow_kit.content_caps import MAX_SHOTS_PER_SCENE
from reelflow_kit.handling import derived_id
from reelflow_kit.failures import Failure
from reelflow_kit.jobs import FAILED, JobContext, JobHandler
from reelflow_scene.adapters.scenes import MongoSceneRepository
from reelflow_scene.adapters.scripts import MongoScriptFactsRepository
from reelflow_scene.adapters.shots import MongoShotRepository
from reelflow_scene.domain import Scene, ScriptFacts, Shot, ShotPlanning
from reelflow_kit.clock import now

log = logging.getLogger(__name__)

PLAN_SHOTS = "plan-shots"
GAVE_UP_CODE = "shot_planning_failed"


def planning_job(scene: Scene) -> dict:
    return {"scene_id": scene.id, "script_id": scene.script_id}


def shot_id(scene_id: str, order: int) -> str:
    return derived_id(scene_id, "shot", order)


def plan_shots_with(planner: ShotPlanner) -> JobHandler:
    async def plan_shots(ctx: JobContext) -> None:
        scene_id = ctx.job.payload["scene_id"]
        scene = await MongoSceneRepository(ctx.db).get(scene_id)
        if scene is None:  # cannot happen: approval stores the scene with the job
            log.error("shot planning job for an unknown scene", extra={"scene_id": scene_id})
            async with ctx.transaction(status=FAILED,
                                       failure=Failure("not_found", f"there is no scene {scene_id}", retryable=False)):
                return
        facts = await MongoScriptFactsRepository(ctx.db).get(scene.script_id)
        try:
            plan = await planner.plan_shots(SceneText(order=scene.order, text=scene.text, heading=scene.heading),
                                            context=context_of(facts))
        except AIProviderError as failure:
            if failure.retryable:
                raise  # the job queue tries again
            await _fail(ctx, scene, failure.failure, failure.usage)
            return
        if len(plan.shots) > MAX_SHOTS_PER_SCENE:
            await _fail(ctx, scene, Failure("too_many_shots", f"the plan has {len(plan.shots)} shots; at most "
                        f"{MAX_SHOTS_PER_SCENE} shots per scene are allowed", retryable=False), plan.usage)
            return
        async with ctx.transaction() as tx:
            shots = MongoShotRepository(tx.db, tx.session)
            if await shots.any_for_scene(scene.id):
                log.info("scene already has its shots", extra={"scene_id": scene.id})
                return
            planned = shots_of(scene, plan, context_of(facts))
            await shots.add_all(planned)
            await MongoSceneRepository(tx.db, tx.session).record_shot_planning(scene.id, ShotPlanning.PLANNED,
                                                                              len(planned))
            for shot in planned:
                tx.emit(shot_planned_event(shot, usage_of_shot(shot.order, plan.usage)))

    return plan_shots


async def give_up_planning(ctx: JobContext, failure: Failure) -> None:
    """The job used up its attempts: ShotPlanningFailed with the last error."""
    scene_id = ctx.job.payload["scene_id"]
    failure = failure.named(GAVE_UP_CODE)
    async with ctx.transaction(status=FAILED, failure=failure) as tx:
        await MongoSceneRepository(tx.db, tx.session).record_shot_planning(scene_id, ShotPlanning.FAILED)
        tx.emit(ShotPlanningFailed(script_id=ctx.job.payload["script_id"], scene_id=scene_id, code=failure.code,
                                   error=failure.message, final=True, attempts=max(1, ctx.job.attempt)))


async def _fail(ctx: JobContext, scene: Scene, failure: Failure, usage: Usage) -> None:
    async with ctx.transaction(status=FAILED, failure=failure) as tx:
        await MongoSceneRepository(tx.db, tx.session).record_shot_planning(scene.id, ShotPlanning.FAILED)
        tx.emit(ShotPlanningFailed(script_id=scene.script_id, scene_id=scene.id, code=failure.code,
                                   error=failure.message, final=True, attempts=max(1, ctx.job.attempt), usage=usage))


def context_of(facts: ScriptFacts | None) -> ScriptContext:
    if facts is None:
        return ScriptContext()
    return ScriptContext(title=facts.title, characters=facts.characters, style_suffix=facts.style_suffix,
                         aspect=facts.aspect)


def shots_of(scene: Scene, plan: ShotPlan, context: ScriptContext) -> list[Shot]:
    at = now()
    return [Shot(id=shot_id(scene.id, planned.order), script_id=scene.script_id, scene_id=scene.id,
                 scene_order=scene.order, order=planned.order, shot_count=len(plan.shots),
                 description=planned.description, image_prompt=planned.image_prompt, duration_s=planned.duration_s,
                 narration=planned.narration, aspect=context.aspect, style_suffix=context.style_suffix,
                 setting=plan.setting, time_of_day=plan.time_of_day, characters=planned.characters, created_at=at)
            for planned in plan.shots]


def usage_of_shot(order: int, usage: Usage) -> Usage:
    """The planning call's usage rides on shot 1; the others carry zero (same provider and model),
    so usage sums without double counting."""
    return usage if order == 1 else Usage(provider=usage.provider, model=usage.model)


def shot_planned_event(shot: Shot, usage: Usage) -> ShotPlanned:
    return ShotPlanned(
        script_id=shot.script_id, scene_id=shot.scene_id, shot_id=shot.id, scene_order=shot.scene_order,
        order=shot.order, shot_count=shot.shot_count, description=shot.description, image_prompt=shot.image_prompt,
        duration_s=shot.duration_s, narration=shot.narration,
        style=StyleHints(aspect=shot.aspect, style_suffix=shot.style_suffix[:500], setting=shot.setting[:300],
                         time_of_day=shot.time_of_day[:50], characters=shot.characters[:50]),
        usage=usage)
