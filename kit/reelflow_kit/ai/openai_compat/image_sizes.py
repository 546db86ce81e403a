"""What an OpenAI-compatible image model can be asked for, and how its answer becomes a PNG of
exactly the requested size. Pure functions (Pillow aside), unit-tested.

Image models draw a few fixed sizes, or any size within limits, never exactly ours (1920x1080
is not a multiple of 16). So the request names the supported size closest in shape to the one
wanted, and the answer is scaled to cover the requested frame and centre-cropped to it:
the result is always exactly width x height, never stretched.

- `dall-e-2`: 256x256, 512x512, 1024x1024; `response_format=b64_json`.
- `dall-e-3`: 1024x1024, 1792x1024, 1024x1792; `response_format=b64_json`.
- `gpt-image-<n>` with n >= 2 (`gpt-image-2`, `gpt-image-2.5-flare`, ...): the requested size,
  rounded up to multiples of 16, within 3840x2160 and 1:3..3:1; no `response_format` (always base64).
- `gpt-image-1*`, `gpt-image-1.5`, `chatgpt-image-*` and any other name: 1024x1024, 1536x1024,
  1024x1536; no `response_format`.

Other OpenAI-compatible servers mostly accept the GPT image sizes; one that answers with a
`url` instead of base64 is handled too (the image is downloaded).
"""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass

from PIL import Image

Size = tuple[int, int]

GPT_IMAGE_SIZES: tuple[Size, ...] = ((1024, 1024), (1536, 1024), (1024, 1536))
DALL_E_3_SIZES: tuple[Size, ...] = ((1024, 1024), (1792, 1024), (1024, 1792))
DALL_E_2_SIZES: tuple[Size, ...] = ((256, 256), (512, 512), (1024, 1024))
_FREE_SIZE_MODEL = re.compile(r"^gpt-image-(\d+)")


@dataclass(frozen=True)
class ImageModelSpec:
    sizes: tuple[Size, ...]
    """The sizes the model draws; empty: any size within the limits below."""
    sends_response_format: bool
    """Ask for `response_format=b64_json` (DALL-E); GPT image models refuse the parameter."""
    prompt_limit: int
    multiple: int = 16
    max_edge: int = 3840
    max_pixels: int = 3840 * 2160
    max_ratio: float = 3.0


def spec_for(model: str) -> ImageModelSpec:
    name = model.strip().lower().rsplit("/", 1)[-1]  # OpenRouter-style `openai/gpt-image-1` too
    if name.startswith("dall-e-2"):
        return ImageModelSpec(DALL_E_2_SIZES, sends_response_format=True, prompt_limit=1000)
    if name.startswith("dall-e-3"):
        return ImageModelSpec(DALL_E_3_SIZES, sends_response_format=True, prompt_limit=4000)
    match = _FREE_SIZE_MODEL.match(name)
    if match and int(match.group(1)) >= 2:
        return ImageModelSpec((), sends_response_format=False, prompt_limit=32000)
    return ImageModelSpec(GPT_IMAGE_SIZES, sends_response_format=False, prompt_limit=32000)


def api_size(spec: ImageModelSpec, width: int, height: int) -> Size:
    """The size to ask the model for, to be scaled and cropped to width x height afterwards."""
    if spec.sizes:
        wanted = math.log(width / height)
        # closest in shape first; among equals, the largest (less upscaling)
        return min(spec.sizes, key=lambda s: (round(abs(math.log(s[0] / s[1]) - wanted), 6), -s[0] * s[1]))
    ratio = min(max(width / height, 1 / spec.max_ratio), spec.max_ratio)
    w, h = float(width), float(width) / ratio
    scale = min(1.0, spec.max_edge / max(w, h), math.sqrt(spec.max_pixels / (w * h)))
    w, h = w * scale, h * scale
    m = spec.multiple
    w_m, h_m = max(m, math.ceil(w / m) * m), max(m, math.ceil(h / m) * m)
    while (w_m > spec.max_edge or h_m > spec.max_edge or w_m * h_m > spec.max_pixels) and min(w_m, h_m) > m:
        w_m, h_m = (w_m - m, h_m) if w_m / h_m >= ratio else (w_m, h_m - m)
    return w_m, h_m


def size_text(size: Size) -> str:
    return f"{size[0]}x{size[1]}"


def fit_png(data: bytes, width: int, height: int) -> bytes:
    """`data` (PNG, JPEG or WebP of any size) as a PNG of exactly width x height: scaled to cover the
    frame, centre-cropped, transparency flattened onto black. An exact-size RGB PNG is kept as is.
    Raises ValueError when `data` is not a readable image."""
    try:
        image: Image.Image = Image.open(io.BytesIO(data))
        image.load()
    except Exception as exc:  # Pillow raises many types for bad data
        raise ValueError(f"the image data cannot be read: {type(exc).__name__}: {exc}") from None
    if image.format == "PNG" and image.size == (width, height) and image.mode == "RGB":
        return data
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        image = Image.new("RGB", rgba.size, (0, 0, 0))
        image.paste(rgba, mask=rgba.getchannel("A"))
    else:
        image = image.convert("RGB")
    if image.size != (width, height):
        scale = max(width / image.width, height / image.height)
        scaled = (max(width, round(image.width * scale)), max(height, round(image.height * scale)))
        left, top = (scaled[0] - width) // 2, (scaled[1] - height) // 2
        image = image.resize(scaled, Image.Resampling.LANCZOS).crop((left, top, left + width, top + height))
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=1)
    return out.getvalue()
