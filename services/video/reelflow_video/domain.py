"""The video service's rules, pure: which shots a script has, whether every one has an approved
image, and a video's life (`pending` -> `approved` when the MP4 exists, or `rejected`)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime


@dataclass(frozen=True)
class PlannedShot:
    shot_id: str
    scene_id: str
    scene_order: int
    order: int
    shot_count: int
    duration_s: float
    description: str = ""
    narration: str = ""
    image_id: str | None = None
    image_key: str | None = None
    """The approved image's object key, once there is one."""


@dataclass(frozen=True)
class Missing:
    shots: tuple[PlannedShot, ...]
    unplanned_scene_ids: tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.shots or self.unplanned_scene_ids)

    def reason(self) -> str:
        parts = []
        if self.unplanned_scene_ids:
            parts.append(f"{len(self.unplanned_scene_ids)} scene(s) have no planned shots yet")
        if self.shots:
            parts.append(f"{len(self.shots)} shot(s) have no approved image")
        return "; ".join(parts) or "nothing is missing"


@dataclass(frozen=True)
class Storyboard:
    """Everything the video service knows of one script's shots, built from events."""

    scene_ids: tuple[str, ...]
    """Every scene of the script in order (from ScriptSegmented); empty until segmented."""
    shots: tuple[PlannedShot, ...]

    def ordered(self) -> list[PlannedShot]:
        return sorted(self.shots, key=lambda s: (s.scene_order, s.order))

    def missing(self) -> Missing:
        planned = {s.scene_id for s in self.shots}
        unplanned = [scene for scene in self.scene_ids if scene not in planned]
        for scene in planned:
            shots = [s for s in self.shots if s.scene_id == scene]
            if len(shots) < shots[0].shot_count:
                unplanned.append(scene)
        without_image = tuple(s for s in self.ordered() if s.image_key is None)
        return Missing(without_image, tuple(dict.fromkeys(unplanned)))


class VideoRuleBroken(Exception):
    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass(frozen=True)
class Video:
    id: str
    script_id: str
    status: str
    options: dict
    image_ids: tuple[str, ...]
    requested_at: datetime
    plan: tuple[PlannedShot, ...] = ()
    """The shots and approved images as they were when the video was asked for, in order."""
    error: str | None = None
    details: dict = field(default_factory=dict)

    @classmethod
    def requested(cls, video_id: str, script_id: str, options: dict, board: Storyboard, at: datetime) -> "Video":
        if not board.scene_ids:
            raise VideoRuleBroken("not_segmented", f"script {script_id} has no scenes yet")
        missing = board.missing()
        if missing:
            raise VideoRuleBroken("images_missing", f"cannot render yet: {missing.reason()}")
        shots = tuple(board.ordered())
        return cls(video_id, script_id, "pending", options, tuple(s.image_id for s in shots), at, plan=shots)

    def rendered(self, **details) -> "Video":
        if self.status != "pending":
            raise VideoRuleBroken("not_pending", f"video {self.id} is {self.status}")
        return replace(self, status="approved", details=details)

    def failed(self, error: str) -> "Video":
        if self.status != "pending":
            raise VideoRuleBroken("not_pending", f"video {self.id} is {self.status}")
        return replace(self, status="rejected", error=error)
