"""Reading time and how a scene's time is shared among its shots: exact, in tenths of a second."""

from __future__ import annotations

import pytest

from reelflow_kit.ai.timing import (
    MAX_SHOT_S,
    MAX_SHOTS,
    MIN_SHOT_S,
    reading_seconds,
    share_duration,
    shot_count,
    word_count,
)


def test_words_are_counted_in_any_script():
    assert word_count("He said he'd be on the first-boat.") == 7
    assert word_count("Толпа собирается у фонтана.") == 4
    assert word_count("ユキは窓の外の雨を見つめている。") == 7.5  # unspaced: two characters a word


@pytest.mark.parametrize(
    "words, seconds", [(25, 10.0), (26, 10.4), (3, MIN_SHOT_S), (0, MIN_SHOT_S), (10_000, MAX_SHOTS * MAX_SHOT_S)]
)
def test_reading_time_is_words_at_two_and_a_half_per_second_within_bounds(words, seconds):
    assert reading_seconds(" ".join(["word"] * words)) == seconds


def test_shot_count_is_one_per_beat_at_most_six_and_never_shorter_than_the_minimum():
    assert shot_count(beats=3, total_s=30.0) == 3
    assert shot_count(beats=20, total_s=300.0) == MAX_SHOTS
    assert shot_count(beats=5, total_s=6.0) == 2
    assert shot_count(beats=5, total_s=2.5) == 1


@pytest.mark.parametrize(
    "total, weights",
    [
        (10.0, [1, 2, 3]),
        (33.3, [7, 7, 7]),
        (12.0, [1, 10, 1]),
        (719.9, [1, 100, 1, 1, 1, 1]),
        (130.0, [0, 100]),
        (7.7, [0, 0, 0]),
    ],
)
def test_shares_add_up_exactly_and_stay_within_bounds(total, weights):
    shares = share_duration(total, weights)
    assert len(shares) == len(weights)
    assert round(sum(shares) * 10) == round(total * 10)
    assert all(MIN_SHOT_S <= s <= MAX_SHOT_S and round(s * 10) == s * 10 for s in shares)


def test_shares_follow_the_words_each_shot_covers():
    assert share_duration(20.0, [10, 20, 20]) == [4.0, 8.0, 8.0]
    assert share_duration(12.0, [1, 10, 1]) == [2.5, 7.0, 2.5]  # short shots are held for the minimum


def test_a_total_too_short_for_the_shots_is_raised_to_their_minimum():
    assert share_duration(4.0, [1, 1]) == [MIN_SHOT_S, MIN_SHOT_S]
