"""Reading books and printed plays as they come from Project Gutenberg and Markdown: a play's
cues and scene headings, chapter numbers, the title page and italics are never read aloud."""

from __future__ import annotations

import pytest

from reelflow_kit.ai.script_blocks import is_byline, read_blocks

STORY = "Anna woke early. The rain beat against the window, and the room was still dark and cold."


def kinds(text: str) -> list[tuple[str, str, str]]:
    return [(b.kind, b.text, b.speaker) for b in read_blocks(text)]


def test_a_printed_plays_cues_and_scene_headings_are_no_speech():
    play = (
        "SCENE III. Room in Capulet’s House.\n\n Enter Lady Capulet and Nurse.\n\n"
        "LADY CAPULET.\nNurse, where’s my daughter? Call her forth to me.\n\nROMEO.\nStay, fellow; I can read.\n"
    )
    assert kinds(play) == [
        ("heading", "SCENE III. Room in Capulet’s House.", ""),
        ("action", "Enter Lady Capulet and Nurse.", ""),
        ("dialogue", "Nurse, where’s my daughter? Call her forth to me.", "LADY CAPULET"),
        ("dialogue", "Stay, fellow; I can read.", "ROMEO"),
    ]
    assert kinds("Scene 1: ADA checks the map again while rain taps the glass.")[0][0] == "action"


def test_a_plays_directions_in_brackets_are_not_spoken_but_a_direction_of_its_own_is_action():
    play = "CAPULET.\nGo, sirrah, find those persons out\nWhose names are written there, [_gives a paper_] and to them say.\n"
    assert kinds(play + "\n [_Exeunt._]\n") == [
        ("dialogue", "Go, sirrah, find those persons out Whose names are written there, and to them say.", "CAPULET"),
        ("action", "[Exeunt.]", ""),
    ]


@pytest.mark.parametrize("line", ["I.", "XII", "CHAPTER IV.", "Chapter 3", "Kapitel 2."])
def test_a_chapter_number_on_a_line_of_its_own_is_a_heading(line):
    assert kinds(f"{line}\n\n{STORY}") == [("heading", line, ""), ("action", STORY, "")]


def test_italics_marks_of_markdown_and_gutenberg_texts_are_not_read():
    text = (
        "There was nothing so _very_ remarkable in that, nor *so* much out of the way.\n\n"
        "A fair assembly. [_Gives back the paper_] Whither should they come?\n\n"
        "_Signior Martino and his wife and daughters;\nLucio and the lively Helena. _\n\n"
        "The variable snake_case stays as written."
    )
    assert [b.text for b in read_blocks(text)] == [
        "There was nothing so very remarkable in that, nor so much out of the way.",
        "A fair assembly. [Gives back the paper] Whither should they come?",
        "Signior Martino and his wife and daughters; Lucio and the lively Helena.",
        "The variable snake_case stays as written.",
    ]


def test_a_title_in_capitals_even_with_a_full_stop_is_a_heading():
    assert kinds(f"THE CASK OF AMONTILLADO.\n\n{STORY}") == [
        ("heading", "THE CASK OF AMONTILLADO.", ""),
        ("action", STORY, ""),
    ]


@pytest.mark.parametrize(
    "title_page",
    ["Das Haus am See\n\nvon Clara Winter", "# Alice’s Adventures in Wonderland\n\nby Lewis Carroll"],
)
def test_a_byline_and_the_title_before_it_are_headings(title_page):
    blocks = read_blocks(f"{title_page}\n\n{STORY}")
    assert [b.kind for b in blocks] == ["heading", "heading", "action"]


@pytest.mark.parametrize(
    ("line", "byline"),
    [
        ("by Lewis Carroll", True),
        ("Translated by Constance Garnett", True),
        ("von Franz Kafka", True),
        ("by the sea", False),
        ("De deur ging open.", False),
        ("By noon she was on the coast road, the radio playing songs she did not know.", False),
    ],
)
def test_a_byline_names_its_author_in_a_short_line(line, byline):
    assert is_byline(line) is byline


def test_a_short_opening_line_without_a_byline_is_still_read():
    assert kinds(f"Rain.\n\n{STORY}")[0] == ("action", "Rain.", "")
