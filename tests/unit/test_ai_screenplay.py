"""The Screenplay model every script writer produces, its text rendering and its JSON schema."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from reelflow_kit.ai import Beat, Scene, Screenplay, render_screenplay
from reelflow_kit.ai.openai_compat.json_schema import response_format, strict_json_schema


def action(text: str) -> Beat:
    return Beat(kind="action", character="", parenthetical="", text=text)


def line(who: str, text: str, note: str = "") -> Beat:
    return Beat(kind="dialogue", character=who, parenthetical=note, text=text)


def test_rendering_puts_sluglines_action_and_dialogue_in_screenplay_layout():
    play = Screenplay(
        title="Tides",
        scenes=[
            Scene(
                slugline="int. lighthouse - night",
                beats=[
                    action("Rain   hammers the glass."),
                    line("mara", "Who sent this?", "(whispering)"),
                ],
            ),
            Scene(slugline="EXT. HARBOR - DAWN", beats=[line("NOAH", "Nobody. It just came.")]),
        ],
    )
    assert render_screenplay(play) == (
        "FADE IN:\n\n"
        "INT. LIGHTHOUSE - NIGHT\n\n"
        "Rain hammers the glass.\n\n"
        + " " * 22
        + "MARA\n"
        + " " * 16
        + "(whispering)\n"
        + " " * 10
        + "Who sent this?\n\n"
        "EXT. HARBOR - DAWN\n\n" + " " * 22 + "NOAH\n" + " " * 10 + "Nobody. It just came.\n\n"
        "FADE OUT.\n"
    )


def test_long_dialogue_wraps_at_screenplay_width():
    text = "I kept this light burning for forty years and not once did anybody write back to me."
    scene = Scene(slugline="INT. A - DAY", beats=[line("M", text)])
    rendered = render_screenplay(Screenplay(title="t", scenes=[scene]))
    spoken = [row for row in rendered.splitlines() if row.startswith(" " * 10) and not row.startswith(" " * 16)]
    assert len(spoken) >= 3 and all(len(row) <= 45 for row in spoken)
    assert " ".join(row.strip() for row in spoken) == text


@pytest.mark.parametrize("slugline", ["LIGHTHOUSE AT NIGHT", "INT LIGHTHOUSE - NIGHT", "INT. LIGHTHOUSE", ""])
def test_a_slugline_must_be_int_or_ext_place_and_time(slugline):
    with pytest.raises(ValidationError, match="slugline"):
        Scene(slugline=slugline, beats=[action("x")])


def test_dialogue_needs_a_speaker():
    with pytest.raises(ValidationError, match="needs a character"):
        Beat(kind="dialogue", character=" ", parenthetical="", text="Hello?")


def test_a_screenplay_must_fit_in_a_script():
    huge = [Scene(slugline=f"INT. ROOM {i} - DAY", beats=[action("word " * 790)]) for i in range(60)]
    with pytest.raises(ValidationError, match="at most 200000 allowed"):
        Screenplay(title="Too long", scenes=huge)


def test_unknown_keys_from_a_model_are_ignored():
    play = Screenplay.model_validate_json(
        '{"title": "T", "mood": "grim", "scenes": [{"slugline": "EXT. SEA - DAY", "notes": "",'
        ' "beats": [{"kind": "action", "character": "", "parenthetical": "", "text": "Waves.", "x": 1}]}]}'
    )
    assert play.scenes[0].beats[0].text == "Waves."


def test_the_strict_schema_closes_every_object_and_requires_every_property():
    schema = strict_json_schema(Screenplay)
    objects = [schema, *schema["$defs"].values()]
    assert len(objects) == 3
    for obj in objects:
        assert obj["additionalProperties"] is False
        assert obj["required"] == list(obj["properties"])
    assert "maxLength" not in str(schema) and "default" not in str(schema)
    assert schema["$defs"]["Scene"]["properties"]["slugline"]["pattern"].startswith("^(INT")
    fmt = response_format(Screenplay, "screenplay")
    assert fmt["type"] == "json_schema"
    assert fmt["json_schema"]["name"] == "screenplay" and fmt["json_schema"]["strict"] is True
