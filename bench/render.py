#!/usr/bin/env python3
"""Rendering speed: our FFmpeg renderer against MoviePy 2 doing the same composition, in one run.

    .venv/bin/python bench/render.py [--shots 12] [--seconds 4] [--preset veryfast] [--crf 23]

Inputs: storyboard frames at 1920x1080, `--seconds` per shot, 0.5 s crossfades, slow zoom/pan,
30 fps, libx264 with the same preset and CRF for both. Prints both wall times, the ratio,
seconds of video per second of rendering, the incremental re-render after one image changes
as a fraction of the full render, our time over a plain slideshow (no motion, no transitions:
the raw encode floor), and the peak memory of the whole process tree while we render.

Then smoothness: a test card of thin lines rendered by our renderer as one shot with zoom and
pan for each of `--smooth-seconds` (4, 12 and 30 s), decoded, each line followed frame by frame
to a fraction of a pixel; prints the RMS and the maximum deviation from a smooth path
(`tests/support/line_tracking.py`; targets RMS <= 0.1 px, max <= 0.3 px).

Each of our renders also prints the CPU it took (this process and its FFmpeg processes), per
second of video: the figure deployments are sized by (docs/scaling.md), steadier than wall
time on a shared machine. `--height 720` renders our three at 1280x720 (with `--skip-moviepy`).
Measured on the 2-core machine (load average 7-9 from other runs, so the wall times are long;
`--skip-moviepy --shots 6 --smooth-seconds 4`, 21.5 s of video):

    full render   wall s  CPU s  CPU s / video s  peak memory (process tree)
    1280x720        8.38   7.68            0.357                      387 MB
    1920x1080      22.01  17.19            0.800                      618 MB
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import resource
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from reelflow_kit.ai.image_generation import ImageRequest  # noqa: E402
from reelflow_kit.ai.local.storyboard import paint  # noqa: E402
from reelflow_video.render.cache import DirectoryCache  # noqa: E402
from reelflow_video.render.motion import Motion  # noqa: E402
from reelflow_video.render.renderer import Look, Renderer, Shot  # noqa: E402
from reelflow_video.render.timeline import ShotSpec  # noqa: E402
from tests.support.line_tracking import Smoothness, line_card, read_profiles, smoothness  # noqa: E402

SMOOTH_RMS_PX, SMOOTH_MAX_PX = 0.1, 0.3

W, H, FPS, CROSS = 1920, 1080, 30, 0.5
PLACES = [
    "HARBOR - DAWN",
    "KITCHEN - NIGHT",
    "CITY STREET - DUSK",
    "FOREST ROAD - DAY",
    "ROOFTOP - NIGHT",
    "BEACH - DAY",
    "LIBRARY - DAY",
    "MOUNTAIN PASS - DAWN",
    "SUBWAY - NIGHT",
    "DESERT - DUSK",
    "CAFE - DAY",
    "SNOWY FIELD - DAY",
]


class PeakMemory:
    """Samples the resident memory of this process and all its descendants."""

    def __init__(self) -> None:
        self.peak_kb = 0
        self.cpu_s = 0.0
        """CPU the sampling itself took (left out of the render's)."""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self.peak_kb = max(self.peak_kb, _tree_rss_kb(os.getpid()))
        self.cpu_s = time.thread_time()


class CpuTime:
    """User + system seconds of this process and the children it waited for, while inside."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def __enter__(self) -> CpuTime:
        self._start = _cpu_now()
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = _cpu_now() - self._start


def _cpu_now() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _tree_rss_kb(root: int) -> int:
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
            status = (entry / "status").read_text()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
        rss[int(entry.name)] = next(
            (int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0
        )
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, ()))
    return total


def make_images(folder: Path, count: int, attempt: int = 1) -> list[Path]:
    paths = []
    for i in range(count):
        prompt = f"EXT. {PLACES[i % len(PLACES)]}. Ada walks on, shot {i + 1}."
        path = folder / f"shot{i}-a{attempt}.png"
        path.write_bytes(paint(ImageRequest(prompt=prompt, width=W, height=H, attempt=attempt)))
        paths.append(path)
    return paths


def shots_of(images: list[Path], seconds: float) -> list[Shot]:
    return [
        Shot(ShotSpec(f"shot-{i}", hashlib.sha256(p.read_bytes()).hexdigest(), seconds), p)
        for i, p in enumerate(images)
    ]


async def ours(images, seconds, look: Look, cache: Path, work: Path, out: Path):
    renderer = Renderer(DirectoryCache(cache), work)
    return await renderer.render(shots_of(images, seconds), look, out)


def smooth_motion(folder: Path, seconds: float) -> Smoothness:
    card = folder / f"card-{seconds:g}.png"
    line_card(W, H).save(card)
    shot = Shot(ShotSpec(f"card-{seconds:g}", hashlib.sha256(card.read_bytes()).hexdigest(), seconds), card)
    look = Look(W, H, FPS, "none", 0.0, motion=True, narration=False, subtitles=False)
    out = folder / f"card-{seconds:g}.mp4"
    asyncio.run(Renderer(DirectoryCache(folder / "cache-card"), folder / "work-card").render([shot], look, out))
    return smoothness(read_profiles(out, W, H))


def moviepy_render(images: list[Path], seconds: float, preset: str, crf: int, out: Path) -> None:
    import numpy as np
    from moviepy import ImageClip, concatenate_videoclips, vfx
    from PIL import Image

    def ken_burns(clip, motion: Motion):
        def frame_at(get_frame, t):
            z = motion.zoom_from + (motion.zoom_to - motion.zoom_from) * t / seconds
            w, h = round(W * z), round(H * z)
            picture = Image.fromarray(get_frame(t)).resize((w, h), Image.BICUBIC)
            x, y = round((w - W) * motion.focus_x), round((h - H) * motion.focus_y)
            return np.asarray(picture.crop((x, y, x + W, y + H)))

        return clip.transform(frame_at)

    clips = []
    for i, path in enumerate(images):
        clip = ken_burns(ImageClip(str(path), duration=seconds), Motion.for_shot(f"shot-{i}"))
        clips.append(clip.with_effects([vfx.CrossFadeIn(CROSS)]) if i else clip)
    video = concatenate_videoclips(clips, method="compose", padding=-CROSS)
    video.write_videofile(
        str(out),
        fps=FPS,
        codec="libx264",
        preset=preset,
        audio=False,
        logger=None,
        ffmpeg_params=["-crf", str(crf), "-pix_fmt", "yuv420p"],
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shots", type=int, default=12)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--preset", default="veryfast")
    parser.add_argument("--crf", type=int, default=23)
    parser.add_argument("--skip-moviepy", action="store_true", help="only our renderer (quick runs)")
    parser.add_argument("--smooth-seconds", default="4,12,30", help="shot lengths of the smoothness test")
    parser.add_argument("--height", type=int, default=H, choices=[720, H], help="our renders' frame height")
    args = parser.parse_args()
    if args.height != H and not args.skip_moviepy:
        parser.error("--height 720 needs --skip-moviepy (MoviePy renders at 1920x1080)")
    width = args.height * 16 // 9
    tmp = Path(tempfile.mkdtemp(prefix="reelflow-bench-render-"))
    try:
        print(f"[1/6] drawing {args.shots} storyboard frames at {W}x{H}", flush=True)
        images = make_images(tmp, args.shots)
        video_s = args.shots * args.seconds - (args.shots - 1) * CROSS
        look = Look(
            width,
            args.height,
            FPS,
            "fade",
            CROSS,
            motion=True,
            narration=False,
            subtitles=False,
            preset=args.preset,
            crf=args.crf,
        )

        print("[2/6] our renderer, full render (empty cache)", flush=True)
        with PeakMemory() as memory, CpuTime() as full_cpu:
            full = asyncio.run(ours(images, args.seconds, look, tmp / "cache", tmp / "work1", tmp / "ours.mp4"))
        full_cpu.seconds -= memory.cpu_s  # the sampling thread's own

        print("[3/6] our renderer, after one image changed (cache kept)", flush=True)
        changed = list(images)
        changed[args.shots // 2] = make_images(tmp, args.shots, attempt=2)[args.shots // 2]
        with CpuTime() as again_cpu:
            again = asyncio.run(ours(changed, args.seconds, look, tmp / "cache", tmp / "work2", tmp / "ours2.mp4"))

        print("[4/6] plain slideshow: no motion, no transitions (the encode floor)", flush=True)
        floor_look = Look(
            width,
            args.height,
            FPS,
            "none",
            0.0,
            motion=False,
            narration=False,
            subtitles=False,
            preset=args.preset,
            crf=args.crf,
        )
        with CpuTime() as floor_cpu:
            floor = asyncio.run(
                ours(images, args.seconds, floor_look, tmp / "cache-floor", tmp / "work3", tmp / "floor.mp4")
            )

        moviepy_s = None
        moviepy_cpu = CpuTime()
        if not args.skip_moviepy:
            print("[5/6] MoviePy 2, same composition (this takes minutes)", flush=True)
            t = time.perf_counter()
            with moviepy_cpu:
                moviepy_render(images, args.seconds, args.preset, args.crf, tmp / "moviepy.mp4")
            moviepy_s = time.perf_counter() - t

        print()
        print(
            f"composition: {args.shots} shots x {args.seconds:g} s, {CROSS:g} s crossfades, zoom/pan, "
            f"{width}x{args.height} @ {FPS} fps, libx264 preset={args.preset} crf={args.crf}: {video_s:g} s of video"
        )
        print(f"{'':32}{'wall s':>9}{'video s/s':>11}{'cpu s':>9}{'cpu s per video s':>19}")
        rows = [
            ("ours, full render", full.seconds, full_cpu.seconds),
            ("ours, one image changed", again.seconds, again_cpu.seconds),
            ("plain slideshow (floor)", floor.seconds, floor_cpu.seconds),
        ]
        if moviepy_s:
            rows.append(("MoviePy 2", moviepy_s, moviepy_cpu.seconds))
        for name, seconds, cpu in rows:
            print(f"{name:32}{seconds:9.2f}{video_s / seconds:11.2f}{cpu:9.2f}{cpu / video_s:19.2f}")
        print()
        if moviepy_s:
            print(
                f"speed-up over MoviePy 2:            {moviepy_s / full.seconds:6.1f}x   (target >= 8x; "
                f"in CPU time {moviepy_cpu.seconds / full_cpu.seconds:.1f}x, which a busy machine moves less)"
            )
        print(
            f"incremental re-render / full render: {again.seconds / full.seconds:6.1%}  (target <= 15%; "
            f"{again.pieces_encoded} of {again.pieces} pieces encoded)"
        )
        print(f"full render / encode floor:          {full.seconds / floor.seconds:6.2f}x")
        print(f"peak memory of the render (process tree): {memory.peak_kb / 1024:.0f} MB  (target < 1024 MB)")

        print("[6/6] smooth motion", flush=True)
        print(f"smooth motion: lines of a test card followed through one shot at {W}x{H}")
        print(
            f"{'shot':>8}{'lines':>7}{'frames':>8}{'RMS px':>9}{'max px':>9}   targets RMS <= {SMOOTH_RMS_PX}, max <= {SMOOTH_MAX_PX}"
        )
        smooth = True
        for seconds in (float(s) for s in args.smooth_seconds.split(",") if s):
            measured = smooth_motion(tmp, seconds)
            ok = measured.rms_px <= SMOOTH_RMS_PX and measured.max_px <= SMOOTH_MAX_PX
            smooth &= ok
            print(
                f"{seconds:7g}s{measured.lines:7d}{measured.frames:8d}{measured.rms_px:9.3f}{measured.max_px:9.3f}"
                f"   {'ok' if ok else 'MISSED'}"
            )
        return 0 if smooth else 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
