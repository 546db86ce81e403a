"""Offline image generation: a storyboard frame drawn with Pillow from the prompt's words.

The prompt decides the picture: time of day sets the sky and light (dawn, day, dusk, night),
the setting sets the composition (interior room with a window, city skyline, sea, forest,
mountains, desert, snow), the mood shifts the palette, and the named characters stand in it as
silhouettes. The frame is the picture only: no caption, attempt number or border is drawn on it
(it is what the video shows; the studio's review page shows the attempt, its status and the
shot's description and prompt beside it). The same prompt and attempt always give the same
picture; another attempt reframes it. The reviewer's feedback wins over the prompt
where it names a time of day, a setting, inside or outside, a mood or the weather ("make it
night", "no rain"), so a rejected frame's next attempt visibly follows the notes.

Cost: about 0.1-0.2 s of CPU for 1920x1080, mostly PNG encoding (zlib level 1, run-length
strategy: as fast as the default strategy and smaller for drawn frames); the gradient and
vignette masks depend only on the frame size and are computed once per size.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import random
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TypedDict

from PIL import Image, ImageDraw, ImageFilter

from reelflow_contracts.messages.base import Usage
from reelflow_kit.ai.image_generation import GeneratedImage, ImageRequest

RGB = tuple[int, int, int]

SKIES: dict[str, tuple[RGB, RGB]] = {
    "dawn": ((58, 64, 122), (247, 170, 140)),
    "day": ((70, 140, 215), (190, 225, 245)),
    "dusk": ((45, 35, 90), (240, 120, 70)),
    "night": ((8, 12, 35), (35, 45, 90)),
}
TIME_WORDS = {
    "dawn": ("dawn", "sunrise", "morning", "daybreak"),
    "dusk": ("dusk", "sunset", "evening", "twilight", "golden hour"),
    "night": ("night", "midnight", "dark", "moon", "stars"),
    "day": ("day", "noon", "afternoon", "sunny", "daylight"),
}
SETTING_WORDS = {
    "sea": (
        "sea",
        "ocean",
        "harbor",
        "harbour",
        "beach",
        "shore",
        "pier",
        "ferry",
        "boat",
        "coast",
        "lake",
        "river",
        "port",
    ),
    "forest": ("forest", "woods", "tree", "park", "garden", "jungle", "field", "meadow"),
    "mountains": ("mountain", "hill", "cliff", "valley", "canyon", "peak"),
    "desert": ("desert", "dune", "sand"),
    "snow": ("snow", "winter", "ice", "frozen", "arctic"),
    "city": (
        "city",
        "street",
        "road",
        "rooftop",
        "building",
        "avenue",
        "alley",
        "town",
        "square",
        "parking",
        "station",
    ),
}
INTERIOR_WORDS = (
    "int.",
    "interior",
    "room",
    "kitchen",
    "office",
    "cafe",
    "café",
    "bar",
    "apartment",
    "house",
    "hall",
    "library",
    "cabin",
    "bedroom",
    "studio",
    "hospital",
    "classroom",
    "shop",
    "inside",
)
MOODS = {
    "tense": ("tense", "fear", "danger", "storm", "angry", "chase", "run", "scream", "threat"),
    "sad": ("sad", "grief", "cry", "tears", "alone", "lonely", "rain", "funeral"),
    "warm": ("warm", "happy", "smile", "laugh", "love", "hug", "celebrat", "joy", "sun"),
}


@dataclass(frozen=True)
class Scene:
    time: str
    setting: str
    interior: bool
    mood: str
    characters: tuple[str, ...]
    raining: bool


class _SceneChanges(TypedDict, total=False):
    """What feedback may change in a Scene."""

    time: str
    setting: str
    interior: bool
    mood: str
    raining: bool


SLUGLINE = re.compile(r"\b(?:INT|EXT|I/E)\.?(?:/(?:INT|EXT)\.?)?\s[^.\n]*?(?:-\s*[A-Z ]+)?(?:\.|$)")

_LABEL = re.compile(r"\b(Setting|Time of day|Characters|Mood):\s*([^.]*)")
_LABELLED_MOODS = {
    "tense": "tense",
    "suspense": "tense",
    "melanchol": "sad",
    "sad": "sad",
    "lonely": "sad",
    "warm": "warm",
    "tender": "warm",
    "joy": "warm",
    "lively": "warm",
}
_RAIN = re.compile(r"\b(?:rain|rains|raining|rainy|storm|storms|stormy|downpour|drizzle)\b")
_NAME_STOP = {
    "INT",
    "EXT",
    "The",
    "A",
    "An",
    "And",
    "With",
    "Night",
    "Day",
    "Dawn",
    "Dusk",
    "Style",
    "Cinematic",
    "Shot",
    "Scene",
    "Wide",
    "Close",
    "Medium",
    "She",
    "He",
    "They",
    "In",
    "On",
    "At",
    "Of",
    "His",
    "Her",
    "Warm",
    "Cold",
    "Soft",
    "Light",
    "Storyboard",
    "Frame",
    "Film",
    "Photo",
    "Painting",
    "Illustration",
    "Muted",
    "Golden",
    "Moody",
    "Dramatic",
    "Establishing",
    "Low",
    "High",
    "Angle",
    "Palette",
    "Rain",
    "Fog",
    "Sun",
    "Moon",
    "Morning",
    "Evening",
    "Afternoon",
    "Then",
    "Later",
    "Meanwhile",
    "Its",
    "Their",
    "Setting",
    "Time",
    "Characters",
    "Mood",
    "Widescreen",
    "Vertical",
    "Square",
    "Composition",
    "Extreme",
    "Over",
    "Two",
    "Three",
    "Insert",
    "Aerial",
    "Tracking",
    "Portrait",
    "Landscape",
    "Interior",
    "Exterior",
    "Revise",
    "Make",
    "Show",
    "Add",
    "Keep",
    "Less",
    "More",
    "Very",
    "This",
    "That",
    "There",
    "Here",
    "Rows",
    "Inside",
    "Outside",
    "Behind",
    "Under",
    "Above",
    "Below",
    "Through",
    "Across",
    "From",
    "Into",
    "Only",
}

_NOT_RAINING = re.compile(r"\b(?:no|without|not|stop|less|dry)\b[\w ]{0,12}\b(?:rain|raining|storm|stormy)\b|\bdry\b")
Z_RLE = 3
"""zlib's run-length strategy (`compress_type` of Pillow's PNG encoder)."""


def read_prompt(prompt: str, characters: tuple[str, ...] = (), feedback: str = "") -> Scene:
    """What the picture shows: from the prompt, overridden by the feedback where it says otherwise."""
    scene = _read(prompt, characters)
    notes = feedback.lower()
    if not notes.strip():
        return scene
    changes: _SceneChanges = {}
    if time := next((t for t, words in TIME_WORDS.items() if any(re.search(rf"\b{w}", notes) for w in words)), None):
        changes["time"] = time
    if setting := next(
        (s for s, words in SETTING_WORDS.items() if any(re.search(rf"\b{w}", notes) for w in words)), None
    ):
        changes["setting"] = setting
        changes["interior"] = False
    if re.search(r"\b(?:int\.|inside|indoors|interior)", notes) or any(
        re.search(rf"\b{re.escape(w)}s?\b", notes) for w in INTERIOR_WORDS[2:]
    ):
        changes["interior"] = True
    if re.search(r"\b(?:ext\.|outside|outdoors|exterior)", notes):
        changes["interior"] = False
    if mood := next((m for m, words in MOODS.items() if any(re.search(rf"\b{w}", notes) for w in words)), None):
        changes["mood"] = mood
    if _NOT_RAINING.search(notes):
        changes["raining"] = False
    elif _RAIN.search(notes):
        changes["raining"] = True
    return replace(scene, **changes)


def _read(prompt: str, characters: tuple[str, ...] = ()) -> Scene:
    """Read a free prompt, or one with the local shot planner's labels (`Setting:`, `Time of day:`,
    `Characters:`, `Mood:`), which win over words found elsewhere in it (such as the style suffix's)."""
    labels = {m.group(1).lower(): m.group(2).strip().lower() for m in _LABEL.finditer(prompt)}
    lower = prompt.lower()
    unlabelled = _LABEL.sub(" ", prompt).lower()
    time_text = labels.get("time of day") or unlabelled
    time = next((t for t, words in TIME_WORDS.items() if any(re.search(rf"\b{w}", time_text) for w in words)), "day")
    setting_text = labels.get("setting") or lower
    interior = bool(re.search(r"\bint\.", setting_text)) or any(
        re.search(rf"\b{re.escape(w)}", setting_text) for w in INTERIOR_WORDS[1:]
    )
    if re.search(r"\bext\.|\(exterior\)", setting_text):
        interior = False
    setting = next(
        (s for s, words in SETTING_WORDS.items() if any(re.search(rf"\b{w}", setting_text) for w in words)), "open"
    )
    if "mood" in labels:
        mood = next((m for word, m in _LABELLED_MOODS.items() if word in labels["mood"]), "calm")
    else:
        mood = next((m for m, words in MOODS.items() if any(re.search(rf"\b{w}", lower) for w in words)), "calm")
    if not characters:
        if "characters" in labels:
            label = _LABEL.search(prompt[prompt.index("Characters:") :])
            assert label is not None  # the labels were read with this pattern
            listed = label.group(2)
            characters = tuple(n.strip() for n in re.split(r",|\band\b", listed) if n.strip())
        elif not labels:
            names = re.findall(r"\b([A-Z][a-z]{2,})\b", SLUGLINE.sub(" ", prompt))
            characters = tuple(dict.fromkeys(n for n in names if n not in _NAME_STOP))
    return Scene(time, setting, interior, mood, characters[:4], raining=bool(_RAIN.search(lower)))


def _name_os_thread() -> None:
    """Give the OS thread the Python thread's name (`storyboard_N`), as seen by `top -H` and
    /proc/<pid>/task/*/comm, so drawing's CPU can be told from the rest of a process's."""
    try:
        import ctypes

        ctypes.CDLL(None).prctl(15, threading.current_thread().name.encode()[:15], 0, 0, 0)  # PR_SET_NAME
    except (OSError, AttributeError):  # not Linux
        pass


_PAINTERS = ThreadPoolExecutor(max_workers=16, thread_name_prefix="storyboard", initializer=_name_os_thread)
"""Frames are painted in threads of their own (Pillow releases the GIL for most of the work), not in
the event loop's default executor, which blocking I/O (object storage calls) shares: a slow upload
never waits for a painter, and profilers can tell drawing from the rest. Callers bound how many
frames are painted at once (the image service: REELFLOW_IMAGE_CONCURRENCY)."""


class LocalImageGenerator:
    async def generate(self, request: ImageRequest) -> GeneratedImage:
        png = await asyncio.get_running_loop().run_in_executor(_PAINTERS, paint, request)
        return GeneratedImage(
            png=png,
            width=request.width,
            height=request.height,
            usage=Usage(provider="local", model="storyboard", images=1),
        )


def paint(request: ImageRequest) -> bytes:
    seed = hashlib.sha256(f"{request.prompt}\n{request.feedback}\n{request.attempt}".encode()).digest()
    rng = random.Random(seed)
    scene = read_prompt(request.prompt, request.characters, feedback=request.feedback)
    w, h = request.width, request.height
    image = _gradient(w, h, *_sky(scene))
    draw = ImageDraw.Draw(image, "RGBA")
    horizon = int(h * rng.uniform(0.55, 0.68))
    if scene.interior:
        _room(draw, rng, scene, w, h, horizon)
    else:
        _exterior(draw, rng, scene, w, h, horizon)
    _figures(draw, rng, scene, w, h, horizon)
    if scene.raining:
        _rain(draw, rng, w, h)
    image = _vignette(image)
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=1, compress_type=Z_RLE)
    return out.getvalue()


def _tint(color: RGB, mood: str) -> RGB:
    r, g, b = color
    if mood == "tense":
        return (min(255, int(r * 1.1)), int(g * 0.8), int(b * 0.85))
    if mood == "sad":
        grey = (r + g + b) // 3
        return ((r + grey) // 2, (g + grey) // 2, min(255, (b + grey) // 2 + 10))
    if mood == "warm":
        return (min(255, r + 20), min(255, g + 8), max(0, b - 15))
    return color


def _sky(scene: Scene) -> tuple[RGB, RGB]:
    top, bottom = SKIES[scene.time]
    return _tint(top, scene.mood), _tint(bottom, scene.mood)


def _gradient(w: int, h: int, top: RGB, bottom: RGB) -> Image.Image:
    return Image.composite(Image.new("RGB", (w, h), bottom), Image.new("RGB", (w, h), top), _linear_mask(w, h))


@lru_cache(maxsize=16)
def _linear_mask(w: int, h: int) -> Image.Image:
    """Top-to-bottom ramp, 0 to 255 (only ever read, so one per size is shared by every frame)."""
    return Image.linear_gradient("L").resize((w, h))


def _shade(color: RGB, factor: float) -> RGB:
    red, green, blue = (max(0, min(255, int(c * factor))) for c in color)
    return red, green, blue


def _exterior(draw: ImageDraw.ImageDraw, rng: random.Random, scene: Scene, w: int, h: int, horizon: int) -> None:
    sky_top, sky_bottom = _sky(scene)
    if scene.time == "night":
        for _ in range(0 if scene.raining else rng.randint(60, 140)):  # no stars through rain clouds
            x, y = rng.randrange(w), rng.randrange(horizon)
            r = rng.choice((1, 1, 2))
            draw.ellipse((x - r, y - r, x + r, y + r), fill=(255, 255, 230, rng.randint(120, 255)))
        _disc(draw, rng, w, horizon, (235, 235, 210), glow=(200, 200, 255))
    elif scene.time in ("dawn", "dusk"):
        _disc(draw, rng, w, horizon, (255, 200, 120), glow=(255, 150, 80), low=True)
    else:
        _disc(draw, rng, w, horizon, (255, 250, 215), glow=(255, 255, 220))
    ground = {
        "sea": (30, 70, 120),
        "forest": (40, 85, 45),
        "mountains": (70, 80, 75),
        "desert": (210, 170, 110),
        "snow": (225, 230, 240),
        "city": (60, 60, 68),
        "open": (90, 110, 70),
    }[scene.setting]
    ground = _tint(_shade(ground, 0.45 if scene.time == "night" else 1.0), scene.mood)
    if scene.setting in ("mountains", "snow", "open", "desert"):
        _ridges(draw, rng, w, horizon, _shade(sky_bottom, 0.55), layers=3 if scene.setting != "desert" else 2)
    if scene.setting == "city":
        _skyline(draw, rng, scene, w, horizon)
    draw.rectangle((0, horizon, w, h), fill=ground)
    if scene.setting == "sea":
        for i in range(14):
            y = horizon + int((h - horizon) * (i / 14) ** 1.5)
            draw.line((0, y, w, y + rng.randint(-3, 3)), fill=(*_shade(sky_bottom, 1.1), 70), width=max(1, h // 400))
        _boat(draw, rng, w, h, horizon)
        if scene.characters:  # people stand on a dock, not on the water
            dock = horizon + int((h - horizon) * 0.3)
            draw.polygon([(0, h), (w, h), (w, dock + (h - dock) // 3), (0, dock)], fill=(74, 56, 40))
            for k in range(1, 9):
                y = dock + (h - dock) * k // 9
                draw.line((0, y, w, y + (h - dock) // 3 * (9 - k) // 9), fill=(50, 38, 28), width=2)
    if scene.setting == "forest":
        for _ in range(rng.randint(9, 16)):
            _tree(draw, rng, w, h, horizon, _shade(ground, rng.uniform(0.5, 0.8)))


def _disc(
    draw: ImageDraw.ImageDraw, rng: random.Random, w: int, horizon: int, color: RGB, glow: RGB, low: bool = False
) -> None:
    cx = int(w * rng.uniform(0.15, 0.85))
    cy = int(horizon * (rng.uniform(0.7, 0.92) if low else rng.uniform(0.15, 0.4)))
    r = int(horizon * 0.08)
    for k in range(6, 0, -1):
        rr = r + k * r // 2
        draw.ellipse((cx - rr, cy - rr, cx + rr, cy + rr), fill=(*glow, 14))
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=color)


def _ridges(draw: ImageDraw.ImageDraw, rng: random.Random, w: int, horizon: int, color: RGB, layers: int) -> None:
    for layer in range(layers):
        base = horizon - int(horizon * 0.05 * (layers - layer))
        points = [(0, horizon)]
        x = 0
        while x < w:
            points.append((x, base - rng.randint(int(horizon * 0.05), int(horizon * (0.35 - layer * 0.08)))))
            x += rng.randint(w // 12, w // 5)
        points += [(w, base - rng.randint(10, 60)), (w, horizon)]
        draw.polygon(points, fill=_shade(color, 0.75 + layer * 0.12))


def _skyline(draw: ImageDraw.ImageDraw, rng: random.Random, scene: Scene, w: int, horizon: int) -> None:
    x = 0
    night = scene.time in ("night", "dusk")
    while x < w:
        bw = rng.randint(w // 30, w // 10)
        bh = rng.randint(int(horizon * 0.2), int(horizon * 0.75))
        shade = rng.randint(25, 60) if night else rng.randint(90, 140)
        draw.rectangle((x, horizon - bh, x + bw, horizon), fill=(shade, shade, shade + 12))
        if night:
            for wy in range(horizon - bh + 12, horizon - 10, 22):
                for wx in range(x + 6, x + bw - 8, 16):
                    if rng.random() < 0.35:
                        draw.rectangle((wx, wy, wx + 7, wy + 10), fill=(255, 215, 120, 220))
        x += bw + rng.randint(0, w // 60)


def _boat(draw: ImageDraw.ImageDraw, rng: random.Random, w: int, h: int, horizon: int) -> None:
    bx = int(w * rng.uniform(0.2, 0.7))
    by = horizon + int((h - horizon) * 0.2)
    s = max(20, w // 40)
    draw.polygon([(bx, by), (bx + 4 * s, by), (bx + 3 * s, by + s), (bx + s, by + s)], fill=(35, 30, 30))
    draw.line((bx + 2 * s, by, bx + 2 * s, by - 3 * s), fill=(35, 30, 30), width=max(2, s // 6))
    draw.polygon(
        [(bx + 2 * s, by - 3 * s), (bx + 2 * s, by - s // 2), (bx + 3.4 * s, by - s // 2)], fill=(230, 225, 210)
    )


def _tree(draw: ImageDraw.ImageDraw, rng: random.Random, w: int, h: int, horizon: int, color: RGB) -> None:
    x = rng.randrange(w)
    base = horizon + rng.randint(0, (h - horizon) // 3)
    height = rng.randint(h // 6, h // 3)
    draw.rectangle((x - height // 40, base - height // 4, x + height // 40, base), fill=(60, 40, 25))
    draw.polygon(
        [(x, base - height), (x - height // 4, base - height // 5), (x + height // 4, base - height // 5)], fill=color
    )


def _room(draw: ImageDraw.ImageDraw, rng: random.Random, scene: Scene, w: int, h: int, horizon: int) -> None:
    wall = _tint(_shade((150, 130, 110), 0.45 if scene.time == "night" else 0.95), scene.mood)
    draw.rectangle((0, 0, w, h), fill=wall)
    floor = _shade(wall, 0.6)
    draw.polygon([(0, h), (w, h), (int(w * 0.8), horizon), (int(w * 0.2), horizon)], fill=floor)
    draw.line((int(w * 0.2), horizon, int(w * 0.8), horizon), fill=_shade(wall, 0.5), width=3)
    wx0 = int(w * rng.uniform(0.08, 0.55))
    wy0 = int(h * 0.12)
    ww, wh = int(w * 0.28), int(h * 0.32)
    top, bottom = _sky(scene)
    sky = _gradient(ww, wh, top, bottom)
    draw._image.paste(sky, (wx0, wy0))
    frame = _shade(wall, 0.4)
    draw.rectangle((wx0, wy0, wx0 + ww, wy0 + wh), outline=frame, width=max(4, w // 200))
    draw.line((wx0 + ww // 2, wy0, wx0 + ww // 2, wy0 + wh), fill=frame, width=max(3, w // 300))
    tx = int(w * rng.uniform(0.45, 0.7))
    draw.rectangle(
        (tx, int(horizon + (h - horizon) * 0.25), tx + w // 5, int(horizon + (h - horizon) * 0.3)),
        fill=_shade(floor, 0.6),
    )
    if scene.time in ("night", "dusk"):
        lx, ly = int(w * rng.uniform(0.6, 0.9)), int(h * 0.2)
        for k in range(8, 0, -1):
            r = k * w // 60
            draw.ellipse((lx - r, ly - r, lx + r, ly + r), fill=(255, 210, 140, 12))
        draw.ellipse((lx - 14, ly - 14, lx + 14, ly + 14), fill=(255, 230, 170))


def _figures(draw: ImageDraw.ImageDraw, rng: random.Random, scene: Scene, w: int, h: int, horizon: int) -> None:
    count = len(scene.characters)
    if not count:
        return
    dark = (20, 20, 28) if scene.time != "night" else (5, 5, 10)
    spots = [0.33, 0.66, 0.5, 0.2, 0.8][:count] if count > 1 else [rng.choice((0.33, 0.66))]
    for i, spot in enumerate(spots):
        height = int(h * rng.uniform(0.32, 0.45) * (1.0 - 0.08 * i))
        cx = int(w * spot + rng.randint(-w // 40, w // 40))
        feet = horizon + int((h - horizon) * rng.uniform(0.35, 0.6))
        _silhouette(draw, cx, feet, height, dark, lean=rng.uniform(-0.04, 0.04))


def _silhouette(draw: ImageDraw.ImageDraw, cx: int, feet: int, height: int, color: RGB, lean: float) -> None:
    """A standing person: head, shoulders, torso, arms and legs, `height` pixels tall."""
    u = height / 8  # a head is an eighth of a body
    top = feet - height
    shift = int(lean * height)
    draw.ellipse((cx + shift - 0.5 * u, top, cx + shift + 0.5 * u, top + 1.1 * u), fill=color)
    neck, hips = top + 1.2 * u, top + 4.2 * u
    draw.polygon(
        [
            (cx + shift - 1.1 * u, neck + 0.2 * u),
            (cx + shift + 1.1 * u, neck + 0.2 * u),
            (cx + 0.8 * u, hips),
            (cx - 0.8 * u, hips),
        ],
        fill=color,
    )
    for side in (-1, 1):
        shoulder = cx + shift + side * 1.05 * u
        draw.polygon(
            [
                (shoulder, neck + 0.2 * u),
                (shoulder + side * 0.35 * u, neck + 0.3 * u),
                (cx + side * 1.35 * u, hips + 0.2 * u),
                (cx + side * 1.0 * u, hips + 0.2 * u),
            ],
            fill=color,
        )
        draw.polygon(
            [
                (cx + side * 0.05 * u, hips - 0.1 * u),
                (cx + side * 0.8 * u, hips - 0.1 * u),
                (cx + side * 0.55 * u, feet),
                (cx + side * 0.15 * u, feet),
            ],
            fill=color,
        )


def _rain(draw: ImageDraw.ImageDraw, rng: random.Random, w: int, h: int) -> None:
    for _ in range(400):
        x, y = rng.randrange(w), rng.randrange(h)
        draw.line((x, y, x - h // 90, y + h // 30), fill=(200, 210, 230, 90), width=1)


def _vignette(image: Image.Image) -> Image.Image:
    w, h = image.size
    return Image.composite(Image.new("RGB", (w, h), (0, 0, 0)), image, _vignette_mask(w, h))


@lru_cache(maxsize=16)
def _vignette_mask(w: int, h: int) -> Image.Image:
    """How much each pixel is darkened: nothing in the middle, up to two thirds in the corners."""
    mask = Image.radial_gradient("L").resize((w, h)).point(lambda v: min(255, max(0, (v - 110) * 2)))
    mask = mask.filter(ImageFilter.GaussianBlur(radius=max(1, w // 200)))
    return mask.point(lambda v: v * 170 // 255)
