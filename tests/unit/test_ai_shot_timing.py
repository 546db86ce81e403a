"""Reading time, pacing and how a scene's time is shared among its shots: exact, in tenths of a second."""

from __future__ import annotations

import pytest

from reelflow_kit.ai.timing import (
    MAX_SHOT_S,
    MAX_SHOTS,
    MIN_SHOT_S,
    SCENE_MIN_S,
    Pacing,
    group_sizes,
    pieces_needed,
    reading_seconds,
    share_duration,
    split_text,
    word_count,
)


def test_the_default_pacing_is_shots_of_three_to_eight_seconds_at_most_a_hundred_a_scene():
    assert (Pacing().max_shot_s, Pacing().min_shot_s, Pacing().max_shots) == (8.0, 3.0, 100)
    assert (MAX_SHOT_S, MIN_SHOT_S, MAX_SHOTS, SCENE_MIN_S) == (8.0, 3.0, 100, 4.0)


@pytest.mark.parametrize(
    "pacing",
    [
        {"max_shot_s": 8.0, "min_shot_s": 4.5},  # over half the longest
        {"max_shot_s": 121.0, "min_shot_s": 3.0},  # over the contract's ceiling
        {"max_shot_s": 8.0, "min_shot_s": 0.0},
        {"max_shots": 101},
    ],
)
def test_pacing_that_cannot_be_kept_is_refused(pacing):
    with pytest.raises(ValueError):
        Pacing(**pacing)


def test_words_are_counted_in_any_script():
    assert word_count("He said he'd be on the first-boat.") == 7
    assert word_count("Толпа собирается у фонтана.") == 4
    assert word_count("ユキは窓の外の雨を見つめている。") == 7.5  # unspaced: two characters a word


@pytest.mark.parametrize(
    "words, seconds",
    [(25, 10.0), (26, 10.4), (3, SCENE_MIN_S), (0, SCENE_MIN_S), (10_000, MAX_SHOTS * MAX_SHOT_S)],
)
def test_reading_time_is_words_at_two_and_a_half_per_second_within_bounds(words, seconds):
    assert reading_seconds(" ".join(["word"] * words)) == seconds


def test_reading_time_follows_the_pacing():
    assert reading_seconds("word " * 5_000, Pacing(max_shot_s=4.0, min_shot_s=2.0)) == 400.0
    assert reading_seconds("", Pacing(max_shot_s=20.0, min_shot_s=6.0)) == 6.0  # at least the shortest shot


def test_a_passage_is_cut_into_as_few_pieces_as_keep_each_within_the_longest_shot():
    assert [pieces_needed(s) for s in (0.5, 8.0, 8.1, 24.0, 24.1)] == [1, 1, 2, 3, 4]


def test_beats_are_grouped_into_shots_between_the_shortest_and_the_longest():
    lengths = [2.0, 2.0, 2.0, 7.0, 7.0, 1.0, 1.5, 6.0]
    sizes = group_sizes(lengths)
    assert sum(sizes) == len(lengths)
    shots, at = [], 0
    for size in sizes:
        shots.append(sum(lengths[at : at + size]))
        at += size
    assert all(MIN_SHOT_S <= s <= MAX_SHOT_S for s in shots), shots
    assert shots[:1] == [6.0]  # three short beats joined
    assert 7.0 in shots  # a beat of a good length is a shot of its own


def test_a_long_passage_gets_more_shots_not_longer_ones():
    short, long = group_sizes([4.0] * 4), group_sizes([4.0] * 40)
    assert len(long) >= 9 * len(short)
    assert max(sizes * 4.0 for sizes in long) <= MAX_SHOT_S


def test_never_more_shots_than_the_cap():
    pacing = Pacing(max_shots=10)
    sizes = group_sizes([3.1] * 25, pacing)  # 77.5 s: 10 shots of two beats each at most 8 s cannot hold them
    assert len(sizes) == 10 and sum(sizes) == 25
    assert len(group_sizes([7.9] * 10, pacing)) == 10


@pytest.mark.parametrize(
    "total, weights",
    [
        (10.0, [1, 2, 3]),
        (33.3, [7, 7, 7, 7, 7]),
        (12.0, [1, 10, 1]),
        (40.0, [1, 100, 1, 1, 1, 1]),
        (13.0, [0, 100]),
        (9.7, [0, 0, 0]),
    ],
)
def test_shares_add_up_exactly_and_stay_within_bounds(total, weights):
    shares = share_duration(total, weights)
    assert len(shares) == len(weights)
    assert round(sum(shares) * 10) == round(total * 10)
    assert all(MIN_SHOT_S <= s <= MAX_SHOT_S and round(s * 10) == s * 10 for s in shares)


def test_shares_follow_the_words_each_shot_covers():
    assert share_duration(20.0, [10, 20, 20]) == [4.0, 8.0, 8.0]
    assert share_duration(12.0, [1, 10, 1]) == [3.0, 6.0, 3.0]  # short shots are held for the minimum


def test_a_total_too_short_or_too_long_for_the_shots_is_raised_or_lowered_to_fit():
    assert share_duration(4.0, [1, 1]) == [MIN_SHOT_S, MIN_SHOT_S]
    assert share_duration(30.0, [1, 1]) == [MAX_SHOT_S, MAX_SHOT_S]


def test_text_is_cut_in_even_pieces_at_clause_breaks_and_given_back_when_joined():
    text = (
        "The ferry passes the last buoy while the gulls circle and the spray rises over the bow, "
        "and the captain, who has seen it all before, does not look up from his tea."
    )
    for parts in (1, 2, 3, 4):
        pieces = split_text(text, parts)
        assert len(pieces) == parts and " ".join(pieces) == text
        assert max(map(word_count, pieces)) - min(map(word_count, pieces)) <= 6
    assert split_text(text, 2)[0].endswith("over the bow,")
    assert split_text("Unbreakable", 3) == ["Unbreakable"]
    unspaced = "ユキは窓の外の雨を見つめている、そして長い間何も言わなかったが、やがて小さな声で歌い始めた。"
    assert "".join(split_text(unspaced, 3)) == unspaced
    assert split_text(unspaced, 3)[0].endswith("、")


def test_text_is_not_cut_after_a_word_that_leads_on_nor_before_of():
    # ascent_to_guru_peak.fountain
    text = (
        "Valleys and mountain ranges of every color and variety spread out in all directions over uncounted "
        "miles, interspersed with the light of large cities."
    )
    first, second = split_text(text, 2)
    assert f"{first} {second}" == text and first.split()[-1] not in ("in", "of", "the", "and")
    text = "He doesn't know whether to laugh for the absurd extremity of the situation or cry because he fears for his life."
    assert split_text(text, 2) == [
        "He doesn't know whether to laugh for the absurd extremity of the situation",
        "or cry because he fears for his life.",
    ]


def test_the_pacing_comes_from_reelflow_max_shot_s_and_min_shot_s(monkeypatch):
    from pydantic import ValidationError

    from reelflow_kit.ai import make_shot_planner
    from reelflow_kit.content_caps import ContentCaps
    from reelflow_scene.settings import Settings

    assert ContentCaps().pacing == Pacing()
    monkeypatch.setenv("REELFLOW_MAX_SHOT_S", "12")
    monkeypatch.setenv("REELFLOW_MIN_SHOT_S", "4")
    assert ContentCaps().pacing == Pacing(max_shot_s=12.0, min_shot_s=4.0)
    assert make_shot_planner(Settings()).pacing == Pacing(max_shot_s=12.0, min_shot_s=4.0)
    monkeypatch.setenv("REELFLOW_MIN_SHOT_S", "7")
    with pytest.raises(ValidationError, match="at most half"):
        ContentCaps()
