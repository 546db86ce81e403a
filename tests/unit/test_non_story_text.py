"""The non-story text detector the quality bench and the sample tests share: it finds what of a
script is no story from the script itself, and finds it again in any narration or prompt."""

from __future__ import annotations

import pytest

from tests.support.non_story_text import asides_read, leaks, non_story_text

FOUNTAIN = """Title: _**The Night Ferry**_
Credit: Written by
Author: Ada Lane
Draft date: 2024-01-02
Contact: ada@example.org

# ACT ONE

= Mara waits for a ferry that does not come.

EXT. HARBOR - DAWN

Fog. MARA (40s, oilskin coat) coils a rope.[[Thicker fog?]]

MARA
(quietly)
He said he'd be on the first boat.

/* INT. GARAGE - DAY

Mara starts the van. */

CUT TO:

ELI (CONT'D)
He was.
"""

PLAY = """THE NIGHT FERRY

by Ada Lane


I.

Fog sits on the water, and the harbour is empty but for a woman coiling a rope.

MARA.
He said he'd be on the first boat. [_Looks out._]

ELI: He was.

FADE OUT.
"""


@pytest.mark.parametrize(
    ("said", "kind"),
    [
        ("The Night Ferry begins.", "title page"),
        ("A film. Written by Ada Lane.", "title page"),
        ("Contact: ada@example.org", "title-page key"),
        ("Fog. Thicker fog? MARA coils a rope.", "note"),
        ("Mara starts the van.", "boneyard"),
        ("ACT ONE. Fog.", "section"),
        ("Mara waits for a ferry that does not come.", "synopsis"),
        ("Fog. CUT TO: He was.", "transition"),
        ("MARA He said he'd be on the first boat.", "cue"),
        ("ELI (CONT'D) He was.", "cue"),
        ("(quietly) He said he'd be on the first boat.", "parenthetical"),
        ("He said he'd be on the **first** boat.", "emphasis mark"),
        ("Fog [[sits]] on the water.", "markup"),
    ],
)
def test_everything_a_fountain_script_says_outside_its_story_is_found_in_a_narration(said, kind):
    assert kind in {found_kind for found_kind, _ in leaks(non_story_text(FOUNTAIN), said, narration=True)}


def test_the_story_of_a_fountain_script_is_no_leak():
    found = non_story_text(FOUNTAIN)
    for story in ("Fog. MARA (40s, oilskin coat) coils a rope.", "He said he'd be on the first boat. He was."):
        assert leaks(found, story, narration=True) == []
    prompt = "Medium shot. Fog. Mara coils a rope. Characters: Mara. Mara: 40s, oilskin coat. Mood: calm."
    assert leaks(found, prompt, narration=False) == []  # `Mara:` is the look, not the cue `MARA:`


@pytest.mark.parametrize(
    ("said", "kind"),
    [
        ("by Ada Lane", "title page"),
        ("THE NIGHT FERRY", "title page"),
        ("I. Fog sits on the water.", "heading"),
        ("MARA. He said he'd be on the first boat.", "cue"),
        ("ELI: He was.", "cue"),
        ("He was. FADE OUT.", "transition"),
        ("Fog sits on the _water_.", "emphasis mark"),
        ("He said he'd be on the first boat. [Looks out.]", "parenthetical"),
    ],
)
def test_everything_a_plain_script_says_outside_its_story_is_found_in_a_narration(said, kind):
    assert kind in {found_kind for found_kind, _ in leaks(non_story_text(PLAY), said, narration=True)}


def test_a_one_word_phrase_leaks_only_as_a_sentence_of_its_own():
    found = non_story_text(PLAY)
    assert leaks(found, "As well as I. Fog sits on the water.", narration=True) == []
    assert leaks(found, "He said he'd be on the first boat. He was.", narration=True) == []


def test_a_headings_title_may_be_drawn_but_not_read_and_its_number_neither():
    found = non_story_text(
        "# Chapter I. The Harbour\n\nFog sits on the water, and the harbour is empty all day long.\n"
    )
    assert leaks(found, "An establishing view of The Harbour.", narration=False) == []
    assert leaks(found, "Chapter I. The Harbour", narration=True)
    assert leaks(found, "An establishing view of Chapter I.", narration=False)


def test_an_intro_aside_is_reported_apart_from_the_leaks():
    found = non_story_text(FOUNTAIN)
    assert found.intro_asides == ("(40s, oilskin coat)",)
    assert asides_read(found, "Fog. MARA (40s, oilskin coat) coils a rope.") == ["(40s, oilskin coat)"]
    assert asides_read(found, "Fog. Mara coils a rope.") == []


def test_a_phrase_the_story_says_too_is_not_looked_for():
    script = "Title: The Harbour\nAuthor: Ada Lane\n\nEXT. HARBOUR - DAY\n\nThe harbour is empty.\n"
    found = non_story_text(script)
    assert ("title page", "Ada Lane") in found.phrases
    assert ("title page", "The Harbour") not in found.phrases  # the story says it too: it cannot be told apart
    assert leaks(found, "The harbour is empty.", narration=True) == []


def test_a_production_note_written_as_action_is_found_and_a_sentence_starting_with_note_is_story():
    script = (
        "Title: Ascent\n\nEXT. TRAIL--DAY\n\n"
        '**NOTE: We will call this character a "he" just for convenience.**\n\n'
        "Note the scar on his hand.\n"
    )
    found = non_story_text(script)
    said = 'NOTE: We will call this character a "he" just for convenience. He walks.'
    assert ("production note", 'NOTE: We will call this character a "he" just for convenience.') in leaks(
        found, said, narration=True
    )
    assert leaks(found, "Note the scar on his hand.", narration=True) == []
    plain = "EXT. TRAIL - DAY\n\nNOTE TO CASTING: any gender, any age.\n\nHe walks.\n"
    assert ("production note", "NOTE TO CASTING: any gender, any age.") in leaks(
        non_story_text(plain), "NOTE TO CASTING: any gender, any age.", narration=True
    )
