"""FFmpeg filter graphs for one piece of the timeline, built with ffmpeg-python."""

from __future__ import annotations

from pathlib import Path

import ffmpeg

from reelflow_video.render.encoding import Encoding, ffmpeg_binary
from reelflow_video.render.timeline import Body, Cross


def _covered(image: Path, enc: Encoding) -> ffmpeg.nodes.FilterableStream:
    """The image made to cover the frame, once."""
    return (
        ffmpeg.input(str(image))
        .filter("scale", enc.width, enc.height, force_original_aspect_ratio="increase", flags="bicubic")
        .filter("crop", enc.width, enc.height)
        .filter("setsar", 1)
        .filter("format", "yuv420p")  # once per piece: every later filter works on 1.5 bytes a pixel
    )


def covering_command(image: Path, enc: Encoding) -> list[str]:
    """FFmpeg writing the image's covering picture, one raw yuv420p frame, to standard output."""
    command: list[str] = (
        _covered(image, enc)
        .output("pipe:", f="rawvideo", pix_fmt="yuv420p", vframes=1)
        .global_args("-hide_banner", "-loglevel", "error", "-nostdin")
        .compile(cmd=ffmpeg_binary())
    )
    return command


def _still(covered: ffmpeg.nodes.FilterableStream, enc: Encoding, frames: int) -> ffmpeg.nodes.FilterableStream:
    """`frames` frames of a picture that does not move."""
    return (
        covered.filter("loop", loop=frames - 1, size=1, start=0).filter("setpts", f"N/{enc.fps}/TB").filter("setsar", 1)
    )


def _both_covered(left: Path, right: Path, enc: Encoding) -> tuple[ffmpeg.nodes.FilterableStream, ...]:
    """The covering pictures of a transition's two shots. Two shots of one picture (the same
    file) share one input, split in two: ffmpeg-python would otherwise merge the two identical
    chains into one node feeding the transition twice, which FFmpeg refuses."""
    if left == right:
        split = _covered(left, enc).split()
        return split[0], split[1]
    return _covered(left, enc), _covered(right, enc)


def still_piece_command(
    piece: Body | Cross, images: list[Path], enc: Encoding, transition: str, out: Path
) -> list[str]:
    """The FFmpeg argument list that encodes `piece`, its pictures standing still, into `out`."""
    if isinstance(piece, Body):
        stream = _still(_covered(images[piece.shot], enc), enc, piece.frames)
    else:
        left, right = _both_covered(images[piece.left], images[piece.right], enc)
        stream = _transition(_still(left, enc, piece.frames), _still(right, enc, piece.frames), piece, enc, transition)
    return _encode(stream, piece, enc, out)


def moving_piece_command(piece: Body | Cross, enc: Encoding, transition: str, out: Path) -> list[str]:
    """The FFmpeg argument list that encodes `piece` into `out` from the raw frames
    `frames.piece_frames` writes to its standard input (a transition's two shots stacked)."""
    slots = 1 if isinstance(piece, Body) else 2
    raw = ffmpeg.input("pipe:", f="rawvideo", pix_fmt="yuv420p", s=f"{enc.width}x{enc.height * slots}", r=enc.fps)
    if isinstance(piece, Body):
        stream = raw.filter("setsar", 1)
    else:
        both = raw.split()
        left = both[0].filter("crop", enc.width, enc.height, 0, 0).filter("setsar", 1)
        right = both[1].filter("crop", enc.width, enc.height, 0, enc.height).filter("setsar", 1)
        stream = _transition(left, right, piece, enc, transition)
    return _encode(stream, piece, enc, out)


def _transition(
    left: ffmpeg.nodes.FilterableStream,
    right: ffmpeg.nodes.FilterableStream,
    piece: Cross,
    enc: Encoding,
    transition: str,
) -> ffmpeg.nodes.FilterableStream:
    return ffmpeg.filter([left, right], "xfade", transition=transition, duration=piece.frames / enc.fps, offset=0)


def _encode(stream: ffmpeg.nodes.FilterableStream, piece: Body | Cross, enc: Encoding, out: Path) -> list[str]:
    command: list[str] = (
        stream.output(str(out), vframes=piece.frames, **enc.video_args())
        .global_args("-hide_banner", "-loglevel", "error", "-nostdin")
        .overwrite_output()
        .compile(cmd=ffmpeg_binary())
    )
    return command
