"""Offline segmentation: sluglines, then headings, then paragraphs merged to a sensible length.

Scenes are cut at character offsets of the original text, so joining them gives the script
back exactly; text before the first slugline or heading (a title page, FADE IN:) belongs to
the first scene; a slugline or heading inside a Fountain note or boneyard starts no scene.
Very long paragraphs are cut at sentence ends (any script's punctuation), then at spaces, then
anywhere, so even a 200 KB single line makes scenes of a readable size.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable
from itertools import pairwise

from reelflow_contracts.messages.base import Usage
from reelflow_contracts.messages.scene import SegmentationMethod
from reelflow_kit.ai.fountain_markup import Hidden, hidden_spans
from reelflow_kit.ai.scene_headings import HEADING, SLUGLINE
from reelflow_kit.ai.segmentation import EmptyScript, Segmentation, scenes_from_cuts

BLANK_LINES = re.compile(r"\n[ \t\r\f\v]*\n\s*")
SENTENCE_END = re.compile(r"[.!?…。！？।؟][\"'”’)\]]*\s+|[。！？]")

TARGET_CHARS = 600
"""Paragraphs are merged until a scene has at least this many characters."""
MAX_CHARS = 2400
"""A paragraph-made scene is never longer than this (sluglined scenes keep their size)."""


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
            return Segmentation(scenes=scenes_from_cuts(script, _cut_points(starts)), method=method, usage=LOCAL_USAGE)
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


def _paragraph_cuts(script: str) -> list[int]:
    """Offsets where scenes start: paragraphs merged up to TARGET_CHARS, long ones split."""
    paragraph_starts = [0] + [m.end() for m in BLANK_LINES.finditer(script) if m.end() < len(script)]
    units: list[int] = []
    bounds = paragraph_starts + [len(script)]
    for a, b in pairwise(bounds):
        units.extend(_split_long(script, a, b))
    cuts = [0]
    size = 0
    for a, b in zip(units, units[1:] + [len(script)], strict=True):
        length = len(script[a:b].strip())
        if size and (size >= TARGET_CHARS or size + length > MAX_CHARS):
            cuts.append(a)
            size = 0
        size += length
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
