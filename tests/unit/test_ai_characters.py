"""Who is in a script: the people of the story, one name each, and how the main ones look.

Screenplays give their speakers (extensions and dual-dialogue carets removed); prose gives its
recurring names, never sentence-initial words, common nouns (German capitalises them all),
languages, placeholders or the title page's names; a full name is one person."""

from __future__ import annotations

import pytest

from reelflow_kit.ai import SceneText, describe_script
from reelflow_kit.ai.characters import describe_characters, find_characters, known_as, named_in
from reelflow_kit.ai.local.shot_planner import plan_scene
from reelflow_kit.ai.openai_compat.shot_planner import ShotDraft, ShotDrafts, shot_plan_of
from reelflow_kit.ai.usage import Usage
from tests.samples import load

PLAIN_SCREENPLAY = """EXT. HARBOR - DAWN

Fog. MARA (40s, oilskin coat) coils a rope on the empty pier. The PHONE rings twice. The PHONE stops.

                      MARA (V.O.)
          He said he'd be on the first boat.

                      ELI (O.S.)
          He was.

                      MARA (CONT'D)
          Then where is he?

                      ALL
          Nobody knows.

                      MARA & ELI
          Together, then.
"""

FOUNTAIN = """Title: The Night Shift
Author: Ada Lane
Contact: Bo Chen

INT. GARAGE - NIGHT

BRICK and STEEL sit in the van.

BRICK
Screw retirement.

STEEL ^
Screw retirement.

STEEL (CONT'D)
Again?

@McCLANE
Yippee ki-yay.
"""


def test_a_screenplays_characters_are_its_speakers_without_extensions():
    assert find_characters(PLAIN_SCREENPLAY) == ("Mara", "Eli")  # not PHONE, ALL, nor "Mara & Eli"
    assert find_characters(load("screenplay.txt")) == ("Nora", "Eli")


def test_dual_dialogue_and_forced_cues_in_fountain_give_one_name_each_and_never_the_title_page():
    assert find_characters(FOUNTAIN) == ("Brick", "Steel", "McCLANE")  # a name in mixed case is kept as written


def test_a_full_name_is_one_person_named_by_either_part():
    prose = (
        "Lena Hart arrived at the lighthouse in October. Inside, the stairs were cold. "
        "She climbed them slowly while the gulls cried over Lena and the rocks. "
        "At the top Lena lit the lamp, and Hart, the old keeper had always said, was a good name for a keeper."
    )
    assert find_characters(prose) == ("Lena Hart",)
    assert named_in("Lena waves.", ("Lena Hart", "Tom")) == ("Lena Hart",)
    assert named_in("HART waves.", ("Lena Hart",)) == ("Lena Hart",)
    screenplay = "INT. OFFICE - DAY\n\nJOHN SMITH (40s) files papers.\n\n                JOHN\n          Done.\n"
    assert find_characters(screenplay) == ("John Smith",)
    assert known_as("JOHN", ("John Smith",)) == "John Smith"


def test_people_of_one_family_stay_apart_and_the_family_name_alone_is_no_one():
    prose = (
        "Mr. Hale knocked at noon. The harbour master, Mr. Hale, never waited long. "
        "Behind him came Mrs. Hale with a basket, and Mrs. Hale set it down. The Hales stayed for tea."
    )
    assert find_characters(prose) == ("Mr. Hale", "Mrs. Hale")
    assert named_in("Hale smiled.", ("Mr. Hale", "Mrs. Hale")) == ()


def test_sentence_initial_words_languages_places_and_placeholders_are_no_one():
    prose = (
        "Inside, the room was cold. Later, Tom lit the stove. Inside, nothing moved. Later the English "
        "tourists came, and Tom showed the English tourists the lamp. They had flown in from London, "
        "and in London it had rained for weeks. Lorem ipsum, said the sign, and Lorem again."
    )
    assert find_characters(prose) == ("Tom",)


def test_in_german_prose_nouns_are_no_one_but_names_and_full_names_are():
    assert find_characters(load("german_prose.txt")) == ("Anna Berger", "Tobias Berger")  # not Fenster, Mühe, Boot


def test_names_on_a_plain_title_page_are_no_one():
    story = "Clara sat by the window. Later Clara wrote to Winter. Winter wrote back, and Clara smiled at Winter."
    assert find_characters(story) == ("Clara", "Winter")
    assert find_characters(f"The Keeper\n\nby Clara Winter\n\n{story}") == ()
    assert find_characters(f"# Das Haus\n\nvon Clara Winter\n\n{story}") == ()


def test_each_main_character_gets_a_look_from_the_text_or_one_of_their_own():
    looks = dict(describe_characters(load("screenplay.txt")))
    assert looks["Nora"].startswith("40s, oilskin coat")  # the text's words first
    assert looks["Eli"].startswith("70s; a ") and "grey" in looks["Eli"] or "white" in looks["Eli"]  # old: grey
    prose = (
        "Lena, a tall woman with a red scarf, walked to the pier. Tom waited. At noon Lena waved at Tom, and Tom waved."
    )
    assert dict(describe_characters(prose)) == {
        "Lena": "a tall woman with a red scarf",
        "Tom": dict(describe_characters(prose))["Tom"],
    }
    assert dict(describe_characters(prose))["Tom"] == dict(describe_characters(prose + " Tom slept."))["Tom"]
    assert describe_characters("No one is here.") == ()


def test_a_characters_look_is_in_every_prompt_they_appear_in_with_either_planner():
    script = load("screenplay.txt")
    context = describe_script(title="The Last Ferry", owner_id="u-1", content=script, aspect="16:9")
    nora = dict(context.looks)["Nora"]
    scene = SceneText(
        order=4,
        text="INT. HARBOR CAFE - NIGHT\n\nNora and Eli share soup at a corner table by the window. "
        "Rain streaks the glass, and the radio plays an old song that neither of them names.",
    )
    shots = plan_scene(scene, context).shots
    assert any("Nora" not in shot.characters for shot in shots)
    for shot in shots:
        assert (f"Nora: {nora}" in shot.image_prompt) == ("Nora" in shot.characters)
    drafts = ShotDrafts(
        shots=[
            ShotDraft(
                order=1,
                description="Soup",
                image_prompt="Wide shot of Nora and Eli",
                narration="Nora and Eli share soup at a corner table by the window.",
            ),
            ShotDraft(
                order=2,
                description="Rain",
                image_prompt="Rain on glass, a radio on the counter",
                narration="Rain streaks the glass, and the radio plays an old song that neither of them names.",
            ),
        ]
    )
    plan = shot_plan_of(drafts, scene, context, usage=Usage())
    assert f"Nora: {nora}" in plan.shots[0].image_prompt and plan.shots[0].image_prompt.endswith(context.style_suffix)
    assert "Nora:" not in plan.shots[1].image_prompt  # no one is in it


@pytest.mark.parametrize("name", ["prose.txt", "markdown.md", "non_latin.txt", "scene_numbers.txt"])
def test_samples_without_recurring_names_have_no_characters(name):
    assert find_characters(load(name)) == ()


def test_a_word_mostly_after_an_article_is_a_thing_and_one_now_and_then_after_one_a_name():
    prose = (
        "I have received a pipe of what passes for Amontillado. Fortunato laughed. "
        "I warned Fortunato, and we went down to find the Amontillado. I gave Fortunato the lamp "
        "and followed Fortunato. At the end of the crypt stood the Amontillado, "
        "and I said that Fortunato should taste the Amontillado first."
    )
    assert find_characters(prose) == ("Fortunato",)


def test_a_full_name_after_a_sentences_first_word_is_found_and_german_nouns_after_numbers_or_inflected_are_not():
    prose = (
        "Als Gregor Samsa eines Morgens erwachte, war es schon sieben Uhr. Gregor sah auf die Uhr, "
        "und es war halb sieben Uhr. Tag aus, Tag ein auf der Reise, dachte Gregor, und das seit acht Tagen. "
        "Nach zwei Tagen sagte Gregor nichts mehr. Um sieben Uhr kam die Mutter, und Samsa schwieg. "
        "Acht Tage war er in der Stadt gewesen, und jeden Abend dachte Gregor an die Reise."
    )
    assert find_characters(prose) == ("Gregor Samsa",)


def test_stage_directions_in_brackets_and_a_plays_cues_give_no_one_and_no_full_stop():
    play = (
        "ROMEO.\nStay, fellow; I can read. [Exit.] Whither should they come?\n\n"
        "SERVANT.\nTo our house. [Exeunt Capulet and Paris.] Whither to supper?\n\n"
        "ROMEO.\nWhose house? [Exit.]\n"
    )
    assert find_characters(play) == ("Romeo", "Servant")


def test_an_honorific_and_its_abbreviation_name_one_person():
    script = (
        "EXT. STREET - DAY\n\nDella stops under a sign: Mme. Sofronie. Hair Goods.\n\n"
        "INT. SHOP - DAY\n\nMADAME SOFRONIE (50s) looks up.\n\nMADAME SOFRONIE\nI buy hair.\n\n"
        "Madame Sofronie lifts the hair with a practised hand.\n\nDELLA\nGood.\n"
    )
    assert find_characters(script) == ("Madame Sofronie", "Della")


def test_a_family_name_the_text_calls_he_is_not_the_lady_of_that_name():
    prose = (
        "Fortunato drank. Then Fortunato laughed, and he drank again. I gave Fortunato a torch, and he "
        "took it. They will be waiting at the palazzo, said Fortunato, the Lady Fortunato and the rest."
    )
    assert find_characters(prose) == ("Fortunato", "Lady Fortunato")


def test_a_word_of_non_ascii_letters_is_no_name_in_capitals():
    prose = "So Alice began again: “Où est ma chatte?” Alice waited, and Alice sighed."
    assert find_characters(prose) == ("Alice",)
