"""FFmpeg filter graphs for one piece of the timeline, built with ffmpeg-python."""

from __future__ import annotations

from pathlib import Path

import ffmpeg

from reelflow_video.render.encoding import Encoding, ffmpeg_binary
from reelflow_video.render.motion import Motion
from reelflow_video.render.timeline import Body, Cross, Timeline


def _covered(image: Path, enc: Encoding) -> ffmpeg.nodes.FilterableStream:
    """The image made to cover the frame, once."""
    return (
        ffmpeg.input(str(image))
        .filter("scale", enc.width, enc.height, force_original_aspect_ratio="increase", flags="bicubic")
        .filter("crop", enc.width, enc.height)
        .filter("setsar", 1)
        .filter("format", "yuv420p")  # once per piece: every later filter works on 1.5 bytes a pixel
    )


def _shot_stream(
    covered: ffmpeg.nodes.FilterableStream,
    enc: Encoding,
    motion: Motion | None,
    first: int,
    frames: int,
    shot_frames: int,
) -> ffmpeg.nodes.FilterableStream:
    """`frames` frames of a shot from its frame `first`: its covering picture repeated, then (with
    motion) zoomed and panned frame by frame."""
    stream = covered.filter("loop", loop=frames - 1, size=1, start=0).filter("setpts", f"N/{enc.fps}/TB")
    if motion is not None:
        stream = (
            stream.filter(
                "scale", w=motion.scale_width_expr(enc.width, first, shot_frames), h=-2, eval="frame", flags="bilinear"
            )
            # exact: odd offsets too, so the picture moves a pixel at a time, not two
            .filter("crop", enc.width, enc.height, motion.crop_x_expr(), motion.crop_y_expr(), exact=1)
        )
    return stream.filter("setsar", 1)


def _both_covered(left: Path, right: Path, enc: Encoding) -> tuple[ffmpeg.nodes.FilterableStream, ...]:
    """The covering pictures of a transition's two shots. Two shots of one picture (the same
    file) share one input, split in two: ffmpeg-python would otherwise merge the two identical
    chains into one node feeding the transition twice, which FFmpeg refuses."""
    if left == right:
        split = _covered(left, enc).split()
        return split[0], split[1]
    return _covered(left, enc), _covered(right, enc)


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
            _covered(images[piece.shot], enc),
            enc,
            motions[piece.shot],
            piece.first,
            piece.frames,
            timeline.shot_frames[piece.shot],
        )
    else:
        left_picture, right_picture = _both_covered(images[piece.left], images[piece.right], enc)
        left = _shot_stream(
            left_picture,
            enc,
            motions[piece.left],
            piece.left_first,
            piece.frames,
            timeline.shot_frames[piece.left],
        )
        right = _shot_stream(
            right_picture, enc, motions[piece.right], 0, piece.frames, timeline.shot_frames[piece.right]
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
