"""Slow zoom and pan (Ken Burns), deterministic per shot, placed to a fraction of a pixel.

A shot's frame `n` shows the window of its covering picture that is `1/zoom` of the frame,
placed so the focal point stays where it is; the zoom changes by the same amount every frame,
so every point of the picture moves along a straight line at a steady speed. Whole-pixel
scaling and cropping (FFmpeg's `zoompan`, or `scale` + `crop`) can only step a pixel at a
time, and a slow zoom then stands still for frames and jumps: the window is resampled at its
exact fractional place instead (`frames.py`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Window:
    """Where a frame is taken from, in pixels of the covering picture (top left and size)."""

    left: float
    top: float
    width: float
    height: float


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

    def window(self, frame: int, frames: int, width: int, height: int) -> Window:
        """The part of a `width` x `height` picture that frame `frame` of `frames` shows."""
        zoom = self.zoom_at(frame, frames)
        shown_w, shown_h = width / zoom, height / zoom
        return Window((width - shown_w) * self.focus_x, (height - shown_h) * self.focus_y, shown_w, shown_h)
