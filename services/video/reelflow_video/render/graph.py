"""FFmpeg filter graphs for one piece of the timeline, built with ffmpeg-python."""

from __future__ import annotations

from pathlib import Path

import ffmpeg

from reelflow_video.render.encoding import Encoding, ffmpeg_binary
from reelflow_video.render.motion import Motion
from reelflow_video.render.timeline import Body, Cross, Timeline


def _shot_stream(
    image: Path, enc: Encoding, motion: Motion | None, first: int, frames: int, shot_frames: int
) -> ffmpeg.nodes.FilterableStream:
    """`frames` frames of a shot from its frame `first`: the image made to cover the frame once,
    repeated, then (with motion) zoomed and panned frame by frame."""
    stream = (
        ffmpeg.input(str(image))
        .filter("scale", enc.width, enc.height, force_original_aspect_ratio="increase", flags="bicubic")
        .filter("crop", enc.width, enc.height)
        .filter("setsar", 1)
        .filter("format", "yuv420p")  # once per piece: every later filter works on 1.5 bytes a pixel
        .filter("loop", loop=frames - 1, size=1, start=0)
        .filter("setpts", f"N/{enc.fps}/TB")
    )
    if motion is not None:
        stream = (
            stream.filter(
                "scale", w=motion.scale_width_expr(enc.width, first, shot_frames), h=-2, eval="frame", flags="bilinear"
            )
            # exact: odd offsets too, so the picture moves a pixel at a time, not two
            .filter("crop", enc.width, enc.height, motion.crop_x_expr(), motion.crop_y_expr(), exact=1)
        )
    return stream.filter("setsar", 1)


def piece_command(
    piece: Body | Cross,
    timeline: Timeline,
    images: list[Path],
    motions: list[Motion | None],
    enc: Encoding,
    transition: str,
    out: Path,
) -> list[str]:
    """The FFmpeg argument list that encodes `piece` into `out`."""
    if isinstance(piece, Body):
        stream = _shot_stream(
            images[piece.shot], enc, motions[piece.shot], piece.first, piece.frames, timeline.shot_frames[piece.shot]
        )
    else:
        left = _shot_stream(
            images[piece.left],
            enc,
            motions[piece.left],
            piece.left_first,
            piece.frames,
            timeline.shot_frames[piece.left],
        )
        right = _shot_stream(
            images[piece.right], enc, motions[piece.right], 0, piece.frames, timeline.shot_frames[piece.right]
        )
        stream = ffmpeg.filter([left, right], "xfade", transition=transition, duration=piece.frames / enc.fps, offset=0)
    args = enc.video_args()
    command: list[str] = (
        stream.output(str(out), vframes=piece.frames, **args)
        .global_args("-hide_banner", "-loglevel", "error", "-nostdin")
        .overwrite_output()
        .compile(cmd=ffmpeg_binary())
    )
    return command
