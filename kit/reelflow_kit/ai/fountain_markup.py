"""Fountain's inline markup: notes `[[...]]`, boneyard `/* ... */` and emphasis.

Notes and boneyard are hidden text: the writer's, never the film's. `hidden_spans` finds them
(a boneyard left open runs to the end; a `*/` before any `/*` closes a boneyard opened before
the text begins, as in a scene cut out of a longer script); `Visible` is the text without them,
with the offset in the original text of every character left. Emphasis (`*italic*`,
`**bold**`, `***bold italic***`, `_underline_`) never spans a line break; `\\*` and `\\_` are
the characters themselves. Pure: no I/O.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from typing import Literal

HiddenKind = Literal["note", "boneyard"]

_OPENER = re.compile(r"/\*|\[\[")
_EMPTY_LINE = re.compile(r"\n[ \t]?\r?\n")
"""A note cannot hold an empty line (the specification asks for two spaces on a line kept empty)."""
_EMPHASIS = (
    re.compile(r"\*\*\*(?=\S)(.+?)(?<=\S)\*\*\*"),
    re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*"),
    re.compile(r"\*(?=\S)(.+?)(?<=\S)\*"),
    re.compile(r"(?<![^\W_])_(?=\S)(.+?)(?<=\S)_(?![^\W_])"),
)
_ESCAPE = re.compile(r"\\([*_\\])")
_STAND_IN_BASE = 0xE000
_STAND_IN = re.compile("[\ue000-\ue07f]")
"""Escaped characters stand in as private-use characters while the emphasis is removed."""


@dataclass(frozen=True)
class Hidden:
    kind: HiddenKind
    start: int
    end: int
    """`text[start:end]` is the note or boneyard with its brackets."""


def hidden_spans(text: str) -> tuple[Hidden, ...]:
    """The notes and boneyard of `text`, in order, not overlapping."""
    spans: list[Hidden] = []
    position = 0
    first_close, first_open = text.find("*/"), text.find("/*")
    if first_close >= 0 and (first_open < 0 or first_close < first_open):
        spans.append(Hidden("boneyard", 0, first_close + 2))
        position = first_close + 2
    while match := _OPENER.search(text, position):
        if match.group() == "/*":
            close = text.find("*/", match.end())
            end = len(text) if close < 0 else close + 2
            spans.append(Hidden("boneyard", match.start(), end))
            position = end
            continue
        close = text.find("]]", match.end())
        if close < 0 or _EMPTY_LINE.search(text, match.end(), close):
            position = match.end()
            continue
        spans.append(Hidden("note", match.start(), close + 2))
        position = close + 2
    return tuple(spans)


class Visible:
    """`text` without its notes and boneyard. One standing on lines of its own goes with its line
    break, so it neither joins nor splits the paragraphs around it; an inline one goes alone."""

    def __init__(self, text: str, hidden: tuple[Hidden, ...] | None = None) -> None:
        self.source = text
        self.hidden = hidden_spans(text) if hidden is None else hidden
        pieces: list[str] = []
        self._starts: list[int] = []  # where each kept piece starts in `text` ...
        self._origins: list[int] = []  # ... and in the original
        kept_from, length = 0, 0
        for start, end in (_removed_range(text, span) for span in self.hidden):
            if start > kept_from:
                self._starts.append(length)
                self._origins.append(kept_from)
                pieces.append(text[kept_from:start])
                length += start - kept_from
            kept_from = max(kept_from, end)
        if kept_from < len(text) or not pieces:
            self._starts.append(length)
            self._origins.append(kept_from)
            pieces.append(text[kept_from:])
        self.text = "".join(pieces)

    def origin(self, index: int) -> int:
        """The offset in the original text of `self.text[index]`."""
        piece = bisect_right(self._starts, index) - 1
        return self._origins[piece] + index - self._starts[piece]


def visible_text(text: str) -> str:
    """`text` without its notes and boneyard (see `Visible`)."""
    if "[[" not in text and "/*" not in text and "*/" not in text:
        return text
    return Visible(text).text


def without_emphasis(line: str) -> str:
    """`line` with its emphasis marks removed and its escapes (`\\*`, `\\_`, `\\\\`) made plain."""
    escaped = "\\" in line and not _STAND_IN.search(line)
    if escaped:
        line = _ESCAPE.sub(lambda m: chr(_STAND_IN_BASE + ord(m.group(1))), line)
    if "*" in line or "_" in line:
        for pattern in _EMPHASIS:
            line = _remove_all(pattern, line)
    if escaped:
        line = _STAND_IN.sub(lambda m: chr(ord(m.group()) - _STAND_IN_BASE), line)
    return line


def has_emphasis(line: str) -> bool:
    return ("*" in line or "_" in line) and without_emphasis(line) != line


def _remove_all(pattern: re.Pattern[str], line: str) -> str:
    """Nested marks of the same kind (`_a _b_ c_`) come off one layer a round."""
    while (stripped := pattern.sub(r"\1", line)) != line:
        line = stripped
    return line


def _removed_range(text: str, span: Hidden) -> tuple[int, int]:
    line_start = text.rfind("\n", 0, span.start) + 1
    line_end = text.find("\n", span.end)
    line_end = len(text) if line_end < 0 else line_end
    if text[line_start:span.start].strip() or text[span.end:line_end].strip():
        return span.start, span.end
    return line_start, min(len(text), line_end + 1)
