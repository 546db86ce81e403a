"""Whether a picture carries review marks where the local image provider used to draw them: an
attempt stamp in the top-left corner, a caption band of lettering along the bottom, a light
border round the frame. Measured on brightness alone, so it reads a PNG as well as a decoded
video frame (at the video's own size: lettering is a few pixels thick).

Lettering is rows of sharp light/dark alternations: a row of text has strokes every few pixels,
while the drawn pictures (flat fills, gradients, silhouettes, rain) have a handful of edges per
row. The frame's edge is darkened by the vignette, so a border shows as an edge brighter than
just inside it."""

from __future__ import annotations

from PIL import Image, ImageChops, ImageDraw, ImageStat

STROKE_STEP = 90
"""A stroke edge: neighbouring pixels this many grey levels apart."""
TEXT_ROW_DENSITY = 0.04
"""A row of lettering: at least this share of its neighbouring pixels are stroke edges."""
TEXT_ROWS = 4
"""Lettering: at least this many such rows in a region (a line of small text has about ten)."""
BORDER_STEP = 40
"""A border: the outermost pixels this much brighter, on average, than a ring just inside."""


def review_marks(image: Image.Image) -> list[str]:
    """The marks found: "attempt stamp", "caption", "border" (none: an empty list)."""
    grey = image.convert("L")
    w, h = grey.size
    marks = []
    if _lettering(grey.crop((0, 0, int(w * 0.2), int(h * 0.08)))):
        marks.append("attempt stamp")
    if _lettering(grey.crop((0, int(h * 0.85), w, h))):
        marks.append("caption")
    if _ring(grey, inset=0) - _ring(grey, inset=max(8, w // 160)) > BORDER_STEP:
        marks.append("border")
    return marks


def _lettering(region: Image.Image) -> bool:
    w, h = region.size
    edges = ImageChops.difference(region.crop((1, 0, w, h)), region.crop((0, 0, w - 1, h)))
    strokes = edges.point(lambda v: 255 if v > STROKE_STEP else 0)
    row_shares = strokes.resize((1, h), Image.Resampling.BOX).tobytes()  # each row's mean
    return sum(share >= TEXT_ROW_DENSITY * 255 for share in row_shares) >= TEXT_ROWS


def _ring(grey: Image.Image, inset: int, width: int = 2) -> float:
    w, h = grey.size
    mask = Image.new("L", (w, h), 0)
    ImageDraw.Draw(mask).rectangle((inset, inset, w - 1 - inset, h - 1 - inset), outline=255, width=width)
    return ImageStat.Stat(grey, mask).mean[0]
