"""The narration track and the subtitles, laid out on the timeline.

Subtitles are a soft track (`mov_text`, 3GPP timed text, in the MP4): the player draws them, at
the size and place it chooses. FFmpeg's encoder writes no text box and fixes the justification
(centred, at the bottom), and players mostly apply their own style and margins anyway (VLC and
FFmpeg-based players scale the font to the frame, Apple's apply the viewer's caption settings;
browsers show none). So what is enforced here is what the text itself decides: every cue holds
at most two lines, and a line is at most `line_limit(width, height)` characters, the length that
fits the title-safe width (the middle 90%) at a font an eighteenth of the frame's height (how
FFmpeg-based players draw it), and never over 42 for reading. A longer sentence becomes
consecutive cues, its time shared among them in proportion to their characters.
"""

from __future__ import annotations

import io
import math
import re
import unicodedata
import wave
from dataclasses import dataclass

SAMPLE_RATE = 24_000
"""Every narration clip is WAV, 24 kHz, mono, 16-bit (the narration capability's fixed format)."""


@dataclass(frozen=True)
class Cue:
    start_s: float
    end_s: float
    text: str


def narration_track(clips: list[tuple[float, bytes]], duration_s: float) -> bytes:
    """One WAV of `duration_s` with each clip (start time, WAV bytes) placed at its start; silence elsewhere."""
    total = round(duration_s * SAMPLE_RATE)
    pcm = bytearray(2 * total)
    for start_s, clip in clips:
        with wave.open(io.BytesIO(clip)) as w:
            if (w.getframerate(), w.getnchannels(), w.getsampwidth()) != (SAMPLE_RATE, 1, 2):
                raise ValueError(
                    f"narration must be {SAMPLE_RATE} Hz mono 16-bit, got "
                    f"{w.getframerate()} Hz x{w.getnchannels()} {8 * w.getsampwidth()}-bit"
                )
            samples = w.readframes(w.getnframes())
        at = 2 * round(start_s * SAMPLE_RATE)
        samples = samples[: max(0, len(pcm) - at)]
        pcm[at : at + len(samples)] = samples
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(bytes(pcm))
    return out.getvalue()


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def subtitle_text(text: str) -> str:
    """User text made safe for a subtitle cue: no control characters, no blank lines (they end a
    cue in SRT), and no markup (`<i>`, `{\\an8}` would be obeyed by players)."""
    text = _CONTROL.sub(" ", text.replace("\r", " ").replace("\n", " "))
    text = text.replace("<", "‹").replace(">", "›").replace("{", "(").replace("}", ")")
    return re.sub(r"\s+", " ", text).strip()


def srt(cues: list[Cue]) -> str:
    """SubRip text of the cues, numbered. A cue's line breaks are kept (`fit_cues` puts them), each
    line made safe with `subtitle_text`; blank lines are dropped, and so is a cue with no text."""
    blocks = []
    texts = ("\n".join(line for line in map(subtitle_text, cue.text.split("\n")) if line) for cue in cues)
    shown = [(cue, text) for cue, text in zip(cues, texts, strict=True) if text]
    for number, (cue, text) in enumerate(shown, start=1):
        blocks.append(f"{number}\n{_timestamp(cue.start_s)} --> {_timestamp(cue.end_s)}\n{text}\n")
    return "\n".join(blocks)


def _timestamp(seconds: float) -> str:
    ms = max(0, round(seconds * 1000))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d},{ms:03d}"


TITLE_SAFE_WIDTH = 0.9
"""The share of the frame's width inside the title-safe area (a 5% margin each side: SMPTE ST
2046-1 and EBU R 95 for 16:9 and other shapes)."""
FONT_HEIGHT = 1 / 18
"""The subtitle font size assumed, as a share of the frame's height: FFmpeg's default for
`mov_text` (16 px on a 288-line canvas), which FFmpeg-based players scale to the frame."""
GLYPH_WIDTH = 0.55
"""An average character's width, in font sizes (a sans-serif font's letters and spaces, outlined)."""
MAX_LINE_CHARS = 42
"""No line is longer, however wide the frame: the usual reading limit (Netflix, BBC)."""
MIN_LINE_CHARS = 10
MAX_LINES = 2


def line_limit(width: int, height: int) -> int:
    """The most characters a subtitle line holds in a `width` x `height` frame: 42 at 16:9, 29 at
    1:1, 16 at 9:16 (a wide East Asian character counts as two)."""
    fits = math.floor(TITLE_SAFE_WIDTH * width / (GLYPH_WIDTH * FONT_HEIGHT * height))
    return max(MIN_LINE_CHARS, min(MAX_LINE_CHARS, fits))


def columns(text: str) -> int:
    """How wide `text` is drawn, in characters: East Asian wide and full-width characters count two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


_NO_LINE_START = frozenset("、。，．・：；？！）」』】〉》〕｝…‥ー,.;:!?)]}")
"""Marks a line may not start with (Japanese kinsoku shori, and their Latin counterparts)."""


def _words(text: str, limit: int) -> list[tuple[str, bool]]:
    """The words of `text`, each with whether it follows the one before with a space. A word wider
    than `limit` (a long address, a sentence of unspaced Chinese or Japanese) is cut into pieces
    that fit, the pieces after the first following without a space, none starting with a closing
    mark such as 。 or a comma."""
    words: list[tuple[str, bool]] = []
    for word in text.split():
        spaced = bool(words)
        piece = ""
        for char in word:
            if piece and columns(piece + char) > limit:
                carry = ""
                if char in _NO_LINE_START and len(piece) > 1:  # a line never starts with a closing mark
                    piece, carry = piece[:-1], piece[-1]
                words.append((piece, spaced))
                piece, spaced = carry, False
            piece += char
        words.append((piece, spaced))
    return words


def _lines(words: list[tuple[str, bool]], width: int) -> list[str]:
    """Words filled into lines of at most `width` columns, in order (a line never starts with a space)."""
    lines: list[str] = []
    line = ""
    for word, spaced in words:
        joined = f"{line} {word}" if spaced and line else line + word
        if line and columns(joined) > width:
            lines.append(line)
            line = word
        else:
            line = joined
    if line:
        lines.append(line)
    return lines


def subtitle_pages(text: str, limit: int, max_lines: int = MAX_LINES) -> list[list[str]]:
    """What one spoken sentence shows, cue after cue: each cue's lines, at most `max_lines` of at
    most `limit` columns. As few cues as fit it; a sentence of one cue in as few lines as fit it;
    and then the narrowest lines that need no more, so lines and cues are of about equal length
    (no cue of a lone word after a full one)."""
    words = _words(subtitle_text(text), limit)
    if not words:
        return []

    def pages(width: int) -> list[list[str]]:
        lines = _lines(words, width)
        return [lines[i : i + max_lines] for i in range(0, len(lines), max_lines)]

    def shape(width: int) -> tuple[int, int]:
        cues = pages(width)
        return len(cues), len(cues[0]) if len(cues) == 1 else 0

    best = shape(limit)
    narrow, wide = max(columns(word) for word, _ in words), limit
    while narrow < wide:  # narrower lines never need fewer lines or cues
        middle = (narrow + wide) // 2
        if shape(middle) == best:
            wide = middle
        else:
            narrow = middle + 1
    return pages(wide)


def fit_cues(cues: list[Cue], limit: int, max_lines: int = MAX_LINES) -> list[Cue]:
    """The cues as shown: each split into `subtitle_pages` (lines joined by a line break), one
    after the other within the cue's time, each lasting in proportion to its characters. A cue
    with nothing to show is dropped."""
    fitted = []
    for cue in cues:
        pages = subtitle_pages(cue.text, limit, max_lines)
        weights = [sum(len(line) for line in lines) for lines in pages]
        total, done, span = sum(weights), 0, cue.end_s - cue.start_s
        for lines, weight in zip(pages, weights, strict=True):
            start = cue.start_s + span * done / total
            done += weight
            fitted.append(Cue(start, cue.start_s + span * done / total, "\n".join(lines)))
    return fitted


MIN_CUE_S = 1.0
"""A cue shorter than this (a short sentence, or a page of a long one in a narrow frame) stays up
into the silence after it, up to this long, so it can be read."""


def held(cues: list[Cue], min_s: float = MIN_CUE_S) -> list[Cue]:
    """`cues` in time order, each kept up at least `min_s` where the next one starts later than
    that; never over the next one."""
    ordered = sorted(cues, key=lambda cue: cue.start_s)
    out = []
    for cue, after in zip(ordered, [*ordered[1:], None], strict=True):
        end = max(cue.end_s, cue.start_s + min_s)
        if after is not None:
            end = min(end, max(cue.end_s, after.start_s))
        out.append(Cue(cue.start_s, end, cue.text))
    return out
