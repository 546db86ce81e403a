"""The openai shot planner against a local fake OpenAI server, over real HTTP: the model's
storyboard, validated, with the script's look, the scene's setting and the shared timing."""

from __future__ import annotations

import pytest

from reelflow_kit.ai import AIProviderError, AISettings, SceneText, ScriptContext, make_shot_planner
from reelflow_kit.ai.scene_reading import spoken_text
from reelflow_kit.ai.timing import MAX_SHOTS, reading_seconds
from tests.support.fake_openai import CHAT, FakeOpenAI, completion

STYLE = "moody film noir look, high contrast, deep shadows"
CONTEXT = ScriptContext(title="The Last Ferry", characters=("Nora", "Eli"), style_suffix=STYLE, aspect="16:9")
SCENE = SceneText(
    order=4,
    heading="INT. HARBOR CAFE - NIGHT",
    text="""INT. HARBOR CAFE - NIGHT

Nora and Eli share soup. Rain streaks the glass.

                      ELI
          I missed the first boat on purpose.""",
)
STORYBOARD = {
    "shots": [
        {
            "order": 1,
            "description": "Nora and Eli at a steamy cafe table",
            "image_prompt": "Wide shot of Nora and Eli sharing soup in a harbor cafe at night, rain on the window",
            "narration": "Nora and Eli share soup. Rain streaks the glass.",
        },
        {
            "order": 2,
            "description": "Eli confesses",
            "image_prompt": "Close-up of Eli, 70s, weathered face, lamplight, looking down at his bowl.",
            "narration": "Eli says, “I missed the first boat on purpose.”",
        },
    ]
}


@pytest.fixture
def fake():
    with FakeOpenAI() as server:
        yield server


def planner_for(fake: FakeOpenAI):
    return make_shot_planner(
        AISettings(ai_provider="openai", openai_base_url=fake.url, openai_model="planner-large", openai_max_retries=0)
    )


async def test_the_models_storyboard_becomes_shots_with_the_scripts_look_and_its_usage(fake):
    fake.chat.reply(completion(STORYBOARD, prompt_tokens=700, completion_tokens=260))
    plan = await planner_for(fake).plan_shots(SCENE, context=CONTEXT)

    assert [shot.order for shot in plan.shots] == [1, 2]
    assert plan.shots[0].description == "Nora and Eli at a steamy cafe table"
    assert plan.shots[0].image_prompt == (
        f"Wide shot of Nora and Eli sharing soup in a harbor cafe at night, rain on the window. {STYLE}"
    )
    assert plan.shots[1].image_prompt.endswith(f"looking down at his bowl. {STYLE}")
    assert [shot.characters for shot in plan.shots] == [("Nora", "Eli"), ("Eli",)]
    assert (plan.setting, plan.time_of_day) == ("harbor cafe (interior)", "night")
    assert plan.duration_s == reading_seconds(spoken_text(SCENE.text))
    assert " ".join(shot.narration for shot in plan.shots) == spoken_text(SCENE.text)
    usage = plan.usage
    assert (usage.provider, usage.model, usage.input_tokens, usage.output_tokens) == (
        "openai",
        "planner-large",
        700,
        260,
    )
    [request] = fake.requests_to(CHAT)
    assert request.body["response_format"]["json_schema"]["name"] == "shot_plan"
    asked = request.body["messages"][-1]["content"]
    assert SCENE.text in asked and "The script's characters: Nora, Eli" in asked and "Frame: 16:9" in asked


@pytest.mark.parametrize(
    "invalid, problem",
    [
        ({"shots": []}, "shots"),
        ({"shots": [{**STORYBOARD["shots"][0], "order": n} for n in range(1, MAX_SHOTS + 2)]}, "shots"),
        ({"shots": [{**STORYBOARD["shots"][0], "image_prompt": "  "}]}, "image_prompt"),
    ],
)
async def test_too_few_or_too_many_shots_or_a_blank_prompt_is_repaired_once(fake, invalid, problem):
    fake.chat.reply(
        completion(invalid, prompt_tokens=10, completion_tokens=20),
        completion(STORYBOARD, prompt_tokens=30, completion_tokens=40),
    )
    plan = await planner_for(fake).plan_shots(SCENE, context=CONTEXT)

    assert len(plan.shots) == 2
    assert (plan.usage.input_tokens, plan.usage.output_tokens) == (40, 60)
    repair = fake.requests_to(CHAT)[1].body["messages"][-1]["content"]
    assert problem in repair and "corrected JSON" in repair


async def test_a_storyboard_still_invalid_after_the_repair_is_an_invalid_output_error(fake):
    fake.chat.reply(completion({"shots": []}), completion({"shots": []}))
    with pytest.raises(AIProviderError) as failed:
        await planner_for(fake).plan_shots(SCENE, context=CONTEXT)
    assert (failed.value.code, failed.value.attempts) == ("invalid_output", 2)
