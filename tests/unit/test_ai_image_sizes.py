"""Size mapping for OpenAI-compatible image models, and making any answer a PNG of exactly the frame."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from reelflow_kit.ai.openai_compat.image_sizes import (
    DALL_E_2_SIZES,
    DALL_E_3_SIZES,
    GPT_IMAGE_SIZES,
    api_size,
    fit_png,
    spec_for,
)

FRAMES = {"16:9": (1920, 1080), "9:16": (1080, 1920), "1:1": (1080, 1080)}


@pytest.mark.parametrize(
    "model, expected",
    [
        ("gpt-image-1.5", {"16:9": (1536, 1024), "9:16": (1024, 1536), "1:1": (1024, 1024)}),
        ("gpt-image-1-mini", {"16:9": (1536, 1024), "9:16": (1024, 1536), "1:1": (1024, 1024)}),
        ("openai/gpt-image-1", {"16:9": (1536, 1024), "9:16": (1024, 1536), "1:1": (1024, 1024)}),
        ("some-local-diffusion", {"16:9": (1536, 1024), "9:16": (1024, 1536), "1:1": (1024, 1024)}),
        ("dall-e-3", {"16:9": (1792, 1024), "9:16": (1024, 1792), "1:1": (1024, 1024)}),
        ("dall-e-2", {"16:9": (1024, 1024), "9:16": (1024, 1024), "1:1": (1024, 1024)}),
        ("gpt-image-2", {"16:9": (1920, 1088), "9:16": (1088, 1920), "1:1": (1088, 1088)}),
        ("gpt-image-2.5-flare", {"16:9": (1920, 1088), "9:16": (1088, 1920), "1:1": (1088, 1088)}),
    ],
)
def test_each_frame_shape_asks_for_the_closest_size_the_model_draws(model, expected):
    spec = spec_for(model)
    assert {aspect: api_size(spec, *frame) for aspect, frame in FRAMES.items()} == expected
    if spec.sizes:
        assert set(expected.values()) <= set(spec.sizes)


def test_only_dall_e_is_sent_a_response_format_and_its_prompt_limits_are_known():
    assert [spec_for(m).sends_response_format for m in ("dall-e-2", "dall-e-3", "gpt-image-1.5", "gpt-image-2")] == [
        True,
        True,
        False,
        False,
    ]
    assert (spec_for("dall-e-2").prompt_limit, spec_for("dall-e-3").prompt_limit) == (1000, 4000)
    assert (spec_for("dall-e-2").sizes, spec_for("dall-e-3").sizes, spec_for("x").sizes) == (
        DALL_E_2_SIZES,
        DALL_E_3_SIZES,
        GPT_IMAGE_SIZES,
    )


def test_free_sizes_stay_multiples_of_16_within_the_models_limits():
    spec = spec_for("gpt-image-2")
    for width, height in [(1920, 1080), (1280, 720), (7000, 1000), (1000, 7000), (3840, 2160), (100, 100)]:
        w, h = api_size(spec, width, height)
        assert w % 16 == 0 and h % 16 == 0
        assert max(w, h) <= spec.max_edge and w * h <= spec.max_pixels
        assert 1 / spec.max_ratio - 0.02 <= w / h <= spec.max_ratio + 0.02
    assert api_size(spec, 3840, 2160) == (3840, 2160)


def encoded(image: Image.Image, image_format: str = "PNG") -> bytes:
    out = io.BytesIO()
    image.save(out, format=image_format)
    return out.getvalue()


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


@pytest.mark.parametrize(
    "source, frame",
    [
        ((1536, 1024), (1920, 1080)),
        ((1024, 1792), (1080, 1920)),
        ((1024, 1024), (1920, 1080)),
        ((1920, 1088), (1920, 1080)),
        ((256, 256), (1080, 1080)),
    ],
)
def test_any_answer_becomes_a_png_of_exactly_the_frame(source, frame):
    result = opened(fit_png(encoded(Image.new("RGB", source, (10, 120, 200))), *frame))
    assert (result.format, result.size, result.mode) == ("PNG", frame, "RGB")
    assert result.getpixel((frame[0] // 2, frame[1] // 2)) == (10, 120, 200)


def test_the_picture_is_centre_cropped_not_stretched():
    # 1536x1024 (3:2) to 16:9: scaled to 1920x1280, 100 rows cut above and below
    source = Image.new("RGB", (1536, 1024), (0, 0, 0))
    source.paste((255, 255, 255), (0, 0, 1536, 40))  # a white band at the top, cropped away
    source.paste((255, 0, 0), (763, 0, 773, 1024))  # a red stripe down the middle stays in the middle
    result = opened(fit_png(encoded(source), 1920, 1080)).convert("RGB")
    assert result.getpixel((960, 2))[0] > 200 and result.getpixel((960, 2))[1] < 60
    assert result.getpixel((100, 2)) == (0, 0, 0)


def test_transparency_is_flattened_onto_black_and_jpeg_or_webp_answers_are_read():
    clear = Image.new("RGBA", (1024, 1024), (255, 255, 255, 0))
    assert opened(fit_png(encoded(clear), 1080, 1080)).convert("RGB").getpixel((540, 540)) == (0, 0, 0)
    for image_format in ("JPEG", "WEBP"):
        result = opened(fit_png(encoded(Image.new("RGB", (1536, 1024), (200, 30, 30)), image_format), 1920, 1080))
        assert (result.format, result.size) == ("PNG", (1920, 1080))


def test_an_exact_rgb_png_is_kept_as_is_and_garbage_is_refused():
    exact = encoded(Image.new("RGB", (1920, 1080), (1, 2, 3)))
    assert fit_png(exact, 1920, 1080) is exact
    with pytest.raises(ValueError, match="cannot be read"):
        fit_png(b"<html>busy</html>", 1920, 1080)
