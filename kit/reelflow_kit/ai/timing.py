"""How long text takes to read aloud, and how a scene's reading time is shared among its shots.

Pure arithmetic in tenths of a second, so shot durations add up exactly to the scene's time.
"""

from __future__ import annotations

import math
import re

WORDS_PER_SECOND = 2.5
"""A calm narration pace."""
MIN_SHOT_S = 2.5
"""No shot is shorter than this, so every picture can be seen."""
MAX_SHOT_S = 120.0
"""No shot is longer than this (ShotPlanned.duration_s)."""
MAX_SHOTS = 6

_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\u0e00-\u0e7f\uf900-\ufaff]")
"""Scripts written without spaces between words (CJK, kana, hangul, Thai): two characters read like one word."""


def word_count(text: str) -> float:
    """Words in `text`, counting each character of an unspaced script as half a word."""
    unspaced = len(_UNSPACED.findall(text))
    spaced = len(_WORD.findall(_UNSPACED.sub(" ", text)))
    return spaced + unspaced / 2


def reading_seconds(text: str) -> float:
    """A scene's estimated reading time: `text` read aloud at WORDS_PER_SECOND, to 0.1 s, at least
    MIN_SHOT_S, and at most MAX_SHOTS x MAX_SHOT_S (12 minutes; a longer scene is shown faster than read)."""
    seconds = round(word_count(text) / WORDS_PER_SECOND, 1)
    return min(max(seconds, MIN_SHOT_S), MAX_SHOTS * MAX_SHOT_S)


def shot_count(beats: int, total_s: float) -> int:
    """How many shots a scene of `beats` beats and `total_s` seconds gets: one per beat, at most
    MAX_SHOTS, and few enough that each is at least MIN_SHOT_S long."""
    return max(1, min(MAX_SHOTS, beats, math.floor(total_s / MIN_SHOT_S + 1e-9)))


def share_duration(total_s: float, weights: list[float]) -> list[float]:
    """`total_s` split into one duration per weight (the words each shot covers), in proportion to
    the weights, except that no shot gets less than MIN_SHOT_S or more than MAX_SHOT_S. In tenths
    of a second; they add up to `total_s` (raised to the minimum or lowered to the maximum that
    the number of shots allows)."""
    count = len(weights)
    if count == 0:
        raise ValueError("no shots to share the duration among")
    low, high = _tenths(MIN_SHOT_S), _tenths(MAX_SHOT_S)
    total = min(max(_tenths(total_s), count * low), count * high)
    if sum(weights) <= 0:
        weights = [1.0] * count
    pinned: dict[int, int] = {}  # shots held at the minimum or the maximum
    while True:
        free = [i for i in range(count) if i not in pinned]
        left = total - sum(pinned.values())
        weight = sum(weights[i] for i in free)
        exact = {i: left * weights[i] / weight if weight > 0 else left / len(free) for i in free}
        too_short = {i: low for i in free if exact[i] < low}
        too_long = {i: high for i in free if exact[i] > high}
        if not too_short and not too_long:
            break
        pinned.update(too_short or too_long)
        if len(pinned) == count:
            return [share / 10 for share in _topped_up([pinned[i] for i in range(count)], total, high)]
    shares = {i: math.floor(exact[i]) for i in free}
    leftover = left - sum(shares.values())
    for i in sorted(free, key=lambda i: (exact[i] - shares[i], -i), reverse=True)[:leftover]:
        shares[i] += 1
    shares.update(pinned)
    return [shares[i] / 10 for i in range(count)]


def _topped_up(shares: list[int], total: int, high: int) -> list[int]:
    """Shares raised a tenth at a time, round robin below `high`, until they add up to `total`."""
    i = 0
    while sum(shares) < total:
        if shares[i % len(shares)] < high:
            shares[i % len(shares)] += 1
        i += 1
    return shares


def _tenths(seconds: float) -> int:
    return int(round(seconds * 10))
