"""Words for image prompts: mood from the scene's words, light from the time of day, framing
from the shot's place in the scene and who is in it, composition from the frame shape."""

from __future__ import annotations

import re

MOODS: tuple[tuple[str, frozenset[str]], ...] = (
    (
        "tense and suspenseful",
        frozenset(
            """storm gun blood scream screams fear afraid danger threat alarm chase
        chases run runs running shadow shadows panic knife fight fights attack crash explodes sirens siren trapped
        escape hunted""".split()
        ),
    ),
    (
        "quiet and melancholic",
        frozenset(
            """fog mist rain rains alone empty grey gray silence silent quiet tears cries
        crying lonely missing gone old faded goodbye grave funeral sleeps""".split()
        ),
    ),
    (
        "warm and tender",
        frozenset(
            """laugh laughs laughing smile smiles smiling warm share shares hug hugs kiss
        kisses home friend friends together love loves soup tea embrace""".split()
        ),
    ),
    (
        "mysterious",
        frozenset(
            """strange secret secrets hidden whisper whispers unknown map letter envelope bottle
        stranger mysterious door key locked""".split()
        ),
    ),
    (
        "joyful and lively",
        frozenset(
            """crowd dance dances dancing music sings singing party celebrate cheers race
        festival bright kite kites wind windy""".split()
        ),
    ),
)
DEFAULT_MOOD = "calm and contemplative"

LIGHT = {
    "night": "night, low-key lighting and deep shadows",
    "dawn": "dawn, soft pale first light",
    "morning": "morning, fresh clear light",
    "midday": "midday, bright overhead sun",
    "afternoon": "afternoon, warm angled light",
    "dusk": "dusk, golden low sun and long shadows",
    "evening": "evening, blue-hour light",
    "day": "daytime, natural light",
}

COMPOSITION = {
    "16:9": "widescreen 16:9 composition",
    "9:16": "vertical 9:16 composition",
    "1:1": "square 1:1 composition",
}

_WORD = re.compile(r"[^\W\d_]+")


def mood_of(text: str) -> str:
    """The mood whose words the text uses most (ties go to the first listed); DEFAULT_MOOD if none."""
    words = [w.lower() for w in _WORD.findall(text)]
    scores = [(sum(1 for w in words if w in vocabulary), -rank, mood) for rank, (mood, vocabulary) in enumerate(MOODS)]
    best = max(scores)
    return best[2] if best[0] > 0 else DEFAULT_MOOD


def light_for(time_of_day: str) -> str:
    return LIGHT.get(time_of_day, time_of_day)


def framing_for(order: int, count: int, characters: tuple[str, ...], speaking: bool) -> str:
    """The camera framing of shot `order` of `count`."""
    if count == 1:
        return "Wide shot"
    if order == 1:
        return "Establishing wide shot"
    if speaking and len(characters) == 1:
        return f"Medium close-up on {characters[0]}"
    if speaking and len(characters) == 2:
        return f"Medium two-shot of {characters[0]} and {characters[1]}"
    if order == count and count >= 3:
        return "Wide shot"
    return ("Medium shot", "Close-up", "Medium wide shot")[order % 3]
