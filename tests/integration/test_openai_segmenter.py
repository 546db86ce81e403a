"""The openai segmenter against a local fake OpenAI server, over real HTTP: the model names each
scene's opening words, the script is cut there; a bad answer is repaired once, then the local
rules take over and say so."""

from __future__ import annotations

import pytest

from reelflow_kit.ai import AIProviderError, AISettings, make_segmenter
from reelflow_kit.ai.local.segmenter import MAX_CHARS
from reelflow_kit.ai.segmentation import covers
from tests.samples import load
from tests.support.fake_openai import CHAT, FakeOpenAI, completion, error

SCRIPT = load("screenplay.txt")
GOOD = {
    "scenes": [
        {"order": 1, "starts_with": "EXT. HARBOR - DAWN Fog sits on the water."},
        {"order": 2, "starts_with": "INT. FERRY CABIN - CONTINUOUS Rows of empty seats."},
        {"order": 3, "starts_with": "EXT. OPEN SEA - DAY"},
        {"order": 4, "starts_with": "INT. HARBOR CAFE - NIGHT"},
    ]
}
PARAPHRASED = {
    "scenes": [
        {"order": 1, "starts_with": "EXT. HARBOR - DAWN"},
        {"order": 2, "starts_with": "Eli is asleep in the ferry cabin"},
    ]
}


@pytest.fixture
def fake():
    with FakeOpenAI() as server:
        yield server


def segmenter_for(fake: FakeOpenAI, **overrides):
    settings = dict(
        ai_provider="openai",
        openai_base_url=fake.url,
        openai_api_key="sk-fake",
        openai_model="segmenter-large",
        openai_max_retries=1,
        openai_backoff_s=0.01,
    )
    return make_segmenter(AISettings(**{**settings, **overrides}))


async def test_the_models_scene_openings_cut_the_script_exactly(fake):
    fake.chat.reply(completion(GOOD, prompt_tokens=900, completion_tokens=80))
    result = await segmenter_for(fake).segment(SCRIPT)

    assert (result.method, result.fell_back, result.note) == ("ai", False, "")
    assert [s.heading for s in result.scenes] == [
        "EXT. HARBOR - DAWN",
        "INT. FERRY CABIN - CONTINUOUS",
        "EXT. OPEN SEA - DAY",
        "INT. HARBOR CAFE - NIGHT",
    ]
    assert covers(SCRIPT, result.scenes) and result.scenes[0].text.startswith("THE LAST FERRY")
    usage = result.usage
    assert (usage.provider, usage.model, usage.input_tokens, usage.output_tokens) == (
        "openai",
        "segmenter-large",
        900,
        80,
    )
    [request] = fake.requests_to(CHAT)
    assert request.body["response_format"]["json_schema"]["name"] == "scene_starts"
    assert SCRIPT in request.body["messages"][-1]["content"]


async def test_openings_not_in_the_script_are_sent_back_once_and_the_repair_is_used(fake):
    fake.chat.reply(
        completion(PARAPHRASED, prompt_tokens=900, completion_tokens=40),
        completion(GOOD, prompt_tokens=1000, completion_tokens=80),
    )
    result = await segmenter_for(fake).segment(SCRIPT)

    assert (result.method, result.fell_back, len(result.scenes)) == ("ai", False, 4)
    assert (result.usage.input_tokens, result.usage.output_tokens) == (1900, 120)
    first, repair = fake.requests_to(CHAT)
    assert repair.body["messages"][:2] == first.body["messages"]
    said, asked = repair.body["messages"][2:]
    assert said["role"] == "assistant" and "Eli is asleep in the ferry cabin" in said["content"]
    assert asked["role"] == "user"
    assert (
        "scene 2: “Eli is asleep in the ferry cabin” is not in the script after the opening of scene 1"
        in asked["content"]
    )


async def test_still_not_covering_after_the_repair_falls_back_to_local_rules_and_says_why(fake):
    fake.chat.reply(
        completion(PARAPHRASED, prompt_tokens=900, completion_tokens=40),
        completion(PARAPHRASED, prompt_tokens=1000, completion_tokens=40),
    )
    result = await segmenter_for(fake).segment(SCRIPT)

    assert len(fake.requests_to(CHAT)) == 2
    assert (result.method, result.fell_back, len(result.scenes)) == ("sluglines", True, 4)
    assert covers(SCRIPT, result.scenes)
    assert result.note.startswith("after one repair, the model's scenes still do not cover the script: scene 2:")
    assert result.note.endswith("segmented locally by sluglines instead")
    assert (result.usage.provider, result.usage.input_tokens, result.usage.output_tokens) == ("openai", 1900, 80)


async def test_an_answer_that_is_never_valid_json_falls_back_too(fake):
    fake.chat.reply(completion("Sure! Scene one is the harbor."), completion('{"scenes": ['))
    result = await segmenter_for(fake).segment(SCRIPT)
    assert (result.method, result.fell_back) == ("sluglines", True)
    assert result.note.startswith("the model gave no valid answer: ")
    assert "invalid output after one repair" in result.note


async def test_a_long_script_costs_a_short_answer_and_is_cut_exactly(fake):
    first_half = load("max_size_200KB")[:150_000]
    turn = "\n\nAt noon the ferry finally docks and the crowd surges forward. "
    script = first_half + turn + "Everyone cheers. " * 2500
    fake.chat.reply(
        completion(
            {
                "scenes": [
                    {"order": 1, "starts_with": "The crowd waits by the pier"},
                    {"order": 2, "starts_with": "At noon the ferry finally docks"},
                ]
            }
        )
    )
    result = await segmenter_for(fake).segment(script)

    assert len(script.encode()) > 190_000
    assert result.method == "ai"
    # the model's two scenes, each cut further at its paragraphs to stay under the local maximum
    opening = next(i for i, s in enumerate(result.scenes) if s.text.startswith("At noon"))
    assert covers(first_half, result.scenes[:opening]) and covers(script, result.scenes)
    assert all(len(s.text) <= MAX_CHARS for s in result.scenes)
    assert script in fake.requests_to(CHAT)[0].body["messages"][-1]["content"]


async def test_a_provider_that_keeps_failing_raises_with_its_error(fake):
    fake.chat.always(error(500, "the upstream model is on fire"))
    with pytest.raises(AIProviderError) as failed:
        await segmenter_for(fake).segment(SCRIPT)
    assert (failed.value.code, failed.value.attempts) == ("provider_unavailable", 2)
    assert "HTTP 500: the upstream model is on fire" in str(failed.value)
