"""The video service's handlers: messages `(message, uow)`, jobs `(job, uow)`, give-ups `(job, failure, uow)`."""

from reelflow_video.handlers.create_video import create_video_with, decide_video_with, give_up_decision
from reelflow_video.handlers.decision import DECIDE, RENDER
from reelflow_video.handlers.render import give_up_render, render_with
from reelflow_video.handlers.storyboard import image_approved, script_segmented, shot_planned

__all__ = [
    "DECIDE",
    "RENDER",
    "create_video_with",
    "decide_video_with",
    "give_up_decision",
    "give_up_render",
    "image_approved",
    "render_with",
    "script_segmented",
    "shot_planned",
]
