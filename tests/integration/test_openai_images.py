"""The openai image generator against a local fake OpenAI server, over real HTTP: size mapping
per model, base64 or URL answers made into PNGs of exactly the requested size, retries honouring
Retry-After, fallback models, usage, and AIProviderError when it gives up."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from reelflow_kit.ai import AIProviderError, AISettings, ImageRequest, make_image_generator
from reelflow_kit.ai.image_generation import REVISION_LEAD
from tests.support.fake_openai import IMAGES, FakeOpenAI, error, image_result, png

PROMPT = "Wide shot of a ferry cutting through grey swell at dawn, gulls following. cinematic film still"


@pytest.fixture
def fake():
    with FakeOpenAI() as server:
        yield server


def generator_for(fake: FakeOpenAI, **overrides):
    settings = {
        "ai_provider": "openai",
        "openai_base_url": fake.url,
        "openai_image_model": "gpt-image-1.5",
        "openai_max_retries": 2,
        "openai_backoff_s": 0.01,
        **overrides,
    }
    return make_image_generator(AISettings(**settings))


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


async def test_a_base64_answer_becomes_a_png_of_exactly_the_requested_size_with_usage(fake):
    fake.images.reply(image_result(png(1536, 1024), input_tokens=40, output_tokens=4160, revised_prompt="a ferry"))
    image = await generator_for(fake).generate(ImageRequest(prompt=PROMPT, width=1920, height=1080))

    picture = opened(image.png)
    assert (picture.format, picture.size, picture.mode) == ("PNG", (1920, 1080), "RGB")
    assert (image.width, image.height, image.revised_prompt) == (1920, 1080, "a ferry")
    usage = image.usage
    assert (usage.provider, usage.model, usage.images, usage.input_tokens, usage.output_tokens) == (
        "openai",
        "gpt-image-1.5",
        1,
        40,
        4160,
    )
    [request] = fake.requests_to(IMAGES)
    assert request.body == {"model": "gpt-image-1.5", "prompt": PROMPT, "n": 1, "size": "1536x1024"}


async def test_the_picture_is_scaled_to_cover_and_centre_cropped_not_stretched(fake):
    # a server answering a 1080x1080 request with a 1024x1536 picture: its middle, scaled to 1080 wide
    source = Image.new("RGB", (1024, 1536), (0, 0, 255))
    source.paste((255, 0, 0), (0, 512, 1024, 1024))  # the middle third is red
    out = io.BytesIO()
    source.save(out, format="PNG")
    fake.images.reply(image_result(out.getvalue()))
    image = await generator_for(fake).generate(ImageRequest(prompt=PROMPT, width=1080, height=1080))

    picture = opened(image.png).convert("RGB")
    assert picture.size == (1080, 1080)
    assert picture.getpixel((540, 540)) == (255, 0, 0)
    assert picture.getpixel((540, 5))[2] > 200 and picture.getpixel((540, 1074))[2] > 200  # blue above and below


@pytest.mark.parametrize(
    "model, width, height, size, response_format",
    [
        ("dall-e-3", 1920, 1080, "1792x1024", "b64_json"),
        ("dall-e-3", 1080, 1920, "1024x1792", "b64_json"),
        ("dall-e-2", 1920, 1080, "1024x1024", "b64_json"),
        ("gpt-image-2", 1920, 1080, "1920x1088", None),
        ("gpt-image-2", 1080, 1080, "1088x1088", None),
    ],
)
async def test_each_model_is_asked_for_a_size_it_draws_and_the_format_it_takes(
    fake, model, width, height, size, response_format
):
    requested = tuple(int(n) for n in size.split("x"))
    fake.images.reply(image_result(png(*requested)))
    image = await generator_for(fake, openai_image_model=model).generate(
        ImageRequest(prompt=PROMPT, width=width, height=height)
    )

    assert opened(image.png).size == (width, height)
    [request] = fake.requests_to(IMAGES)
    assert (request.body["size"], request.body.get("response_format")) == (size, response_format)


async def test_an_answer_by_url_is_downloaded_and_a_jpeg_with_transparency_free_colors_is_made_png(fake):
    fake.images.reply(image_result(url=fake.hosted(png(1024, 1024, image_format="JPEG"))))
    image = await generator_for(fake, openai_image_model="some-local-diffusion").generate(
        ImageRequest(prompt=PROMPT, width=1080, height=1080)
    )
    picture = opened(image.png)
    assert (picture.format, picture.size) == ("PNG", (1080, 1080))
    assert fake.requests_to(IMAGES)[0].body["size"] == "1024x1024"


async def test_the_reviewers_feedback_is_folded_into_the_prompt(fake):
    fake.images.reply(image_result(png(1536, 1024)))
    await generator_for(fake).generate(
        ImageRequest(prompt=PROMPT, feedback="Make it stormier; show her face.", attempt=2)
    )
    sent = fake.requests_to(IMAGES)[0].body["prompt"]
    assert sent == f"{PROMPT}\n\n{REVISION_LEAD}Make it stormier; show her face."


async def test_a_429_is_retried_after_the_servers_retry_after(fake):
    fake.images.reply(error(429, "slow down", retry_after="0.3"), image_result(png(1536, 1024)))
    image = await generator_for(fake).generate(ImageRequest(prompt=PROMPT))

    first, second = fake.requests_to(IMAGES)
    assert second.received_at - first.received_at >= 0.3
    assert opened(image.png).size == (1920, 1080) and image.usage.images == 1


async def test_a_persistent_500_gives_up_with_an_ai_provider_error(fake):
    fake.images.always(error(500, "the image model is on fire"))
    with pytest.raises(AIProviderError) as failed:
        await generator_for(fake).generate(ImageRequest(prompt=PROMPT))
    assert len(fake.requests_to(IMAGES)) == 3  # the first request and two retries
    assert (failed.value.code, failed.value.attempts, failed.value.usage.images) == ("provider_unavailable", 3, 0)
    assert "HTTP 500: the image model is on fire" in str(failed.value)


async def test_a_retry_after_beyond_the_limit_moves_to_the_fallback_model_and_is_reported(fake):
    fake.images.for_model("gpt-image-1.5", error(429, "quota", retry_after="3600"))
    fake.images.for_model("dall-e-3", image_result(png(1792, 1024)))
    image = await generator_for(fake, openai_image_fallback_models="dall-e-3", openai_retry_after_max_s=5).generate(
        ImageRequest(prompt=PROMPT)
    )
    assert [r.model for r in fake.requests_to(IMAGES)] == ["gpt-image-1.5", "dall-e-3"]
    assert image.usage.model == "dall-e-3" and opened(image.png).size == (1920, 1080)

    fake.images.for_model("dall-e-3", error(429, "quota", retry_after="3600"))
    with pytest.raises(AIProviderError) as failed:
        await generator_for(fake, openai_image_fallback_models="dall-e-3", openai_retry_after_max_s=5).generate(
            ImageRequest(prompt=PROMPT)
        )
    assert (failed.value.code, failed.value.retry_after) == ("rate_limited", 3600)


async def test_an_unknown_model_falls_back_and_an_unreadable_image_is_invalid_output(fake):
    fake.images.for_model("gpt-image-9", error(404, "no such model", error_type="invalid_request_error"))
    fake.images.for_model("gpt-image-1.5", image_result(b"not a picture at all"))
    with pytest.raises(AIProviderError) as failed:
        await generator_for(
            fake, openai_image_model="gpt-image-9", openai_image_fallback_models="gpt-image-1.5"
        ).generate(ImageRequest(prompt=PROMPT))
    assert [r.model for r in fake.requests_to(IMAGES)] == ["gpt-image-9", "gpt-image-1.5"]
    assert failed.value.code == "invalid_output" and failed.value.usage.images == 1
    assert "gpt-image-9: HTTP 404: no such model" in str(failed.value)


async def test_an_authentication_failure_stops_at_once(fake):
    fake.images.always(error(401, "bad key", error_type="invalid_request_error"))
    with pytest.raises(AIProviderError) as failed:
        await generator_for(fake, openai_image_fallback_models="dall-e-3").generate(ImageRequest(prompt=PROMPT))
    assert len(fake.requests_to(IMAGES)) == 1 and failed.value.code == "auth_failed"
