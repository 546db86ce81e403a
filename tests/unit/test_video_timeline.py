"""The renderer's pure parts: timeline arithmetic, motion, subtitles and the narration track."""

from __future__ import annotations

import io
import wave

import pytest

from reelflow_video.render.motion import Motion
from reelflow_video.render.soundtrack import SAMPLE_RATE, Cue, held, narration_track, srt, subtitle_text
from reelflow_video.render.timeline import Body, Cross, ShotSpec, plan_timeline


def specs(*durations, narration=0.0):
    return [ShotSpec(f"s{i}", f"d{i}", d, narration) for i, d in enumerate(durations)]


def test_shots_overlap_by_the_transition_and_every_frame_belongs_to_one_piece():
    timeline = plan_timeline(specs(4, 4, 4), fps=30, transition_s=0.5)
    assert timeline.total_frames == 3 * 120 - 2 * 15
    assert timeline.starts == (0, 105, 210)
    assert sum(p.frames for p in timeline.pieces) == timeline.total_frames
    assert timeline.pieces == (Body(0, 0, 105), Cross(0, 105, 15), Body(1, 15, 90), Cross(1, 105, 15), Body(2, 15, 105))


def test_without_transition_shots_follow_each_other():
    timeline = plan_timeline(specs(2, 3), fps=24, transition_s=0)
    assert timeline.total_frames == 48 + 72 and all(isinstance(p, Body) for p in timeline.pieces)


def test_a_shot_lasts_at_least_its_narration():
    timeline = plan_timeline(specs(2, 2, narration=5.0), fps=30, transition_s=0.5)
    assert all(frames / 30 >= 5.0 for frames in timeline.shot_frames)


def test_a_changed_image_touches_its_body_and_the_transitions_beside_it():
    timeline = plan_timeline(specs(3, 3, 3, 3), fps=30, transition_s=0.5)
    assert len(timeline.pieces_of(1)) == 3 and len(timeline.pieces_of(3)) == 2


def test_motion_is_deterministic_per_shot_and_stays_gentle():
    assert Motion.for_shot("a") == Motion.for_shot("a")
    motion = Motion.for_shot("b")
    assert 1.0 <= min(motion.zoom_from, motion.zoom_to) and max(motion.zoom_from, motion.zoom_to) <= 1.15
    assert 0.3 <= motion.focus_x <= 0.7


@pytest.mark.parametrize(
    "text,expected",
    [
        ("Hello <i>there</i>", "Hello ‹i›there‹/i›"),
        ("{\\an8}Top", "(\\an8)Top"),
        ("two\n\nparagraphs\r\nhere", "two paragraphs here"),
        ("bell\x07 and\x00null", "bell and null"),
    ],
)
def test_user_text_in_subtitles_is_escaped(text, expected):
    assert subtitle_text(text) == expected


def test_srt_cues_are_numbered_and_timed():
    out = srt([Cue(0.2, 1.5, "One."), Cue(61.25, 62.0, "Two.")])
    assert out == "1\n00:00:00,200 --> 00:00:01,500\nOne.\n\n2\n00:01:01,250 --> 00:01:02,000\nTwo.\n"


def tone(seconds: float) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(SAMPLE_RATE)
        w.writeframes(b"\x10\x20" * round(seconds * SAMPLE_RATE))
    return out.getvalue()


def test_narration_clips_are_placed_on_a_track_as_long_as_the_video():
    track = narration_track([(1.0, tone(0.5)), (3.0, tone(0.5))], duration_s=5.0)
    with wave.open(io.BytesIO(track)) as w:
        pcm = w.readframes(w.getnframes())
        assert w.getnframes() == 5 * SAMPLE_RATE
    assert pcm[: 2 * SAMPLE_RATE] == bytes(2 * SAMPLE_RATE)  # silence before the first clip
    assert pcm[2 * SAMPLE_RATE : 2 * SAMPLE_RATE + 4] == b"\x10\x20\x10\x20"


def test_a_short_cue_stays_up_into_the_silence_after_it_but_never_over_the_next():
    cues = [Cue(2.0, 2.4, "Run."), Cue(0.0, 0.3, "Go."), Cue(0.5, 1.9, "A longer one."), Cue(5.0, 5.2, "End.")]
    assert held(cues) == [
        Cue(0.0, 0.5, "Go."),  # the next starts at 0.5
        Cue(0.5, 1.9, "A longer one."),  # long enough, and the next starts at 2.0 anyway
        Cue(2.0, 3.0, "Run."),  # a whole second of silence after it
        Cue(5.0, 6.0, "End."),
    ]
    assert held([Cue(0.0, 0.2, "Hi."), Cue(0.1, 0.6, "Overlap.")])[0] == Cue(0.0, 0.2, "Hi.")
