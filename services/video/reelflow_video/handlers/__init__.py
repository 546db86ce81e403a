from reelflow_video.handlers.storyboard import image_approved, script_segmented, shot_planned
from reelflow_video.handlers.create_video import create_video_with
from reelflow_video.handlers.render import RENDER, give_up_render, render_with

__all__ = ["RENDER", "create_video_with", "give_up_render", "image_approved", "render_with", "script_segmented",
           "shot_planned"]
