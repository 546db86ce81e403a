"""Local shot planning: shots paced between the shortest and the longest, whose durations come from their text and add up to the scene's
reading time, whose narration is the scene's spoken text, and whose prompts carry setting, time
of day, characters, mood, frame shape and the script's style suffix."""

from __future__ import annotations

import re

from reelflow_kit.ai import SceneText, ScriptContext, make_shot_planner
from reelflow_kit.ai.local.shot_planner import plan_scene, shot_visual
from reelflow_kit.ai.scene_reading import read_scene, spoken_text
from reelflow_kit.ai.timing import (
    MAX_SHOT_S,
    MIN_SHOT_S,
    SCENE_MIN_S,
    Pacing,
    reading_seconds,
    share_duration,
    word_count,
)

STYLE = "watercolor illustration, loose ink lines, soft pastel washes, textured paper"
CONTEXT = ScriptContext(title="The Last Ferry", characters=("Nora", "Eli"), style_suffix=STYLE, aspect="9:16")
CAFE = SceneText(
    order=4,
    heading="INT. HARBOR CAFE - NIGHT",
    text="""INT. HARBOR CAFE - NIGHT

Nora and Eli share soup at a corner table. Rain streaks the glass behind them.

The radio plays an old song that neither of them names.

                      ELI
          I missed the first boat on purpose.

                      NORA
          I know. I watched you do it.""",
)
LONG = SceneText(
    order=1,
    text="EXT. OPEN SEA - DAY\n\n"
    + " ".join(
        f"The ferry passes buoy number {n} while the gulls circle and the spray rises over the bow." for n in range(12)
    ),
)


def test_durations_add_up_to_the_scenes_reading_time():
    plan = plan_scene(CAFE, CONTEXT)
    assert round(sum(shot.duration_s for shot in plan.shots), 1) == reading_seconds(
        spoken_text(CAFE.text, CONTEXT.characters)
    )
    assert plan.duration_s == reading_seconds(spoken_text(CAFE.text, CONTEXT.characters))


def test_each_duration_comes_from_the_words_its_shot_covers():
    plan = plan_scene(LONG, CONTEXT)
    words = [word_count(shot.narration) for shot in plan.shots]
    assert [shot.duration_s for shot in plan.shots] == share_duration(plan.duration_s, words)
    assert all(shot.duration_s >= MIN_SHOT_S for shot in plan.shots)


def test_the_shots_narration_joined_is_the_scenes_spoken_text():
    for scene in (CAFE, LONG):
        plan = plan_scene(scene, CONTEXT)
        assert " ".join(shot.narration for shot in plan.shots) == spoken_text(scene.text, CONTEXT.characters)
    assert "ELI" not in spoken_text(CAFE.text, CONTEXT.characters) and "INT." not in spoken_text(
        CAFE.text, CONTEXT.characters
    )


def test_shots_are_numbered_from_one_and_a_long_passage_gets_more_shots_not_longer_ones():
    one = plan_scene(SceneText(order=1, text="EXT. PIER - DAY\n\nGulls."), CONTEXT)
    many = plan_scene(LONG, CONTEXT)  # 12 sentences of 17 words: 81.6 s
    assert len(one.shots) == 1 and len(many.shots) == 12
    for plan in (one, many, plan_scene(CAFE, CONTEXT)):
        assert [shot.order for shot in plan.shots] == list(range(1, len(plan.shots) + 1))
        assert all(MIN_SHOT_S <= shot.duration_s <= MAX_SHOT_S for shot in plan.shots)
    longer = SceneText(order=1, text=LONG.text + " " + LONG.text.split("\n\n", 1)[1])
    assert len(plan_scene(longer, CONTEXT).shots) == 24
    assert max(shot.duration_s for shot in plan_scene(longer, CONTEXT).shots) <= MAX_SHOT_S


def test_a_sentence_longer_than_the_longest_shot_is_cut_at_its_clauses():
    sentence = (
        "Nora runs along the harbor wall, past the shuttered ticket office and the stacked lobster pots, "
        "past the chandler's window with its brass lamps, and down the slick stone steps to the water, "
        "where the last ferry is already pulling away from the pier."
    )  # 44 words: 17.6 s
    plan = plan_scene(SceneText(order=1, text=f"EXT. HARBOR - DUSK\n\n{sentence}"), CONTEXT)
    assert len(plan.shots) == 3
    assert all(MIN_SHOT_S <= shot.duration_s <= MAX_SHOT_S for shot in plan.shots)
    assert " ".join(shot.narration for shot in plan.shots) == sentence
    assert all(shot.narration.endswith((",", ".")) for shot in plan.shots)  # cut after clauses
    assert plan.shots[1].description != plan.shots[0].description  # each piece shows its own words


# ascent_to_guru_peak.fountain, as written (line breaks inside sentences, a sign's words after `reads:`)
GURU_STREAM = SceneText(
    order=4,
    text="""EXT. MOUNT GURU STREAM--DAY

Yorblef hikes across a stream.

He stops
where the trail ends abruptly
over the cliff of
a deep chasm.

YORBLEF
Uh, seriously?

He notices a sign, which reads:

"YES, SERIOUSLY"

He laughs.
""",
)
GURU_SIGN = SceneText(
    order=1,
    text="""EXT. MOUNT GURU FOOTHILLS--DAY

He stops and looks at a wooden sign,
which has arrows on it
which point in different directions for each trail.
It reads:

"GURU 12 MI. IGNORANCE AND DESPAIR 5 MI. FOOTHILLS 4 MI."

His curiosity piqued, he takes the "GURU 12 MI." trail.

He doesn't know
whether to laugh for the absurd extremity of the situation
or cry because he fears for his life.
He settles for both.
""",
)
GURU = ScriptContext(title="Ascent to Guru Peak", characters=("Yorblef", "Guru"))


def _seen(prompt: str) -> str:
    """What a prompt says is seen: between its framing and its setting."""
    return prompt.split(". ", 1)[1].split(" Setting:", 1)[0]


def test_a_line_of_dialogue_and_the_action_after_it_are_separate_sentences_in_a_prompt():
    plan = plan_scene(GURU_STREAM, GURU)
    seen = [_seen(shot.image_prompt) for shot in plan.shots]
    assert 'Yorblef speaks. He notices a sign, which reads: "YES, SERIOUSLY". He laughs.' in seen
    assert not any(re.search(r"speaks [^.]", text) for text in seen)
    gift = SceneText(
        order=5,
        text="INT. FLAT - EVENING\n\nJIM\n(laboriously)\nYou've cut off your hair?\n\n"
        "He draws a package from his overcoat pocket and throws it upon the table.\n",
    )  # gift_of_the_magi.fountain
    beats = list(read_scene(gift.text, ("Della", "Jim")).beats)
    assert shot_visual(beats, ("Della", "Jim")) == (
        "Jim speaks. He draws a package from his overcoat pocket and throws it upon the table."
    )


def test_pieces_of_a_sentence_cut_to_fit_a_shot_read_as_sentences_in_prompts():
    plan = plan_scene(GURU_SIGN, GURU)
    seen = [_seen(shot.image_prompt) for shot in plan.shots]
    assert " ".join(shot.narration for shot in plan.shots) == spoken_text(GURU_SIGN.text, GURU.characters)
    assert "He stops and looks at a wooden sign." in seen[0]  # not `sign,.`
    assert seen[1].startswith("Which has arrows on it")  # not `which has`
    assert 'It reads: "Guru 12 MI. IGNORANCE AND DESPAIR 5 MI. FOOTHILLS 4 MI."' in " ".join(seen)  # no `MI.".`
    assert 'he takes the "Guru 12 MI." trail.' in " ".join(seen)  # not `MI." Trail`
    for text in seen:
        assert not re.search(r"[,;:]\.|\.\.|\s\.", text), text
        assert all(s[0].isupper() or s[0] == '"' for s in re.split(r"(?<=[.!?])\s+", text)), text
    # cut where a clause starts, never after a word leading on to the next (`extremity` / `of the situation`)
    assert "He doesn't know whether to laugh for the absurd extremity of the situation." in seen
    assert any(text.startswith("Or cry because he fears for his life.") for text in seen)


def test_short_beats_are_joined_so_no_shot_is_shorter_than_the_minimum():
    scene = SceneText(order=1, text="INT. CABIN - NIGHT\n\nA match. A flame. Smoke. Eli looks up. Nora waits. Silence.")
    plan = plan_scene(scene, CONTEXT)
    assert [shot.duration_s for shot in plan.shots] == [4.4]  # six beats, 11 words: two shots would be too short
    longer = SceneText(order=1, text=scene.text + " Rain on the roof. The kettle. Eli stands. The door opens.")
    assert all(shot.duration_s >= MIN_SHOT_S for shot in plan_scene(longer, CONTEXT).shots)
    assert 1 < len(plan_scene(longer, CONTEXT).shots) < 10


def test_the_pacing_is_configurable():
    slow = Pacing(max_shot_s=20.0, min_shot_s=5.0)
    plan = plan_scene(LONG, CONTEXT, slow)
    assert all(5.0 <= shot.duration_s <= 20.0 for shot in plan.shots)
    assert len(plan.shots) < len(plan_scene(LONG, CONTEXT).shots)
    capped = plan_scene(LONG, CONTEXT, Pacing(max_shots=5))  # 81.6 s of reading in at most 5 x 8 s
    assert len(capped.shots) == 5 and capped.duration_s == 40.0


def test_prompts_carry_setting_time_of_day_characters_mood_frame_and_end_with_the_style():
    plan = plan_scene(CAFE, CONTEXT)
    assert (plan.setting, plan.time_of_day) == ("harbor cafe (interior)", "night")
    first = plan.shots[0].image_prompt
    assert "Setting: harbor cafe (interior)." in first
    assert "Time of day: night, low-key lighting" in first
    assert "Characters: Nora, Eli." in first
    assert "Mood: quiet and melancholic." in first  # rain and an old song outweigh the soup
    assert "Vertical 9:16 composition, no text or lettering." in first
    for shot in plan.shots:
        assert shot.image_prompt.endswith(STYLE)
        assert "I missed the first boat" not in shot.image_prompt  # dialogue is spoken, never drawn


def test_shots_name_the_characters_in_their_beats_and_describe_themselves_in_one_line():
    plan = plan_scene(CAFE, CONTEXT)
    assert plan.shots[0].characters == ("Nora", "Eli")
    assert plan.shots[0].description == "Establishing wide shot: Nora and Eli share soup at a corner table."
    speaking = [shot for shot in plan.shots if "says" in shot.description]
    # two short lines, each under the shortest shot, are one shot of both speakers
    assert speaking and speaking[0].description.startswith("Medium two-shot of Eli and Nora: Eli says “I missed")
    assert all("\n" not in shot.description and len(shot.description) <= 500 for shot in plan.shots)


def test_names_written_in_capitals_are_given_as_names_in_prompts():
    scene = SceneText(order=1, text="EXT. HARBOR - DAWN\n\nNORA (40s, oilskin coat) coils a rope on the pier.")
    shot = plan_scene(scene, CONTEXT).shots[0]
    assert "Nora (40s, oilskin coat) coils a rope" in shot.image_prompt and "NORA" not in shot.image_prompt
    assert shot.characters == ("Nora",)


def test_a_scene_with_nothing_to_read_is_one_establishing_shot_of_its_place():
    plan = plan_scene(SceneText(order=2, heading="INT. ENGINE ROOM - NIGHT", text="INT. ENGINE ROOM - NIGHT"), CONTEXT)
    [shot] = plan.shots
    assert (shot.narration, shot.duration_s) == ("", SCENE_MIN_S)
    assert "An establishing view of engine room (interior)." in shot.image_prompt


def test_planning_is_deterministic():
    assert plan_scene(CAFE, CONTEXT) == plan_scene(CAFE, CONTEXT)
    other_look = ScriptContext(title="Other", characters=CONTEXT.characters, style_suffix="graphic novel panel")
    assert plan_scene(CAFE, other_look).shots[0].image_prompt.endswith("graphic novel panel")


async def test_the_local_planner_records_zero_usage():
    plan = await make_shot_planner().plan_shots(CAFE, context=CONTEXT)
    assert plan == plan_scene(CAFE, CONTEXT)
    assert (plan.usage.provider, plan.usage.input_tokens, plan.usage.output_tokens) == ("local", 0, 0)
