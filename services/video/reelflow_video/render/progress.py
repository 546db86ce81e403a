"""How far a render is, as one fraction of the whole: pure arithmetic, no I/O.

Preparing (images fetched, narration spoken) is the first tenth, encoding the shots' frames the
next eight tenths, joining the final MP4 and storing it the rest. Pieces found in the render
cache count as encoded at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

Step = Literal["preparing", "encoding", "joining", "storing"]

_SPANS: dict[Step, tuple[float, float]] = {
    "preparing": (0.0, 0.1),
    "encoding": (0.1, 0.9),
    "joining": (0.9, 0.95),
    "storing": (0.95, 1.0),
}


@dataclass
class RenderProgress:
    step: Step = "preparing"
    frames_total: int = 0
    on_step: Callable[[], None] = lambda: None
    """Called at every change of step (a reporter wakes up for it)."""
    _frames_by_piece: dict[int, int] = field(default_factory=dict)

    @property
    def frames_done(self) -> int:
        return sum(self._frames_by_piece.values())

    def encoding(self, frames_total: int) -> None:
        self.frames_total = frames_total
        self.moved_to("encoding")

    def piece_at(self, piece: int, frames: int) -> None:
        """Piece `piece` has `frames` frames encoded (FFmpeg's progress, or all of them when done)."""
        self._frames_by_piece[piece] = max(frames, self._frames_by_piece.get(piece, 0))

    def moved_to(self, step: Step) -> None:
        self.step = step
        self.on_step()

    @property
    def fraction(self) -> float:
        start, end = _SPANS[self.step]
        if self.step != "encoding" or self.frames_total <= 0:
            return start
        return round(start + (end - start) * min(1.0, self.frames_done / self.frames_total), 4)

    def snapshot(self) -> tuple[Step, float, int, int]:
        return self.step, self.fraction, min(self.frames_done, self.frames_total), self.frames_total
