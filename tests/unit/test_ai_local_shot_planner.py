"""Local shot planning: 1-6 shots whose durations come from their text and add up to the scene's
reading time, whose narration is the scene's spoken text, and whose prompts carry setting, time
of day, characters, mood, frame shape and the script's style suffix."""

from __future__ import annotations

from reelflow_kit.ai import SceneText, ScriptContext, make_shot_planner
from reelflow_kit.ai.local.shot_planner import plan_scene
from reelflow_kit.ai.scene_reading import spoken_text
from reelflow_kit.ai.timing import MAX_SHOTS, MIN_SHOT_S, reading_seconds, share_duration, word_count

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
    assert round(sum(shot.duration_s for shot in plan.shots), 1) == reading_seconds(spoken_text(CAFE.text))
    assert plan.duration_s == reading_seconds(spoken_text(CAFE.text))


def test_each_duration_comes_from_the_words_its_shot_covers():
    plan = plan_scene(LONG, CONTEXT)
    words = [word_count(shot.narration) for shot in plan.shots]
    assert [shot.duration_s for shot in plan.shots] == share_duration(plan.duration_s, words)
    assert all(shot.duration_s >= MIN_SHOT_S for shot in plan.shots)


def test_the_shots_narration_joined_is_the_scenes_spoken_text():
    for scene in (CAFE, LONG):
        plan = plan_scene(scene, CONTEXT)
        assert " ".join(shot.narration for shot in plan.shots) == spoken_text(scene.text)
    assert "ELI" not in spoken_text(CAFE.text) and "INT." not in spoken_text(CAFE.text)


def test_a_scene_gets_between_one_and_six_shots_numbered_from_one():
    one = plan_scene(SceneText(order=1, text="EXT. PIER - DAY\n\nGulls."), CONTEXT)
    many = plan_scene(LONG, CONTEXT)
    assert len(one.shots) == 1 and len(many.shots) == MAX_SHOTS
    for plan in (one, many, plan_scene(CAFE, CONTEXT)):
        assert [shot.order for shot in plan.shots] == list(range(1, len(plan.shots) + 1))


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
    assert speaking and speaking[0].description.startswith("Medium close-up on Eli: Eli says “I missed")
    assert all("\n" not in shot.description and len(shot.description) <= 500 for shot in plan.shots)


def test_names_written_in_capitals_are_given_as_names_in_prompts():
    scene = SceneText(order=1, text="EXT. HARBOR - DAWN\n\nNORA (40s, oilskin coat) coils a rope on the pier.")
    shot = plan_scene(scene, CONTEXT).shots[0]
    assert "Nora (40s, oilskin coat) coils a rope" in shot.image_prompt and "NORA" not in shot.image_prompt
    assert shot.characters == ("Nora",)


def test_a_scene_with_nothing_to_read_is_one_establishing_shot_of_its_place():
    plan = plan_scene(SceneText(order=2, heading="INT. ENGINE ROOM - NIGHT", text="INT. ENGINE ROOM - NIGHT"), CONTEXT)
    [shot] = plan.shots
    assert (shot.narration, shot.duration_s) == ("", MIN_SHOT_S)
    assert "An establishing view of engine room (interior)." in shot.image_prompt


def test_planning_is_deterministic():
    assert plan_scene(CAFE, CONTEXT) == plan_scene(CAFE, CONTEXT)
    other_look = ScriptContext(title="Other", characters=CONTEXT.characters, style_suffix="graphic novel panel")
    assert plan_scene(CAFE, other_look).shots[0].image_prompt.endswith("graphic novel panel")


async def test_the_local_planner_records_zero_usage():
    plan = await make_shot_planner().plan_shots(CAFE, context=CONTEXT)
    assert plan == plan_scene(CAFE, CONTEXT)
    assert (plan.usage.provider, plan.usage.input_tokens, plan.usage.output_tokens) == ("local", 0, 0)
