"""The Fountain reader on the examples of the specification (fountain.io/syntax, version 1.1)."""

from __future__ import annotations

import random
import time

import pytest

from reelflow_kit.ai.fountain import Element, is_fountain, read_fountain, read_title_page
from reelflow_kit.ai.fountain_markup import visible_text, without_emphasis
from tests.samples import load

TITLE_PAGE = """Title:
\t_**BRICK & STEEL**_
\t_**FULL RETIRED**_
Credit: Written by
Author: Stu Maschwitz
Source: Story by KTM
Draft date: 1/20/2012
Contact:
\tNext Level Productions
\t1588 Mission Dr.
\tSolvang, CA 93463

EXT. BRICK'S PATIO - DAY

A gorgeous day.  The sun is shining.  But BRICK BRADDOCK, retired police detective, is sitting quietly, \
contemplating -- something.
"""

BONEYARD = """COGNITO
Everyone's coming after you mate! Scorpio, The Boy Band, Sparrow, Point Blank Sniper...

As he rattles off the long list, Brick and Steel share a look.  This is going to be BAD.

CUT TO:
/*
INT. GARAGE - DAY

BRICK and STEEL get into Mom's PORSCHE, Steel at the wheel.  They pause for a beat, the gravity of the \
situation catching up with them.

BRICK
This is everybody we've ever put away.

STEEL
(starting the engine)
So much for retirement!

They speed off.  To destinations unknown.
*/

EXT. PALATIAL MANSION - DAY

An EXTREMELY HANDSOME MAN drinks a beer.
"""

NOTES = """INT. TRAILER HOME - DAY

This is the home of THE BOY BAND, AKA DAN and JACK[[Or did we think of actual names for these guys?]].  \
They too are drinking beer, and counting the take from their last smash-and-grab.

[[It was supposed to be Vietnamese, right?]]

JACK
(in Vietnamese, subtitled)
*Did you know Brick and Steel are retired?*

His hand is an inch from the receiver when the phone RINGS.  Scott pauses for a moment, suspicious for \
some reason.[[This section needs work.
Either that, or I need coffee.
\x20\x20
Definitely coffee.]] He looks around.  Phone ringing.
"""

SECTIONS = """# ACT I

= Set up the characters and the story.

EXT. BRICK'S PATIO - DAY

= This scene sets up Brick & Steel's new life as retirees. Warm sun, cold beer, and absolutely nothing to do.

A gorgeous day.  The sun is shining.

## Sequence 2

### BRICK'S GARAGE
"""


def kinds(text: str) -> list[tuple[str, str]]:
    return [(e.kind, e.text) for e in read_fountain(text).elements]


def assert_covers(text: str, elements: tuple[Element, ...]) -> None:
    """Every visible character of `text` is in exactly one element's span; spans in order."""
    ends = 0
    for element in elements:
        assert ends <= element.start < element.end <= len(text), element
        assert not text[ends : element.start].strip(), (text[ends : element.start], element)
        ends = element.end
    assert not text[ends:].strip()


# --- title page ------------------------------------------------------------------------------------


def test_the_title_page_keys_become_metadata_and_no_element_says_them():
    script = read_fountain(TITLE_PAGE)
    page = script.title_page
    assert page.title == "BRICK & STEEL FULL RETIRED"
    assert page.get("title") == "BRICK & STEEL\nFULL RETIRED"
    assert page.authors == ("Stu Maschwitz",)
    assert (page.get("credit"), page.get("source"), page.get("draft date")) == (
        "Written by",
        "Story by KTM",
        "1/20/2012",
    )
    assert page.get("contact") == "Next Level Productions\n1588 Mission Dr.\nSolvang, CA 93463"
    assert [e.kind for e in script.elements] == ["title_page", "scene_heading", "action"]
    title = script.elements[0]
    assert TITLE_PAGE[title.start : title.end].startswith("Title:")
    assert TITLE_PAGE[title.start : title.end].endswith("Solvang, CA 93463")
    assert all("Stu Maschwitz" not in e.text for e in script.elements)
    assert_covers(TITLE_PAGE, script.elements)


def test_the_title_page_can_be_read_alone_and_several_authors_are_several_people():
    page = read_title_page("Title: The Last Ferry\nAuthors:\n    Ada Lane\n    Bo Chen & Cy Diaz\n\nEXT. SEA - DAY\n")
    assert (page.title, page.authors) == ("The Last Ferry", ("Ada Lane", "Bo Chen", "Cy Diaz"))
    assert read_title_page("EXT. SEA - DAY\n\nWaves.").fields == ()


def test_key_lines_set_apart_by_blank_lines_still_belong_to_the_title_page():
    script = read_fountain(
        "Title: Pride and Prejudice\n\nAuthor: Jane Austen\n\nRelease date: 1998\n\nNote: it rains."
        "\n\nIt is a truth universally acknowledged."
    )
    assert script.title_page.fields == (
        ("title", "Pride and Prejudice"),
        ("author", "Jane Austen"),
        ("release date", "1998"),
    )
    assert [(e.kind, e.text) for e in script.elements[1:]] == [
        ("action", "Note: it rains."),
        ("action", "It is a truth universally acknowledged."),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "ADA: We go now.\n\nShe leaves.",
        "As the girl runs: a truck takes a sharp turn.",
        "Scene 1: ADA checks the map.",
        "\nEXT. SEA - DAY\n\nTitle: a sign on the door.",
    ],
)
def test_a_colon_in_the_first_line_is_not_a_title_page(text):
    assert read_fountain(text).title_page.fields == ()


# --- scene headings --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line, heading",
    [
        ("INT. HOUSE - DAY", "INT. HOUSE - DAY"),
        ("EXT. BRICK'S POOL - DAY", "EXT. BRICK'S POOL - DAY"),
        ("INT./EXT. RICHARD'S CAR - MOVING", "INT./EXT. RICHARD'S CAR - MOVING"),
        ("INT/EXT RICHARD'S CAR", "INT/EXT RICHARD'S CAR"),
        ("I/E SUBMARINE", "I/E SUBMARINE"),
        ("EST. CITY SKYLINE -- NIGHT", "EST. CITY SKYLINE -- NIGHT"),
        ("int. kitchen - night", "int. kitchen - night"),
        (".SNIPER SCOPE POV", "SNIPER SCOPE POV"),
        (".flashback -- twenty years earlier", "flashback -- twenty years earlier"),
        ("INT. KITCHEN - NIGHT [[STORYLINE BREAK-INS, CAT]]", "INT. KITCHEN - NIGHT"),
    ],
)
def test_scene_headings(line, heading):
    assert kinds(f"{line}\n\nShe waits.") == [("scene_heading", heading), ("action", "She waits.")]


@pytest.mark.parametrize(
    "line, number",
    [
        ("INT. HOUSE - DAY #1#", "1"),
        ("INT. HOUSE - DAY #1A#", "1A"),
        ("INT. HOUSE - DAY #1a#", "1a"),
        ("INT. HOUSE - DAY #A1#", "A1"),
        ("INT. HOUSE - DAY #I-1-A#", "I-1-A"),
        ("INT. HOUSE - DAY #1.#", "1."),
        ("INT. HOUSE - DAY - FLASHBACK (1944) #110A#", "110A"),
    ],
)
def test_scene_numbers_are_kept_apart_from_the_heading(line, number):
    heading = read_fountain(line).elements[0]
    assert (heading.kind, heading.scene_number, heading.text.endswith("#")) == ("scene_heading", number, False)


def test_two_periods_and_a_heading_without_a_blank_line_before_are_action():
    assert kinds("...and then silence.") == [("action", "...and then silence.")]
    assert kinds("He leaves.\nINT. HOUSE - DAY") == [("action", "He leaves.\nINT. HOUSE - DAY")]


# --- action, characters, dialogue -------------------------------------------------------------------


def test_forced_action_and_action_line_breaks():
    assert kinds("!SCANNING THE AISLES...\nWhere is that pit boss?") == [
        ("action", "SCANNING THE AISLES...\nWhere is that pit boss?")
    ]
    assert kinds("John opens the door.\nHe looks out.\n\nNo one.") == [
        ("action", "John opens the door.\nHe looks out."),
        ("action", "No one."),
    ]


def test_characters_with_extensions_keep_the_name_alone():
    script = read_fountain("MOM (O. S.)\nLuke! Come down for supper!\n\nHANS (on the radio)\nWhat was it you said?")
    cues = [e for e in script.elements if e.kind == "character"]
    assert [(c.name, c.extension) for c in cues] == [("MOM", "(O. S.)"), ("HANS", "(on the radio)")]
    assert [e.text for e in script.elements if e.kind == "dialogue"] == [
        "Luke! Come down for supper!",
        "What was it you said?",
    ]


def test_a_forced_character_may_be_in_mixed_case_and_numbers_alone_are_not_a_name():
    assert [
        (e.kind, e.name) for e in read_fountain("@McCLANE\nYippie ki-yay! I got my lower-case C back!").elements
    ] == [("character", "McCLANE"), ("dialogue", "")]
    assert kinds("R2D2\nBeep.")[0] == ("character", "R2D2")
    assert kinds("23\nBeep.") == [("action", "23\nBeep.")]


def test_a_cue_needs_a_blank_line_before_and_speech_after():
    assert kinds("She turns.\nSTEEL\nHi.") == [("action", "She turns.\nSTEEL\nHi.")]
    assert kinds("She turns.\n\nSTEEL\n\nHi.") == [("action", "She turns."), ("action", "STEEL"), ("action", "Hi.")]


def test_dual_dialogue():
    script = read_fountain("BRICK ^\nScrew retirement.\n\nSTEEL ^\nScrew retirement.")
    cues = [e for e in script.elements if e.kind == "character"]
    assert [(c.name, c.dual) for c in cues] == [("BRICK", True), ("STEEL", True)]
    assert [e.kind for e in read_fountain("BRICK\nScrew retirement.\n\nSTEEL ^\nScrew retirement.").elements] == [
        "character",
        "dialogue",
        "character",
        "dialogue",
    ]


def test_parentheticals_and_dialogue_under_a_cue():
    assert kinds("STEEL\n(starting the engine)\nSo much for retirement!\n(beat)\nLet's go.") == [
        ("character", "STEEL"),
        ("parenthetical", "(starting the engine)"),
        ("dialogue", "So much for retirement!"),
        ("parenthetical", "(beat)"),
        ("dialogue", "Let's go."),
    ]


def test_two_spaces_keep_an_empty_line_inside_dialogue():
    text = "DEALER\nTen.\nFour.\nDealer gets a seven.\n  \nHit or stand sir?\n\nMONKEY\nDude, I'm a monkey."
    assert kinds(text) == [
        ("character", "DEALER"),
        ("dialogue", "Ten.\nFour.\nDealer gets a seven.\nHit or stand sir?"),
        ("character", "MONKEY"),
        ("dialogue", "Dude, I'm a monkey."),
    ]


def test_lyrics():
    first = "Willy Wonka! Willy Wonka! The amazing chocolatier!"
    second = "Willy Wonka! Willy Wonka! Everybody give a cheer!"
    assert kinds(f"~{first}\n~{second}") == [("lyrics", f"{first}\n{second}")]


# --- transitions, centered text, page breaks --------------------------------------------------------


def test_transitions():
    assert kinds("Jack begins to argue.\n\nCUT TO:\n\nEXT. BRICK'S POOL - DAY") == [
        ("action", "Jack begins to argue."),
        ("transition", "CUT TO:"),
        ("scene_heading", "EXT. BRICK'S POOL - DAY"),
    ]
    assert kinds(">Burn to White.") == [("transition", "Burn to White.")]
    assert kinds("Bob leaves.\n\nGO TO:\nThe store.")[1][0] != "transition"  # no blank line after


def test_centered_text_and_page_breaks():
    assert kinds(">THE END<") == [("centered", "THE END")]
    assert kinds("> THE END <\n\n===\n\nINT. HOUSE - DAY") == [
        ("centered", "THE END"),
        ("page_break", ""),
        ("scene_heading", "INT. HOUSE - DAY"),
    ]


# --- notes, boneyard, sections, synopses ------------------------------------------------------------


def test_notes_inline_on_their_own_and_across_lines_are_not_in_the_text():
    script = read_fountain(NOTES)
    assert [(e.kind, e.text) for e in script.elements] == [
        ("scene_heading", "INT. TRAILER HOME - DAY"),
        (
            "action",
            "This is the home of THE BOY BAND, AKA DAN and JACK. They too are drinking beer, and counting "
            "the take from their last smash-and-grab.",
        ),
        ("note", "It was supposed to be Vietnamese, right?"),
        ("character", "JACK"),
        ("parenthetical", "(in Vietnamese, subtitled)"),
        ("dialogue", "Did you know Brick and Steel are retired?"),
        (
            "action",
            "His hand is an inch from the receiver when the phone RINGS. Scott pauses for a moment, "
            "suspicious for some reason. He looks around. Phone ringing.",
        ),
    ]
    assert "Definitely coffee.]]" in NOTES[script.elements[-1].start : script.elements[-1].end]
    assert_covers(NOTES, script.elements)


def test_a_note_on_the_line_between_a_cue_and_its_speech_does_not_break_the_dialogue():
    assert kinds("JACK\n[[Make him older?]]\nHello.") == [
        ("character", "JACK"),
        ("note", "Make him older?"),
        ("dialogue", "Hello."),
    ]


def test_a_note_cannot_hold_an_empty_line():
    assert kinds("Look [[at\n\nthis]] now.") == [("action", "Look [[at"), ("action", "this]] now.")]


def test_the_boneyard_across_lines_is_removed_with_what_it_holds():
    script = read_fountain(BONEYARD)
    assert [(e.kind, e.text[:20]) for e in script.elements] == [
        ("character", "COGNITO"),
        ("dialogue", "Everyone's coming af"),
        ("action", "As he rattles off th"),
        ("transition", "CUT TO:"),
        ("boneyard", "INT. GARAGE - DAY BR"),
        ("scene_heading", "EXT. PALATIAL MANSIO"),
        ("action", "An EXTREMELY HANDSOM"),
    ]
    assert not any("GARAGE" in e.text or "retirement" in e.text for e in script.elements if e.kind != "boneyard")
    assert_covers(BONEYARD, script.elements)


def test_inline_boneyard_and_a_scene_cut_inside_a_boneyard():
    assert kinds("She waits /* a long time */ and leaves.") == [("action", "She waits and leaves.")]
    assert kinds("They speed off.\n*/\n\nEXT. PALATIAL MANSION - DAY") == [
        ("boneyard", "They speed off."),
        ("scene_heading", "EXT. PALATIAL MANSION - DAY"),
    ]
    assert kinds("CUT TO:\n/*\nINT. GARAGE - DAY") == [("transition", "CUT TO:"), ("boneyard", "INT. GARAGE - DAY")]


def test_sections_and_synopses():
    script = read_fountain(SECTIONS)
    assert [(e.kind, e.text, e.level) for e in script.elements] == [
        ("section", "ACT I", 1),
        ("synopsis", "Set up the characters and the story.", 0),
        ("scene_heading", "EXT. BRICK'S PATIO - DAY", 0),
        (
            "synopsis",
            "This scene sets up Brick & Steel's new life as retirees. Warm sun, cold beer, and absolutely "
            "nothing to do.",
            0,
        ),
        ("action", "A gorgeous day. The sun is shining.", 0),
        ("section", "Sequence 2", 2),
        ("section", "BRICK'S GARAGE", 3),
    ]


# --- emphasis ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written, read",
    [
        ("*italics*", "italics"),
        ("**bold**", "bold"),
        ("***bold italics***", "bold italics"),
        ("_underline_", "underline"),
        (
            "From what seems like only INCHES AWAY.  _Steel's face FILLS the *Leupold Mark 4* scope_.",
            "From what seems like only INCHES AWAY.  Steel's face FILLS the Leupold Mark 4 scope.",
        ),
        ("Steel enters the code on the keypad: **\\*9765\\***", "Steel enters the code on the keypad: *9765*"),
        ("He dialed \\*69 and then *23\\*, and then hung up.", "He dialed *69 and then *23*, and then hung up."),
        ("_**BRICK & STEEL**_", "BRICK & STEEL"),
        ("snake_case_name and 2 * 3 * 4", "snake_case_name and 2 * 3 * 4"),
        ("* * *", "* * *"),
        ("***", "***"),
    ],
)
def test_emphasis_marks_are_removed_and_escapes_kept(written, read):
    assert without_emphasis(written) == read


def test_emphasis_does_not_carry_across_line_breaks():
    text = "As he rattles off the long list, Brick and Steel *share a look.\n\nThis is going to be BAD.*"
    assert kinds(text) == [
        ("action", "As he rattles off the long list, Brick and Steel *share a look."),
        ("action", "This is going to be BAD.*"),
    ]


# --- what is Fountain ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        TITLE_PAGE,
        NOTES,
        BONEYARD,
        SECTIONS,
        "EXT. SEA - DAY\n\nHe waits /* for ever */.",
        "INT. HOUSE - DAY #1#\n\nRain.",
        "She waits.\n\n.FLASHBACK\n\nRain.",
        "!BANG!\n\nRain.",
        "@McCLANE\nYippie ki-yay.",
        "BRICK\nNo.\n\nSTEEL ^\nNo.",
        "~Willy Wonka!",
        "> THE END <",
        "Rain.\n\n===\n\nSun.",
        "Rain.\n\n= The storm comes.",
        "EXT. SEA - DAY\n\nThe *boat* sinks.",
    ],
)
def test_texts_with_what_only_fountain_has_are_fountain(text):
    assert is_fountain(text)


@pytest.mark.parametrize(
    "text",
    [
        load("screenplay.txt"),
        load("markdown.md"),
        load("prose.txt"),
        load("scene_numbers.txt"),
        load("non_latin.txt"),
        "# Chapter 1\n\nShe read *Emma* twice.\n\n> A quote from the book.\n\nTitle\n=====\n\n![a map](map.png)",
        "Notes on the trip: we left early.\n\n2 * 3 = 6, the file is my_file_name.txt.",
        "ADA: We go now.\n\nBOB: Fine.",
    ],
)
def test_plain_screenplays_markdown_and_prose_are_not_fountain(text):
    assert not is_fountain(text)


def test_visible_text_is_the_text_without_notes_and_boneyard():
    assert visible_text("A [[note]] b.\n/*\nGone.\n*/\nC.") == "A  b.\nC."
    assert visible_text("Plain text.") == "Plain text."


# --- nothing lost --------------------------------------------------------------------------------------

_FRAGMENTS = [
    "INT. HOUSE - DAY",
    "EXT. SEA - NIGHT #2#",
    ".FLASHBACK",
    "BRICK",
    "STEEL ^",
    "MOM (O. S.)",
    "@McCLANE",
    "(beat)",
    "Hello there.",
    "She *runs*.",
    "_fast_",
    "CUT TO:",
    ">FADE OUT.",
    "> THE END <",
    "===",
    "# ACT I",
    "= The storm.",
    "~La la.",
    "[[a note]]",
    "[[a long",
    "note]]",
    "/*",
    "*/",
    "Title: Storm",
    "Author: Ada",
    "    Bo",
    "",
    "",
    "",
    "  ",
    "\t",
    "Rain [[wet]] falls.",
    "a /* b */ c",
    "x*/y",
    "\\*",
]


@pytest.mark.parametrize("seed", range(40))
def test_every_visible_character_of_any_text_is_in_one_element(seed):
    rng = random.Random(seed)
    text = "\n".join(rng.choice(_FRAGMENTS) for _ in range(rng.randint(1, 40)))
    script = read_fountain(text)
    assert_covers(text, script.elements)
    assert all(e.kind in ("note", "boneyard") or "/*" not in e.text for e in script.elements)


@pytest.mark.parametrize("unit", ["*a ", "_a ", "**a ", "[[a ", "[[a \n\n", "/*", "a]] [[", "*/ "])
def test_a_hostile_text_of_200_kb_is_read_in_linear_time(unit):
    text = unit * (200_000 // len(unit))
    started = time.perf_counter()
    script = read_fountain(text)
    is_fountain(text)
    assert time.perf_counter() - started < 5  # a quadratic reading takes minutes
    assert_covers(text, script.elements)
