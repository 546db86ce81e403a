"""Slow zoom and pan (Ken Burns) as FFmpeg expressions, deterministic per shot.

Each frame is scaled (bicubic) to an even width that grows by whole pixels and cropped back to
the output size around a focal point, so the image moves steadily in one direction without
the rounding jitter of `zoompan`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Motion:
    zoom_from: float
    zoom_to: float
    focus_x: float
    focus_y: float

    @classmethod
    def for_shot(cls, shot_id: str) -> Motion:
        digest = hashlib.sha256(shot_id.encode()).digest()
        zoom_in = digest[0] % 2 == 0
        amount = 0.08 + (digest[1] / 255) * 0.06
        fx = 0.3 + (digest[2] / 255) * 0.4
        fy = 0.35 + (digest[3] / 255) * 0.3
        return cls(1.0, 1.0 + amount, fx, fy) if zoom_in else cls(1.0 + amount, 1.0, fx, fy)

    def zoom_at(self, frame: int, frames: int) -> float:
        progress = frame / max(1, frames - 1)
        return self.zoom_from + (self.zoom_to - self.zoom_from) * progress

    def scale_width_expr(self, width: int, offset: int, frames: int) -> str:
        """Width of frame `n` of a piece starting at shot frame `offset` (even, at least `width`)."""
        slope = (self.zoom_to - self.zoom_from) / max(1, frames - 1)
        return f"max({width},2*trunc({width}*({self.zoom_from:.6f}+{slope:.9f}*(n+{offset}))/2+0.5))"

    def crop_x_expr(self) -> str:
        return f"trunc((iw-ow)*{self.focus_x:.4f}+0.5)"

    def crop_y_expr(self) -> str:
        return f"trunc((ih-oh)*{self.focus_y:.4f}+0.5)"
