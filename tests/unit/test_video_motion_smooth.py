"""Motion is smooth to a fraction of a pixel: thin lines of a test card, rendered as a shot with
zoom and pan by the real renderer (real FFmpeg), decoded and followed frame by frame, keep to a
smooth path (RMS <= 0.1 px, max <= 0.3 px). The measure itself is checked on a card moved in
whole-pixel steps, the judder the renderer used to have."""

from __future__ import annotations

import asyncio
import hashlib
import subprocess
from pathlib import Path

import numpy as np
import pytest

from reelflow_video.render.cache import DirectoryCache
from reelflow_video.render.encoding import ffmpeg_binary
from reelflow_video.render.motion import Motion
from reelflow_video.render.renderer import Look, Renderer, Shot
from reelflow_video.render.timeline import ShotSpec
from tests.support.line_tracking import line_card, read_profiles, smoothness

W, H, FPS = 640, 360, 30


def rendered_card(tmp_path: Path, seconds: float, shot_id: str) -> Path:
    card = tmp_path / "card.png"
    line_card(W, H).save(card)
    shot = Shot(ShotSpec(shot_id, hashlib.sha256(card.read_bytes()).hexdigest(), seconds), card)
    look = Look(W, H, FPS, "none", 0.0, motion=True, narration=False, subtitles=False)
    out = tmp_path / "shot.mp4"
    asyncio.run(Renderer(DirectoryCache(tmp_path / "cache"), tmp_path / "work").render([shot], look, out))
    return out


@pytest.mark.parametrize(("seconds", "shot_id"), [(4.0, "shot-zooming-in"), (12.0, "shot-zooming-out")])
def test_lines_of_a_rendered_card_move_smoothly(tmp_path: Path, seconds: float, shot_id: str) -> None:
    motion = Motion.for_shot(shot_id)
    assert motion.zoom_to != motion.zoom_from
    measured = smoothness(read_profiles(rendered_card(tmp_path, seconds, shot_id), W, H))
    assert measured.frames == round(seconds * FPS)
    assert measured.lines >= 10  # most lines stay in the frame through a gentle zoom
    assert measured.rms_px <= 0.1
    assert measured.max_px <= 0.3


def test_the_lines_really_move(tmp_path: Path) -> None:
    profiles = read_profiles(rendered_card(tmp_path, 4.0, "shot-zooming-in"), W, H)
    first, last = (np.argmin(profiles.across_rows[i][: W // 6]) for i in (0, -1))
    assert abs(int(first) - int(last)) >= 3


def test_whole_pixel_steps_are_measured_as_judder(tmp_path: Path) -> None:
    """A card shifted a whole pixel every third frame (what `scale` + `crop` did) fails the bar."""
    card = np.asarray(line_card(W + 64, H).convert("L"))
    frames = b"".join(card[:, n // 3 : n // 3 + W].tobytes() for n in range(120))
    out = tmp_path / "steps.mp4"
    subprocess.run(
        [ffmpeg_binary(), "-v", "error", "-f", "rawvideo", "-pix_fmt", "gray", "-s", f"{W}x{H}", "-r", str(FPS)]
        + ["-i", "-", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-crf", "23", str(out)],
        input=frames,
        check=True,
    )
    measured = smoothness(read_profiles(out, W, H))
    assert measured.lines >= 10
    assert measured.rms_px > 0.1 and measured.max_px > 0.3  # fails both bars the renderer meets
