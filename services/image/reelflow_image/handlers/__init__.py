"""The image service's handlers: ShotPlanned and the image commands, each `(message, uow)`, and
the `generate-image` job that both queue, `(job, uow)`, with its give-up `(job, failure, uow)`."""

from reelflow_image.handlers.common import GENERATE_IMAGE, image_id_of
from reelflow_image.handlers.failed_attempts import give_up
from reelflow_image.handlers.generation import generate_images_with
from reelflow_image.handlers.image_commands import approve_image, reject_image_with
from reelflow_image.handlers.shots import on_shot_planned, shot_not_drawn

__all__ = [
    "GENERATE_IMAGE",
    "approve_image",
    "generate_images_with",
    "give_up",
    "image_id_of",
    "on_shot_planned",
    "reject_image_with",
    "shot_not_drawn",
]
