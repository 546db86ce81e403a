"""The local image provider draws real, prompt-driven storyboard frames."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw, ImageFont, ImageStat

from reelflow_kit.ai.image_generation import ImageRequest
from reelflow_kit.ai.local.storyboard import LocalImageGenerator, paint, read_prompt
from tests.support.review_marks import review_marks

HARBOR = "EXT. HARBOR - DAWN. Nora coils a rope on the empty pier, fog on the water."


def picture(prompt: str, **kw) -> Image.Image:
    return Image.open(io.BytesIO(paint(ImageRequest(prompt=prompt, **kw))))


@pytest.mark.parametrize("size", [(1920, 1080), (1080, 1920), (1080, 1080)])
def test_frames_are_pngs_of_the_requested_size(size):
    image = picture(HARBOR, width=size[0], height=size[1])
    assert image.format == "PNG" and image.size == size


def test_the_same_prompt_and_attempt_give_the_same_picture_and_another_attempt_reframes_it():
    first = paint(ImageRequest(prompt=HARBOR))
    assert first == paint(ImageRequest(prompt=HARBOR))
    assert first != paint(ImageRequest(prompt=HARBOR, attempt=2))


def test_a_frame_is_a_picture_not_a_grey_box():
    image = picture(HARBOR).convert("RGB")
    assert len(image.getcolors(maxcolors=1_000_000)) > 500
    assert max(ImageStat.Stat(image).stddev) > 20


def test_time_of_day_sets_the_light():
    def sky_brightness(prompt: str) -> float:
        image = picture(prompt).convert("L")
        return ImageStat.Stat(image.crop((0, 0, image.width, image.height // 5))).mean[0]

    assert sky_brightness("EXT. FIELD - NIGHT. Wind in the grass.") < sky_brightness(
        "EXT. FIELD - DAY. Wind in the grass."
    )


def test_the_prompt_decides_the_composition():
    assert read_prompt(HARBOR).setting == "sea" and read_prompt(HARBOR).time == "dawn"
    assert read_prompt("INT. KITCHEN - NIGHT. Maya pours coffee.").interior
    assert read_prompt("EXT. CITY STREET - DUSK. Cars pass.").setting == "city"
    assert read_prompt(HARBOR).characters == ("Nora",)
    assert read_prompt("A quiet road.", characters=("Ada", "Tom")).characters == ("Ada", "Tom")
    assert picture(HARBOR).tobytes() != picture("EXT. CITY STREET - DUSK. Nora waits.").tobytes()


FRAMES = [
    HARBOR,
    "INT. KITCHEN - NIGHT. Maya pours coffee. Rain streaks the window.",
    "EXT. CITY STREET - NIGHT. Rain pours. Nora and Eli run.",
    "EXT. SNOW FIELD - DAY. Wind.",
    "EXT. DESERT - NIGHT. A car waits under the stars.",
    "EXT. FOREST - DUSK. Tom walks.",
]


def test_no_text_is_drawn_on_a_frame(monkeypatch):
    """The frame is what the video shows: no attempt number, caption or any other lettering."""
    written: list[object] = []
    for method in ("text", "multiline_text"):
        monkeypatch.setattr(ImageDraw.ImageDraw, method, lambda self, xy, text, *a, **kw: written.append(text))
    for attempt in (1, 2):
        paint(ImageRequest(prompt=HARBOR, attempt=attempt, feedback="make it night" if attempt > 1 else ""))
    assert written == []


@pytest.mark.parametrize("size", [(1280, 720), (720, 1280)])
@pytest.mark.parametrize("prompt", FRAMES)
def test_a_frame_carries_no_review_marks(prompt, size):
    for attempt in (1, 2):
        assert review_marks(picture(prompt, width=size[0], height=size[1], attempt=attempt)) == [], (prompt, attempt)


@pytest.mark.parametrize("size", [(1280, 720), (720, 1280)])
def test_review_marks_are_found_where_the_provider_used_to_draw_them(size):
    """The check above can fail: the stamp, caption band and border the local provider drew
    until now (the same fonts, sizes and places), drawn on a clean frame, are each found."""
    w, h = size

    def marked(*marks: str) -> Image.Image:
        image = picture(FRAMES[2], width=w, height=h).convert("RGB")
        draw = ImageDraw.Draw(image, "RGBA")
        size = max(18, h // 28)
        if "caption" in marks:
            band = 1.8 * size * 1.25
            draw.rectangle((0, h - band, w, h), fill=(0, 0, 0, 165))
            draw.text(
                (w * 0.05, h - band + size * 0.4),
                "EXT. CITY STREET - NIGHT. Rain pours.",
                font=ImageFont.load_default(size=size),
                fill=(250, 250, 245),
            )
        if "border" in marks:
            draw.rectangle((0, 0, w, h), outline=(240, 240, 235), width=max(3, w // 320))
        if "attempt stamp" in marks:
            draw.text(
                (w * 0.02, h * 0.02),
                "ATTEMPT 2",
                font=ImageFont.load_default(size=max(12, size * 2 // 3)),
                fill=(255, 255, 255, 200),
            )
        return image

    assert review_marks(marked()) == []
    for mark in ("attempt stamp", "caption", "border"):
        assert review_marks(marked(mark)) == [mark]


async def test_the_provider_reports_one_image_of_usage():
    generated = await LocalImageGenerator().generate(ImageRequest(prompt=HARBOR, width=1080, height=1080))
    assert (generated.width, generated.height) == (1080, 1080)
    assert generated.usage.images == 1 and generated.usage.provider == "local"
