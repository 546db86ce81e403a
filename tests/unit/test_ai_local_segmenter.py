"""Local segmentation: text preserved exactly, order kept, sluglines and headings respected."""

from __future__ import annotations

import pytest

from reelflow_kit.ai.local.segmenter import MAX_CHARS, segment_text, split_long_scenes
from reelflow_kit.ai.scene_reading import spoken_text
from reelflow_kit.ai.segmentation import SceneText, covers
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


def test_a_heading_with_nothing_to_read_under_it_starts_the_next_scene():
    play = (
        "THE TRAGEDY OF ROMEO AND JULIET\n\nby William Shakespeare\n\nACT I\n\nSCENE II. A Street.\n\n"
        "Enter Capulet and Paris.\n\nSCENE III. Room in Capulet’s House.\n\nEnter Nurse.\n\n# THE END\n"
    )
    scenes = segment_text(play).scenes
    assert covers(play, scenes)
    assert [s.heading for s in scenes] == ["ACT I", "SCENE III. Room in Capulet’s House."]
    assert [spoken_text(s.text) for s in scenes] == ["Enter Capulet and Paris.", "Enter Nurse."]


def test_headings_with_nothing_to_read_at_all_are_one_scene():
    script = "".join(f"## Part {n}\n\n" for n in range(5000))
    scenes = segment_text(script).scenes
    assert len(scenes) == 1 and covers(script, scenes) and scenes[0].heading == "## Part 0"


def test_a_long_chapter_is_never_cut_between_the_title_page_and_its_first_paragraph():
    book = "# The Book\n\nby Ada Lane\n\n## Chapter One\n\n" + "\n\n".join([PARAGRAPH] * 12)
    scenes = segment_text(book).scenes
    assert len(scenes) > 1 and covers(book, scenes)
    assert scenes[0].text.startswith("# The Book") and spoken_text(scenes[0].text).startswith("Gregor lay")


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


PARAGRAPH = (
    "Gregor lay on his back and looked at the ceiling, where the lamp threw a pale circle of light. "
    "Outside, the rain went on and on, and somewhere below a door closed. "
) * 3
CHAPTER = (
    "## Chapter One\n\n"
    + "\n\n".join([PARAGRAPH] * 9)
    + "\n\n* * *\n\n"
    + "\n\n".join([PARAGRAPH] * 9)
    + "\n\n* * *\n\n"
    + "\n\n".join([PARAGRAPH] * 9)
)


def test_a_long_chapter_is_cut_at_its_breaks_into_scenes_under_the_maximum_heading_on_the_first():
    script = f"# The Book\n\nA short preface.\n\n{CHAPTER}\n\n## Chapter Two\n\nThe end.\n"
    assert len(CHAPTER.encode()) > 12_000
    result = segment_text(script)
    assert result.method == "headings" and covers(script, result.scenes)
    chapter = [s for s in result.scenes if s.order > 1][:-1]
    assert len(chapter) == 9  # three sections of 9 paragraphs (4.4 KB each), each in three of 3 paragraphs
    assert all(len(s.text) <= MAX_CHARS for s in result.scenes)
    assert chapter[0].heading == "## Chapter One" and chapter[0].text.startswith("## Chapter One\n\nGregor")
    assert all(s.heading == "" for s in chapter[1:])
    starts = [s.text for s in chapter if s.text.startswith("* * *")]
    assert len(starts) == 2  # both breaks are cuts
    assert [s.heading for s in result.scenes][:2] == ["# The Book", "## Chapter One"]
    assert result.scenes[-1].heading == "## Chapter Two"


@pytest.mark.parametrize(
    "separator, kind",
    [("\n\n\n\n", "blank-line groups"), ("\n\n", "paragraphs"), ("\n\n⁂\n\n", "asterisms"), ("\n\n---\n\n", "rules")],
)
def test_a_long_chapter_without_marks_is_cut_at_blank_line_groups_or_paragraphs(separator, kind):
    chapter = "# Chapter\n\n" + separator.join([PARAGRAPH] * 30)  # about 15 KB
    scenes = segment_text(chapter).scenes
    assert covers(chapter, scenes), kind
    assert 6 <= len(scenes) <= 9 and all(len(s.text) <= MAX_CHARS for s in scenes)
    assert scenes[0].heading == "# Chapter" and scenes[0].text.startswith("# Chapter\n\nGregor")
    assert all(PARAGRAPH.strip() in s.text for s in scenes)  # never cut inside a paragraph


def test_a_chapter_of_one_paragraph_is_cut_at_sentence_ends_after_the_heading():
    chapter = "## One\n\n" + PARAGRAPH * 40
    scenes = segment_text(chapter).scenes
    assert covers(chapter, scenes) and len(scenes) > 3
    assert all(len(s.text) <= MAX_CHARS and s.text.endswith(".") for s in scenes)
    assert len(scenes[0].text) > 1000


def test_a_long_scene_under_a_slugline_is_never_cut():
    script = "INT. ATTIC - NIGHT\n\n" + "\n\n* * *\n\n".join([PARAGRAPH] * 30) + "\n\nEXT. ROOF - NIGHT\n\nRain.\n"
    scenes = segment_text(script).scenes
    assert [s.heading for s in scenes] == ["INT. ATTIC - NIGHT", "EXT. ROOF - NIGHT"]


def test_a_scene_break_in_prose_starts_a_scene_and_is_never_read_aloud():
    script = "\n\n".join([PARAGRAPH, "* * *", PARAGRAPH, PARAGRAPH])
    scenes = segment_text(script).scenes
    assert covers(script, scenes)
    assert [s.text.startswith("* * *") for s in scenes] == [False, True]
    assert "*" not in spoken_text(scenes[1].text)


def test_scenes_from_elsewhere_such_as_the_ais_are_cut_the_same_way_except_under_a_slugline():
    slugline = "INT. ATTIC - NIGHT\n\n" + "\n\n".join([PARAGRAPH] * 8)
    scenes = [SceneText(1, CHAPTER, "## Chapter One"), SceneText(2, slugline, "INT. ATTIC - NIGHT")]
    split = split_long_scenes(scenes)
    assert [s.order for s in split] == list(range(1, len(split) + 1)) and len(split) == 10
    assert split[-1] == SceneText(10, slugline, "INT. ATTIC - NIGHT")
    assert covers(CHAPTER + slugline, split) and split[0].heading == "## Chapter One"
