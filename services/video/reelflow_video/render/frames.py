"""The frames of a moving piece, drawn here and piped to the encoder as raw yuv420p.

Each frame is the shot's covering picture resampled (bilinear, at 1/32 of a pixel) at the
exact fractional window its `Motion` gives, plane by plane with OpenCV's `warpAffine` (a
millisecond or two a frame at 1080p, so the encoder's time is the render's time), into a
buffer of its own that is written to the encoder's pipe as it is. A
transition's frames carry both shots, the left one above the right one, for FFmpeg's `xfade`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

from reelflow_video.render.encoding import Encoding, ffmpeg_output
from reelflow_video.render.graph import covering_command
from reelflow_video.render.motion import Motion
from reelflow_video.render.timeline import Body, Piece, Timeline

cv2.setNumThreads(1)  # pieces are already encoded in parallel, one per core
STILL = Motion(1.0, 1.0, 0.5, 0.5)
"""No motion: every frame shows the whole picture."""

Plane = NDArray[np.uint8]


@dataclass(frozen=True)
class Picture:
    """A shot's picture covering the frame, in yuv420p planes (Y at full size, U and V at half)."""

    planes: tuple[Plane, Plane, Plane]

    @classmethod
    def from_yuv420p(cls, data: bytes, width: int, height: int) -> Picture:
        luma, chroma = width * height, (width // 2) * (height // 2)
        if len(data) != luma + 2 * chroma:
            raise ValueError(f"expected {luma + 2 * chroma} bytes of {width}x{height} yuv420p, got {len(data)}")
        flat = np.frombuffer(data, np.uint8)
        return cls(
            (
                flat[:luma].reshape(height, width),
                flat[luma : luma + chroma].reshape(height // 2, width // 2),
                flat[luma + chroma :].reshape(height // 2, width // 2),
            )
        )


async def load_picture(covering_command: list[str], enc: Encoding) -> Picture:
    """The picture FFmpeg makes to cover the frame (the same pixels as a still shot's)."""
    return Picture.from_yuv420p(await ffmpeg_output(covering_command), enc.width, enc.height)


def piece_frames(
    piece: Piece, timeline: Timeline, pictures: dict[int, Picture], motions: list[Motion | None], enc: Encoding
) -> Iterator[memoryview]:
    """The raw frames of `piece`: one shot's, or both shots' stacked for a transition."""
    if isinstance(piece, Body):
        for k in range(piece.frames):
            frame = _blank(enc, 1)
            _draw(
                frame, 0, pictures[piece.shot], motions[piece.shot], piece.first + k, timeline.shot_frames[piece.shot]
            )
            yield frame.data()
        return
    for k in range(piece.frames):
        frame = _blank(enc, 2)
        _draw(
            frame, 0, pictures[piece.left], motions[piece.left], piece.left_first + k, timeline.shot_frames[piece.left]
        )
        _draw(frame, 1, pictures[piece.right], motions[piece.right], k, timeline.shot_frames[piece.right])
        yield frame.data()


@dataclass
class _Frame:
    """One raw yuv420p frame `slots` pictures high, with a view of each slot's planes."""

    buffer: NDArray[np.uint8]
    views: list[tuple[Plane, Plane, Plane]]

    def data(self) -> memoryview:
        return self.buffer.data


def _blank(enc: Encoding, slots: int) -> _Frame:
    w, h = enc.width, enc.height
    luma, chroma = w * h * slots, (w // 2) * (h // 2) * slots
    buffer = np.empty(luma + 2 * chroma, np.uint8)
    y = buffer[:luma].reshape(h * slots, w)
    u = buffer[luma : luma + chroma].reshape(h // 2 * slots, w // 2)
    v = buffer[luma + chroma :].reshape(h // 2 * slots, w // 2)
    views = [
        (y[s * h : (s + 1) * h], u[s * h // 2 : (s + 1) * h // 2], v[s * h // 2 : (s + 1) * h // 2])
        for s in range(slots)
    ]
    return _Frame(buffer, views)


def _draw(frame: _Frame, slot: int, picture: Picture, motion: Motion | None, n: int, frames: int) -> None:
    height, width = picture.planes[0].shape
    window = (motion or STILL).window(n, frames, width, height)
    zoom = width / window.width
    for plane, target, step in zip(picture.planes, frame.views[slot], (1, 2, 2), strict=True):
        # destination pixel centre d maps to source centre window/step + (d + 0.5) / zoom - 0.5
        inverse = np.array(
            [
                [1 / zoom, 0.0, window.left / step + 0.5 / zoom - 0.5],
                [0.0, 1 / zoom, window.top / step + 0.5 / zoom - 0.5],
            ]
        )
        cv2.warpAffine(
            plane,
            inverse,
            (target.shape[1], target.shape[0]),
            dst=target,
            flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_REPLICATE,
        )


class Pictures:
    """The covering pictures of the shots being encoded, each made once and let go when the
    last piece that shows it is done (a render holds a few, not all of them)."""

    def __init__(self, timeline: Timeline, images: list[Path], enc: Encoding) -> None:
        self._images = images
        self._enc = enc
        self._users = [0] * len(images)
        for piece in timeline.pieces:
            for shot in shots_of(piece):
                self._users[shot] += 1
        self._loading: dict[int, asyncio.Task[Picture]] = {}

    async def take(self, piece: Piece) -> dict[int, Picture]:
        shots = shots_of(piece)
        for shot in shots:
            if shot not in self._loading:
                command = covering_command(self._images[shot], self._enc)
                self._loading[shot] = asyncio.ensure_future(load_picture(command, self._enc))
        return {shot: await self._loading[shot] for shot in shots}

    def give_back(self, piece: Piece) -> None:
        for shot in shots_of(piece):
            self._users[shot] -= 1
            if self._users[shot] == 0:
                self._loading.pop(shot, None)


def shots_of(piece: Piece) -> tuple[int, ...]:
    return (piece.shot,) if isinstance(piece, Body) else (piece.left, piece.right)
