"""Reading a Fountain screenplay (fountain.io syntax 1.1) into elements that know where they came from.

    script = read_fountain(text)
    script.title_page.title, script.title_page.authors     # "" and () without a title page
    for element in script.elements:                        # in order; every visible character is in one
        element.kind, element.text                         # `scene_heading`, `INT. KITCHEN - NIGHT`
        text[element.start:element.end]                    # the element as written, notes and marks too

`element.text` is what the element says: notes and boneyard (`fountain_markup`), emphasis
marks, forcing marks (`.` `!` `@` `>` `~`), scene numbers (`#1A#`), dual-dialogue carets and
character extensions (`(V.O.)`, kept in `extension`) are left out; a paragraph's lines are
joined by line breaks. Notes and boneyard on lines of their own are elements of their own;
inline ones are inside the element around them. The text itself is never changed.

`is_fountain` tells whether a text uses anything only Fountain has, so plain screenplays,
Markdown and prose can keep being read their own way. Line breaks are LF or CR LF. Pure: no I/O.

Not wired yet: the script service can take `read_title_page(content).title` (cut to the 200
characters of a Title) as the title of a script created without one, and carry `.authors` to
the API once the Script* events have a field for them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Literal

from reelflow_kit.ai.fountain_markup import Visible, has_emphasis, hidden_spans, without_emphasis

ElementKind = Literal[
    "title_page",
    "scene_heading",
    "action",
    "character",
    "parenthetical",
    "dialogue",
    "lyrics",
    "transition",
    "centered",
    "page_break",
    "section",
    "synopsis",
    "note",
    "boneyard",
]

SCENE_HEADING = re.compile(r"^(?:INT\.?/EXT|EXT\.?/INT|INT|EXT|EST|I/E)[.\s]", re.IGNORECASE)
_SCENE_NUMBER = re.compile(r"\s*#([\w.-]+)#$")
_TITLE_KEY = re.compile(r"^([^\W\d_]+(?: [^\W\d_]+){0,2}):(.*)$")
TITLE_PAGE_KEYS = frozenset(
    {
        "title",
        "credit",
        "author",
        "authors",
        "source",
        "draft date",
        "date",
        "contact",
        "copyright",
        "notes",
        "revision",
        "release date",
        "translator",
        "editor",
        "language",
    }
)
"""A text opens with a title page when its first lines are `Key: value` lines with one of these keys."""
_CENTERED = re.compile(r"^>\s*(.*?)\s*<$")
_PAGE_BREAK = re.compile(r"^={3,}$")
_CUE = re.compile(r"^(?P<name>[^(^]*?)\s*(?P<extension>\(.*\))?\s*(?P<dual>\^)?$")
_AUTHOR_SEPARATORS = re.compile(r"\n|\s*[,;&]\s*|\s+and\s+")
_TWO_SPACES = "  "
"""A line of two spaces keeps an empty line inside dialogue."""


@dataclass(frozen=True)
class Element:
    kind: ElementKind
    text: str
    start: int
    end: int
    """`text[start:end]` of the source is the element as written."""
    name: str = ""
    """character: the name (`MOM` for `MOM (O. S.)`, `McCLANE` for `@McCLANE`)."""
    extension: str = ""
    """character: `(O. S.)`, `(V.O.) (CONT'D)`, `(on the radio)`, or ""."""
    dual: bool = False
    """character: the second speaker of dual dialogue (`STEEL ^`)."""
    scene_number: str = ""
    """scene_heading: `1A` for `INT. HOUSE - DAY #1A#`."""
    level: int = 0
    """section: 1 for `#`, 2 for `##`, ..."""


@dataclass(frozen=True)
class TitlePage:
    fields: tuple[tuple[str, str], ...] = ()
    """(key in lower case, value) in order; a value's lines joined by line breaks, emphasis removed."""

    def get(self, key: str) -> str:
        return next((value for name, value in self.fields if name == key.lower()), "")

    @property
    def title(self) -> str:
        """The title on one line (`BRICK & STEEL FULL RETIRED`)."""
        return " ".join(self.get("title").split())

    @property
    def authors(self) -> tuple[str, ...]:
        names = [
            name
            for key, value in self.fields
            if key in ("author", "authors")
            for name in _AUTHOR_SEPARATORS.split(value)
        ]
        return tuple(dict.fromkeys(" ".join(name.split()) for name in names if name.strip()))


@dataclass(frozen=True)
class FountainScript:
    title_page: TitlePage
    elements: tuple[Element, ...]


@dataclass(frozen=True)
class _Line:
    text: str
    start: int
    """Offset in the visible text."""

    @property
    def stripped(self) -> str:
        return self.text.strip()

    @property
    def blank(self) -> bool:
        return not self.text.strip()


def read_fountain(text: str) -> FountainScript:
    visible = Visible(text)
    lines = _lines(visible.text)
    fields, body_from = _title_page(lines)
    pieces: list[tuple[Element, int, int]] = []  # elements with their span in the visible text
    if fields:
        pieces.append((Element("title_page", "", 0, 0), *_span(lines[_next_text(lines, 0)], lines[body_from - 1])))
    pieces.extend(_body(lines, body_from))
    elements = [_placed(element, visible, start, end) for element, start, end in pieces]
    return FountainScript(TitlePage(tuple(fields)), _with_hidden(elements, visible))


def read_title_page(text: str) -> TitlePage:
    """The metadata of `text`'s title page; an empty TitlePage when it has none."""
    fields, _ = _title_page(_lines(Visible(text).text))
    return TitlePage(
        tuple((key, "".join(ch for ch in value if ch.isprintable() or ch == "\n")) for key, value in fields)
    )


def is_fountain(text: str) -> bool:
    """True when `text` has what only Fountain has: a title page, notes, boneyard, forced elements,
    centered text, page breaks, synopses, lyrics, dual dialogue or scene numbers; or emphasis or
    sections in a text with scene headings. (`> text` alone is a Markdown quote, `# text` alone a
    Markdown heading.)"""
    if hidden_spans(text):
        return True
    lines = _lines(text)
    if _title_page(lines)[0]:
        return True
    has_scene_heading = has_markup = False
    for index, line in enumerate(lines):
        if line.blank:
            continue
        after_blank = index == 0 or lines[index - 1].blank
        before_blank = index + 1 == len(lines) or lines[index + 1].blank
        if _only_fountain(line.stripped, after_blank, before_blank):
            return True
        has_scene_heading = has_scene_heading or (after_blank and bool(SCENE_HEADING.match(line.stripped)))
        has_markup = has_markup or line.stripped.startswith("#") or has_emphasis(line.stripped)
    return has_scene_heading and has_markup


def _only_fountain(line: str, after_blank: bool, before_blank: bool) -> bool:
    first, second = line[0], line[1:2]
    if first == "." and second.isalnum():
        return after_blank and before_blank and not line.endswith(".")
    if first == "!":
        return after_blank and second not in ("", "[", "!") and not second.isspace()
    if first == "@":
        return after_blank and not before_blank and bool(second.strip())
    if first == "=":
        return after_blank and (bool(_PAGE_BREAK.match(line)) or (second != "=" and bool(line[1:].strip())))
    if first == "~":
        return second not in ("", "~")
    if _CENTERED.match(line):
        return len(line) > 2
    if SCENE_HEADING.match(line):
        return bool(_SCENE_NUMBER.search(line))
    return after_blank and not before_blank and line.endswith("^") and _cue(line, forced=False) is not None


# --- title page ------------------------------------------------------------------------------------


def _title_page(lines: list[_Line]) -> tuple[list[tuple[str, str]], int]:
    """The title page's fields, and the index of the line after it; ([], 0) without one. The
    specification ends the page at the first blank line; a paragraph after it that opens with a
    known key (`Author: ...` set apart by a blank line) still belongs to it."""
    fields: list[tuple[str, list[str]]] = []
    start, end = _next_text(lines, 0), 0
    while (
        start < len(lines)
        and (match := _TITLE_KEY.match(lines[start].text.rstrip()))
        and (not fields or _key(match) in TITLE_PAGE_KEYS)
    ):
        end = start
        while end < len(lines) and not lines[end].blank:
            line = lines[end].text.rstrip()
            match = None if line[:1].isspace() else _TITLE_KEY.match(line)
            if match:
                fields.append((_key(match), [match.group(2)]))
            else:
                fields[-1][1].append(line)
            end += 1
        start = _next_text(lines, end)
    if not any(key in TITLE_PAGE_KEYS for key, _ in fields):
        return [], 0
    return [(key, _value(parts)) for key, parts in fields], end


def _key(match: re.Match[str]) -> str:
    return " ".join(match.group(1).lower().split())


def _value(parts: list[str]) -> str:
    return "\n".join(clean for part in parts if (clean := _clean(part)))


# --- body --------------------------------------------------------------------------------------------


def _body(lines: list[_Line], index: int) -> list[tuple[Element, int, int]]:
    pieces: list[tuple[Element, int, int]] = []
    while index < len(lines):
        line = lines[index]
        if line.blank:
            index += 1
            continue
        after_blank = index == 0 or lines[index - 1].blank
        next_line = lines[index + 1] if index + 1 < len(lines) else None
        before_blank = next_line is None or next_line.blank
        one_line = _one_line_element(line.stripped, after_blank, before_blank)
        if one_line:
            pieces.append((one_line, *_span(line, line)))
            index += 1
        elif line.stripped.startswith("~"):
            end = index
            while end + 1 < len(lines) and lines[end + 1].stripped.startswith("~"):
                end += 1
            pieces.append((Element("lyrics", _joined(lines[index : end + 1], "~"), 0, 0), *_span(line, lines[end])))
            index = end + 1
        elif (
            after_blank
            and next_line is not None
            and not next_line.blank
            and not SCENE_HEADING.match(next_line.stripped)
            and (cue := _cue(line.stripped, forced=line.stripped.startswith("@")))
        ):
            pieces.append((cue, *_span(line, line)))
            index = _dialogue(lines, index + 1, pieces)
        else:
            end = index
            while end + 1 < len(lines) and not lines[end + 1].blank and not _ends_action(lines[end + 1].stripped):
                end += 1
            pieces.append((Element("action", _joined(lines[index : end + 1], "!"), 0, 0), *_span(line, lines[end])))
            index = end + 1
    return pieces


def _one_line_element(line: str, after_blank: bool, before_blank: bool) -> Element | None:
    if _PAGE_BREAK.match(line):
        return Element("page_break", "", 0, 0)
    if line.startswith("#"):
        marks = len(line) - len(line.lstrip("#"))
        return Element("section", _clean(line[marks:]), 0, 0, level=marks)
    if line.startswith("="):
        return Element("synopsis", _clean(line[1:]), 0, 0)
    if centered := _CENTERED.match(line):
        return Element("centered", _clean(centered.group(1)), 0, 0)
    if line.startswith(">"):
        return Element("transition", _clean(line[1:]), 0, 0)
    forced = line.startswith(".") and line[1:2].isalnum()
    if forced or (after_blank and SCENE_HEADING.match(line)):
        heading = line[1:] if forced else line
        number = _SCENE_NUMBER.search(heading)
        if number:
            heading = heading[: number.start()]
        return Element("scene_heading", _clean(heading), 0, 0, scene_number=number.group(1) if number else "")
    if after_blank and before_blank and line.endswith("TO:") and line == line.upper():
        return Element("transition", _clean(line), 0, 0)
    return None


def _cue(line: str, *, forced: bool) -> Element | None:
    """The character element of a cue line (`MOM (O. S.)`, `STEEL ^`, `@McCLANE`), else None."""
    match = _CUE.match(line[1:] if forced else line)
    if not match or line.startswith("!"):
        return None
    name = without_emphasis(match.group("name")).strip()
    if not name or name.endswith(":") or (not forced and (name != name.upper() or not _has_upper(name))):
        return None
    return Element(
        "character",
        name,
        0,
        0,
        name=name,
        extension=" ".join((match.group("extension") or "").split()),
        dual=bool(match.group("dual")),
    )


def _dialogue(lines: list[_Line], index: int, pieces: list[tuple[Element, int, int]]) -> int:
    """Parentheticals and dialogue under a cue, up to the next blank line; the index after them."""
    while index < len(lines) and (not lines[index].blank or lines[index].text == _TWO_SPACES):
        if lines[index].blank:
            index += 1
            continue
        end = index
        if lines[index].stripped.startswith("("):
            while end + 1 < len(lines) and not lines[end].stripped.endswith(")") and not lines[end + 1].blank:
                end += 1
            kind: ElementKind = "parenthetical"
        else:
            while end + 1 < len(lines) and _continues_speech(lines[end + 1]):
                end += 1
            kind = "dialogue"
        while lines[end].blank:
            end -= 1  # a line of two spaces closing the speech
        pieces.append((Element(kind, _joined(lines[index : end + 1], "~"), 0, 0), *_span(lines[index], lines[end])))
        index = end + 1
    return index


def _continues_speech(line: _Line) -> bool:
    return (not line.blank or line.text == _TWO_SPACES) and not line.stripped.startswith("(")


def _ends_action(line: str) -> bool:
    return line.startswith(("#", "=", "~", ">"))


# --- text and offsets ----------------------------------------------------------------------------------


def _lines(text: str) -> list[_Line]:
    lines, start = [], 0
    for part in text.split("\n"):
        lines.append(_Line(part, start))
        start += len(part) + 1
    return lines


def _next_text(lines: list[_Line], index: int) -> int:
    """The index of the first line from `index` on that is not blank (len(lines) if none)."""
    while index < len(lines) and lines[index].blank:
        index += 1
    return index


def _span(first: _Line, last: _Line) -> tuple[int, int]:
    """From the first visible character of `first` to just after the last one of `last`."""
    start = first.start + len(first.text) - len(first.text.lstrip())
    return start, last.start + len(last.text.rstrip())


def _joined(lines: list[_Line], forcing_mark: str) -> str:
    cleaned = (_clean(line.stripped.removeprefix(forcing_mark)) for line in lines)
    return "\n".join(line for line in cleaned if line)


def _clean(text: str) -> str:
    return " ".join(without_emphasis(text).split())


def _has_upper(text: str) -> bool:
    return any(ch.isupper() for ch in text)


def _placed(element: Element, visible: Visible, start: int, end: int) -> Element:
    return replace(element, start=visible.origin(start), end=visible.origin(end - 1) + 1)


def _with_hidden(elements: list[Element], visible: Visible) -> tuple[Element, ...]:
    """The elements, and the notes and boneyard outside them: one on the first or last line of an
    element belongs to it (`INT. KITCHEN - NIGHT [[NOTE]]`); any other is an element of its own."""
    source = visible.source
    out: list[Element] = []
    at = 0  # elements[at] is the first element not yet in `out`
    for span in visible.hidden:
        while at < len(elements) and elements[at].end <= span.start:
            out.append(elements[at])
            at += 1
        before, after = (out[-1] if out else None), (elements[at] if at < len(elements) else None)
        if after is not None and after.start <= span.start:
            continue  # inside an element
        if (
            before is not None
            and before.kind not in ("note", "boneyard")
            and "\n" not in source[before.end : span.start]
            and (after is None or span.end <= after.start)
        ):
            out[-1] = replace(before, end=span.end)
        elif after is not None and "\n" not in source[span.end : after.start]:
            elements[at] = replace(after, start=span.start)
        else:
            out.append(Element(span.kind, _clean(_inside_marks(source[span.start : span.end])), span.start, span.end))
    return tuple(out + elements[at:])


def _inside_marks(hidden: str) -> str:
    if hidden.startswith("[["):
        return hidden[2:-2]
    return hidden.removeprefix("/*").removesuffix("*/")
