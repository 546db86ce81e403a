"""The openai script writer against a local fake OpenAI server, over real HTTP."""

from __future__ import annotations

import socket

import pytest

from reelflow_kit.ai import AIProviderError, AISettings, make_script_writer
from tests.support.fake_openai import CHAT, FakeOpenAI, completion, error

PREMISE = "A retired lighthouse keeper named Mara finds a message in a bottle from her younger self."

SCREENPLAY = {
    "title": "Salt Letters",
    "scenes": [
        {
            "slugline": "INT. LIGHTHOUSE - NIGHT",
            "beats": [
                {"kind": "action", "character": "", "parenthetical": "", "text": "MARA (60s) uncorks a green bottle."},
                {"kind": "dialogue", "character": "MARA", "parenthetical": "", "text": "That's my handwriting."},
            ],
        },
        {
            "slugline": "EXT. HARBOR - DAWN",
            "beats": [
                {"kind": "action", "character": "", "parenthetical": "", "text": "Mara walks the pier, reading."},
            ],
        },
    ],
}
BAD_SLUGLINE = {**SCREENPLAY, "scenes": [{**SCREENPLAY["scenes"][0], "slugline": "The lighthouse at night"}]}


@pytest.fixture
def fake():
    with FakeOpenAI() as server:
        yield server


def writer_for(fake: FakeOpenAI, **overrides):
    settings = dict(
        ai_provider="openai",
        openai_base_url=fake.url,
        openai_api_key="sk-fake",
        openai_model="writer-large",
        openai_max_retries=2,
        openai_backoff_s=0.01,
        openai_backoff_max_s=0.05,
    )
    return make_script_writer(AISettings(**{**settings, **overrides}))


async def test_a_structured_answer_becomes_a_screenplay_with_its_token_usage(fake):
    fake.chat.reply(completion(SCREENPLAY, prompt_tokens=321, completion_tokens=654))
    script = await writer_for(fake).write_script(PREMISE, target_scenes=2)

    assert script.title == "Salt Letters"
    assert script.content.startswith("FADE IN:\n\nINT. LIGHTHOUSE - NIGHT\n\nMARA (60s) uncorks a green bottle.")
    assert "EXT. HARBOR - DAWN" in script.content and " " * 22 + "MARA\n" in script.content
    assert (script.usage.provider, script.usage.model) == ("openai", "writer-large")
    assert (script.usage.input_tokens, script.usage.output_tokens) == (321, 654)

    [request] = fake.requests_to(CHAT)
    assert request.headers["authorization"] == "Bearer sk-fake"
    assert request.body["model"] == "writer-large"
    fmt = request.body["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["strict"] is True
    assert fmt["json_schema"]["schema"]["required"] == ["title", "scenes"]
    user = request.body["messages"][-1]["content"]
    assert PREMISE in user and "2 scenes" in user


async def test_a_title_hint_is_asked_for_and_kept(fake):
    fake.chat.reply(completion(SCREENPLAY))
    script = await writer_for(fake).write_script(PREMISE, title_hint="The Keeper")
    assert script.title == "The Keeper"
    assert "Title: The Keeper" in fake.requests_to(CHAT)[0].body["messages"][-1]["content"]


async def test_a_429_is_retried_after_the_servers_retry_after(fake):
    fake.chat.reply(
        error(429, "slow down", retry_after="0.2"), completion(SCREENPLAY, prompt_tokens=5, completion_tokens=7)
    )
    script = await writer_for(fake).write_script(PREMISE)

    first, second = fake.requests_to(CHAT)
    assert second.received_at - first.received_at >= 0.2
    assert script.title == "Salt Letters"
    assert (script.usage.input_tokens, script.usage.output_tokens) == (5, 7)


@pytest.mark.parametrize(
    "invalid, problem",
    [
        ('{"title": "Salt Letters", "scenes": [', "Invalid JSON"),
        (BAD_SLUGLINE, "slugline"),
    ],
)
async def test_invalid_output_is_repaired_once_by_sending_the_error_back(fake, invalid, problem):
    fake.chat.reply(
        completion(invalid, prompt_tokens=100, completion_tokens=50),
        completion(SCREENPLAY, prompt_tokens=200, completion_tokens=300),
    )
    script = await writer_for(fake).write_script(PREMISE)

    assert script.title == "Salt Letters"
    assert (script.usage.input_tokens, script.usage.output_tokens) == (300, 350)
    first, repair = fake.requests_to(CHAT)
    assert repair.body["messages"][:2] == first.body["messages"]
    said, asked = repair.body["messages"][2:]
    assert said["role"] == "assistant" and "Salt Letters" in said["content"]
    assert asked["role"] == "user" and problem in asked["content"] and "corrected JSON" in asked["content"]


async def test_output_still_invalid_after_the_repair_is_an_invalid_output_error(fake):
    fake.chat.reply(completion("Sure! Here is your screenplay."), completion(BAD_SLUGLINE))
    with pytest.raises(AIProviderError) as failed:
        await writer_for(fake).write_script(PREMISE)
    assert failed.value.code == "invalid_output"
    assert failed.value.attempts == 2
    assert "slugline" in str(failed.value)
    assert failed.value.usage.input_tokens == 240


async def test_a_persistent_500_fails_after_the_bounded_retries_with_the_servers_error(fake):
    fake.chat.always(error(500, "the upstream model is on fire"))
    with pytest.raises(AIProviderError) as failed:
        await writer_for(fake, openai_max_retries=3).write_script(PREMISE)

    assert len(fake.requests_to(CHAT)) == 4
    assert failed.value.code == "provider_unavailable"
    assert failed.value.attempts == 4
    assert "HTTP 500: the upstream model is on fire" in str(failed.value)
    assert "after 4 requests" in str(failed.value)


async def test_the_fallback_model_takes_over_when_the_first_keeps_failing(fake):
    fake.chat.for_model("writer-large", error(503, "overloaded"))
    fake.chat.for_model("writer-small", completion(SCREENPLAY, prompt_tokens=9, completion_tokens=99))
    script = await writer_for(fake, openai_fallback_models="writer-small").write_script(PREMISE)

    assert [r.model for r in fake.requests_to(CHAT)] == ["writer-large"] * 3 + ["writer-small"]
    assert script.usage.model == "writer-small"
    assert (script.usage.input_tokens, script.usage.output_tokens) == (9, 99)


async def test_when_every_model_fails_the_error_names_each(fake):
    fake.chat.for_model("writer-large", error(500, "large is down"))
    fake.chat.for_model("writer-small", error(404, "no such model", error_type="invalid_request_error"))
    with pytest.raises(AIProviderError) as failed:
        await writer_for(fake, openai_fallback_models="writer-small").write_script(PREMISE)

    assert [r.model for r in fake.requests_to(CHAT)] == ["writer-large"] * 3 + ["writer-small"]
    assert failed.value.code == "model_not_found"
    assert "writer-large: HTTP 500: large is down" in str(failed.value)
    assert "writer-small: HTTP 404: no such model" in str(failed.value)


async def test_a_retry_after_beyond_the_limit_moves_on_without_waiting(fake):
    fake.chat.for_model("writer-large", error(429, "quota", retry_after="3600"))
    fake.chat.for_model("writer-small", completion(SCREENPLAY))
    script = await writer_for(fake, openai_fallback_models="writer-small", openai_retry_after_max_s=5).write_script(
        PREMISE
    )
    assert [r.model for r in fake.requests_to(CHAT)] == ["writer-large", "writer-small"]
    assert script.usage.model == "writer-small"


async def test_an_authentication_failure_stops_at_once(fake):
    fake.chat.always(error(401, "bad key", error_type="invalid_request_error"))
    with pytest.raises(AIProviderError) as failed:
        await writer_for(fake, openai_fallback_models="writer-small").write_script(PREMISE)
    assert len(fake.requests_to(CHAT)) == 1
    assert (failed.value.code, failed.value.attempts) == ("auth_failed", 1)


async def test_an_unreachable_server_is_retried_then_reported():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = AISettings(
        ai_provider="openai", openai_base_url=f"http://127.0.0.1:{port}/v1", openai_max_retries=1, openai_backoff_s=0.01
    )
    with pytest.raises(AIProviderError) as failed:
        await make_script_writer(settings).write_script(PREMISE)
    assert (failed.value.code, failed.value.attempts) == ("unreachable", 2)
    assert "cannot connect" in str(failed.value)


async def test_the_time_budget_stops_retries_and_fallbacks_that_would_overrun_it(fake):
    fake.chat.always(error(429, "busy", retry_after="1"))
    with pytest.raises(AIProviderError) as failed:
        await writer_for(fake, openai_deadline_s=0.5, openai_fallback_models="writer-small").write_script(PREMISE)
    assert [r.model for r in fake.requests_to(CHAT)] == ["writer-large"]
    assert (failed.value.code, failed.value.attempts) == ("rate_limited", 1)
    assert "would overrun the 0.5s time budget" in str(failed.value)
