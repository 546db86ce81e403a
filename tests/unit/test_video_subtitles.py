"""Subtitles fit the frame: at most two lines a cue, each line short enough for the title-safe
width of the video's shape; a longer sentence becomes consecutive cues timed in proportion."""

from __future__ import annotations

import random

import pytest

from reelflow_contracts.messages.common import dimensions
from reelflow_video.render.soundtrack import Cue, columns, fit_cues, line_limit, srt, subtitle_pages

SENTENCE = (
    "Maya pours coffee into a chipped mug while the rain streaks the window and the radio "
    "mumbles the news of a city that never sleeps."
)
JAPANESE = "吾輩は猫である。名前はまだ無い。どこで生れたかとんと見当がつかぬ。何でも薄暗いじめじめした所で泣いていた。"


@pytest.mark.parametrize(
    "aspect,limit", [("16:9", 42), ("1:1", 29), ("9:16", 16)], ids=["landscape", "square", "vertical"]
)
@pytest.mark.parametrize("resolution", ["720p", "1080p"])
def test_a_line_holds_what_fits_the_title_safe_width_of_the_frame_and_never_over_42(aspect, limit, resolution):
    assert line_limit(*dimensions(aspect, resolution)) == limit


def test_narrower_frames_hold_fewer_characters_a_line():
    limits = [line_limit(width, 1080) for width in (4000, 1920, 1440, 1080, 810, 608, 100)]
    assert limits == sorted(limits, reverse=True) and limits[0] == 42 and limits[-1] == 10


def test_a_short_sentence_is_one_cue_of_one_line():
    assert subtitle_pages("She reads the letter.", 42) == [["She reads the letter."]]


def test_a_sentence_of_two_lines_is_broken_near_its_middle_not_before_a_lone_word():
    text = "She reads the letter twice and drops it on the kitchen table."  # 61 characters
    (lines,) = subtitle_pages(text, 42)
    assert len(lines) == 2 and " ".join(lines) == text
    assert abs(len(lines[0]) - len(lines[1])) <= 8, lines


@pytest.mark.parametrize("limit", [42, 29, 16])
def test_a_long_sentence_becomes_consecutive_cues_of_at_most_two_lines(limit):
    pages = subtitle_pages(SENTENCE, limit)
    assert len(pages) > 1
    assert all(1 <= len(lines) <= 2 for lines in pages)
    assert all(columns(line) <= limit for lines in pages for line in lines)
    assert " ".join(line for lines in pages for line in lines) == SENTENCE  # every word, in order
    assert all(len(lines) == 2 for lines in pages[:-1])  # as few cues as fit it


def test_no_cue_is_a_lone_word_when_the_cues_can_share_the_sentence():
    text = " ".join(["word"] * 17)  # 84 characters: greedily, two full lines and one left over
    pages = subtitle_pages(text, 42)
    sizes = [sum(len(line) for line in lines) for lines in pages]
    assert len(pages) == 2 and min(sizes) >= max(sizes) / 2, pages  # not 82 characters and then 4


def test_wide_characters_count_twice_and_a_line_never_starts_with_a_closing_mark():
    assert columns("猫です") == 6 and columns("cat") == 3
    pages = subtitle_pages(JAPANESE, 16)
    lines = [line for page in pages for line in page]
    assert "".join(lines) == JAPANESE
    assert all(columns(line) <= 16 for line in lines)
    assert all(len(page) <= 2 for page in pages)
    assert not any(line[0] in "。、" for line in lines), lines


def test_a_word_longer_than_a_line_is_cut_to_fit():
    address = "https://example.com/" + "a" * 60
    lines = [line for page in subtitle_pages(f"See {address} now", 16) for line in page]
    assert all(columns(line) <= 16 for line in lines)
    assert "".join(lines).replace("See", "See ", 1).replace("now", " now") == f"See {address} now"


def test_random_text_always_fits_and_keeps_every_word():
    rng = random.Random(16)
    vocabulary = ["a", "the", "harbour", "Nora", "watched,", "extraordinarily", "—", "猫", "たち", "x" * 50]
    for _ in range(300):
        text = " ".join(rng.choice(vocabulary) for _ in range(rng.randint(1, 60)))
        limit = rng.choice([10, 16, 29, 42])
        pages = subtitle_pages(text, limit)
        lines = [line for page in pages for line in page]
        assert all(1 <= len(page) <= 2 for page in pages)
        assert all(0 < columns(line) <= limit for line in lines), (text, limit, lines)
        assert "".join(lines).replace(" ", "") == text.replace(" ", "")


def test_a_split_cue_shares_its_time_in_proportion_to_characters_back_to_back():
    cues = fit_cues([Cue(2.0, 8.0, SENTENCE), Cue(8.0, 9.0, "Short.")], 29)
    first, last = cues[0], cues[-1]
    assert first.start_s == 2.0 and last == Cue(8.0, 9.0, "Short.")
    parts = cues[:-1]
    assert len(parts) == len(subtitle_pages(SENTENCE, 29)) and parts[-1].end_s == pytest.approx(8.0)
    assert all(a.end_s == b.start_s for a, b in zip(parts, parts[1:], strict=False))
    shown = [len(cue.text.replace("\n", "")) for cue in parts]
    for cue, characters in zip(parts, shown, strict=True):
        assert cue.end_s - cue.start_s == pytest.approx(6.0 * characters / sum(shown))
    assert all(cue.text.count("\n") <= 1 for cue in cues)


def test_a_cue_with_nothing_to_show_is_dropped_and_markup_is_escaped():
    cues = fit_cues([Cue(0.0, 1.0, " \n\t "), Cue(1.0, 2.0, "Hello <i>there</i>, {\\an8}friend of the harbour.")], 16)
    assert cues[0].start_s == 1.0 and cues[-1].end_s == 2.0
    text = " ".join(cue.text.replace("\n", " ") for cue in cues)
    assert text == "Hello ‹i›there‹/i›, (\\an8)friend of the harbour."
    assert all(cue.text.count("\n") <= 1 and all(columns(line) <= 16 for line in cue.text.split("\n")) for cue in cues)
    assert srt(cues).startswith("1\n00:00:01,000 --> ") and "<" not in srt(cues) and "{" not in srt(cues)


def test_srt_keeps_a_cues_line_breaks_and_drops_blank_lines():
    out = srt([Cue(0.0, 1.0, "One line\n\n\nand another"), Cue(1.0, 2.0, "\n")])
    assert out == "1\n00:00:00,000 --> 00:00:01,000\nOne line\nand another\n"
