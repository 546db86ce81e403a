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
_EMPHASIS = (  # (width, where a mark opens, where one closes), the longest first
    (3, re.compile(r"\*\*\*(?=[^\s*])"), re.compile(r"(?<=[^\s*])\*\*\*")),
    (2, re.compile(r"\*\*(?=[^\s*])"), re.compile(r"(?<=[^\s*])\*\*")),
    (1, re.compile(r"\*(?=[^\s*])"), re.compile(r"(?<=[^\s*])\*")),
    (1, re.compile(r"(?<![^\W_])_(?=[^\s_])"), re.compile(r"(?<=[^\s_])_(?![^\W_])")),
)
"""The marked text starts and ends with neither a space nor the mark, so `2 * 3`, `* * *` and
`snake_case` keep theirs."""
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
    position = notes_from = note_close = 0  # a `[[` before notes_from is no note
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
        position = match.end()
        if match.start() < notes_from:
            continue
        if note_close < position:  # else the first `]]` after this `[[` is the one found for an earlier `[[`
            note_close = text.find("]]", position)
        close = note_close
        if close < 0:
            notes_from = len(text)  # no later `[[` is closed either
        elif empty := _EMPTY_LINE.search(text, position, close):
            notes_from = empty.start() + 1  # nor is one before the empty line: it would hold it too
        else:
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
        for width, opens, closes in _EMPHASIS:
            line = _without_marks(line, width, opens, closes)
    if escaped:
        line = _STAND_IN.sub(lambda m: chr(ord(m.group()) - _STAND_IN_BASE), line)
    return line


def has_emphasis(line: str) -> bool:
    return ("*" in line or "_" in line) and without_emphasis(line) != line


def _without_marks(line: str, width: int, opens: re.Pattern[str], closes: re.Pattern[str]) -> str:
    """`line` without its pairs of one kind of mark: each opening mark with the first closing one
    after it (one pass, in linear time even on a line of 200 KB)."""
    closings = [match.start() for match in closes.finditer(line)]
    kept: list[str] = []
    position = next_closing = 0
    for match in opens.finditer(line):
        opening = match.start()
        if opening < position:
            continue
        while next_closing < len(closings) and closings[next_closing] <= opening + width:
            next_closing += 1
        if next_closing == len(closings):
            break
        closing = closings[next_closing]
        kept += [line[position:opening], line[opening + width : closing]]
        position = closing + width
    return "".join(kept) + line[position:] if kept else line


def _removed_range(text: str, span: Hidden) -> tuple[int, int]:
    line_start = text.rfind("\n", 0, span.start) + 1
    line_end = text.find("\n", span.end)
    line_end = len(text) if line_end < 0 else line_end
    if text[line_start : span.start].strip() or text[span.end : line_end].strip():
        return span.start, span.end
    return line_start, min(len(text), line_end + 1)
