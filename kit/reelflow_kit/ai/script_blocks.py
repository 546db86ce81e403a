"""Reading script text back into blocks: headings, transitions, action paragraphs, dialogue.

Understands screenplay layout (sluglines; a character cue in capitals with the dialogue on the
lines right under it, parentheticals skipped; FADE IN:/CUT TO:), a play's cues (`ROMEO.` over
the speech, its directions in brackets skipped), `NAME: line` dialogue, markdown and "Scene N" headings (and a printed play's
`SCENE III. Room in Capulet’s House.`), chapter numbers on a line of their own (`I.`,
`CHAPTER IV.`), and plain prose (every other paragraph is action). Before the story starts, a
short line in capitals is its title, and a byline (`by Lewis Carroll`, `von Franz Kafka`) with
the short lines before it is its title page: headings, never read aloud. A scene-break line
(`* * *`, `---`, `⁂`) gives no block. Emphasis marks (`_very_`, `*very*`, as Markdown and
Project Gutenberg texts write italics) are not part of the text. Control characters and
terminal escape sequences are dropped first, so nothing downstream (prompts, narration)
carries them.

A Fountain text (`fountain.is_fountain`: a title page, notes, boneyard, forced elements, ...) is
read by the Fountain reader instead: its title page, notes, boneyard, sections, synopses and page
breaks give no block, nor does a production note written as action (`**NOTE: ...**`, see
`is_production_note`; plain text's too), emphasis marks are gone, and a cue's speaker has no extension.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from reelflow_kit.ai.fountain import Element, is_fountain, read_fountain
from reelflow_kit.ai.fountain_markup import without_emphasis
from reelflow_kit.ai.scene_headings import HEADING, SCENE_BREAK, SLUGLINE

BlockKind = Literal["heading", "transition", "action", "dialogue"]

_ANSI_ESCAPE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|[@-Z\\-_])")
_KEEP = frozenset("\n\t")
_TRANSITION = re.compile(
    r"^(?:FADE (?:IN|OUT|TO(?: BLACK)?)|(?:SMASH |MATCH |JUMP |HARD )?CUT(?: TO)?|DISSOLVE(?: TO)?|"
    r"INTERCUT(?: WITH)?|BACK TO|THE END|END|CONTINUED)\b[^a-z]*$"
)
_CUE = re.compile(r"^([^\W\d_][^\W_]*(?:[ .'’-]+[^\W_]+)*\.?)\s*((?:\([^)]*\)\s*)*):?$")
_COLON_DIALOGUE = re.compile(r"^([^\W\d_][^\W_]*(?:[ .'’-]+[^\W_]+){0,3})\s*(?:\([^)]*\))?\s*:\s+(\S.*)$")
_PARENTHETICAL = re.compile(r"^\(.*\)$")
_STAGE_DIRECTION = re.compile(r"\s*\[[^\[\]]*\]")
"""A printed play's direction inside a speech (`written there, [_gives a paper_] and`): a parenthetical."""
MAX_CUE_CHARS = 35
MAX_CUE_WORDS = 4
MAX_SCENE_NUMBER_HEADING_WORDS = 5
"""A "Scene 3 - The Storm" line is a heading; "Scene 1: ADA checks the map again..." is action."""
MAX_TITLE_WORDS = 8
PRINTED_SCENE = re.compile(r"^(?:SCENE|ACT)[ \t]+[IVXLC]+\.[ \t]")
"""A printed play's scene heading: capitals, a Roman numeral and a full stop, then the place."""
_CHAPTER_NUMBER = re.compile(
    r"^(?:(?i:chapter|kapitel|chapitre|cap[ií]tulo|capitolo|part|teil|book|buch)[ \t]+)?(?:[IVXLC]+|\d+)\.?$"
)
"""A chapter's number on a line of its own: `I.`, `CHAPTER IV.`, `Kapitel 3`."""
BYLINE = re.compile(
    r"^(?:(?:written|translated|illustrated|edited|adapted|told|retold)\s+by|by|von|par|de|di|door|av|af|"
    r"(?:aus\s+dem\s+\w+\s+)?übersetzt\s+von|authors?|autor(?:in)?|translator|übersetzer(?:in)?|übersetzung|"
    r"credit|copyright|©)\b[\s:]",
    re.IGNORECASE,
)
"""A title page's byline (`by Clara Winter`, `von Franz Kafka`, `Author: ...`)."""
MAX_BYLINE_WORDS = 8
STORY_WORDS = 12
"""The story starts at its first paragraph of at least this many words (or its first dialogue or slugline)."""
_LOOSE_UNDERSCORE = re.compile(r"(?<![^\W_])_+|_+(?![^\W_])")
"""An underscore at the edge of a word marks italics (an unclosed `_Signior ... Helena. _` too); inside
one (`snake_case`) it is written."""
NOT_SPEAKERS = frozenset(
    {
        "INT",
        "EXT",
        "FADE",
        "CUT",
        "THE END",
        "END",
        "TITLE",
        "SUPER",
        "INSERT",
        "NOTE",
        "MONTAGE",
        "FLASHBACK",
        "LATER",
        "CONTINUOUS",
        "SFX",
        "POV",
        "ANGLE ON",
        "CLOSE ON",
    }
)


_PRODUCTION_NOTE = re.compile(r"NOTE(?:\s+TO\s+[^\W\d_][^:\n]{0,40})?\s*:\s*\S")
_WHOLLY_EMPHASISED = re.compile(r"(\*{1,3}|_)(\S(?:.*\S)?)\1", re.DOTALL)


@dataclass(frozen=True)
class Block:
    kind: BlockKind
    text: str
    """One line for headings and transitions; the paragraph (lines joined by spaces) for action;
    the spoken words for dialogue."""
    speaker: str = ""
    """The cue as written (`NORA`), for dialogue."""


def clean_text(text: str) -> str:
    """`text` without terminal escape sequences and control characters (newlines and tabs kept,
    CR LF made LF, other controls made spaces)."""
    text = _ANSI_ESCAPE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    if text.isprintable():
        return text
    return "".join(ch if ch in _KEEP or unicodedata.category(ch) != "Cc" else " " for ch in text)


def is_slugline(line: str) -> bool:
    return SLUGLINE.match(line.strip()) is not None


def is_heading(line: str) -> bool:
    """A markdown heading, a short "Scene N"/"Act N" line or a printed play's scene heading, or a
    chapter's number on a line of its own."""
    line = line.strip()
    if _CHAPTER_NUMBER.match(line):
        return True
    if not HEADING.match(line):
        return False
    return (
        line.startswith("#") or len(line.split()) <= MAX_SCENE_NUMBER_HEADING_WORDS or bool(PRINTED_SCENE.match(line))
    )


def is_byline(text: str) -> bool:
    """A title page's line naming who wrote the text (`by Lewis Carroll`, `Translated by ...`):
    short, no sentence, and the names capitalised."""
    match = BYLINE.match(text)
    if not match or len(text.split()) > MAX_BYLINE_WORDS or text.endswith((".", "!", "?")):
        return False
    words = re.findall(r"[^\W\d_]+", text[match.end() :])
    return any(word[0].isupper() for word in words) and all(word[0].isupper() for word in words if len(word) > 3)


def cue_name(line: str) -> str | None:
    """The speaker of a character cue line (`NORA`, `MRS. HALE (V.O.)` -> `MRS. HALE`), else None."""
    line = line.strip()
    if len(line) > MAX_CUE_CHARS or not any(ch.isupper() for ch in line) or line != line.upper():
        return None
    match = _CUE.match(line)
    if not match:
        return None
    name = " ".join(match.group(1).split()).rstrip(".")  # a play's `ROMEO.` is Romeo
    if len(name.split()) > MAX_CUE_WORDS or name.rstrip(".") in NOT_SPEAKERS or len(name) < 2:
        return None
    return name


def is_production_note(written: str) -> bool:
    """An action paragraph, as written, that is a note to the reader or the crew, neither shown nor
    said: `NOTE:` or `NOTE TO <whom>:` at its start, in capitals (`NOTE TO CASTING: ...`), or in any
    case with the whole paragraph in emphasis (`**NOTE: We will call this character a "he" just for
    convenience.**`). A sentence starting with the word (`Note the scar on his hand.`) is story."""
    written = written.strip()
    if emphasised := _WHOLLY_EMPHASISED.fullmatch(written):
        return re.match(_PRODUCTION_NOTE.pattern, emphasised.group(2).strip(), re.IGNORECASE) is not None
    return _PRODUCTION_NOTE.match(written) is not None


def read_blocks(text: str) -> list[Block]:
    text = clean_text(text)
    if is_fountain(text):
        return _title_page_as_headings(_fountain_blocks(read_fountain(text).elements, text))
    return _title_page_as_headings(_plain_blocks(text))


def _plain_blocks(text: str) -> list[Block]:
    lines = text.split("\n")
    blocks: list[Block] = []
    action: list[str] = []

    def end_action() -> None:
        if action and not is_production_note(" ".join(action)):
            blocks.append(Block("action", _unmarked(" ".join(action))))
        action.clear()

    i = 0
    while i < len(lines):
        line = " ".join(lines[i].split())
        i += 1
        if not line or SCENE_BREAK.match(line):
            end_action()
        elif is_slugline(line) or is_heading(line):
            end_action()
            blocks.append(Block("heading", line))
        elif _TRANSITION.match(line):
            end_action()
            blocks.append(Block("transition", line))
        elif (speaker := cue_name(line)) and i < len(lines) and _starts_dialogue(lines[i]):
            end_action()
            speech, i = _dialogue(lines, i)
            if speech:
                blocks.append(Block("dialogue", _unmarked(speech), speaker))
        elif (colon := _COLON_DIALOGUE.match(line)) and cue_name(colon.group(1)) and not is_production_note(line):
            end_action()
            blocks.append(Block("dialogue", _unmarked(colon.group(2)), cue_name(colon.group(1)) or ""))
        else:
            action.append(line)
    end_action()
    return blocks


def _fountain_blocks(elements: tuple[Element, ...], script: str) -> list[Block]:
    """Only what the film shows and says. Centered text (`> THE END <`) is read like a transition;
    lyrics outside dialogue are action; so is a cue that is a screen term (`SUPER`), with its lines;
    a production note written as action (`**NOTE: ...**`) is neither."""
    blocks: list[Block] = []
    collecting = False  # the last block collects the lines under the cue last read
    for element in elements:
        kind, text = element.kind, " ".join(element.text.split())
        if kind in ("note", "boneyard") or (collecting and kind == "parenthetical"):
            continue
        if kind == "action" and is_production_note(script[element.start : element.end]):
            collecting = False
            continue
        if collecting and kind == "dialogue":
            last = blocks[-1]
            blocks[-1] = Block(last.kind, f"{last.text} {text}".strip(), last.speaker)
            continue
        collecting = kind == "character"
        if collecting:
            speaks = element.name.rstrip(".").upper() not in NOT_SPEAKERS
            blocks.append(Block("dialogue", "", element.name) if speaks else Block("action", text))
        elif kind == "scene_heading":
            blocks.append(Block("heading", text))
        elif kind in ("transition", "centered"):
            blocks.append(Block("transition", text))
        elif kind in ("action", "lyrics", "dialogue"):
            blocks.extend(_action_blocks(element.text.split("\n")))
    return [block for block in blocks if block.text]


def _action_blocks(lines: list[str]) -> list[Block]:
    """An action paragraph, but a line of it that is a heading (`Scene 2`) or a transition
    (`FADE OUT.`) is a block of its own, as in plain text."""
    blocks: list[Block] = []
    paragraph: list[str] = []
    for line in lines:
        if SCENE_BREAK.match(line):
            if paragraph:
                blocks.append(Block("action", " ".join(paragraph)))
                paragraph = []
            continue
        kind: BlockKind | None = "heading" if is_heading(line) else "transition" if _TRANSITION.match(line) else None
        if kind is None:
            paragraph.append(line)
            continue
        if paragraph:
            blocks.append(Block("action", " ".join(paragraph)))
            paragraph = []
        blocks.append(Block(kind, line))
    return (blocks + [Block("action", " ".join(paragraph))]) if paragraph else blocks


def _title_page_as_headings(blocks: list[Block]) -> list[Block]:
    """A short line all in capitals before the first heading (`THE LAST FERRY`, `THE BLACK CAT.`) is a
    title; before the story starts, a byline and the short lines before it are the title page."""
    story = next((index for index, block in enumerate(blocks) if _starts_story(block)), len(blocks))
    bylines = [index for index in range(story) if blocks[index].kind == "action" and is_byline(blocks[index].text)]
    first_heading = next((index for index, block in enumerate(blocks) if block.kind == "heading"), len(blocks))
    out: list[Block] = []
    for index, block in enumerate(blocks):
        title_page = bool(bylines) and index <= bylines[-1] and len(block.text.split()) <= MAX_TITLE_WORDS
        if block.kind == "action" and (title_page or (index < first_heading and _is_title(block.text))):
            block = Block("heading", block.text)
        out.append(block)
    return out


def _starts_story(block: Block) -> bool:
    return (
        block.kind == "dialogue"
        or (block.kind == "heading" and is_slugline(block.text))
        or (block.kind == "action" and len(block.text.split()) >= STORY_WORDS)
    )


def _is_title(text: str) -> bool:
    return (
        len(text.split()) <= MAX_TITLE_WORDS
        and any(ch.isupper() for ch in text)
        and text == text.upper()
        and not text.endswith(("!", "?", ".."))
    )


def _unmarked(text: str) -> str:
    """`text` without emphasis marks: paired ones (`*very*`, `_very_`), and underscores at a word's edge."""
    if "*" not in text and "_" not in text:
        return text
    return " ".join(_LOOSE_UNDERSCORE.sub("", without_emphasis(text)).split())


def _starts_dialogue(line: str) -> bool:
    line = line.strip()
    return bool(line) and not is_slugline(line) and not _TRANSITION.match(line)


def _dialogue(lines: list[str], i: int) -> tuple[str, int]:
    """The spoken words from line `i` to the next blank line (parentheticals and a play's
    directions in brackets left out)."""
    spoken: list[str] = []
    while i < len(lines) and (line := " ".join(lines[i].split())) and not is_slugline(line):
        if not _PARENTHETICAL.match(line):
            spoken.append(_STAGE_DIRECTION.sub("", line))
        i += 1
    return " ".join(" ".join(spoken).split()), i
