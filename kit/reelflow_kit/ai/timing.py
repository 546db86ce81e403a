"""How long text takes to read aloud, how a scene's reading time is paced into shots, and how it
is shared among them.

    pacing = Pacing(max_shot_s=8.0, min_shot_s=3.0)        # REELFLOW_MAX_SHOT_S, REELFLOW_MIN_SHOT_S
    total = reading_seconds(spoken, pacing)                 # the scene's time
    sizes = group_sizes([beat seconds ...], pacing)         # consecutive beats per shot
    durations = share_duration(total, [words per shot], pacing)

Pure arithmetic, durations in tenths of a second, so shot durations add up exactly to the
scene's time.
"""

from __future__ import annotations

import bisect
import math
import re
from dataclasses import dataclass

WORDS_PER_SECOND = 2.5
"""A calm narration pace."""
MAX_SHOT_S = 8.0
"""The default longest shot: a longer passage gets more shots, not longer ones."""
MIN_SHOT_S = 3.0
"""The default shortest shot: long enough for a picture to be taken in."""
SCENE_MIN_S = 4.0
"""A scene lasts at least this long (within the shot limits): even a slugline alone is an
establishing view that can be seen."""
SHOT_S_CEILING = 120.0
"""The most a shot may last whatever the settings (ShotPlanned.duration_s)."""
MAX_SHOTS = 100
"""The most shots a scene may have (a page of shots holds them all)."""

_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")
_UNSPACED_CHARS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\u0e00-\u0e7f\uf900-\ufaff"
_UNSPACED = re.compile(f"[{_UNSPACED_CHARS}]")
"""Scripts written without spaces between words (CJK, kana, hangul, Thai): two characters read like one word."""


@dataclass(frozen=True)
class Pacing:
    """The limits a scene's shots keep to."""

    max_shot_s: float = MAX_SHOT_S
    min_shot_s: float = MIN_SHOT_S
    max_shots: int = MAX_SHOTS

    def __post_init__(self) -> None:
        if not 0 < self.min_shot_s <= self.max_shot_s / 2:
            raise ValueError(
                f"the shortest shot ({self.min_shot_s} s) must be above 0 and at most half the longest "
                f"({self.max_shot_s} s), so a passage just over the longest can be cut in two"
            )
        if self.max_shot_s > SHOT_S_CEILING:
            raise ValueError(f"the longest shot may be at most {SHOT_S_CEILING} s; got {self.max_shot_s}")
        if not 1 <= self.max_shots <= MAX_SHOTS:
            raise ValueError(f"max_shots must be 1 to {MAX_SHOTS}; got {self.max_shots}")

    @property
    def target_shot_s(self) -> float:
        """The shot length aimed at when beats are grouped: halfway between the limits."""
        return (self.min_shot_s + self.max_shot_s) / 2

    @property
    def max_words(self) -> float:
        """The most words one shot's narration takes at the reading pace."""
        return self.max_shot_s * WORDS_PER_SECOND

    @property
    def min_scene_s(self) -> float:
        return min(max(SCENE_MIN_S, self.min_shot_s), self.max_shot_s)

    @property
    def max_scene_s(self) -> float:
        """The longest a scene's planned time may be: every shot at its longest."""
        return self.max_shots * self.max_shot_s


DEFAULT_PACING = Pacing()


def word_count(text: str) -> float:
    """Words in `text`, counting each character of an unspaced script as half a word."""
    unspaced = len(_UNSPACED.findall(text))
    spaced = len(_WORD.findall(_UNSPACED.sub(" ", text)))
    return spaced + unspaced / 2


def reading_seconds(text: str, pacing: Pacing = DEFAULT_PACING) -> float:
    """A scene's time: `text` read aloud at WORDS_PER_SECOND, to 0.1 s, at least the pacing's
    `min_scene_s` (4 s) and at most its `max_scene_s` (100 shots of the longest; a longer scene's
    shots are planned shorter than read, and the video holds each for its narration)."""
    seconds = round(word_count(text) / WORDS_PER_SECOND, 1)
    return min(max(seconds, pacing.min_scene_s), pacing.max_scene_s)


def pieces_needed(seconds: float, pacing: Pacing = DEFAULT_PACING) -> int:
    """How many pieces a passage of `seconds` is cut into so no piece is longer than the longest shot."""
    return max(1, math.ceil(seconds / pacing.max_shot_s - 1e-9))


def group_sizes(lengths: list[float], pacing: Pacing = DEFAULT_PACING) -> list[int]:
    """How many consecutive items (beats, each at most `max_shot_s` long) each shot takes: cuts
    fall only between items, no shot is longer than `max_shot_s` (an item alone aside), shots
    shorter than `min_shot_s` are avoided wherever a neighbour can take them, and otherwise
    shots are as close to `target_shot_s` as the items allow (short beats are joined, a beat of
    a good length stays a shot of its own). At most `max_shots` shots: when the best grouping has
    more, items are packed as full as `max_shot_s` allows, and as a last resort the shortest
    neighbours are joined."""
    if not lengths:
        return []
    sizes = _best_grouping(lengths, pacing)
    if len(sizes) > pacing.max_shots:
        sizes = _packed(lengths, pacing.max_shot_s)
    while len(sizes) > pacing.max_shots:
        sizes = _join_shortest_neighbours(lengths, sizes)
    return sizes


def _best_grouping(lengths: list[float], pacing: Pacing) -> list[int]:
    """Dynamic programming over cut positions: the grouping of least cost (see `_cost`)."""
    count = len(lengths)
    best = [0.0] + [math.inf] * count
    back = [0] * (count + 1)
    for end in range(1, count + 1):
        total = 0.0
        for start in range(end - 1, -1, -1):
            total += lengths[start]
            if total > pacing.max_shot_s + 1e-9 and start < end - 1:
                break
            cost = best[start] + _cost(total, pacing)
            if cost < best[end]:
                best[end], back[end] = cost, start
    sizes: list[int] = []
    end = count
    while end > 0:
        sizes.append(end - back[end])
        end = back[end]
    return sizes[::-1]


def _cost(seconds: float, pacing: Pacing) -> float:
    cost = (seconds - pacing.target_shot_s) ** 2
    if seconds < pacing.min_shot_s:
        cost += 1000 * (pacing.min_shot_s - seconds + 1)
    if seconds > pacing.max_shot_s + 1e-9:
        cost += 1_000_000 * seconds
    return cost


def _packed(lengths: list[float], limit: float) -> list[int]:
    sizes, total = [0], 0.0
    for length in lengths:
        if sizes[-1] and total + length > limit + 1e-9:
            sizes.append(0)
            total = 0.0
        sizes[-1] += 1
        total += length
    return sizes


def _join_shortest_neighbours(lengths: list[float], sizes: list[int]) -> list[int]:
    sums, at = [], 0
    for size in sizes:
        sums.append(sum(lengths[at : at + size]))
        at += size
    i = min(range(len(sizes) - 1), key=lambda i: sums[i] + sums[i + 1])
    return [*sizes[:i], sizes[i] + sizes[i + 1], *sizes[i + 2 :]]


def share_duration(total_s: float, weights: list[float], pacing: Pacing = DEFAULT_PACING) -> list[float]:
    """`total_s` split into one duration per weight (the words each shot covers), in proportion to
    the weights, except that no shot gets less than `min_shot_s` or more than `max_shot_s`. In
    tenths of a second; they add up to `total_s` (raised to the minimum or lowered to the maximum
    that the number of shots allows)."""
    count = len(weights)
    if count == 0:
        raise ValueError("no shots to share the duration among")
    low, high = _tenths(pacing.min_shot_s), _tenths(pacing.max_shot_s)
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


def split_text(text: str, parts: int) -> list[str]:
    """`text` cut into `parts` pieces of about equal words. Cuts fall at a space (which joining
    the pieces with single spaces puts back, so they give `text` again), preferably after a
    clause's punctuation (`,` `;` `:` `—`) near the even point, or before a word that starts a
    clause (`and`, `which`, `because`), else at the space nearest to it, but not after a word that
    leads on (`the`, `in`, `his`: no piece ends `spread out in`) nor before `of`; text written
    without spaces is cut between its characters, preferably after its punctuation (`、`). Fewer
    pieces when there are not enough places to cut."""
    if parts <= 1 or not text:
        return [text]
    cuts = _cut_positions(text)
    prefix: list[float] = []  # words before each cut
    words, last = 0.0, 0
    for at, skip, _ in cuts:
        words += word_count(text[last:at])
        prefix.append(words)
        last = at + skip
    total = words + word_count(text[last:])
    reach = total / parts / 3  # how much farther from the even point a cut after a clause may be
    chosen: list[int] = []
    for k in range(1, parts):
        ideal, floor = total * k / parts, prefix[chosen[-1]] if chosen else 0.0
        first = chosen[-1] + 1 if chosen else 0
        near = bisect.bisect_left(prefix, ideal - 2 * reach, first)
        best, best_key = -1, math.inf
        for i in range(max(near - 1, first), len(cuts)):
            if prefix[i] > ideal + 2 * reach and best >= 0:
                break
            if not floor < prefix[i] < total:
                continue
            key = abs(prefix[i] - ideal) - reach * cuts[i][2]
            if key < best_key:
                best, best_key = i, key
        if best < 0:
            break
        chosen.append(best)
    pieces, start = [], 0
    for i in chosen:
        at, skip, _ = cuts[i]
        pieces.append(text[start:at])
        start = at + skip
    pieces.append(text[start:])
    return pieces


_CLAUSE_END = re.compile(r"[,;:—–、，；：]")
CLAUSE_OPENERS = frozenset(
    """and but or nor yet because while whereas although though which who whom whose where when until unless
    und aber oder denn sondern weil während obwohl wenn dass et mais ou donc car qui quand y pero porque""".split()
)
"""Words a clause starts with: a piece may well start with one."""
LEADING_ON = frozenset(
    """a an the and or but nor of in on at to from by with into onto upon over under about for as than that
    which who whose where when while if because his her their its my your our this these those some any every
    each no not very such is are was were be been has have had will would can could shall should may might
    must do does did der die das den dem des ein eine einen einem einer eines und oder aber im an am auf aus
    bei mit nach von vom zu zum zur für über unter vor durch um sein seine ihr ihre nicht le la les un une du
    de et ou à au aux en dans sur el los las y con por para""".split()
)
"""Words that lead on to the next: a piece should not end with one."""
BOUND_TO_WHAT_IS_BEFORE = frozenset("of".split())
"""Words that hold on to the word before them (`the extremity of the situation`)."""
_PUNCTUATION = "\"'“”‘’«»()[]"


def _cut_positions(text: str) -> list[tuple[int, int, float]]:
    """(where a piece ends, characters dropped there, how good a place to cut it is: 1 after a
    clause's punctuation, ½ before a clause's first word, -1 after a word that leads on, -½ before
    `of`, else 0) of every place `text` may be cut: each space (dropped), else between characters
    of an unspaced script."""
    spaced = [i for i, ch in enumerate(text) if ch == " " and 0 < i < len(text) - 1]
    if spaced:
        return [(i, 1, _cut_quality(text, i)) for i in spaced]
    return [
        (i, 0, 1.0 if _CLAUSE_END.match(text[i - 1]) else 0.0)
        for i in range(1, len(text))
        if _UNSPACED.match(text[i - 1]) or _UNSPACED.match(text[i])
    ]


def _cut_quality(text: str, space: int) -> float:
    if _CLAUSE_END.match(text[space - 1]):
        return 1.0
    before = text[text.rfind(" ", 0, space) + 1 : space].strip(_PUNCTUATION).lower()
    after_end = text.find(" ", space + 1)
    after = text[space + 1 : after_end if after_end >= 0 else len(text)].strip(_PUNCTUATION).lower()
    if before in LEADING_ON:
        return -1.0
    if after in BOUND_TO_WHAT_IS_BEFORE:
        return -0.5
    return 0.5 if after in CLAUSE_OPENERS else 0.0


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
