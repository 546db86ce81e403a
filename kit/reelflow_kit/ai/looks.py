"""A consistent look for all images of a script: one of several coherent styles, chosen by a
hash of the script's owner and title, so the same script always looks the same."""

from __future__ import annotations

import hashlib

LOOKS: tuple[str, ...] = (
    "cinematic film still, 35mm film grain, natural light, muted teal and amber palette, shallow depth of field",
    "painterly digital illustration, soft brush strokes, warm golden palette, storybook atmosphere",
    "moody film noir look, high contrast, deep shadows, desaturated cool tones, anamorphic lens",
    "watercolor illustration, loose ink lines, soft pastel washes, textured paper",
    "animated feature film style, clean shapes, vivid saturated colors, soft global illumination",
    "documentary photograph, handheld 28mm lens, overcast natural light, realistic textures, subdued colors",
    "vintage 1970s film photograph, warm Kodachrome colors, soft halation, gentle vignette",
    "graphic novel panel, bold ink outlines, flat cel shading, limited red and blue palette",
)


def style_suffix_for(owner_id: str, title: str) -> str:
    """The look of every image of the script `title` by `owner_id` (deterministic)."""
    digest = hashlib.sha256(f"{owner_id}\n{' '.join(title.split())}".encode()).digest()
    return LOOKS[int.from_bytes(digest[:8], "big") % len(LOOKS)]
