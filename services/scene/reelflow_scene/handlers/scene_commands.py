"""UpdateScene and ApproveScene.

Each loads the scene in the unit of work, applies the domain rule, saves and emits one event:
SceneUpdated / SceneApproved, or a SceneCommandRejected (`not_found` also for a scene of another
script than the command names). Approval also queues the scene's shot planning as a durable job
in the same transaction (job id derived from the command), so the approval is answered at once
and a redelivered approval queues nothing twice. The job's fairness key is the script's owner:
one user's many scenes take turns with other users' scenes.
"""

from __future__ import annotations

from reelflow_contracts.messages.scene import ApproveScene, SceneApproved, SceneUpdated, UpdateScene
from reelflow_kit.ai import clamp_heading, heading_of
from reelflow_kit.clock import now
from reelflow_scene.domain import Scene
from reelflow_scene.handlers.shot_planning import PLAN_SHOTS, planning_job
from reelflow_scene.unit_of_work import SceneUnitOfWork


def not_found(scene_id: str, script_id: str) -> str:
    return f"there is no scene {scene_id} in script {script_id}"


async def update_scene(cmd: UpdateScene, uow: SceneUnitOfWork) -> None:
    heading = heading_of(cmd.text) if cmd.heading is None else clamp_heading(cmd.heading)
    async with uow:
        scene = await scene_named_by(cmd, uow)
        if scene is None:
            return
        scene = uow.obeying(scene.edited, text=cmd.text, heading=heading, at=now())
        if scene is None:
            return
        await uow.scenes.save(scene)
        uow.emit(
            SceneUpdated(
                script_id=scene.script_id,
                scene_id=scene.id,
                order=scene.order,
                heading=scene.heading,
                text=scene.text,
                updated_at=scene.updated_at,
            )
        )


async def approve_scene(cmd: ApproveScene, uow: SceneUnitOfWork) -> None:
    async with uow:
        scene = await scene_named_by(cmd, uow)
        if scene is None:
            return
        at = now()
        scene = uow.obeying(scene.approved, at=at)
        if scene is None:
            return
        await uow.scenes.save(scene)
        facts = await uow.script_facts.get(scene.script_id)
        await uow.enqueue(
            PLAN_SHOTS,
            uow.derived_id("plan-shots"),
            planning_job(scene),
            fair_key=facts.owner_id if facts else scene.script_id,
        )
        uow.emit(SceneApproved(script_id=scene.script_id, scene_id=scene.id, order=scene.order, approved_at=at))


async def scene_named_by(cmd: UpdateScene | ApproveScene, uow: SceneUnitOfWork) -> Scene | None:
    """The scene the command names, in the script it names; else None, the command refused `not_found`."""
    scene = await uow.scenes.get(cmd.scene_id)
    if scene is None or scene.script_id != cmd.script_id:
        uow.refuse("not_found", not_found(cmd.scene_id, cmd.script_id))
        return None
    return scene
