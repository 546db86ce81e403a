"""Reading one scene for shot planning: where and when it happens, and its visual beats.

A beat is an action sentence (an action ending in a colon, `It reads:`, with the sentence it
introduces), or a line of dialogue; dialogue joins the beat of its speaker
(the action sentence naming them just before, or their previous line), so a shot shows who
speaks. Sluglines, headings, transitions, cues and parentheticals are not read aloud: the
beats' narration, joined, is the scene's spoken text, read as a reader would: a line of
dialogue in quotation marks with a short attribution when the speaker changes, unless the
action just before named only them (`dialogue.spoken_line`), a character introduced in capitals (`NORA (40s, oilskin coat)`) by
name (`Nora`), the description left to the picture. A beat longer than the longest shot (8 s
of reading by default, see `timing.Pacing`) is cut into even pieces at clause breaks or spaces,
so every beat fits in one shot.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from reelflow_kit.ai.characters import display_name, in_display_case, known_as, named_in
from reelflow_kit.ai.dialogue import spoken_line
from reelflow_kit.ai.local.lexicon import PLACES, STOPWORDS
from reelflow_kit.ai.local.segmenter import SENTENCE_END
from reelflow_kit.ai.narration import guess_language
from reelflow_kit.ai.script_blocks import PRINTED_SCENE, Block, is_slugline, read_blocks
from reelflow_kit.ai.timing import DEFAULT_PACING, WORDS_PER_SECOND, Pacing, pieces_needed, split_text, word_count

MAX_SETTING_CHARS = 300
MAX_TIME_OF_DAY_CHARS = 50

_SLUGLINE_PARTS = re.compile(
    r"^\s*(INT\./EXT\.|INT/EXT\.?|EXT\./INT\.|I/E\.?|INT\.|EXT\.|EST\.)\s+(.*)$", re.IGNORECASE
)
_SLUGLINE_SEPARATOR = re.compile(r"\s*(?:--+|—)\s*|\s+[-–]\s+")
"""Between a slugline's parts: `--` or an em dash, spaced or not (`FOOTHILLS--DAY`, `CAFE—NIGHT`), or a
spaced hyphen or en dash (`CAFE - NIGHT`); a hyphen inside a word (`X-RAY ROOM`) is no separator."""
_INSIDE = {"INT.": "interior", "EXT.": "exterior", "EST.": "exterior"}
TIMES_OF_DAY = {
    "day": "day",
    "daytime": "day",
    "night": "night",
    "nighttime": "night",
    "midnight": "night",
    "late night": "night",
    "moonlight": "night",
    "dawn": "dawn",
    "sunrise": "dawn",
    "daybreak": "dawn",
    "first light": "dawn",
    "early morning": "morning",
    "morning": "morning",
    "noon": "midday",
    "midday": "midday",
    "afternoon": "afternoon",
    "dusk": "dusk",
    "sunset": "dusk",
    "twilight": "dusk",
    "evening": "evening",
    "magic hour": "dusk",
    "sun sets": "dusk",
    "setting sun": "dusk",
    "sun rises": "dawn",
    "rising sun": "dawn",
}
CONTINUITY = frozenset({"continuous", "later", "moments later", "same", "same time", "simultaneous", ""})
_TIME_WORDS = re.compile(
    r"(?<![^\W_])(" + "|".join(sorted(map(re.escape, TIMES_OF_DAY), key=len, reverse=True)) + r")(?![^\W_])",
    re.IGNORECASE,
)
_PLACE_PHRASE = re.compile(
    r"(?<![^\W_])(?:in|at|on|inside|outside|into|near|across|through|by|along|above|below|under|toward|towards)"
    r"\s+(?:(?:a|an|the|her|his|their|its|our|my|your|this|that)\s+)?"
    r"((?:[^\W\d_][^\W\d_'’-]*\s+){0,2}[^\W\d_][^\W\d_'’-]*)",
    re.IGNORECASE,
)
_INTRODUCED = re.compile(r"(?<![^\W_])([^\W\d_a-z]{2,}(?:[ '’-][^\W\d_a-z]{2,}){0,2})\s*\([^()\n]{0,120}\)")
"""A name in capitals with its description in brackets: how a screenplay introduces a character."""
_SPEECH = re.compile(r"“[^“”]*”|„[^„“”]*[“”]|«[^«»]*»|»[^«»]*«|\"[^\"]*\"")
"""Words in quotation marks: `“Oh my ears and whiskers!”`, `„Was ist mit mir geschehen?“`."""
_ARTICLE = re.compile(r"^(?:a|an|the)\s+", re.IGNORECASE)
PLACE_NOUNS = frozenset(PLACES) | frozenset(
    """
platform room hall corridor balcony hill porch yard stairs staircase terrace pier gate kitchen
shop cafe café chapel deck cockpit hallway lobby lounge tunnel meadow cliffs rooftops shoreline
""".split()
)


@dataclass(frozen=True)
class Beat:
    visual: str
    """What is seen: the action sentence, or `Nora speaks` for a line of dialogue of its own."""
    narration: str
    """What is read aloud for it."""
    characters: tuple[str, ...] = ()
    speaker: str = ""
    line: str = ""
    """The first line of dialogue of a beat that starts with one, as written (no attribution)."""

    @property
    def words(self) -> float:
        return word_count(self.narration)


@dataclass(frozen=True)
class SceneReading:
    setting: str
    """`harbor cafe (interior)` from the slugline, else a place phrase from the action (`walled garden`;
    never from dialogue, nor from words in quotation marks), else the place a printed play's scene
    heading names (`street` in `SCENE II. A Street.`), else ""."""
    time_of_day: str
    """`night`, `dawn`, ... from the slugline or the text; the slugline's own word when unknown; or ""."""
    beats: tuple[Beat, ...]
    heading: str = ""

    @property
    def spoken_text(self) -> str:
        return " ".join(beat.narration for beat in self.beats)


def read_scene(text: str, characters: tuple[str, ...] = (), pacing: Pacing = DEFAULT_PACING) -> SceneReading:
    blocks = read_blocks(text)
    headings = [b.text for b in blocks if b.kind == "heading"]
    slugline = next((h for h in headings if is_slugline(h)), "")
    body = " ".join(b.text for b in blocks if b.kind in ("action", "dialogue"))
    beats = _beats(blocks, characters, pacing, guess_language(body))
    narrated = _without_speech(" ".join(b.text for b in blocks if b.kind == "action"))
    if slugline:
        setting, slug_time = _slugline_setting(slugline)
    else:
        setting, slug_time = _place_in(narrated) or _printed_place(headings), ""
    return SceneReading(
        setting=setting[:MAX_SETTING_CHARS],
        time_of_day=_time_of_day(slug_time, narrated),  # never from what is said: "this night I hold a feast"
        beats=beats,
        heading=slugline or (headings[0] if headings else ""),
    )


def spoken_text(text: str, characters: tuple[str, ...] = ()) -> str:
    """What of a scene is read aloud (its script's `characters` known): its action and dialogue,
    without sluglines, cues and the like."""
    return read_scene(text, characters).spoken_text


def _beats(blocks: list[Block], characters: tuple[str, ...], pacing: Pacing, language: str) -> tuple[Beat, ...]:
    beats: list[Beat] = []
    last_speaker = ""
    for block in blocks:
        if block.kind == "action":
            for sentence in _sentences(block.text):
                last = beats[-1] if beats else None
                if last and not last.speaker and last.visual.endswith(":"):  # `It reads:` + `"GURU 12 MI."`
                    sentence = f"{last.visual} {sentence}"
                    beats.pop()
                beats.append(
                    Beat(
                        visual=sentence,
                        narration=_read_aloud(sentence, characters),
                        characters=named_in(sentence, characters),
                    )
                )
        elif block.kind == "dialogue":
            speaker = _known_as(block.speaker, characters)
            last = beats[-1] if beats else None
            just_named = last is not None and not last.speaker and last.characters == (speaker,)
            line = spoken_line(block.text, speaker, language, attribute=speaker != last_speaker and not just_named)
            last_speaker = speaker
            if last and (last.speaker == speaker or (not last.speaker and speaker in last.characters)):
                beats[-1] = replace(
                    last,
                    narration=f"{last.narration} {line}",
                    speaker=speaker,
                    characters=last.characters if speaker in last.characters else (*last.characters, speaker),
                )
            else:
                beats.append(
                    Beat(
                        visual=f"{speaker} speaks",
                        narration=line,
                        characters=(speaker,),
                        speaker=speaker,
                        line=block.text,
                    )
                )
    return tuple(piece for beat in beats for piece in _cut_long(beat, pacing))


def _read_aloud(sentence: str, characters: tuple[str, ...]) -> str:
    """An action sentence as read: `NORA (40s, oilskin coat) coils a rope` -> `Nora coils a rope`."""
    return in_display_case(_INTRODUCED.sub(lambda m: display_name(m.group(1)), sentence), characters)


def _known_as(cue: str, characters: tuple[str, ...]) -> str:
    """The character a cue names (`JOHN` -> `John Smith`), else the cue in title case."""
    return known_as(cue, characters)


def _sentences(paragraph: str) -> list[str]:
    """The paragraph's sentences; a full stop before a word in lower case ends none (`the "GURU 12
    MI." trail`)."""
    out, start = [], 0
    for match in SENTENCE_END.finditer(paragraph):
        if paragraph[match.end() : match.end() + 1].islower():
            continue
        out.append(paragraph[start : match.end()].strip())
        start = match.end()
    out.append(paragraph[start:].strip())
    return [s for s in out if s]


def _cut_long(beat: Beat, pacing: Pacing) -> list[Beat]:
    """The beat in pieces no longer than the longest shot; an action sentence's pieces each show
    their own words, a line of dialogue's all show its speaker."""
    parts = pieces_needed(beat.words / WORDS_PER_SECOND, pacing)
    if parts == 1:
        return [beat]
    chunks = split_text(beat.narration, parts)
    own = not beat.speaker
    return [replace(beat, narration=chunk, visual=chunk if own else beat.visual) for chunk in chunks]


def _slugline_setting(slugline: str) -> tuple[str, str]:
    """(`harbor cafe (interior)`, `NIGHT`) from `INT. HARBOR CAFE - NIGHT` (or `-- NIGHT`, `--NIGHT`, `—NIGHT`)."""
    match = _SLUGLINE_PARTS.match(slugline)
    if not match:
        return "", ""
    prefix, rest = match.group(1).upper(), match.group(2)
    parts = [p.strip() for p in _SLUGLINE_SEPARATOR.split(rest) if p.strip()]
    time = parts.pop() if len(parts) > 1 else ""
    place = ", ".join(parts).lower()
    inside = _INSIDE.get(prefix, "interior and exterior")
    return f"{place} ({inside})", time


def _without_speech(text: str) -> str:
    """`text` without what is said in it in quotation marks (a story's dialogue, a sign's words)."""
    return _SPEECH.sub(" ", text)


def _printed_place(headings: list[str]) -> str:
    """The place a printed play's scene heading names: `street` in `SCENE II. A Street.`, `room in
    capulet’s house` in `SCENE III. Room in Capulet’s House.`, `verona, public place` in `SCENE I.
    Verona. A public place.`; else ""."""
    for heading in headings:
        if match := PRINTED_SCENE.match(heading):
            parts = [_ARTICLE.sub("", part.strip()) for part in re.split(r"\.\s+|\.$", heading[match.end() :])]
            return ", ".join(part for part in parts if part).lower()
    return ""


def _place_in(text: str) -> str:
    """The first place phrase of the text (`walled garden` in "kneels in a walled garden"), else the
    first place word (`lighthouse`; not one that is also a common word, `mine`), else ""."""
    for match in _PLACE_PHRASE.finditer(text):
        words = []
        for word in match.group(1).split():
            if word.lower() in STOPWORDS:
                break
            words.append(word)
        last_place = max((i for i, w in enumerate(words) if w.lower() in PLACE_NOUNS), default=-1)
        if last_place >= 0:
            return " ".join(words[: last_place + 1]).lower()
    found = (word.lower() for word in re.findall(r"[^\W\d_]+", text))
    return next((word for word in found if word in PLACES and word not in STOPWORDS), "")  # not `mine uncle`


def _time_of_day(slugline_time: str, text: str) -> str:
    said = " ".join(slugline_time.lower().split())
    if said in TIMES_OF_DAY:
        return TIMES_OF_DAY[said]
    if said not in CONTINUITY:
        found = _TIME_WORDS.search(said)
        return TIMES_OF_DAY[found.group(1).lower()] if found else said[:MAX_TIME_OF_DAY_CHARS]
    found = _TIME_WORDS.search(text)
    return TIMES_OF_DAY[" ".join(found.group(1).lower().split())] if found else ""
