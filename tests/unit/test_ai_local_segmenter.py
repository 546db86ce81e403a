"""Local segmentation: text preserved exactly, order kept, sluglines and headings respected."""

from __future__ import annotations

import pytest

from reelflow_kit.ai.local.segmenter import MAX_CHARS, segment_text
from reelflow_kit.ai.segmentation import covers
from tests.samples import SAMPLES, load


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_every_sample_is_covered_exactly_in_order(name):
    script = load(name)
    result = segment_text(script)
    assert covers(script, result.scenes)
    assert [s.order for s in result.scenes] == list(range(1, len(result.scenes) + 1))
    assert all(s.text.strip() for s in result.scenes)
    assert SAMPLES[name].method == result.method
    assert SAMPLES[name].min_scenes <= len(result.scenes) <= SAMPLES[name].max_scenes


def test_screenplay_scenes_start_at_sluglines_and_keep_the_preamble():
    script = "TITLE\n\nFADE IN:\n\nINT. KITCHEN - NIGHT\n\nMaya pours coffee.\n\nEXT. STREET - DAY\n\nCars pass.\n"
    scenes = segment_text(script).scenes
    assert [s.heading for s in scenes] == ["INT. KITCHEN - NIGHT", "EXT. STREET - DAY"]
    assert scenes[0].text.startswith("TITLE") and scenes[1].text.startswith("EXT. STREET - DAY")


def test_markdown_headings_split_scenes():
    scenes = segment_text("# The call\n\nShe answers.\n\n## The drive\n\nRain.\n").scenes
    assert [s.heading for s in scenes] == ["# The call", "## The drive"]


def test_prose_paragraphs_are_merged_to_a_sensible_length():
    paragraph = "She walked along the shore and counted the boats coming home. " * 3
    script = "\n\n".join(paragraph for _ in range(30))
    scenes = segment_text(script).scenes
    assert 1 < len(scenes) < 30
    assert all(len(s.text) <= MAX_CHARS for s in scenes)


@pytest.mark.parametrize("script", ["", "\n\n   \n\t\n"])
def test_a_script_without_text_is_refused(script):
    with pytest.raises(ValueError, match="empty"):
        segment_text(script)


@pytest.mark.parametrize("unit", ["Word ", "これは文です。", "x"])
def test_one_giant_paragraph_is_cut_into_readable_scenes(unit):
    script = unit * (150_000 // len(unit.encode()))
    scenes = segment_text(script).scenes
    assert covers(script, scenes)
    assert len(scenes) > 10 and all(len(s.text) <= MAX_CHARS for s in scenes)
