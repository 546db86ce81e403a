"""How smoothly a rendered shot moves: thin lines of a test card followed to a fraction of a
pixel through the decoded frames, and their deviation from a smooth path.

The card has dark vertical lines in its top half and dark horizontal lines in its bottom half,
so each line's profile can be read across a band where no line of the other kind crosses it.
A line's position in a frame is the centroid of its darkness; its smooth path is the
least-squares quadratic of its positions over the frames (our zoom moves every point on a
straight line, so any wobble or step around that path is judder). Lines that leave the frame
are not counted.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw

from reelflow_video.render.encoding import ffmpeg_binary

BACKGROUND, INK = 200, 20
LINES = 9
SEARCH_PX = 6
"""How far a line may move between two frames and still be found again."""
HALF_WINDOW_PX = 4
"""Pixels each side of a line's darkest pixel that count towards its centroid."""


@dataclass(frozen=True)
class Smoothness:
    rms_px: float
    max_px: float
    lines: int
    frames: int


def line_card(width: int, height: int, lines: int = LINES) -> Image.Image:
    card = Image.new("RGB", (width, height), (BACKGROUND,) * 3)
    draw = ImageDraw.Draw(card)
    for k in range(1, lines + 1):
        x = round(width * k / (lines + 1))
        draw.rectangle((x, 0, x + 1, height // 2 - 8), fill=(INK,) * 3)
        y = height // 2 + round((height // 2) * k / (lines + 1))
        draw.rectangle((0, y, width, y + 1), fill=(INK,) * 3)
    return card


@dataclass(frozen=True)
class Profiles:
    """Per frame: the top half's rows averaged (vertical lines show as dips along x) and the bottom
    half's middle columns averaged (horizontal lines show as dips along y)."""

    across_rows: NDArray[np.float64]
    across_columns: NDArray[np.float64]


def read_profiles(video: Path, width: int, height: int) -> Profiles:
    """The profiles of every frame of `video`, decoded one frame at a time (a long 1080p shot
    does not fit in memory as a whole)."""
    decode = ["-v", "error", "-i", str(video), "-map", "0:v", "-f", "rawvideo", "-pix_fmt", "gray", "-"]
    command = [ffmpeg_binary(), *decode]
    rows, columns = [], []
    with subprocess.Popen(command, stdout=subprocess.PIPE) as decoder:
        assert decoder.stdout is not None
        while len(raw := decoder.stdout.read(width * height)) == width * height:
            frame = np.frombuffer(raw, np.uint8).reshape(height, width).astype(np.float64)
            rows.append(frame[height // 8 : height * 3 // 8, :].mean(axis=0))
            columns.append(frame[height // 2 :, width // 4 : width * 3 // 4].mean(axis=1))
    if decoder.returncode != 0:
        raise RuntimeError(f"ffmpeg could not decode {video}")
    return Profiles(np.array(rows), np.array(columns))


def smoothness(profiles: Profiles) -> Smoothness:
    tracks = _tracks(profiles.across_rows) + _tracks(profiles.across_columns)
    residuals = np.concatenate([_residuals(track) for track in tracks]) if tracks else np.array([np.inf])
    return Smoothness(
        rms_px=float(np.sqrt(np.mean(residuals**2))),
        max_px=float(np.max(np.abs(residuals))),
        lines=len(tracks),
        frames=len(profiles.across_rows),
    )


def _tracks(profiles: NDArray[np.float64]) -> list[NDArray[np.float64]]:
    """Each line's position in every frame, for the lines that stay well inside the frame."""
    size = profiles.shape[1]
    tracks = []
    for start in _dark_spots(profiles[0]):
        positions, at = [], start
        for profile in profiles:
            at = _centroid(profile, at)
            if at is None or not (SEARCH_PX + HALF_WINDOW_PX <= at <= size - SEARCH_PX - HALF_WINDOW_PX):
                break
            positions.append(at)
        else:
            tracks.append(np.array(positions))
    return tracks


def _dark_spots(profile: NDArray[np.float64]) -> list[float]:
    dark = profile < (BACKGROUND + INK) / 2
    starts = np.flatnonzero(dark[1:] & ~dark[:-1]) + 1
    return [float(s) for s in starts]


def _centroid(profile: NDArray[np.float64], near: float) -> float | None:
    lo, hi = max(0, round(near) - SEARCH_PX), min(len(profile), round(near) + SEARCH_PX + 1)
    darkest = lo + int(np.argmin(profile[lo:hi]))
    lo, hi = darkest - HALF_WINDOW_PX, darkest + HALF_WINDOW_PX + 1
    if lo < 0 or hi > len(profile):
        return None
    weight = np.clip(np.median(profile) - profile[lo:hi], 0, None)
    if weight.sum() <= 0:
        return None
    return float((np.arange(lo, hi) * weight).sum() / weight.sum())


def _residuals(track: NDArray[np.float64]) -> NDArray[np.float64]:
    n = np.arange(len(track), dtype=np.float64)
    path = np.polyval(np.polyfit(n, track, 2), n)
    residuals: NDArray[np.float64] = track - path
    return residuals
