"""Looking inside an MP4 with the FFmpeg binary (there is no ffprobe): streams, frames, pictures."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import imageio_ffmpeg
from PIL import Image, ImageChops, ImageStat

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()


@dataclass(frozen=True)
class Probe:
    duration_s: float
    width: int
    height: int
    fps: float
    video_codec: str
    audio_codec: str | None
    has_subtitles: bool
    frames: int


def probe(path: Path) -> Probe:
    info = subprocess.run([FFMPEG, "-hide_banner", "-i", str(path)], capture_output=True, text=True).stderr
    h, m, s = re.search(r"Duration: (\d+):(\d+):([\d.]+)", info).groups()
    video = re.search(r"Video: (\w+).*?, (\d+)x(\d+).*?, ([\d.]+) fps", info)
    audio = re.search(r"Audio: (\w+)", info)
    frames, _ = imageio_ffmpeg.count_frames_and_secs(str(path))
    return Probe(
        duration_s=int(h) * 3600 + int(m) * 60 + float(s),
        width=int(video.group(2)),
        height=int(video.group(3)),
        fps=float(video.group(4)),
        video_codec=video.group(1),
        audio_codec=audio.group(1) if audio else None,
        has_subtitles="Subtitle:" in info,
        frames=frames,
    )


def frame_at(path: Path, seconds: float, size: tuple[int, int] = (64, 36)) -> Image.Image:
    raw = subprocess.run(
        [
            FFMPEG,
            "-hide_banner",
            "-loglevel",
            "error",
            "-ss",
            f"{seconds:.3f}",
            "-i",
            str(path),
            "-frames:v",
            "1",
            "-s",
            f"{size[0]}x{size[1]}",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-",
        ],
        capture_output=True,
        check=True,
    ).stdout
    return Image.frombytes("RGB", size, raw)


def distance(a: Image.Image, b: Image.Image) -> float:
    """Mean absolute difference of two small grey thumbnails (0 = identical)."""
    size = (32, 18)
    a, b = a.convert("L").resize(size), b.convert("L").resize(size)
    return ImageStat.Stat(ImageChops.difference(a, b)).mean[0]


def closest(frame: Image.Image, candidates: list[Image.Image]) -> int:
    scores = [distance(frame, c) for c in candidates]
    return scores.index(min(scores))


def subtitles(path: Path) -> list[tuple[str, str, list[str]]]:
    """The MP4's first subtitle track as (start, end, lines) per cue, read back as SubRip."""
    text = subprocess.run(
        [FFMPEG, "-hide_banner", "-loglevel", "error", "-i", str(path), "-map", "0:s:0", "-f", "srt", "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    cues = []
    for block in re.split(r"\n\s*\n", text.strip()):
        _, times, *lines = block.splitlines()
        start, end = times.split(" --> ")
        cues.append((start, end, lines))
    return cues
