#!/usr/bin/env python3
"""A contact sheet of a video: frames at even intervals in a grid, as one PNG.

.venv/bin/python deploy/demo/frame_grid.py out/<video>.mp4 docs/demo-frames.png [--columns 4 --rows 3]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys

import imageio_ffmpeg
from PIL import Image

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()


def duration_of(path: str) -> float:
    info = subprocess.run([FFMPEG, "-hide_banner", "-i", path], capture_output=True, text=True).stderr
    h, m, s = re.search(r"Duration: (\d+):(\d+):([\d.]+)", info).groups()
    return int(h) * 3600 + int(m) * 60 + float(s)


def frame(path: str, at: float, width: int) -> Image.Image:
    height = width * 9 // 16
    raw = subprocess.run(
        [
            FFMPEG,
            "-hide_banner",
            "-loglevel",
            "error",
            "-ss",
            f"{at:.3f}",
            "-i",
            path,
            "-frames:v",
            "1",
            "-vf",
            f"scale={width}:{height}:force_original_aspect_ratio=decrease,pad={width}:{height}:(ow-iw)/2:(oh-ih)/2",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-",
        ],
        capture_output=True,
        check=True,
    ).stdout
    return Image.frombytes("RGB", (width, height), raw)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("video")
    parser.add_argument("out")
    parser.add_argument("--columns", type=int, default=4)
    parser.add_argument("--rows", type=int, default=3)
    parser.add_argument("--width", type=int, default=320, help="width of one frame")
    args = parser.parse_args()
    count = args.columns * args.rows
    total = duration_of(args.video)
    tiles = [frame(args.video, total * (i + 0.5) / count, args.width) for i in range(count)]
    gap = 6
    w, h = tiles[0].size
    sheet = Image.new("RGB", (args.columns * (w + gap) + gap, args.rows * (h + gap) + gap), (18, 18, 22))
    for i, tile in enumerate(tiles):
        sheet.paste(tile, (gap + (i % args.columns) * (w + gap), gap + (i // args.columns) * (h + gap)))
    sheet.save(args.out, optimize=True)
    print(f"{args.out}: {count} frames of {args.video} ({total:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
