"""The scene service's handlers: ScriptApproved (segmentation) and the scene commands, each
`(message, uow)`; the shot-planning job that approval queues, `(job, uow)`, and its give-up,
`(job, failure, uow)`."""

from reelflow_scene.handlers.scene_commands import approve_scene, update_scene
from reelflow_scene.handlers.segmentation import script_not_segmented, segment_script_with
from reelflow_scene.handlers.shot_planning import PLAN_SHOTS, give_up_planning, plan_shots_with

__all__ = [
    "PLAN_SHOTS",
    "approve_scene",
    "give_up_planning",
    "plan_shots_with",
    "script_not_segmented",
    "segment_script_with",
    "update_scene",
]
