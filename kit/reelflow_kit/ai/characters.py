"""Who is in a script: the names a shot prompt can mention, found with plain rules.

A character is a dialogue cue (`NORA`), a name introduced in capitals in an action line
(`ELI (70s) sleeps`, or capitals that also appear as a cue or more than once), or a capitalised
word that recurs in action text, appears at least once mid-sentence, and never in lower case
(`... and Eli share soup`). Names are given in title case, in order of first appearance.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

from reelflow_kit.ai.local.lexicon import STOPWORDS
from reelflow_kit.ai.script_blocks import NOT_SPEAKERS, read_blocks

MAX_CHARACTERS = 50
"""StyleHints.characters holds at most this many."""

_WORD = re.compile(r"[^\W\d_][^\W\d_'’-]*")
_CAPS_RUN = re.compile(r"(?<![^\W\d_])([^\W\d_a-z]{2,}(?:[ '’-][^\W\d_a-z]{2,}){0,2})(?![^\W\d_])(\s*\()?")
_WORD_PART = re.compile(r"[^\W\d_]+")
SENTENCE_ENDS = frozenset('.!?:;"“”…。！？')
NOT_NAMES = frozenset(
    """
monday tuesday wednesday thursday friday saturday sunday january february march april may june july
august september october november december mr mrs ms dr sir madam god ok okay yes no hey oh god
""".split()
)
SCREEN_TERMS = NOT_SPEAKERS | {
    "V.O",
    "O.S",
    "O.C",
    "CONT'D",
    "CONT’D",
    "CU",
    "ECU",
    "TV",
    "OK",
    "DAY",
    "NIGHT",
    "DAWN",
    "DUSK",
    "MORNING",
    "EVENING",
}


def find_characters(script: str) -> tuple[str, ...]:
    """The script's characters in title case, in order of first appearance (at most MAX_CHARACTERS)."""
    blocks = read_blocks(script)
    found: dict[str, int] = {}  # lower-case name -> position of first appearance

    def add(name: str, position: int) -> None:
        key = display_name(name).lower()
        if key:
            found[key] = min(position, found.get(key, position))

    cues = {b.speaker for b in blocks if b.kind == "dialogue"}
    caps_seen: Counter[str] = Counter()
    actions = [(index, b.text) for index, b in enumerate(blocks) if b.kind == "action"]
    for index, block in enumerate(blocks):
        if block.kind == "dialogue":
            add(block.speaker, index)
    for _, text in actions:
        caps_seen.update(m.group(1) for m in _CAPS_RUN.finditer(text))
    for index, text in actions:
        for match in _CAPS_RUN.finditer(text):
            caps = match.group(1)
            if caps not in SCREEN_TERMS and (match.group(2) or caps in cues or caps_seen[caps] > 1):
                add(caps, index)
    for name, index in _recurring_capitalised_words(actions):
        add(name, index)
    ordered = sorted(found, key=lambda key: found[key])
    return tuple(display_name(key) for key in ordered)[:MAX_CHARACTERS]


def display_name(name: str) -> str:
    """`MRS. HALE` -> `Mrs. Hale`; `o'neil` -> `O'Neil`."""
    return " ".join(
        _WORD_PART.sub(lambda m: m.group(0).capitalize(), part) if part.isupper() or part.islower() else part
        for part in name.split()
    )


def named_in(text: str, characters: tuple[str, ...]) -> tuple[str, ...]:
    """The characters whose name appears in `text` (as a whole word, any case), in the given order."""
    return tuple(name for name in characters if _name_pattern(name).search(text))


def in_display_case(text: str, characters: tuple[str, ...]) -> str:
    """`text` with names written in capitals (`NORA (40s) coils`) given as names (`Nora (40s) coils`)."""
    for name in characters:
        text = re.sub(rf"(?<![^\W_]){re.escape(name.upper())}(?![^\W_])", name, text)
    return text


@lru_cache(maxsize=1024)
def _name_pattern(name: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![^\W_]){re.escape(name)}(?![^\W_])", re.IGNORECASE)


def _recurring_capitalised_words(texts: list[tuple[int, str]]) -> list[tuple[str, int]]:
    """(word, index of the first block it is in) of each name-like capitalised word."""
    capitalised: Counter[str] = Counter()
    mid_sentence: set[str] = set()
    lower: set[str] = set()
    first_seen: dict[str, int] = {}
    for index, text in texts:
        for match in _WORD.finditer(text):
            word = match.group(0)
            if word.islower():
                lower.add(word)
                continue
            if len(word) < 2 or not word[0].isupper() or not word[1:].islower():
                continue
            capitalised[word] += 1
            first_seen.setdefault(word, index)
            before = text[max(0, match.start() - 16) : match.start()].rstrip()
            if before and before[-1] not in SENTENCE_ENDS:
                mid_sentence.add(word)
    return [
        (word, first_seen[word])
        for word, count in capitalised.items()
        if count >= 2
        and word in mid_sentence
        and word.lower() not in lower
        and word.lower() not in STOPWORDS
        and word.lower() not in NOT_NAMES
    ]
