"""A Fountain screenplay through segmentation, reading and shot planning: the stored text keeps
everything, while the title page, notes, boneyard, sections, synopses and emphasis marks never
reach a block, a narration or a prompt."""

from __future__ import annotations

import re

import pytest

from reelflow_kit.ai import describe_script
from reelflow_kit.ai.characters import find_characters
from reelflow_kit.ai.fountain import read_title_page
from reelflow_kit.ai.local.segmenter import segment_text
from reelflow_kit.ai.local.shot_planner import plan_scene
from reelflow_kit.ai.scene_reading import read_scene, spoken_text
from reelflow_kit.ai.script_blocks import is_production_note, read_blocks
from reelflow_kit.ai.segmentation import covers, heading_of
from tests.samples import load

SCRIPT = """Title:
    _**THE NIGHT SHIFT**_
Credit: Written by
Author: Ada Lane & Bo Chen
Source: An original story, CC BY 4.0
Draft date: 2024-01-02
Contact:
    ada@example.org

# ACT ONE

= Mara waits for a ferry that does not come.

FADE IN:

EXT. HARBOR -- DAWN #1#

Fog sits on the water. MARA (40s, oilskin coat) coils a rope on the *empty* pier.[[Thicker fog?]]

MARA (V.O.)
(quietly)
He said he'd be on the **first** boat.

ELI (O.S.)
He was.

MARA ^
Then where is he?

[[Check the ferry timetable.]]

INT. KITCHEN - NIGHT [[STORYLINE BREAK-INS, CAT]]

ELI (70s) stirs a pot. _Steam_ fogs the window. He hums \\*softly\\*.

ELI (CONT'D)
Soup's ready.

CUT TO:
/*
INT. GARAGE - DAY

MARA starts the van.

MARA
So much for retirement!
*/

~Row, row, row your boat.

> THE END <
"""

NOT_STORY = [
    "Title",
    "Credit",
    "Written by",
    "Ada Lane",
    "Bo Chen",
    "CC BY",
    "Draft date",
    "2024-01-02",
    "example.org",
    "ACT ONE",
    "does not come",
    "Thicker fog",
    "timetable",
    "STORYLINE",
    "GARAGE",
    "van",
    "retirement",
    "[[",
    "]]",
    "/*",
    "*/",
    "**",
    "#",
    "~",
    ">",
    "<",
    "(V.O.)",
    "(O.S.)",
    "CONT'D",
    "^",
]
_EMPHASIS = re.compile(r"\*\w|\w\*|(?<!\w)_\w|\w_(?!\w)")


def assert_story_only(text: str) -> None:
    for words in NOT_STORY:
        assert words not in text, (words, text)
    assert not _EMPHASIS.search(text.replace("*softly*", "")), text


def test_the_stored_text_is_cut_at_the_sluglines_outside_the_boneyard_without_losing_a_character():
    segmentation = segment_text(SCRIPT)
    assert covers(SCRIPT, segmentation.scenes)
    assert [scene.heading for scene in segmentation.scenes] == ["EXT. HARBOR -- DAWN #1#", "INT. KITCHEN - NIGHT"]
    assert segmentation.scenes[0].text.startswith("Title:")  # the title page stays in the stored text
    assert "INT. GARAGE - DAY" in segmentation.scenes[1].text


def test_no_block_says_the_title_page_notes_boneyard_sections_synopses_or_marks():
    blocks = read_blocks(SCRIPT)
    for block in blocks:
        assert_story_only(block.text)
        assert_story_only(block.speaker)
    assert [(b.kind, b.text) for b in blocks[:2]] == [("transition", "FADE IN:"), ("heading", "EXT. HARBOR -- DAWN")]
    assert {b.speaker for b in blocks if b.kind == "dialogue"} == {"MARA", "ELI"}
    assert "He hums *softly*." in " ".join(b.text for b in blocks)  # escaped asterisks are the characters


def test_each_scene_is_narrated_and_drawn_from_its_story_only():
    segmentation = segment_text(SCRIPT)
    context = describe_script(title="The Night Shift", owner_id="user-1", content=SCRIPT, aspect="16:9")
    assert context.characters == ("Mara", "Eli")
    narrations = []
    for scene in segmentation.scenes:
        plan = plan_scene(scene, context)
        for shot in plan.shots:
            assert_story_only(shot.narration)
            assert_story_only(shot.image_prompt.removesuffix(context.style_suffix))
            assert_story_only(shot.description)
            narrations.append(shot.narration)
    assert narrations[0].startswith("Fog sits on the water.")
    assert " ".join(narrations) == " ".join(
        spoken_text(scene.text, context.characters) for scene in segmentation.scenes
    )


# ascent_to_guru_peak.fountain: a note to the reader, written as bold action
GURU_NOTE = """Title: ASCENT TO GURU PEAK
Author: Richard Alexander Hall

EXT. MOUNT GURU FOOTHILLS--DAY

YORBLEF, any gender, any age, and any ethnicity,
in turns petulant and cheery,
comes to a fork in a trail.

**NOTE: We will call this character a "he" just for convenience.**

He stops and looks at a wooden sign,
which has arrows on it
which point in different directions for each trail.

YORBLEF
Huh. New trail?
"""


def test_a_production_note_written_as_action_is_neither_narrated_nor_drawn_but_stays_in_the_text():
    segmentation = segment_text(GURU_NOTE)
    assert covers(GURU_NOTE, segmentation.scenes)
    [scene] = segmentation.scenes
    assert "**NOTE: We will call this character" in scene.text  # stored as written
    context = describe_script(title="Ascent to Guru Peak", owner_id="o", content=GURU_NOTE)
    spoken = spoken_text(scene.text, context.characters)
    assert "NOTE" not in spoken and "convenience" not in spoken
    assert spoken.startswith("Yorblef, any gender") and spoken.endswith("“Huh. New trail?”")
    for shot in plan_scene(scene, context).shots:
        assert "convenience" not in shot.narration and "convenience" not in shot.image_prompt
        assert "NOTE" not in shot.image_prompt


@pytest.mark.parametrize(
    "note",
    [
        '**NOTE: We will call this character a "he" just for convenience.**',
        "*Note: the sign changes between takes.*",
        "_NOTE TO CASTING: any gender, any age._",
        "NOTE TO THE READER: the signs are never explained.",
        "NOTE: shot on location.",
    ],
)
def test_what_is_a_production_note(note):
    assert is_production_note(note)
    for script in (
        f"EXT. TRAIL - DAY\n\n{note}\n\nHe walks.\n",
        f"Title: The Trail\n\nEXT. TRAIL - DAY\n\n{note}\n\nHe walks.\n",
    ):
        assert [b.text for b in read_blocks(script) if b.kind in ("action", "dialogue")] == ["He walks."]


@pytest.mark.parametrize(
    "story",
    [
        "Note the scar on his hand: it is fresh.",
        "Note: the word is on every sign he passes.",  # plain case, no emphasis: story
        "NOTES FROM THE UNDERGROUND lies open on the table.",
        "**Note the silence.**",
        "He finds a NOTE: it says GO HOME.",
    ],
)
def test_action_that_only_starts_with_the_word_note_is_still_narrated(story):
    assert not is_production_note(story)
    scene = f"Title: The Trail\n\nEXT. TRAIL - DAY\n\n{story}\n\nHe walks on.\n"
    assert " ".join(story.replace("**", "").split()) in spoken_text(scene)
    assert " ".join(story.replace("**", "").split()) in spoken_text(scene.removeprefix("Title: The Trail\n\n"))


def test_the_first_scene_reads_its_slugline_despite_the_title_page_and_scene_number():
    reading = read_scene(segment_text(SCRIPT).scenes[0].text, ("Mara", "Eli"))
    assert (reading.heading, reading.setting, reading.time_of_day) == (
        "EXT. HARBOR -- DAWN",
        "harbor (exterior)",
        "dawn",
    )
    assert [beat.speaker for beat in reading.beats if beat.speaker] == ["Mara", "Eli", "Mara"]


def test_characters_come_from_cues_without_extensions_and_never_from_the_title_page():
    assert find_characters(SCRIPT) == ("Mara", "Eli")


def test_the_title_page_gives_the_default_title_and_authors():
    page = read_title_page(SCRIPT)
    assert (page.title, page.authors) == ("THE NIGHT SHIFT", ("Ada Lane", "Bo Chen"))


def test_a_note_in_a_slugline_is_not_part_of_the_heading():
    assert heading_of("INT. KITCHEN - NIGHT [[STORYLINE BREAK-INS, CAT]]\n\nRain.") == "INT. KITCHEN - NIGHT"
    assert heading_of("/*\nINT. GARAGE - DAY\n*/\nEXT. PIER - DAY\n\nRain.") == "EXT. PIER - DAY"


@pytest.mark.parametrize(
    "text",
    [
        "Title: Only a title page\nAuthor: Nobody",
        "[[Just a note.]]",
        "/* All of it\nboneyard */",
    ],
)
def test_a_text_of_only_title_page_notes_or_boneyard_has_nothing_to_read(text):
    assert read_blocks(text) == []
    assert spoken_text(text) == ""


@pytest.mark.parametrize(
    "name",
    [
        "screenplay.txt",
        "prose.txt",
        "scene_numbers.txt",
        "non_latin.txt",
        "long_screenplay (60 scenes)",
        "control_characters",
    ],
)
def test_a_plain_script_with_a_fountain_note_reads_as_it_did_without(name):
    script = load(name)
    assert read_blocks(f"[[A note of the writer.]]\n\n{script}\n\n[[Another.]]") == read_blocks(script)
