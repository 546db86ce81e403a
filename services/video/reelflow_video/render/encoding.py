"""Encoder settings shared by every piece, so pieces join without re-encoding, and the FFmpeg binary."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import imageio_ffmpeg


def ffmpeg_binary() -> str:
    """The static FFmpeg shipped in the imageio-ffmpeg wheel (libx264, xfade; no ffprobe)."""
    return str(imageio_ffmpeg.get_ffmpeg_exe())


@dataclass(frozen=True)
class Encoding:
    width: int
    height: int
    fps: int
    preset: str = "veryfast"
    crf: int = 23
    threads: int = 0
    """x264 threads per piece; 0 lets x264 choose (pieces already run in parallel, one per core)."""

    def video_args(self) -> dict[str, Any]:
        return {
            "c:v": "libx264",
            "preset": self.preset,
            "crf": self.crf,
            "pix_fmt": "yuv420p",
            "profile:v": "high",
            "r": self.fps,
            "g": 2 * self.fps,
            "bf": 2,
            "video_track_timescale": self.fps * 512,
            "an": None,
            **({"threads": self.threads} if self.threads else {}),
        }

    def key(self) -> str:
        return f"{self.width}x{self.height}@{self.fps}/x264-{self.preset}-crf{self.crf}"


class FFmpegFailed(RuntimeError):
    pass


async def run_ffmpeg(
    args: list[str], on_frames: Callable[[int], None] | None = None, feed: Iterator[bytes] | None = None
) -> None:
    """Run FFmpeg with an argument list (never a shell); raise with its error output on failure.
    With `on_frames`, FFmpeg reports its progress and `on_frames` hears each frame count. With
    `feed`, its chunks (made in a worker thread, one at a time) are written to FFmpeg's input.
    Cancelled (a render past its deadline, a stopping service), it kills FFmpeg and reaps it."""
    if on_frames is not None:
        args = [args[0], "-progress", "pipe:1", "-nostats", *args[1:]]
    if feed is not None:
        args = [arg for arg in args if arg != "-nostdin"]
    process = await asyncio.create_subprocess_exec(
        *args,
        stdin=asyncio.subprocess.PIPE if feed is not None else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE if on_frames else asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stderr is not None  # piped
        work: list[Awaitable[Any]] = [process.stderr.read()]
        if on_frames is not None:
            assert process.stdout is not None  # piped
            work.append(_read_frames(process.stdout, on_frames))
        if feed is not None:
            assert process.stdin is not None  # piped
            work.append(_write(process.stdin, feed))
        stderr, *_ = await asyncio.gather(*work)
        await process.wait()
    except asyncio.CancelledError:
        with contextlib.suppress(ProcessLookupError):  # it ended on its own meanwhile
            process.kill()
        await asyncio.shield(process.wait())  # reaped even if cancelled once more
        raise
    if process.returncode != 0:
        tail = stderr.decode(errors="replace").strip().splitlines()[-12:]
        raise FFmpegFailed(f"ffmpeg exited with {process.returncode}: " + " | ".join(tail))


async def ffmpeg_output(args: list[str]) -> bytes:
    """Run FFmpeg writing to its standard output (`pipe:`) and return what it wrote."""
    process = await asyncio.create_subprocess_exec(
        *args, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        output, stderr = await process.communicate()
    except asyncio.CancelledError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await asyncio.shield(process.wait())
        raise
    if process.returncode != 0:
        tail = stderr.decode(errors="replace").strip().splitlines()[-12:]
        raise FFmpegFailed(f"ffmpeg exited with {process.returncode}: " + " | ".join(tail))
    return output


async def _write(stdin: asyncio.StreamWriter, feed: Iterator[bytes]) -> None:
    """Every chunk of `feed` to FFmpeg, then end of input. FFmpeg stopping early (an error it
    reports itself) ends the writing quietly."""
    try:
        while (chunk := await asyncio.to_thread(next, feed, None)) is not None:
            stdin.write(chunk)
            await stdin.drain()
        stdin.close()
        await stdin.wait_closed()
    except (BrokenPipeError, ConnectionResetError):
        return


async def _read_frames(stdout: asyncio.StreamReader, on_frames: Callable[[int], None]) -> None:
    async for line in stdout:
        key, _, value = line.decode(errors="replace").strip().partition("=")
        if key == "frame" and value.isdigit():
            on_frames(int(value))
