"""What the image service's handlers share: the ids of an attempt, its prompt, and the
`generate-image` job that draws it (queued by ShotPlanned and RejectImage, run by `generation`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from reelflow_image.domain import Shot
from reelflow_kit.ai import compose_prompt
from reelflow_kit.handling import derived_id
from reelflow_kit.jobs import Job
from reelflow_kit.unit_of_work import UnitOfWork

GENERATE_IMAGE = "generate-image"


def image_id_of(shot_id: str, attempt: int) -> str:
    """The id of a shot's attempt: the same whichever message or replay starts it."""
    return derived_id(shot_id, "image", attempt)


def job_id_of(image_id: str) -> str:
    return f"{GENERATE_IMAGE}/{image_id}"


@dataclass(frozen=True)
class AttemptOrder:
    """A `generate-image` job's payload: which attempt of which shot to draw."""

    image_id: str
    shot_id: str
    scene_id: str
    script_id: str
    attempt: int
    previous_image_id: str | None

    @classmethod
    def of(cls, job: Job) -> AttemptOrder:
        p = job.payload
        return cls(
            image_id=p["image_id"],
            shot_id=p["shot_id"],
            scene_id=p["scene_id"],
            script_id=p["script_id"],
            attempt=p["attempt"],
            previous_image_id=p.get("previous_image_id"),
        )

    def payload(self) -> dict[str, Any]:
        return asdict(self)


async def queue_attempt(uow: UnitOfWork, shot: Shot, previous_image_id: str | None) -> AttemptOrder:
    """Queue the shot's latest attempt (inside the unit of work's block); generation jobs take
    turns by script (ShotPlanned does not name the owner)."""
    order = AttemptOrder(
        image_id=image_id_of(shot.id, shot.attempts),
        shot_id=shot.id,
        scene_id=shot.scene_id,
        script_id=shot.script_id,
        attempt=shot.attempts,
        previous_image_id=previous_image_id,
    )
    await uow.enqueue(GENERATE_IMAGE, job_id_of(order.image_id), order.payload(), fair_key=shot.script_id)
    return order


def attempt_prompt(shot: Shot) -> str:
    """The prompt an attempt is drawn from, as stored and emitted: the shot's, with the reviewer's notes."""
    return compose_prompt(shot.prompt, shot.revision_notes)
