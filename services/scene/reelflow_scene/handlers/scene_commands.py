"""UpdateScene and ApproveScene.

Each loads the scene inside the transaction, applies the domain rule, saves and emits one
event: SceneUpdated / SceneApproved, or a SceneCommandRejected (`not_found` also for a scene of
another script than the command names). Approval also queues the scene's shot planning as a
durable job in the same transaction (job id derived from the command), so the approval is
answered at once and a redelivered approval queues nothing twice. The job's fairness key is the
script's owner: one user's many scenes take turns with other users' scenes.
"""

from __future__ import annotations

from reelflow_contracts.messages.scene import ApproveScene, SceneApproved, SceneUpdated, UpdateScene
from reelflow_kit.ai import clamp_heading, heading_of
from reelflow_kit.handling import HandlerContext
from reelflow_kit.jobs import enqueue_job
from reelflow_scene.adapters.scenes import MongoSceneRepository
from reelflow_scene.adapters.scripts import MongoScriptFactsRepository
from reelflow_scene.domain import Scene, SceneRuleBroken
from reelflow_kit.clock import now
from reelflow_scene.handlers.common import reject
from reelflow_scene.handlers.shot_planning import PLAN_SHOTS, planning_job


def not_found(scene_id: str, script_id: str) -> str:
    return f"there is no scene {scene_id} in script {script_id}"


async def update_scene(ctx: HandlerContext[UpdateScene]) -> None:
    cmd = ctx.message
    heading = heading_of(cmd.text) if cmd.heading is None else clamp_heading(cmd.heading)
    async with ctx.transaction() as tx:
        scenes = MongoSceneRepository(tx.db, tx.session)
        scene = await _scene_of(scenes, cmd.scene_id, cmd.script_id)
        if scene is None:
            reject(ctx, tx, "not_found", not_found(cmd.scene_id, cmd.script_id))
            return
        try:
            scene = scene.edited(text=cmd.text, heading=heading, at=now())
        except SceneRuleBroken as broken:
            reject(ctx, tx, broken.code, broken.reason)
            return
        await scenes.save(scene)
        tx.emit(SceneUpdated(script_id=scene.script_id, scene_id=scene.id, order=scene.order, heading=scene.heading,
                             text=scene.text, updated_at=scene.updated_at))


async def approve_scene(ctx: HandlerContext[ApproveScene]) -> None:
    cmd = ctx.message
    async with ctx.transaction() as tx:
        scenes = MongoSceneRepository(tx.db, tx.session)
        scene = await _scene_of(scenes, cmd.scene_id, cmd.script_id)
        if scene is None:
            reject(ctx, tx, "not_found", not_found(cmd.scene_id, cmd.script_id))
            return
        try:
            scene = scene.approved(at=now())
        except SceneRuleBroken as broken:
            reject(ctx, tx, broken.code, broken.reason)
            return
        await scenes.save(scene)
        facts = await MongoScriptFactsRepository(tx.db, tx.session).get(scene.script_id)
        await enqueue_job(tx, PLAN_SHOTS, ctx.derived_id("plan-shots"), planning_job(scene),
                          fair_key=facts.owner_id if facts else scene.script_id)
        tx.emit(SceneApproved(script_id=scene.script_id, scene_id=scene.id, order=scene.order,
                              approved_at=scene.approved_at))


async def _scene_of(scenes: MongoSceneRepository, scene_id: str, script_id: str) -> Scene | None:
    scene = await scenes.get(scene_id)
    return scene if scene is not None and scene.script_id == script_id else None
