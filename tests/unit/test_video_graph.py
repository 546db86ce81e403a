"""The filter graph of a piece, run by the real FFmpeg on a tiny picture: a transition between
two shots of the same picture (two shots drawn alike) encodes like any other, still or moving
(a moving piece's frames drawn by `frames.piece_frames` and piped in, both shots stacked)."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from reelflow_video.render.encoding import Encoding, FFmpegFailed, ffmpeg_binary, run_ffmpeg
from reelflow_video.render.frames import Pictures, piece_frames
from reelflow_video.render.graph import moving_piece_command, still_piece_command
from reelflow_video.render.motion import Motion
from reelflow_video.render.timeline import Cross, ShotSpec, plan_timeline

ENC = Encoding(width=64, height=36, fps=10)


def frames_of(path: Path) -> int:
    probe = subprocess.run(
        [ffmpeg_binary(), "-i", str(path), "-map", "0:v", "-f", "null", "-"], capture_output=True, text=True
    )
    return int(probe.stderr.rsplit("frame=", 1)[1].split()[0])


@pytest.mark.parametrize("motion", [False, True])
@pytest.mark.parametrize("same_picture", [True, False])
def test_a_transition_encodes_whether_its_shots_share_a_picture_or_not(
    tmp_path: Path, same_picture: bool, motion: bool
) -> None:
    first, second = tmp_path / "a.png", tmp_path / "b.png"
    Image.new("RGB", (128, 72), (200, 40, 40)).save(first)
    Image.new("RGB", (128, 72), (40, 40, 200)).save(second)
    images = [first, first if same_picture else second]
    timeline = plan_timeline([ShotSpec("s1", "d1", 1.0), ShotSpec("s2", "d2", 1.0)], fps=ENC.fps, transition_s=0.5)
    [cross] = [p for p in timeline.pieces if isinstance(p, Cross)]
    out = tmp_path / "cross.mp4"
    if motion:
        motions: list[Motion | None] = [Motion.for_shot("s1"), Motion.for_shot("s2")]

        async def encode() -> None:
            pictures = await Pictures(timeline, images, ENC).take(cross)
            frames = piece_frames(cross, timeline, pictures, motions, ENC)
            await run_ffmpeg(moving_piece_command(cross, ENC, "fade", out), feed=frames)

        asyncio.run(encode())
    else:
        asyncio.run(run_ffmpeg(still_piece_command(cross, images, ENC, "fade", out)))
    assert frames_of(out) == cross.frames


def test_frames_that_cannot_be_drawn_stop_the_encoder_instead_of_leaving_it_waiting(tmp_path: Path) -> None:
    def frames():
        yield bytes(ENC.width * ENC.height * 3 // 2)
        raise ValueError("picture gone")

    command = [
        ffmpeg_binary(),
        *("-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", f"{ENC.width}x{ENC.height}", "-i", "pipe:"),
        str(tmp_path / "out.mp4"),
    ]
    with pytest.raises(ValueError, match="picture gone"):
        asyncio.run(asyncio.wait_for(run_ffmpeg(command, feed=frames()), timeout=20))


def test_an_encoder_that_fails_while_fed_reports_its_error(tmp_path: Path) -> None:
    frames = (bytes(ENC.width * ENC.height * 3 // 2) for _ in range(1000))
    command = [ffmpeg_binary(), "-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", "0x0", "-i", "pipe:", "out.mp4"]
    with pytest.raises(FFmpegFailed, match="ffmpeg exited"):
        asyncio.run(asyncio.wait_for(run_ffmpeg(command, feed=frames), timeout=20))
