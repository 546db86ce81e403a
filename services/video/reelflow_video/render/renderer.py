"""Render a video: plan the timeline, encode the pieces not already cached (in parallel), join
them without re-encoding, and mux narration and subtitles into a faststart MP4 (subtitles of at
most two lines that fit the frame's title-safe width: `soundtrack.fit_cues`, each up for a
second where the silence after it allows: `soundtrack.held`)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import ffmpeg

from reelflow_video.render.cache import PieceCache
from reelflow_video.render.cpus import usable_cpus
from reelflow_video.render.encoding import Encoding, ffmpeg_binary, run_ffmpeg
from reelflow_video.render.frames import Pictures, piece_frames
from reelflow_video.render.graph import moving_piece_command, still_piece_command
from reelflow_video.render.motion import Motion
from reelflow_video.render.progress import RenderProgress
from reelflow_video.render.soundtrack import Cue, fit_cues, held, line_limit, narration_track, srt
from reelflow_video.render.timeline import Body, Piece, ShotSpec, Timeline, plan_timeline

RENDERER_VERSION = "3"
"""Part of every cache key: bump it when the pixels a piece produces change."""


@dataclass(frozen=True)
class Shot:
    spec: ShotSpec
    image: Path
    narration_wav: bytes | None = None
    cues: tuple[Cue, ...] = ()
    """Subtitle cues, timed from the start of the shot's narration."""


@dataclass(frozen=True)
class Look:
    width: int
    height: int
    fps: int = 30
    transition: str = "fade"
    transition_s: float = 0.5
    motion: bool = True
    narration: bool = True
    subtitles: bool = True
    preset: str = "veryfast"
    crf: int = 23


@dataclass
class RenderReport:
    path: Path
    frames: int
    duration_s: float
    width: int
    height: int
    size_bytes: int
    pieces: int
    pieces_encoded: int
    seconds: float
    piece_seconds: list[float] = field(default_factory=list)


NARRATION_LEAD_S = 0.2
"""A shot's narration starts this long after the shot appears."""


class Renderer:
    def __init__(self, cache: PieceCache, workdir: Path, parallel: int | None = None) -> None:
        self._cache = cache
        self._workdir = workdir
        self._parallel = parallel or usable_cpus()

    async def render(
        self, shots: list[Shot], look: Look, out: Path, progress: RenderProgress | None = None
    ) -> RenderReport:
        """`progress`, when given, follows the encoding frame by frame and then the join."""
        progress = progress or RenderProgress()
        started = time.perf_counter()
        self._workdir.mkdir(parents=True, exist_ok=True)
        transition_s = look.transition_s if look.transition != "none" else 0.0
        timeline = plan_timeline([s.spec for s in shots], fps=look.fps, transition_s=transition_s)
        cores = usable_cpus()
        enc = Encoding(
            look.width,
            look.height,
            look.fps,
            look.preset,
            look.crf,
            threads=max(1, cores // self._parallel),  # never x264's own guess: the node's cores
        )
        motions = [Motion.for_shot(s.spec.shot_id) if look.motion else None for s in shots]
        keys = [piece_key(p, timeline, shots, motions, enc, look.transition) for p in timeline.pieces]
        paths = [self._workdir / f"{key}.mp4" for key in keys]
        gate = asyncio.Semaphore(self._parallel)
        encoded: list[float] = []
        progress.encoding(sum(p.frames for p in timeline.pieces))

        pictures = Pictures(timeline, [s.image for s in shots], enc) if look.motion else None

        async def produce(index: int, piece: Piece, key: str, path: Path) -> None:
            if path.exists() or await self._cache.fetch(key, path):
                progress.piece_at(index, piece.frames)
                return
            async with gate:
                t = time.perf_counter()
                partial = path.with_suffix(".partial.mp4")
                await self._encode(
                    piece, timeline, shots, motions, pictures, enc, look.transition, partial, index, progress
                )
                partial.rename(path)
                progress.piece_at(index, piece.frames)
                encoded.append(time.perf_counter() - t)
            await self._cache.store(key, path)

        await asyncio.gather(
            *(produce(i, p, k, path) for i, (p, k, path) in enumerate(zip(timeline.pieces, keys, paths, strict=False)))
        )
        progress.moved_to("joining")
        await self._join(timeline, shots, look, paths, out)
        return RenderReport(
            path=out,
            frames=timeline.total_frames,
            duration_s=timeline.duration_s,
            width=look.width,
            height=look.height,
            size_bytes=out.stat().st_size,
            pieces=len(keys),
            pieces_encoded=len(encoded),
            seconds=time.perf_counter() - started,
            piece_seconds=encoded,
        )

    async def _encode(
        self,
        piece: Piece,
        timeline: Timeline,
        shots: list[Shot],
        motions: list[Motion | None],
        pictures: Pictures | None,
        enc: Encoding,
        transition: str,
        out: Path,
        index: int,
        progress: RenderProgress,
    ) -> None:
        def heard(frames: int) -> None:
            progress.piece_at(index, frames)

        if pictures is None:
            await run_ffmpeg(still_piece_command(piece, [s.image for s in shots], enc, transition, out), heard)
            return
        try:
            drawn = await pictures.take(piece)
            frames = piece_frames(piece, timeline, drawn, motions, enc)
            await run_ffmpeg(moving_piece_command(piece, enc, transition, out), heard, feed=frames)
        finally:
            pictures.give_back(piece)

    async def _join(self, timeline: Timeline, shots: list[Shot], look: Look, pieces: list[Path], out: Path) -> None:
        listing = self._workdir / f"{out.stem}.concat.txt"
        lines = []
        for piece, path in zip(timeline.pieces, pieces, strict=False):
            lines += [f"file '{path}'", f"duration {piece.frames / look.fps:.6f}"]
        listing.write_text("\n".join(lines) + "\n")
        streams = [ffmpeg.input(str(listing), f="concat", safe=0)["v"]]
        args: dict[str, Any] = {"c:v": "copy", "movflags": "+faststart", "t": f"{timeline.duration_s:.6f}"}
        clips = [
            (timeline.start_s(i) + NARRATION_LEAD_S, s.narration_wav) for i, s in enumerate(shots) if s.narration_wav
        ]
        if look.narration and clips:
            wav = self._workdir / f"{out.stem}.narration.wav"
            wav.write_bytes(narration_track(clips, timeline.duration_s))
            streams.append(ffmpeg.input(str(wav))["a"])
            args.update({"c:a": "aac", "b:a": "128k"})
        cues = [
            Cue(
                timeline.start_s(i) + NARRATION_LEAD_S + c.start_s,
                timeline.start_s(i) + NARRATION_LEAD_S + c.end_s,
                c.text,
            )
            for i, s in enumerate(shots)
            for c in s.cues
        ]
        if look.subtitles and cues:
            subs = self._workdir / f"{out.stem}.srt"
            subs.write_text(srt(held(fit_cues(cues, line_limit(look.width, look.height)))), encoding="utf-8")
            streams.append(ffmpeg.input(str(subs))["s"])
            args.update({"c:s": "mov_text", "metadata:s:s:0": "language=und"})
        command = (
            ffmpeg.output(*streams, str(out), **args)
            .global_args("-hide_banner", "-loglevel", "error", "-nostdin")
            .overwrite_output()
            .compile(cmd=ffmpeg_binary())
        )
        await run_ffmpeg(command)


def piece_key(
    piece: Piece, timeline: Timeline, shots: list[Shot], motions: list[Motion | None], enc: Encoding, transition: str
) -> str:
    """Hash of everything that decides a piece's pixels."""

    def shot_part(i: int) -> dict[str, Any]:
        motion = motions[i]
        return {
            "image": shots[i].spec.image_digest,
            "frames": timeline.shot_frames[i],
            "motion": asdict(motion) if motion else None,
        }

    if isinstance(piece, Body):
        what = {"kind": "body", "shot": shot_part(piece.shot), "first": piece.first, "frames": piece.frames}
    else:
        what = {
            "kind": "cross",
            "left": shot_part(piece.left),
            "right": shot_part(piece.right),
            "left_first": piece.left_first,
            "frames": piece.frames,
            "transition": transition,
        }
    what.update({"v": RENDERER_VERSION, "enc": enc.key()})
    return hashlib.sha256(json.dumps(what, sort_keys=True).encode()).hexdigest()[:40]
