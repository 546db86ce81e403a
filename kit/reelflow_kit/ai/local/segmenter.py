"""Offline segmentation: sluglines, then headings, then paragraphs merged to a sensible length.

Scenes are cut at character offsets of the original text, so joining them gives the script
back exactly; text before the first slugline or heading (a title page, FADE IN:) belongs to
the first scene; a slugline or heading inside a Fountain note or boneyard starts no scene. A
heading with nothing to read aloud under it (a title page, `ACT I` right over `SCENE II. A
Street.`) starts the next scene instead of one of its own.
Paragraphs are merged to about TARGET_CHARS, and a scene-break mark or a group of blank lines
starts a new scene once the current one has MIN_PIECE_CHARS. A headed scene (a book's chapter)
longer than MAX_CHARS is cut further at its breaks: scene-break
marks (`* * *`, `***`, `---`, `⁂` on a line of their own), else groups of blank lines, else
between paragraphs into pieces of about equal length, each under MAX_CHARS; the heading stays
on the first piece. A scene under a slugline is never cut (scene counts follow the sluglines).
Very long paragraphs are cut at sentence ends (any script's punctuation), then at spaces, then
anywhere, so even a 200 KB single line makes scenes of a readable size.
"""

from __future__ import annotations

import asyncio
import bisect
import re
from collections.abc import Iterable
from itertools import pairwise

from reelflow_contracts.messages.base import Usage
from reelflow_contracts.messages.scene import SegmentationMethod
from reelflow_kit.ai.fountain_markup import Hidden, hidden_spans
from reelflow_kit.ai.scene_headings import HEADING, SCENE_BREAK, SLUGLINE
from reelflow_kit.ai.script_blocks import read_blocks
from reelflow_kit.ai.segmentation import EmptyScript, SceneText, Segmentation, heading_of, scenes_from_cuts

BLANK_LINES = re.compile(r"\n[ \t\r\f\v]*\n\s*")
BLANK_LINE_GROUP = re.compile(r"\n(?:[ \t\r\f\v]*\n){2,}\s*")
"""Two or more blank lines: a break between parts of a chapter in many books."""
BREAK_MARK = re.compile(r"(?:^|(?<=\n\n))[ \t]*(?:⁂+|(?:[*\-_~•·#=][ \t]*){3,})[ \t]*(?=\n|$)")
"""A scene break (`scene_headings.SCENE_BREAK`) after a blank line (`---` right under a line of text
underlines a Markdown heading)."""
SENTENCE_END = re.compile(r"[.!?…。！？।؟][\"'”’)\]]*\s+|[。！？]")

TARGET_CHARS = 600
"""Paragraphs are merged until a scene has at least this many characters."""
MAX_CHARS = 2400
"""A paragraph-made or headed scene is never longer than this (sluglined scenes keep their size)."""
MIN_PIECE_CHARS = 200
"""A break is not cut at when it would leave a piece of a chapter shorter than this."""


LOCAL_USAGE = Usage(provider="local", model="local-segmenter-v1")


class LocalSegmenter:
    """Segmenter without network or key. Runs in a worker thread: a 200 KB script must not hold
    up the event loop (the Kafka consumer's heartbeats run on it)."""

    async def segment(self, script: str) -> Segmentation:
        return await asyncio.to_thread(segment_text, script)


def segment_text(script: str) -> Segmentation:
    """Scenes by sluglines, else headings, else paragraphs. Raises EmptyScript when there is no text."""
    if not script.strip():
        raise EmptyScript("the script is empty: there is no text to cut into scenes")
    hidden = hidden_spans(script)
    cut_by: tuple[tuple[SegmentationMethod, re.Pattern[str]], ...] = (("sluglines", SLUGLINE), ("headings", HEADING))
    for method, pattern in cut_by:
        starts = _outside(hidden, (m.start() for m in pattern.finditer(script)))
        if starts:
            cuts = _cut_points(starts)
            if method == "headings":
                cuts = _without_empty_scenes(script, cuts)
            scenes = scenes_from_cuts(script, cuts)
            if method == "headings":
                scenes = split_long_scenes(scenes)
            return Segmentation(scenes=scenes, method=method, usage=LOCAL_USAGE)
    return Segmentation(
        scenes=scenes_from_cuts(script, _paragraph_cuts(script)), method="paragraphs", usage=LOCAL_USAGE
    )


def _outside(hidden: tuple[Hidden, ...], offsets: Iterable[int]) -> list[int]:
    """The offsets (in order) that are in no note or boneyard."""
    kept, at = [], 0
    for offset in offsets:
        while at < len(hidden) and hidden[at].end <= offset:
            at += 1
        if at == len(hidden) or offset < hidden[at].start:
            kept.append(offset)
    return kept


def _cut_points(starts: list[int]) -> list[int]:
    """Cut before each heading; text before the first one stays with the first scene."""
    return [0] + starts[1:]


def _without_empty_scenes(script: str, cuts: list[int]) -> list[int]:
    """`cuts` without those that would leave a scene with nothing to read aloud: such a piece
    starts the next scene (the last one joins the scene before it)."""
    kept = [cuts[0]]
    for previous, cut in pairwise(cuts):
        if _has_something_to_read(script[previous:cut]):  # the piece since the last cut kept has nothing else
            kept.append(cut)
    if len(kept) > 1 and not _has_something_to_read(script[kept[-1] :]):
        kept.pop()
    return kept


def _has_something_to_read(text: str) -> bool:
    return any(block.kind in ("action", "dialogue") for block in read_blocks(text))


def _paragraph_cuts(script: str) -> list[int]:
    """Offsets where scenes start: paragraphs merged up to TARGET_CHARS, long ones split; a
    scene-break mark or a group of blank lines starts a new scene once the current one has
    MIN_PIECE_CHARS."""
    paragraph_starts = [0] + [m.end() for m in BLANK_LINES.finditer(script) if m.end() < len(script)]
    units: list[int] = []
    bounds = paragraph_starts + [len(script)]
    for a, b in pairwise(bounds):
        units.extend(_split_long(script, a, b))
    cuts = [0]
    size = 0
    for a, b in zip(units, units[1:] + [len(script)], strict=True):
        length = _size(script, a, b)
        at_break = size >= MIN_PIECE_CHARS and _is_break(script, a, b)
        if size and (size >= TARGET_CHARS or size + length > MAX_CHARS or at_break):
            cuts.append(a)
            size = 0
        size += length
    return cuts


def _is_break(script: str, start: int, end: int) -> bool:
    """Whether the paragraph script[start:end] is a scene-break mark or follows a group of blank lines."""
    before = script[max(0, start - 200) : start]
    blank_run = before[len(before.rstrip()) :]
    return blank_run.count("\n") >= 3 or (
        _size(script, start, end) < 40 and bool(SCENE_BREAK.fullmatch(script[start:end].strip()))
    )


def split_long_scenes(scenes: list[SceneText]) -> list[SceneText]:
    """`scenes` with each one longer than MAX_CHARS that has no slugline cut at its breaks (see
    `chapter_cuts`), renumbered from 1. Joined, the pieces are the scene's text again."""
    out: list[SceneText] = []
    for scene in scenes:
        if len(scene.text) <= MAX_CHARS or SLUGLINE.match(scene.heading):
            out.append(SceneText(order=len(out) + 1, text=scene.text, heading=scene.heading))
            continue
        for piece in scenes_from_cuts(scene.text, chapter_cuts(scene.text)):
            out.append(SceneText(order=len(out) + 1, text=piece.text, heading=heading_of(piece.text)))
    return out


def chapter_cuts(text: str) -> list[int]:
    """Where a long chapter is cut (offsets in `text`, the first 0): at its scene-break marks,
    else at groups of blank lines, else between paragraphs (a paragraph over MAX_CHARS at
    sentence ends); at each kind of break into as few pieces as keep each under MAX_CHARS, each
    cut at the break nearest to an even share of what is left, and a piece still over MAX_CHARS
    cut at the next kind of break. Never before the end of the first paragraph after the heading
    (or MIN_PIECE_CHARS into it), never leaving a piece under MIN_PIECE_CHARS."""
    return _cuts_within(text, 0, len(text), 0)


def _size(text: str, start: int, end: int) -> int:
    """len(text[start:end].strip()) without copying the text."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return end - start


def _cuts_within(text: str, start: int, end: int, level: int) -> list[int]:
    if _size(text, start, end) <= MAX_CHARS:
        return [start]
    first_allowed = _end_of_first_paragraph(text, start, end)
    places = [
        at
        for at in _break_places(text, start, end, level)
        if at > first_allowed and _size(text, at, end) >= MIN_PIECE_CHARS
    ]
    cuts = _balanced_cuts(text, start, end, places)
    if level == 2:
        return cuts
    out: list[int] = []
    for a, b in pairwise([*cuts, end]):
        out.extend(_cuts_within(text, a, b, level + 1))
    return out


def _break_places(text: str, start: int, end: int, level: int) -> list[int]:
    """Offsets where text[start:end] may be cut at this level: 0 scene-break marks (before the
    mark), 1 groups of blank lines, 2 paragraph starts and sentence ends in long paragraphs."""
    if level == 0:
        return [m.start() for m in BREAK_MARK.finditer(text, start, end)]
    if level == 1:
        return [m.end() for m in BLANK_LINE_GROUP.finditer(text, start, end) if m.end() < end]
    paragraphs = [start] + [m.end() for m in BLANK_LINES.finditer(text, start, end) if m.end() < end]
    places: list[int] = []
    for a, b in pairwise([*paragraphs, end]):
        places.extend(_split_long(text, a, b))
    return places


def _end_of_first_paragraph(text: str, start: int, end: int) -> int:
    """Where text[start:end] may first be cut: after its heading (and break marks, and a title
    page) and its first paragraph to read, or MIN_PIECE_CHARS into that paragraph if it is longer."""
    at = start
    for match in [*BLANK_LINES.finditer(text, start, end), None]:
        stop = match.start() if match else end
        paragraph = text[at:stop].strip()
        if paragraph and not SCENE_BREAK.fullmatch(paragraph) and _has_something_to_read(paragraph):
            return min(stop, at + MIN_PIECE_CHARS)
        if match is None:
            break
        at = match.end()
    return end


def _balanced_cuts(text: str, start: int, end: int, places: list[int]) -> list[int]:
    """text[start:end] cut at some of `places` (ascending) into as few pieces as keep each under
    MAX_CHARS: for n pieces, each cut at the place nearest to k/n of the way; a piece is over
    MAX_CHARS only where there is no place to cut it."""
    size = _size(text, start, end)
    if size <= MAX_CHARS or not places:
        return [start]
    for pieces in range(-(-size // MAX_CHARS), min(len(places) + 1, 4 * (-(-size // MAX_CHARS)) + 8) + 1):
        cuts = [start]
        for k in range(1, pieces):
            ideal = start + (end - start) * k / pieces
            i = bisect.bisect_left(places, ideal)
            near = [p for p in places[max(i - 1, 0) : i + 1] if p > cuts[-1]]
            if near:
                cuts.append(min(near, key=lambda p: abs(p - ideal)))
        bounds = [*cuts, end]
        if all(_size(text, a, b) <= MAX_CHARS for a, b in pairwise(bounds)):
            return cuts
    return _greedy_cuts(text, start, end, places)


def _greedy_cuts(text: str, start: int, end: int, places: list[int]) -> list[int]:
    """Each piece as long as MAX_CHARS allows (or up to the next place, where none is nearer)."""
    cuts = [start]
    first = 0
    while _size(text, cuts[-1], end) > MAX_CHARS:
        first = bisect.bisect_right(places, cuts[-1], first)
        if first == len(places):
            break
        best = places[first]
        for place in places[first:]:
            if _size(text, cuts[-1], place) > MAX_CHARS:
                break
            best = place
        cuts.append(best)
    return cuts


def _split_long(script: str, start: int, end: int) -> list[int]:
    """Start offsets of pieces of script[start:end]: a paragraph over MAX_CHARS is cut into
    pieces of about TARGET_CHARS, at a sentence end if there is one, else a space, else anywhere."""
    starts = [start]
    while end - starts[-1] > MAX_CHARS:
        begin = starts[-1]
        window = script[begin : begin + TARGET_CHARS]
        cut = _last_break(window, SENTENCE_END) or _last_break(window, re.compile(r"\s+")) or TARGET_CHARS
        starts.append(begin + cut)
    return starts


def _last_break(window: str, pattern: re.Pattern[str]) -> int:
    """The end of the last match in the second half of the window, or 0."""
    best = 0
    for m in pattern.finditer(window, len(window) // 2):
        best = m.end()
    return best if best < len(window) else 0
