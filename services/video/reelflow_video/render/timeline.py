"""Where every frame of the video comes from: pure arithmetic on frame counts, no I/O."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class ShotSpec:
    shot_id: str
    image_digest: str
    """Content hash of the shot's image (cache keys depend on the pixels, not on ids)."""
    duration_s: float
    narration_s: float = 0.0
    """Length of the shot's spoken narration; the shot lasts at least this long."""


@dataclass(frozen=True)
class Body:
    """Frames [first, first + frames) of one shot, shown alone."""

    shot: int
    first: int
    frames: int


@dataclass(frozen=True)
class Cross:
    """The transition from shot `left` (its last `frames` frames) to shot `left + 1` (its first `frames`)."""

    left: int
    left_first: int
    frames: int

    @property
    def right(self) -> int:
        return self.left + 1


Piece = Body | Cross


@dataclass(frozen=True)
class Timeline:
    fps: int
    shot_frames: tuple[int, ...]
    transition_frames: int
    starts: tuple[int, ...]
    """The first frame of each shot in the video."""
    pieces: tuple[Piece, ...]

    @property
    def total_frames(self) -> int:
        return self.starts[-1] + self.shot_frames[-1]

    @property
    def duration_s(self) -> float:
        return self.total_frames / self.fps

    def start_s(self, shot: int) -> float:
        return self.starts[shot] / self.fps

    def pieces_of(self, shot: int) -> list[Piece]:
        """The pieces a shot's image appears in (what re-encodes when it changes)."""
        return [
            p
            for p in self.pieces
            if (isinstance(p, Body) and p.shot == shot) or (isinstance(p, Cross) and shot in (p.left, p.right))
        ]


NARRATION_TAIL_S = 0.35
"""Silence kept after a shot's narration before the next shot begins to cross in."""


def shot_frame_count(spec: ShotSpec, fps: int, transition_frames: int) -> int:
    planned = round(spec.duration_s * fps)
    spoken = math.ceil((spec.narration_s + NARRATION_TAIL_S) * fps) + transition_frames if spec.narration_s else 0
    return max(planned, spoken, 2 * transition_frames + 1, 1)


def plan_timeline(shots: list[ShotSpec], *, fps: int, transition_s: float) -> Timeline:
    """Shots follow each other, overlapping by the transition; each lasts at least its narration."""
    if not shots:
        raise ValueError("a video needs at least one shot")
    transition = round(transition_s * fps) if len(shots) > 1 else 0
    frames = tuple(shot_frame_count(s, fps, transition) for s in shots)
    starts = [0]
    for count in frames[:-1]:
        starts.append(starts[-1] + count - transition)
    pieces: list[Piece] = []
    last = len(shots) - 1
    for i, count in enumerate(frames):
        head = transition if i > 0 else 0
        tail = transition if i < last else 0
        if count - head - tail > 0:
            pieces.append(Body(shot=i, first=head, frames=count - head - tail))
        if i < last and transition:
            pieces.append(Cross(left=i, left_first=count - transition, frames=transition))
    return Timeline(
        fps=fps, shot_frames=frames, transition_frames=transition, starts=tuple(starts), pieces=tuple(pieces)
    )
