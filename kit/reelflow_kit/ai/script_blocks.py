"""Reading script text back into blocks: headings, transitions, action paragraphs, dialogue.

Understands screenplay layout (sluglines; a character cue in capitals with the dialogue on the
lines right under it, parentheticals skipped; FADE IN:/CUT TO:), `NAME: line` dialogue, markdown
and "Scene N" headings, and plain prose (every other paragraph is action). A scene-break line
(`* * *`, `---`, `⁂`) gives no block. Control characters
and terminal escape sequences are dropped first, so nothing downstream (prompts, narration)
carries them.

A Fountain text (`fountain.is_fountain`: a title page, notes, boneyard, forced elements, ...) is
read by the Fountain reader instead: its title page, notes, boneyard, sections, synopses and page
breaks give no block, emphasis marks are gone, and a cue's speaker has no extension.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from reelflow_kit.ai.fountain import Element, is_fountain, read_fountain
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
MAX_CUE_CHARS = 35
MAX_CUE_WORDS = 4
MAX_SCENE_NUMBER_HEADING_WORDS = 5
"""A "Scene 3 - The Storm" line is a heading; "Scene 1: ADA checks the map again..." is action."""
MAX_TITLE_WORDS = 8
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
    """A markdown heading, or a short "Scene N"/"Act N" line."""
    line = line.strip()
    if not HEADING.match(line):
        return False
    return line.startswith("#") or len(line.split()) <= MAX_SCENE_NUMBER_HEADING_WORDS


def cue_name(line: str) -> str | None:
    """The speaker of a character cue line (`NORA`, `MRS. HALE (V.O.)` -> `MRS. HALE`), else None."""
    line = line.strip()
    if len(line) > MAX_CUE_CHARS or not any(ch.isupper() for ch in line) or line != line.upper():
        return None
    match = _CUE.match(line)
    if not match:
        return None
    name = " ".join(match.group(1).split())
    if len(name.split()) > MAX_CUE_WORDS or name.rstrip(".") in NOT_SPEAKERS or len(name) < 2:
        return None
    return name


def read_blocks(text: str) -> list[Block]:
    text = clean_text(text)
    if is_fountain(text):
        return _titles_as_headings(_fountain_blocks(read_fountain(text).elements))
    return _titles_as_headings(_plain_blocks(text))


def _plain_blocks(text: str) -> list[Block]:
    lines = text.split("\n")
    blocks: list[Block] = []
    action: list[str] = []

    def end_action() -> None:
        if action:
            blocks.append(Block("action", " ".join(action)))
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
                blocks.append(Block("dialogue", speech, speaker))
        elif (colon := _COLON_DIALOGUE.match(line)) and cue_name(colon.group(1)):
            end_action()
            blocks.append(Block("dialogue", colon.group(2), cue_name(colon.group(1)) or ""))
        else:
            action.append(line)
    end_action()
    return blocks


def _fountain_blocks(elements: tuple[Element, ...]) -> list[Block]:
    """Only what the film shows and says. Centered text (`> THE END <`) is read like a transition;
    lyrics outside dialogue are action; so is a cue that is a screen term (`SUPER`), with its lines."""
    blocks: list[Block] = []
    collecting = False  # the last block collects the lines under the cue last read
    for element in elements:
        kind, text = element.kind, " ".join(element.text.split())
        if kind in ("note", "boneyard") or (collecting and kind == "parenthetical"):
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


def _titles_as_headings(blocks: list[Block]) -> list[Block]:
    """A short line all in capitals before the first heading (`THE LAST FERRY`) is a title, not action."""
    out: list[Block] = []
    for index, block in enumerate(blocks):
        if block.kind == "heading":
            return out + blocks[index:]
        out.append(Block("heading", block.text) if block.kind == "action" and _is_title(block.text) else block)
    return out


def _is_title(text: str) -> bool:
    return (
        len(text.split()) <= MAX_TITLE_WORDS
        and any(ch.isupper() for ch in text)
        and text == text.upper()
        and not text.endswith((".", "!", "?"))
    )


def _starts_dialogue(line: str) -> bool:
    line = line.strip()
    return bool(line) and not is_slugline(line) and not _TRANSITION.match(line)


def _dialogue(lines: list[str], i: int) -> tuple[str, int]:
    """The spoken words from line `i` to the next blank line (parentheticals left out)."""
    spoken: list[str] = []
    while i < len(lines) and (line := " ".join(lines[i].split())) and not is_slugline(line):
        if not _PARENTHETICAL.match(line):
            spoken.append(line)
        i += 1
    return " ".join(spoken), i
