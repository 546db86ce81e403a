"""A render's progress as one fraction: preparing, then frames encoded, then joining and storing."""

import pytest

from reelflow_video.render.progress import RenderProgress


def test_preparing_is_the_start():
    progress = RenderProgress()
    assert progress.snapshot() == ("preparing", 0.0, 0, 0)


def test_encoding_counts_the_frames_of_every_piece_once():
    progress = RenderProgress()
    progress.encoding(frames_total=200)
    progress.piece_at(0, 50)
    progress.piece_at(1, 30)
    progress.piece_at(0, 40)  # an older report of piece 0 never takes it back
    assert progress.frames_done == 80
    assert progress.fraction == pytest.approx(0.1 + 0.8 * 80 / 200)
    progress.piece_at(0, 100)
    progress.piece_at(1, 100)
    assert progress.snapshot() == ("encoding", 0.9, 200, 200)


def test_more_frames_than_planned_never_pass_the_end_of_encoding():
    progress = RenderProgress()
    progress.encoding(frames_total=10)
    progress.piece_at(0, 12)  # FFmpeg may count a frame or two past a piece's end
    assert progress.fraction == 0.9
    assert progress.snapshot()[2] == 10


def test_joining_and_storing_follow_encoding():
    progress = RenderProgress()
    progress.encoding(frames_total=10)
    progress.piece_at(0, 10)
    progress.moved_to("joining")
    assert progress.fraction == 0.9
    progress.moved_to("storing")
    assert progress.fraction == 0.95
