"""The local script writer: offline, deterministic, and a real screenplay about the premise."""

from __future__ import annotations

import re

import pytest

from reelflow_contracts.messages.common import MAX_SCRIPT_BYTES
from reelflow_contracts.messages.script import ScriptCreated
from reelflow_kit.ai import WrittenScript
from reelflow_kit.ai.local import LocalScriptWriter

SLUGLINE = re.compile(r"^(INT|EXT)\. \S.* - (DAY|NIGHT|DAWN|DUSK|MORNING|EVENING)$", re.MULTILINE)
CUE = re.compile(r"^ {22}([A-Z][A-Z0-9 .'’-]+)$", re.MULTILINE)
DIALOGUE_AFTER_CUE = re.compile(r"^ {22}[A-Z][A-Z0-9 .'’-]+\n( {16}\(.+\)\n)? {10}\S", re.MULTILINE)

LIGHTHOUSE = "A retired lighthouse keeper named Mara finds a message in a bottle from her younger self."
PREMISES = [
    LIGHTHOUSE,
    "Two rival chefs in Lisbon must cook together to save a failing restaurant.",
    "When her brother vanishes, a young detective searches the abandoned space station for clues.",
    "An orphan girl befriends the dragon living under the old bridge in Prague.",
    "A robot learns to paint.",
    "heist on the moon",
    "THE LAST TRAIN HOME",
    "Zoë, une boulangère à Montréal, découvre une recette secrète.",
    "???",
    "A man walks. " * 300,
]


async def write(premise: str, **kwargs) -> WrittenScript:
    return await LocalScriptWriter().write_script(premise, **kwargs)


def flat(text: str) -> str:
    return " ".join(text.split())


async def test_the_same_premise_always_gives_the_same_script():
    first, second = await write(LIGHTHOUSE), await write(LIGHTHOUSE)
    assert first == second
    assert await write(" ".join(LIGHTHOUSE.split(" "))) == first


async def test_different_premises_give_different_scripts():
    scripts = [await write(p) for p in PREMISES]
    assert len({s.content for s in scripts}) == len(PREMISES)


@pytest.mark.parametrize("premise", PREMISES)
async def test_every_premise_gives_a_screenplay_of_three_to_eight_scenes(premise):
    script = await write(premise)
    sluglines = SLUGLINE.findall(script.content)
    assert 3 <= len(sluglines) <= 8
    assert script.content.startswith("FADE IN:\n\n") and script.content.rstrip().endswith("FADE OUT.")
    assert len(DIALOGUE_AFTER_CUE.findall(script.content)) >= len(sluglines)
    assert len(set(CUE.findall(script.content))) >= 2, "at least two characters speak"
    assert 0 < len(script.title) <= 200
    assert len(script.content.encode("utf-8")) < MAX_SCRIPT_BYTES
    ScriptCreated(
        script_id="s",
        owner_id="u",
        title=script.title,
        content=script.content,
        origin="ai",
        created_at="2025-03-14T09:26:53Z",
        usage=script.usage,
    )


async def test_every_line_between_sluglines_is_action_dialogue_or_a_cue():
    content = (await write(LIGHTHOUSE)).content
    for block in content.split("\n\n")[1:-1]:
        first = block.splitlines()[0]
        is_slugline = SLUGLINE.fullmatch(first) is not None
        is_cue = CUE.fullmatch(first) is not None
        is_action = not first.startswith(" ") and not is_slugline
        assert is_slugline or is_cue or is_action, block
        assert all(len(line) <= 60 for line in block.splitlines()), block


async def test_the_script_is_about_the_premise():
    script = await write(LIGHTHOUSE)
    text = flat(script.content)
    for word in ("MARA", "Mara", "lighthouse", "message", "LIGHTHOUSE"):
        assert word in text
    assert "Mara finds a message in a bottle from her younger self." in text
    assert "retired lighthouse keeper" in text
    assert "INT. LIGHTHOUSE - " in script.content


async def test_places_and_people_of_the_premise_become_locations_and_characters():
    chefs = await write("Two rival chefs in Lisbon must cook together to save a failing restaurant.")
    assert "FAILING RESTAURANT - " in chefs.content and "LISBON " in chefs.content
    assert flat(chefs.content).count("a rival chef") == 2
    assert "must cook together to save a failing restaurant." in flat(chefs.content)
    dragon = await write("An orphan girl befriends the dragon living under the old bridge in Prague.")
    assert "EXT. OLD BRIDGE - " in dragon.content and "the dragon" in dragon.content
    assert "befriends the dragon living under the old bridge in Prague." in flat(dragon.content)


async def test_times_of_day_and_locations_vary_with_the_premise():
    scripts = [await write(p) for p in PREMISES]
    times = {m.group(2) for s in scripts for m in SLUGLINE.finditer(s.content)}
    places = {m.group(0).split(" - ")[0] for s in scripts for m in SLUGLINE.finditer(s.content)}
    assert len(times) >= 4
    assert len(places) >= 12
    for script in scripts:
        lines = [m.group(0) for m in SLUGLINE.finditer(script.content)]
        assert all(a != b for a, b in zip(lines, lines[1:], strict=False)), (
            "no two scenes in a row at one place and time"
        )


@pytest.mark.parametrize("wanted, scenes", [(1, 3), (3, 3), (5, 5), (8, 8), (40, 8)])
async def test_target_scenes_is_followed_within_three_to_eight(wanted, scenes):
    script = await write(LIGHTHOUSE, target_scenes=wanted)
    assert len(SLUGLINE.findall(script.content)) == scenes


async def test_a_title_hint_is_the_title_and_otherwise_the_title_comes_from_the_premise():
    assert (await write(LIGHTHOUSE, title_hint="Salt and Light")).title == "Salt and Light"
    title = (await write(LIGHTHOUSE)).title
    assert any(word in title for word in ("Mara", "Message", "Lighthouse"))


async def test_local_usage_is_zero_and_names_the_provider():
    usage = (await write(LIGHTHOUSE)).usage
    assert usage.provider == "local"
    assert (usage.input_tokens, usage.output_tokens, usage.images) == (0, 0, 0)
