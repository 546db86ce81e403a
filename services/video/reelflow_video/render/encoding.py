"""Encoder settings shared by every piece, so pieces join without re-encoding, and the FFmpeg binary."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import imageio_ffmpeg

Chunk = bytes | memoryview
F_SETPIPE_SZ = getattr(fcntl, "F_SETPIPE_SZ", 1031)
PIPE_BYTES = 1 << 20
"""A fed pipe's size (Linux allows 1 MiB to anyone): a 1080p frame passes in three writes, not 48."""


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
    args: list[str], on_frames: Callable[[int], None] | None = None, feed: Iterator[Chunk] | None = None
) -> None:
    """Run FFmpeg with an argument list (never a shell); raise with its error output on failure.
    With `on_frames`, FFmpeg reports its progress and `on_frames` hears each frame count. With
    `feed`, its chunks are made and written to FFmpeg's input by one worker thread (`_pump`).
    Cancelled (a render past its deadline, a stopping service), it kills FFmpeg and reaps it."""
    if on_frames is not None:
        args = [args[0], "-progress", "pipe:1", "-nostats", *args[1:]]
    if feed is not None:
        args = [arg for arg in args if arg != "-nostdin"]
    reader, writer = os.pipe() if feed is not None else (None, None)
    try:
        process = await asyncio.create_subprocess_exec(
            *args,
            stdin=reader if reader is not None else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE if on_frames else asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
    except BaseException:
        for end in (reader, writer):
            if end is not None:
                os.close(end)
        raise
    if reader is not None:
        os.close(reader)  # FFmpeg holds it now
    try:
        assert process.stderr is not None  # piped
        work: list[Awaitable[Any]] = [process.stderr.read()]
        if on_frames is not None:
            assert process.stdout is not None  # piped
            work.append(_read_frames(process.stdout, on_frames))
        if feed is not None and writer is not None:
            work.append(asyncio.to_thread(_pump, writer, feed))
        stderr, *_ = await asyncio.gather(*work)
        await process.wait()
    except BaseException:  # cancelled, or the frames could not be drawn: FFmpeg must not wait for them
        await _kill(process)
        raise
    _check(process, stderr)


def _pump(writer: int, feed: Iterator[Chunk]) -> None:
    """Every chunk of `feed` into the pipe, then end of input, in this (worker) thread: blocking
    writes straight from the chunk's memory, no copy on the way and no event-loop round trip per
    64 KB. FFmpeg stopping early (an error it reports itself, or killed) ends it quietly."""
    try:
        with contextlib.suppress(OSError):  # not every kernel lets a pipe grow
            fcntl.fcntl(writer, F_SETPIPE_SZ, PIPE_BYTES)
        for chunk in feed:
            view = memoryview(chunk).cast("B")
            while view:
                view = view[os.write(writer, view) :]
    except BrokenPipeError:
        return
    finally:
        os.close(writer)


async def ffmpeg_output(args: list[str]) -> bytes:
    """Run FFmpeg writing to its standard output (`pipe:`) and return what it wrote."""
    process = await asyncio.create_subprocess_exec(
        *args, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        output, stderr = await process.communicate()
    except asyncio.CancelledError:
        await _kill(process)
        raise
    _check(process, stderr)
    return output


async def _kill(process: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError):  # it ended on its own meanwhile
        process.kill()
    await asyncio.shield(process.wait())  # reaped even if cancelled once more


def _check(process: asyncio.subprocess.Process, stderr: bytes) -> None:
    if process.returncode != 0:
        tail = stderr.decode(errors="replace").strip().splitlines()[-12:]
        raise FFmpegFailed(f"ffmpeg exited with {process.returncode}: " + " | ".join(tail))


async def _read_frames(stdout: asyncio.StreamReader, on_frames: Callable[[int], None]) -> None:
    async for line in stdout:
        key, _, value = line.decode(errors="replace").strip().partition("=")
        if key == "frame" and value.isdigit():
            on_frames(int(value))
