"""What of a script is no story, found in the script itself, and where any of it was read aloud or
drawn: a narration or an image prompt holding it has leaked it.

    found = non_story_text(script)
    found.phrases                       # (kind, text) pairs, e.g. ("title page", "Richard Alexander Hall")
    leaks(found, narration, narration=True)    # [(kind, text), ...]; [] when the narration is story only
    leaks(found, prompt, narration=False)

A Fountain script (`fountain.is_fountain`) is parsed with `reelflow_kit.ai.fountain`: its title
page's keys and values, notes and boneyard, sections, synopses, transitions and centered text,
cues with their extensions (a cue leaks as `NAME` or `NAME (CONT'D)` before the first words of
its speech), parentheticals, and production notes written as action (`**NOTE: ...**`, in any
text: a paragraph starting `NOTE...:` in capitals or in emphasis). Any other text is read line by line: a title page (the lines
up to a byline such as `by Lewis Carroll` or `VON` over `FRANZ KAFKA`, before the story starts),
Markdown headings, chapter, act and scene numbers (`I.`, `SCENE III. Room in Capulet’s House.`),
transitions (`CUT TO:`), cues over speech (`ROMEO.`, `NORA`) and `NAME: line` labels, and the
parentheticals under a cue and a play's directions in brackets inside a speech. In every text, emphasis marks (`*very*`, `_very_`, an underscore at
a word's edge) and the note and boneyard brackets are markup.

A phrase that is also part of the story (`by` in a title page's `Credit: by`, a chapter title
the text says again) cannot be told apart and is not looked for. A phrase of one word (`I.`,
`VON`) leaks only as a sentence of its own. Headings' titles may stand in an image prompt (a
scene with nothing to read is drawn as an establishing view of its heading); their numbers may
not. Parentheticals of a character introduced in capitals in an action line (`NORA (40s,
oilskin coat)`) are found apart, as `intro_asides`: reading them as `Nora` is work in progress
elsewhere, so they are reported but not counted as leaks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from reelflow_kit.ai.fountain import SCENE_HEADING, Element, is_fountain, read_fountain
from reelflow_kit.ai.fountain_markup import has_emphasis, hidden_spans, without_emphasis

Phrase = tuple[str, str]
"""(kind, text)."""

NARRATION_ONLY = frozenset({"heading title"})
"""Kinds that may stand in an image prompt but are never read aloud."""
STORY_STARTS_AT_WORDS = 12
"""A plain text's story starts at its first paragraph of this many words (its title page is before)."""
MAX_LABEL_TITLE_WORDS = 8
"""`SCENE III. Room in Capulet’s House.` is a heading; `Scene 1: ADA checks the map again while
rain taps the glass.` is a sentence."""

_MARKUP = ("[[", "]]", "/*", "*/")
_LOOSE_MARK = re.compile(r"(?<![^\W_])_(?=\w)|(?<=\w)_(?![^\W_])|\*\*")
_SENTENCE_END = re.compile(r"(?<=[.!?…:])\s+")
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_MARKDOWN_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$")
_NUMBER = r"(?:[IVXLC]+|\d+)"
_LABEL = re.compile(
    rf"^\s*((?:SCENE|Scene|ACT|Act|CHAPTER|Chapter|KAPITEL|Kapitel|PART|Part)\s+{_NUMBER}\.?|[IVXLC]+\.|\d+\.)"
    r"(?:\s*[-–—:.]?\s*(.*))?$"
)
_TRANSITION = re.compile(
    r"^\s*(?:FADE (?:IN|OUT|TO BLACK)|(?:SMASH |MATCH |JUMP )?CUT TO|DISSOLVE TO|INTERCUT WITH|BACK TO)\b[^a-z]*$"
    r"|^\s*[A-Z][A-Z ]+ TO:$"
)
_BYLINE = re.compile(r"^\s*(?:(?:written|translated)\s+by|by|von|BY|VON)(?:\s+\S.*)?$", re.IGNORECASE)
_CUE_LINE = re.compile(r"^\s*([A-Z][A-Z'’.-]*(?: [A-Z][A-Z'’.-]*){0,3})\s*(\([^)]*\))?\s*[.:]?$")
_COLON_LABEL = re.compile(r"^\s*([A-Z][A-Z'’.-]*(?: [A-Z][A-Z'’.-]*){0,3}):\s+\S")
_DIRECTION = re.compile(r"\[[^\[\]]*\]")
"""A printed play's direction inside a speech: `[_gives a paper_]`."""
_PRODUCTION_NOTE = re.compile(r"^\s*(?:(?:\*{1,3}|_)\s*(?i:note)|NOTE)\b[^:\n]{0,50}:")
"""A paragraph written as action that is a note to the reader or crew: `**NOTE: We will call ...**`,
`NOTE TO CASTING: ...` (in capitals, or in emphasis)."""
_INTRO_ASIDE = re.compile(r"(?<![\w'’])[A-Z][A-Z'’-]+(?: [A-Z][A-Z'’-]+){0,3} ?(\([^()]{2,120}\))")


@dataclass(frozen=True)
class NonStory:
    phrases: tuple[Phrase, ...]
    intro_asides: tuple[str, ...] = ()
    allowed_marks: tuple[str, ...] = field(default=())
    """Escaped marks written as characters (`\\*softly\\*` is `*softly*` in the story)."""


def non_story_text(script: str) -> NonStory:
    script = script.replace("\r\n", "\n")
    phrases, story, action = (_fountain_phrases if is_fountain(script) else _plain_phrases)(script)
    phrases += [
        (span.kind, piece)
        for span in hidden_spans(script)
        for piece in _pieces(_inside_marks(script[span.start : span.end]))
    ]
    kept = tuple(dict.fromkeys(p for p in phrases if p[1] and not _said_in(p[1], story)))
    escaped = tuple(f"{m.group(1)}{m.group(2)}{m.group(1)}" for m in re.finditer(r"\\([*_])(\S+?)\\\1", script))
    asides = tuple(dict.fromkeys(m.group(1) for m in _INTRO_ASIDE.finditer(action)))
    return NonStory(kept, asides, escaped)


def leaks(found: NonStory, text: str, *, narration: bool) -> list[Phrase]:
    """The non-story phrases and marks `text` holds."""
    text = " ".join(text.split())
    out = [
        (kind, phrase)
        for kind, phrase in found.phrases
        if (narration or kind not in NARRATION_ONLY) and _holds(text, phrase)
    ]
    unmarked = text
    for allowed in found.allowed_marks:
        unmarked = unmarked.replace(allowed, "")
    out += [("markup", mark) for mark in _MARKUP if mark in unmarked]
    if has_emphasis(unmarked) or _LOOSE_MARK.search(unmarked):
        out.append(("emphasis mark", _first_mark(unmarked)))
    return out


def asides_read(found: NonStory, narration: str) -> list[str]:
    narration = " ".join(narration.split())
    return [aside for aside in found.intro_asides if aside in narration]


# --- Fountain --------------------------------------------------------------------------------------


def _fountain_phrases(script: str) -> tuple[list[Phrase], str, str]:
    """The phrases, the story's text and its action's text."""
    parsed = read_fountain(script)
    phrases: list[Phrase] = []
    for key, value in parsed.title_page.fields:
        written = re.search(rf"^[ \t]*({re.escape(key)}):", script, re.IGNORECASE | re.MULTILINE)
        phrases.append(("title-page key", (written.group(1) if written else key) + ":"))
        phrases += [("title page", line) for line in _pieces(value)]
    elements = parsed.elements
    notes = {e for e in elements if e.kind == "action" and _PRODUCTION_NOTE.match(script[e.start : e.end])}
    phrases += [("production note", line) for note in notes for line in _pieces(note.text)]
    story = [e.text for e in elements if e.kind in ("action", "dialogue", "lyrics") and e not in notes]
    story += [e.name for e in elements if e.kind == "character"]
    for index, element in enumerate(elements):
        if element.kind in ("section", "synopsis"):
            phrases += [(element.kind, line) for line in _pieces(element.text)]
        elif element.kind in ("transition", "centered"):
            phrases.append(("transition", element.text))
        elif element.kind == "parenthetical":
            phrases.append(("parenthetical", element.text))
        elif element.kind == "character":
            phrases += _cue_phrases(script[element.start : element.end], element, elements[index + 1 :])
    action = "\n".join(e.text for e in elements if e.kind == "action" and e not in notes)
    return phrases, "\n".join(story), action


def _cue_phrases(written: str, cue: Element, after: tuple[Element, ...]) -> list[Phrase]:
    speech = next((e.text for e in after if e.kind == "dialogue"), "")
    first_words = " ".join(speech.split()[:3])
    phrases = [("cue", f"{written.strip()} {first_words}"), ("cue", f"{cue.name} {first_words}")]
    phrases.append(("cue", f"{cue.name}:"))
    if cue.extension:
        phrases.append(("cue", cue.extension))
    return phrases


# --- plain text ------------------------------------------------------------------------------------


def _plain_phrases(script: str) -> tuple[list[Phrase], str, str]:
    """The phrases, and the story's text twice: as the story, and as its action."""
    lines = script.split("\n")
    phrases: list[Phrase] = []
    not_story: set[int] = set()  # indexes of lines that are no story
    cues: set[int] = set()
    for index in _title_page(lines):
        heading = _MARKDOWN_HEADING.match(lines[index])
        phrases.append(("title page", heading.group(1) if heading else lines[index].strip()))
        not_story.add(index)
    for paragraph in _paragraphs(lines):
        if _PRODUCTION_NOTE.match(lines[paragraph[0]]):
            phrases += [("production note", piece) for piece in _pieces(" ".join(lines[i] for i in paragraph))]
            not_story.update(paragraph)
    for index, line in enumerate(lines):
        around = (lines[index - 1] if index else "", lines[index + 1] if index + 1 < len(lines) else "")
        for phrase in _line_phrases(line, *around):
            phrases.append(phrase)
            (cues if phrase[0] == "cue" else not_story).add(index)
    said = list(lines)
    for index in sorted(cues):
        speech = index + 1
        while speech < len(lines) and lines[speech].strip():
            phrases += [("parenthetical", _unmarked(d)) for d in _DIRECTION.findall(lines[speech])]
            said[speech] = _DIRECTION.sub(" ", lines[speech])
            speech += 1
    story = "\n".join(line for index, line in enumerate(said) if index not in not_story | cues)
    return phrases, story, story


def _line_phrases(line: str, previous: str, next_line: str) -> list[Phrase]:
    stripped = line.strip()
    if not stripped or SCENE_HEADING.match(stripped):
        return []
    if heading := _MARKDOWN_HEADING.match(line):
        title = heading.group(1)
        label = _LABEL.match(title)
        return [("heading title", title)] + ([("heading", label.group(1))] if label else [])
    label = _LABEL.match(line)
    if label and not previous.strip() and len((label.group(2) or "").split()) <= MAX_LABEL_TITLE_WORDS:
        return [("heading", label.group(1)), ("heading title", stripped)]
    if _TRANSITION.match(line):
        return [("transition", stripped)]
    if stripped.startswith("(") and stripped.endswith(")") and _CUE_LINE.match(previous):
        return [("parenthetical", stripped)]
    if next_line.strip() and (cue := _CUE_LINE.match(line)) and len(cue.group(1)) > 1:
        speech = next_line.strip()
        first_words = " ".join(speech.split()[:3])
        return [("cue", f"{stripped} {first_words}")] + ([("cue", cue.group(2))] if cue.group(2) else [])
    if label := _COLON_LABEL.match(line):
        return [("cue", f"{label.group(1)}:")]
    return []


def _title_page(lines: list[str]) -> list[int]:
    """The lines of a title page before the story: up to its last byline, if it has one."""
    paragraphs = _paragraphs(lines)
    story = next(
        (n for n, p in enumerate(paragraphs) if len(" ".join(lines[i] for i in p).split()) >= STORY_STARTS_AT_WORDS),
        len(paragraphs),
    )
    last_byline = -1
    for n in range(story):
        text = " ".join(lines[i].strip() for i in paragraphs[n])
        if _BYLINE.match(text) and len(text.split()) <= MAX_LABEL_TITLE_WORDS and not text.endswith("."):
            last_byline = n + (1 if len(text.split()) == 1 else 0)  # `VON` over `FRANZ KAFKA`
    return [i for p in paragraphs[: last_byline + 1] for i in p]


def _paragraphs(lines: list[str]) -> list[list[int]]:
    paragraphs: list[list[int]] = [[]]
    for index, line in enumerate(lines):
        if line.strip():
            paragraphs[-1].append(index)
        elif paragraphs[-1]:
            paragraphs.append([])
    return [p for p in paragraphs if p]


# --- matching ----------------------------------------------------------------------------------------


def _pieces(text: str) -> list[str]:
    """The lines of `text`, and each line's sentences: a leak may be one sentence of a longer note."""
    out: list[str] = []
    for line in text.split("\n"):
        line = " ".join(without_emphasis(line).split()).strip()
        if line:
            out.append(line)
            sentences = [s for s in _SENTENCE_END.split(line) if len(s.split()) > 1]
            out += sentences if len(sentences) > 1 else []
    return out


def _unmarked(text: str) -> str:
    return " ".join(without_emphasis(text).split())


def _inside_marks(hidden: str) -> str:
    return hidden[2:-2] if hidden.startswith("[[") else hidden.removeprefix("/*").removesuffix("*/")


def _said_in(phrase: str, story: str) -> bool:
    return _holds(" ".join(story.split()), phrase)


def _holds(text: str, phrase: str) -> bool:
    phrase = " ".join(phrase.split())
    if len(phrase.split()) == 1 and not re.search(r"[(:\[]", phrase):
        return any(sentence.strip(" \"'“”‘’") == phrase for sentence in _SENTENCE_END.split(text))
    before = r"(?<![^\W_])" if phrase[:1].isalnum() else ""
    after = r"(?![^\W_])" if phrase[-1:].isalnum() else ""
    flags = re.IGNORECASE if phrase != phrase.upper() else 0  # a cue in capitals is not its name in a prompt
    return re.search(before + re.escape(phrase) + after, text, flags) is not None


def _first_mark(text: str) -> str:
    found = _LOOSE_MARK.search(text)
    if found is None:
        return text[:40]
    return text[max(0, found.start() - 15) : found.end() + 15]
