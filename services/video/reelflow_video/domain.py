"""The video service's rules, pure: which shots a script has, whether it can be rendered, when a
request for a video is decided, and a video's life.

Render readiness lives here and nowhere else (the gateway shows what this service answers):
every scene of the script has all its shots planned and every shot has an approved image.

A CreateVideo names what its sender saw (planned shots, approved images). This service's
storyboard is fed by events from other topics, so it may be a moment behind the sender: the
request is decided at once when the storyboard has caught up with what the sender saw
(`Storyboard.caught_up`), and otherwise waits, unannounced (`waiting`), until the storyboard
catches up or its deadline passes, whichever comes first; `decide` is that decision. A video is then `pending` until it
is rendered (`approved`) or rendering fails for good (`rejected`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from reelflow_kit.domain import RuleBroken


class Status(StrEnum):
    WAITING = "waiting"
    """Asked for while the storyboard was behind the sender; not decided, not announced."""
    PENDING = "pending"
    """Accepted (VideoRequested): rendering."""
    APPROVED = "approved"
    """Rendered and stored (VideoRendered)."""
    REJECTED = "rejected"
    """Rendering failed for good (VideoFailed)."""


class NotSegmented(RuleBroken):
    code = "not_segmented"


class ImagesMissing(RuleBroken):
    code = "images_missing"

    def __init__(self, missing: Missing) -> None:
        super().__init__(f"cannot render yet: {missing.reason()}")
        self.missing = missing


class NotPending(RuleBroken):
    code = "not_pending"


class NotWaiting(RuleBroken):
    code = "not_waiting"


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
    """Planned shots without an approved image, in video order."""
    unplanned_scene_ids: tuple[str, ...]
    """Scenes without all their shots planned, in script order."""

    def __bool__(self) -> bool:
        return bool(self.shots or self.unplanned_scene_ids)

    def reason(self) -> str:
        parts = []
        if self.unplanned_scene_ids:
            parts.append(f"{len(self.unplanned_scene_ids)} scene(s) have no planned shots yet")
        if self.shots:
            parts.append(f"{len(self.shots)} shot(s) have no approved image")
        return "; ".join(parts) or "nothing is missing"


NOTHING_MISSING = Missing((), ())


@dataclass(frozen=True)
class Storyboard:
    """Everything the video service knows of one script's shots, built from events."""

    script_id: str
    scene_ids: tuple[str, ...]
    """Every scene of the script in order (from ScriptSegmented); empty until segmented."""
    shots: tuple[PlannedShot, ...]
    known_image_ids: frozenset[str] = frozenset()
    """Every image ever approved for one of the planned shots (the current ones and those they replaced)."""
    waiting: tuple[str, ...] = ()
    """The videos whose request waits for this storyboard to catch up."""

    def ordered(self) -> list[PlannedShot]:
        return sorted(self.shots, key=lambda s: (s.scene_order, s.order))

    def _shots_by_scene(self) -> dict[str, list[PlannedShot]]:
        by_scene: dict[str, list[PlannedShot]] = {}
        for shot in self.shots:
            by_scene.setdefault(shot.scene_id, []).append(shot)
        return by_scene

    def _partly_planned(self) -> list[str]:
        return [scene for scene, shots in self._shots_by_scene().items() if len(shots) < shots[0].shot_count]

    def missing(self) -> Missing:
        planned = self._shots_by_scene()
        unplanned = [scene for scene in self.scene_ids if scene not in planned] + self._partly_planned()
        without_image = tuple(s for s in self.ordered() if s.image_key is None)
        return Missing(without_image, tuple(dict.fromkeys(unplanned)))

    def caught_up(self, seen: Seen) -> bool:
        """Whether this storyboard is at least where the sender of a CreateVideo was, who saw
        `seen`: the script is segmented, every shot the sender saw is planned here and every image
        it saw has been approved here for a planned shot, and no scene is planned only in part (a
        scene's shots are planned together, so a part means the rest is on its way)."""
        return (
            bool(self.scene_ids)
            and set(seen.shot_ids) <= {s.shot_id for s in self.shots}
            and set(seen.image_ids) <= self.known_image_ids
            and not self._partly_planned()
        )


# -- the decision --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seen:
    """What the sender of a CreateVideo saw of the script: its planned shots, their approved images."""

    shot_ids: tuple[str, ...] = ()
    image_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Accepted:
    plan: tuple[PlannedShot, ...]
    """The shots with their approved images, in video order."""


@dataclass(frozen=True)
class Refused:
    rule: RuleBroken
    missing: Missing = NOTHING_MISSING


@dataclass(frozen=True)
class Undecided:
    """The storyboard has not caught up with the sender yet: wait for it, or for the deadline."""


Decision = Accepted | Refused | Undecided


def decide(board: Storyboard, seen: Seen, *, deadline_passed: bool) -> Decision:
    """The readiness rule. Undecided while the storyboard is behind what the sender saw and the
    deadline has not passed; then, with what the storyboard holds: refused while the script has no
    scenes (`not_segmented`) or anything is missing (`images_missing`, with what), else accepted."""
    if not deadline_passed and not board.caught_up(seen):
        return Undecided()
    if not board.scene_ids:
        return Refused(NotSegmented(f"script {board.script_id} has no scenes yet"))
    missing = board.missing()
    if missing:
        return Refused(ImagesMissing(missing), missing)
    return Accepted(tuple(board.ordered()))


# -- the video -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """The CreateVideo a video answers: the command (its answer, however late, is caused by it),
    what its sender saw, and, while it waits, by when it is decided at the latest."""

    command_id: str
    command_type: str
    correlation_id: str
    seen: Seen
    decide_by: datetime | None = None


@dataclass(frozen=True)
class Video:
    id: str
    script_id: str
    status: Status
    options: dict[str, Any]
    image_ids: tuple[str, ...]
    """The approved images it renders, in order (empty while waiting)."""
    requested_at: datetime
    plan: tuple[PlannedShot, ...] = ()
    """The shots and approved images as they were when the video was accepted, in order."""
    error: str | None = None
    details: dict[str, Any] = field(default_factory=dict[str, Any])
    request: Request | None = None
    """While waiting: the request to answer."""

    @classmethod
    def asked(cls, video_id: str, script_id: str, options: dict[str, Any], request: Request, at: datetime) -> Video:
        """A video just asked for, not decided yet."""
        return cls(video_id, script_id, Status.WAITING, options, (), at, request=request)

    def waiting_until(self, deadline: datetime) -> Video:
        assert self.request is not None
        return replace(self, request=replace(self.request, decide_by=deadline))

    def accepted(self, plan: tuple[PlannedShot, ...]) -> Video:
        if self.status is not Status.WAITING:
            raise NotWaiting(f"video {self.id} is {self.status.value}, it was decided before")
        return replace(
            self,
            status=Status.PENDING,
            plan=plan,
            image_ids=tuple(s.image_id for s in plan if s.image_id is not None),
            request=None,
        )

    def rendered(self, **details: object) -> Video:
        if self.status is not Status.PENDING:
            raise NotPending(f"video {self.id} is {self.status.value}")
        return replace(self, status=Status.APPROVED, details=dict(details))

    def failed(self, error: str) -> Video:
        if self.status is not Status.PENDING:
            raise NotPending(f"video {self.id} is {self.status.value}")
        return replace(self, status=Status.REJECTED, error=error)
