"""Encoder settings shared by every piece, so pieces join without re-encoding, and the FFmpeg binary."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

import imageio_ffmpeg


def ffmpeg_binary() -> str:
    """The static FFmpeg shipped in the imageio-ffmpeg wheel (libx264, xfade; no ffprobe)."""
    return imageio_ffmpeg.get_ffmpeg_exe()


@dataclass(frozen=True)
class Encoding:
    width: int
    height: int
    fps: int
    preset: str = "veryfast"
    crf: int = 23
    threads: int = 0
    """x264 threads per piece; 0 lets x264 choose (pieces already run in parallel, one per core)."""

    def video_args(self) -> dict:
        return {
            "c:v": "libx264", "preset": self.preset, "crf": self.crf, "pix_fmt": "yuv420p",
            "profile:v": "high", "r": self.fps, "g": 2 * self.fps, "bf": 2,
            "video_track_timescale": self.fps * 512, "an": None,
            **({"threads": self.threads} if self.threads else {}),
        }

    def key(self) -> str:
        return f"{self.width}x{self.height}@{self.fps}/x264-{self.preset}-crf{self.crf}"


class FFmpegFailed(RuntimeError):
    pass


async def run_ffmpeg(args: list[str]) -> None:
    """Run FFmpeg with an argument list (never a shell); raise with its error output on failure.
    Cancelled (a render past its deadline, a stopping service), it kills FFmpeg and reaps it."""
    process = await asyncio.create_subprocess_exec(
        *args, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE)
    try:
        _, stderr = await process.communicate()
    except asyncio.CancelledError:
        with contextlib.suppress(ProcessLookupError):  # it ended on its own meanwhile
            process.kill()
        await asyncio.shield(process.wait())  # reaped even if cancelled once more
        raise
    if process.returncode != 0:
        tail = stderr.decode(errors="replace").strip().splitlines()[-12:]
        raise FFmpegFailed(f"ffmpeg exited with {process.returncode}: " + " | ".join(tail))
