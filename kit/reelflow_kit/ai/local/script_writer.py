"""The local script writer: a deterministic short screenplay from the premise, offline.

The premise is read for its people, places and stakes (`premise.py`), planned into a story
(`story.py`) and told in 3 to 8 scenes built from beat templates (`beats.py`). Every choice is
drawn from a random generator seeded with a hash of the premise, so one premise always gives
the same script, and two premises different ones.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator

from reelflow_contracts.messages.base import Usage
from reelflow_kit.ai.local import beats
from reelflow_kit.ai.local.premise import read_premise
from reelflow_kit.ai.local.story import Location, Story, plan_story
from reelflow_kit.ai.screenplay import Beat, Scene, Screenplay
from reelflow_kit.ai.script_writing import MAX_LOCAL_SCENES, MIN_LOCAL_SCENES, WrittenScript, written

_TIMES = ("DAY", "NIGHT", "DAWN", "DUSK", "MORNING", "EVENING")
_TIME_WEIGHTS = (4, 4, 1, 1, 2, 2)


class LocalScriptWriter:
    """ScriptWriter without network or key. Usage is zero (`provider="local"`)."""

    async def write_script(
        self, premise: str, *, title_hint: str = "", target_scenes: int | None = None
    ) -> WrittenScript:
        return written(
            write_screenplay(premise, target_scenes),
            title_hint=title_hint,
            usage=Usage(provider="local", model="local-screenplay-v1"),
        )


def write_screenplay(premise: str, target_scenes: int | None = None) -> Screenplay:
    premise = " ".join(premise.split())
    rng = random.Random(int.from_bytes(hashlib.sha256(premise.encode("utf-8")).digest()[:8], "big"))
    reading = read_premise(premise)
    story = plan_story(reading, rng)
    count = _scene_count(target_scenes, len(reading.keywords), rng)
    scenes = []
    previous = None
    for kind, template, location, time in _outline(count, story, rng):
        while (location.slug, time) == previous:  # the same place and time would be one scene
            time = _time(rng)
        previous = (location.slug, time)
        scenes.append(_scene(kind, template, location, time, story, rng))
    return Screenplay(title=_title(story, reading.names, rng), scenes=scenes)


def _scene_count(target: int | None, keywords: int, rng: random.Random) -> int:
    wanted = target if target is not None else 4 + keywords // 6 + rng.randint(0, 1)
    return max(MIN_LOCAL_SCENES, min(MAX_LOCAL_SCENES, wanted))


def _outline(count: int, story: Story, rng: random.Random) -> Iterator[tuple[str, beats.Template, Location, str]]:
    """(beat kind, template, location, time of day) per scene, in story order."""
    middle = max(0, count - 4)
    kinds = ["setup", "incident", *["complication"] * middle, "climax", "resolution"][:count]
    if count == 3:
        kinds = ["setup", "incident", "resolution"]
    complications = rng.sample(beats.COMPLICATION, k=min(middle, len(beats.COMPLICATION)))
    elsewhere = list(story.elsewhere)
    for index, kind in enumerate(kinds):
        if kind == "setup":
            yield kind, rng.choice(beats.SETUP), story.home, rng.choice(("NIGHT", "DAY", "MORNING", "EVENING"))
        elif kind == "incident":
            place = story.home if rng.random() < 0.5 else elsewhere.pop(0)
            yield kind, rng.choice(beats.INCIDENT), place, _time(rng)
        elif kind == "complication":
            template = complications[(index - 2) % len(complications)]
            yield kind, template, elsewhere.pop(0) if elsewhere else story.climax, _time(rng)
        elif kind == "climax":
            yield kind, rng.choice(beats.CLIMAX), story.climax, rng.choice(("NIGHT", "DUSK", "DAY"))
        else:
            yield kind, rng.choice(beats.RESOLUTION), story.home, rng.choice(("DAWN", "MORNING"))


def _time(rng: random.Random) -> str:
    return rng.choices(_TIMES, weights=_TIME_WEIGHTS)[0]


def _scene(
    kind: str, template: beats.Template, location: Location, time: str, story: Story, rng: random.Random
) -> Scene:
    fields = _fields(story, location, time, rng)
    speakers = {"H": story.hero.cue, "F": story.friend.cue}
    lines: list[Beat] = []
    for line in template:
        if line[0] == "A":
            lines.append(Beat(kind="action", character="", parenthetical="", text=line[1].format(**fields)))
        else:
            who, note, text = line
            lines.append(
                Beat(kind="dialogue", character=speakers.get(who, who), parenthetical=note, text=text.format(**fields))
            )
    return Scene(slugline=f"{location.inside}. {location.slug} - {time}", beats=lines)


def _fields(story: Story, location: Location, time: str, rng: random.Random) -> dict[str, str]:
    stake_cap = story.stake[0].upper() + story.stake[1:]
    return {
        "atmosphere": rng.choice(beats.ATMOSPHERE[(location.inside, time)]),
        "hero": story.hero.name,
        "hero_intro": story.hero.introduction,
        "friend": story.friend.name,
        "friend_intro": story.friend.introduction,
        "habit": rng.choice(beats.HABITS),
        "place": location.prose,
        "place_cap": location.prose[0].upper() + location.prose[1:],
        "stake": story.stake,
        "incident": story.incident,
        "echo": f"{stake_cap}. Why now, after all this time?",
    }


def _title(story: Story, names: tuple[str, ...], rng: random.Random) -> str:
    thing = _capitalised(story.stake.removeprefix("the "))
    options = [f"The {thing}", f"{story.hero.name} and the {thing}"]
    if not names:
        options.append(_capitalised(story.home.prose.removeprefix("the ")))
    return rng.choice(options)


def _capitalised(text: str) -> str:
    return " ".join(word[:1].upper() + word[1:] for word in text.split())
