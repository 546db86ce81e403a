"""The local image provider draws real, prompt-driven storyboard frames."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageStat

from reelflow_kit.ai.image_generation import ImageRequest
from reelflow_kit.ai.local.storyboard import LocalImageGenerator, paint, read_prompt

HARBOR = "EXT. HARBOR - DAWN. Nora coils a rope on the empty pier, fog on the water."


def picture(prompt: str, **kw) -> Image.Image:
    return Image.open(io.BytesIO(paint(ImageRequest(prompt=prompt, caption="A caption", **kw))))


@pytest.mark.parametrize("size", [(1920, 1080), (1080, 1920), (1080, 1080)])
def test_frames_are_pngs_of_the_requested_size(size):
    image = picture(HARBOR, width=size[0], height=size[1])
    assert image.format == "PNG" and image.size == size


def test_the_same_prompt_and_attempt_give_the_same_picture_and_another_attempt_reframes_it():
    first = paint(ImageRequest(prompt=HARBOR, caption="c"))
    assert first == paint(ImageRequest(prompt=HARBOR, caption="c"))
    assert first != paint(ImageRequest(prompt=HARBOR, caption="c", attempt=2))


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


def test_the_caption_is_printed_on_the_frame():
    def caption_band(caption: str) -> bytes:
        image = Image.open(io.BytesIO(paint(ImageRequest(prompt=HARBOR, caption=caption))))
        return image.crop((0, int(image.height * 0.88), image.width, image.height)).tobytes()

    assert caption_band("Nora coils a rope") != caption_band("The ferry leaves")


async def test_the_provider_reports_one_image_of_usage():
    generated = await LocalImageGenerator().generate(ImageRequest(prompt=HARBOR, width=1080, height=1080))
    assert (generated.width, generated.height) == (1080, 1080)
    assert generated.usage.images == 1 and generated.usage.provider == "local"
