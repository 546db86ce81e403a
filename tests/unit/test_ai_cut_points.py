"""AI segmentation by cut points: the model names each scene's opening words, the script is cut there."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from reelflow_kit.ai.cut_points import SceneStart, SceneStarts, cut_at_starts, find_opening
from reelflow_kit.ai.openai_compat.segmenter import repair_request
from reelflow_kit.ai.segmentation import covers
from tests.samples import SAMPLES, load

SCREENPLAY = load("screenplay.txt")


def starts(*openings: str) -> SceneStarts:
    return SceneStarts(scenes=[SceneStart(order=i, starts_with=o) for i, o in enumerate(openings, start=1)])


def test_the_script_is_cut_at_each_opening_and_keeps_every_character():
    cut = cut_at_starts(
        SCREENPLAY,
        starts(
            "EXT. HARBOR - DAWN", "INT. FERRY CABIN - CONTINUOUS", "EXT. OPEN SEA - DAY", "INT. HARBOR CAFE - NIGHT"
        ),
    )
    assert cut.ok and cut.problems == []
    assert [s.order for s in cut.scenes] == [1, 2, 3, 4]
    assert [s.heading for s in cut.scenes] == [
        "EXT. HARBOR - DAWN",
        "INT. FERRY CABIN - CONTINUOUS",
        "EXT. OPEN SEA - DAY",
        "INT. HARBOR CAFE - NIGHT",
    ]
    assert covers(SCREENPLAY, cut.scenes)
    assert cut.scenes[0].text.startswith("THE LAST FERRY")  # the title page stays with scene 1
    assert cut.scenes[3].text.endswith("FADE OUT.")


def test_openings_match_across_line_breaks_quotes_and_dashes_as_models_copy_them():
    script = "INT. ROOM – NIGHT\n\nShe says “don't”\nand leaves.\n\nEXT. STREET - DAY\n\nRain."
    cut = cut_at_starts(script, starts("INT. ROOM - NIGHT", 'She says "don\'t" and leaves.', "EXT. STREET"))
    assert cut.ok
    assert [s.text for s in cut.scenes] == [
        "INT. ROOM – NIGHT",
        "She says “don't”\nand leaves.",
        "EXT. STREET - DAY\n\nRain.",
    ]


def test_a_repeated_opening_is_found_after_the_previous_scene_so_order_decides():
    script = "INT. KITCHEN - NIGHT\n\nTea.\n\nEXT. YARD - NIGHT\n\nDog.\n\nINT. KITCHEN - NIGHT\n\nMore tea."
    cut = cut_at_starts(script, starts("INT. KITCHEN - NIGHT", "EXT. YARD", "INT. KITCHEN - NIGHT"))
    assert [s.text for s in cut.scenes] == [
        "INT. KITCHEN - NIGHT\n\nTea.",
        "EXT. YARD - NIGHT\n\nDog.",
        "INT. KITCHEN - NIGHT\n\nMore tea.",
    ]


def test_openings_cut_a_giant_paragraph_mid_line():
    script = "Rain falls on the city. " * 50 + "Then the sun comes out over the bay. " + "Birds sing. " * 40
    cut = cut_at_starts(script, starts("Rain falls on the city.", "Then the sun comes out"))
    assert cut.ok and len(cut.scenes) == 2
    assert cut.scenes[1].text.startswith("Then the sun comes out") and covers(script, cut.scenes)


def test_openings_work_in_scripts_without_spaces():
    script = load("non_latin.txt")
    cut = cut_at_starts(script, starts("INT. 東京のアパート", "EXT. ПЛОЩАДЬ - ДЕНЬ", "INT. مقهى قديم"))
    assert cut.ok and [s.heading for s in cut.scenes][0] == "INT. 東京のアパート - 夜"
    assert find_opening(script, "テーブルの上に", 0) == script.index("テーブルの上に")


def test_an_opening_not_in_the_script_is_named_as_a_problem():
    cut = cut_at_starts(SCREENPLAY, starts("EXT. HARBOR - DAWN", "INT. FERRY DECK - NIGHT", "EXT. OPEN SEA"))
    assert not cut.ok and cut.scenes == []
    assert cut.problems == ["scene 2: “INT. FERRY DECK - NIGHT” is not in the script after the opening of scene 1"]


def test_openings_out_of_order_are_problems():
    cut = cut_at_starts(SCREENPLAY, starts("INT. HARBOR CAFE", "EXT. HARBOR - DAWN"))
    assert cut.problems == ["scene 2: “EXT. HARBOR - DAWN” is not in the script after the opening of scene 1"]


def test_the_repair_request_lists_every_problem_and_asks_for_exact_copies():
    cut = cut_at_starts(SCREENPLAY, starts("The harbor at dawn", "A cabin"))
    request = repair_request(cut)
    assert "scene 1: “The harbor at dawn” is not in the script" in request
    assert "scene 2: “A cabin” is not in the script" in request
    assert "exactly as they appear in the script" in request and "corrected JSON" in request


@pytest.mark.parametrize(
    "answer",
    [
        {"scenes": []},
        {"scenes": [{"order": 2, "starts_with": "EXT. HARBOR"}]},
        {"scenes": [{"order": 1, "starts_with": "EXT. HARBOR"}, {"order": 1, "starts_with": "INT. FERRY"}]},
        {"scenes": [{"order": 1, "starts_with": "   "}]},
    ],
)
def test_answers_without_scenes_numbered_from_one_or_with_blank_openings_are_invalid(answer):
    with pytest.raises(ValidationError):
        SceneStarts.model_validate(answer)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_the_first_words_of_each_local_scene_cut_every_sample_into_as_many_scenes(name):
    from reelflow_kit.ai.local.segmenter import segment_text

    script = load(name)
    local = segment_text(script).scenes
    openings = [" ".join(scene.text.split()[:8]) or scene.text[:20] for scene in local]
    cut = cut_at_starts(script, starts(*openings))
    assert cut.ok, cut.problems[:3]
    assert covers(script, cut.scenes) and len(cut.scenes) == len(local)
