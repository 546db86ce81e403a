"""Reading scripts and scenes for shot planning: blocks, characters, setting, time of day, beats."""

from __future__ import annotations

from reelflow_kit.ai.characters import find_characters, named_in
from reelflow_kit.ai.looks import LOOKS
from reelflow_kit.ai.scene_reading import read_scene, spoken_text
from reelflow_kit.ai.script_blocks import clean_text, read_blocks
from reelflow_kit.ai.shot_planning import describe_script
from reelflow_kit.ai.timing import Pacing
from tests.samples import load

SCENE = """INT. LIGHTHOUSE - NIGHT

MARA (60s) climbs the stairs. A STRANGER waits at the top.

                      MARA
                (quietly)
          Who's there?

STRANGER (V.O.)
Only me.

CUT TO:
"""


def test_screenplay_blocks_are_headings_action_dialogue_and_transitions():
    blocks = read_blocks("THE LAST FERRY\n\nFADE IN:\n\n" + SCENE)
    assert [(b.kind, b.text, b.speaker) for b in blocks] == [
        ("heading", "THE LAST FERRY", ""),
        ("transition", "FADE IN:", ""),
        ("heading", "INT. LIGHTHOUSE - NIGHT", ""),
        ("action", "MARA (60s) climbs the stairs. A STRANGER waits at the top.", ""),
        ("dialogue", "Who's there?", "MARA"),
        ("dialogue", "Only me.", "STRANGER"),
        ("transition", "CUT TO:", ""),
    ]


def test_colon_dialogue_and_long_scene_number_lines_are_read_as_such():
    blocks = read_blocks("Scene 1: ADA checks the map again while rain taps the glass.\n\nADA: We go now.")
    assert [(b.kind, b.speaker) for b in blocks] == [("action", ""), ("dialogue", "ADA")]


def test_control_characters_and_terminal_escapes_are_dropped():
    assert (
        clean_text("Fans hum.\x00 Lights\x07 blink.\x1b[31m red\x1b[0m.\r\nA car\x0b starts.")
        == "Fans hum.  Lights  blink. red.\nA car  starts."
    )


def test_characters_are_cues_capitalised_introductions_and_recurring_names_in_order():
    script = SCENE + "\nINT. CAFE - DAY\n\nLater, Mara meets Tomas. Tomas laughs, and Monday passes. Mara pays.\n"
    assert find_characters(script) == ("Mara", "Stranger", "Tomas")
    assert find_characters(load("screenplay.txt")) == ("Nora", "Eli")
    assert find_characters(load("markdown.md")) == ()


def test_names_are_found_as_whole_words_in_any_case():
    assert named_in("NORA waves at Eli.", ("Nora", "Eli", "Ada")) == ("Nora", "Eli")
    assert named_in("Adam and Elijah.", ("Ada", "Eli")) == ()


def test_the_slugline_gives_the_setting_and_time_of_day():
    reading = read_scene(SCENE, ("Mara", "Stranger"))
    assert (reading.setting, reading.time_of_day, reading.heading) == (
        "lighthouse (interior)",
        "night",
        "INT. LIGHTHOUSE - NIGHT",
    )


def test_a_slugline_separated_by_an_unspaced_double_hyphen_gives_its_place_and_time():
    # ascent_to_guru_peak.fountain writes its sluglines `PLACE--TIME`
    reading = read_scene("EXT. MOUNT GURU FOOTHILLS--DAY\n\nA mountain\nof great beauty\nis over the foothills.\n")
    assert (reading.setting, reading.time_of_day) == ("mount guru foothills (exterior)", "day")
    reading = read_scene("EXT. SADDLE OF MOUNT GURU PEAK--NIGHT\n\nIt is early evening.\n")
    assert (reading.setting, reading.time_of_day) == ("saddle of mount guru peak (exterior)", "night")
    for slugline in (
        "INT. HARBOR CAFE - NIGHT",
        "INT. HARBOR CAFE -- NIGHT",
        "INT. HARBOR CAFE—NIGHT",
        "INT. HARBOR CAFE — NIGHT",
        "INT. HARBOR CAFE – NIGHT",
    ):
        reading = read_scene(f"{slugline}\n\nRain on the glass.")
        assert (reading.setting, reading.time_of_day) == ("harbor cafe (interior)", "night"), slugline
    assert read_scene("INT. X-RAY ROOM - DAY\n\nA lamp hums.").setting == "x-ray room (interior)"


def test_a_forced_scene_heading_is_still_a_scene_heading():
    script = (
        "Title: The Barn\n\n.INT. OLD BARN--NIGHT\n\nNora waits.\n\n.FLASHBACK\n\nNora runs in the walled garden.\n"
    )
    blocks = read_blocks(script)
    assert [(b.kind, b.text) for b in blocks if b.kind == "heading"] == [
        ("heading", "INT. OLD BARN--NIGHT"),
        ("heading", "FLASHBACK"),
    ]
    reading = read_scene(".INT. OLD BARN--NIGHT\n\nNora waits.\n")
    assert (reading.setting, reading.time_of_day) == ("old barn (interior)", "night")
    assert read_scene(".FLASHBACK\n\nNora runs in the walled garden.\n").setting == "walled garden"


def test_a_continuity_slugline_takes_the_time_of_day_from_the_text():
    reading = read_scene("EXT. PIER - CONTINUOUS\n\nThe sun sets behind the cranes. Gulls.")
    assert (reading.setting, reading.time_of_day) == ("pier (exterior)", "dusk")


def test_without_a_slugline_the_setting_and_time_come_from_the_words():
    reading = read_scene("# The Journey\n\nShe stands on a train platform at dusk with a small suitcase.")
    assert (reading.setting, reading.time_of_day, reading.heading) == ("train platform", "dusk", "# The Journey")


def test_the_setting_is_never_taken_from_dialogue():
    # romeo_and_juliet.txt: Capulet's `At my poor house` is said, the scene heading names the place
    street = """SCENE II. A Street.

 Enter Capulet, Paris and Servant.

CAPULET.
This night I hold an old accustom’d feast,
Whereto I have invited many a guest,
At my poor house look to behold this night
"""
    assert read_scene(street, ("Capulet", "Paris")).setting == "street"
    room = """SCENE III. Room in Capulet’s House.

 Enter Lady Capulet and Nurse.

NURSE.
God forbid! Where’s this girl? What, Juliet!
"""
    assert read_scene(room, ("Lady Capulet", "Nurse")).setting == "room in capulet’s house"
    # alice_in_wonderland.md: the garden is only in what Alice says; the box is under the table
    alice = """Soon her eye fell on a little glass box that was lying under the table:
she opened it, and found in it a very small cake, on which the words
“EAT ME” were beautifully marked in currants. “Well, I’ll eat it,” said
Alice, “and if it makes me grow larger, I can reach the key; and if it
makes me grow smaller, I can creep under the door; so either way I’ll
get into the garden, and I don’t care which happens!”
"""
    assert "garden" not in read_scene(alice, ("Alice",)).setting
    # a scene without a slugline: the action's place, not the line's; with none in the action, none
    scene = "# The call\n\nNora waits on the pier.\n\nNORA\nMeet me in the lighthouse kitchen.\n"
    assert read_scene(scene, ("Nora",)).setting == "pier"
    assert read_scene("# The call\n\nNORA\nMeet me in the lighthouse kitchen.\n", ("Nora",)).setting == ""
    # the slugline comes first, then the action, then a printed heading
    assert read_scene("SCENE II. A Street.\n\nThey walk along the harbor.\n").setting == "harbor"


def test_the_time_of_day_is_never_taken_from_dialogue():
    # romeo_and_juliet.txt: Capulet speaks of "this night"; the scene itself names no time
    street = """SCENE II. A Street.

 Enter Capulet, Paris and Servant.

CAPULET.
This night I hold an old accustom’d feast,
"""
    assert read_scene(street, ("Capulet", "Paris")).time_of_day == ""
    screenplay = "EXT. PIER - CONTINUOUS\n\nNora waits in the dusk.\n\nNORA\nSee you tomorrow morning.\n"
    assert read_scene(screenplay, ("Nora",)).time_of_day == "dusk"
    prose = "It was night when Nora said, “We leave in the morning.”"
    assert read_scene(prose, ("Nora",)).time_of_day == "night"


def test_a_time_of_day_in_another_language_is_kept_as_written():
    reading = read_scene("EXT. ПЛОЩАДЬ - ДЕНЬ\n\nТолпа собирается у фонтана.")
    assert (reading.setting, reading.time_of_day) == ("площадь (exterior)", "день")


def test_beats_are_action_sentences_and_lines_of_dialogue_in_order():
    reading = read_scene(SCENE, ("Mara", "Stranger"))
    assert [(b.visual, b.narration, b.speaker, b.characters) for b in reading.beats] == [
        ("MARA (60s) climbs the stairs.", "Mara climbs the stairs.", "", ("Mara",)),
        ("A STRANGER waits at the top.", "A Stranger waits at the top.", "", ("Stranger",)),
        ("Mara speaks", "Mara says, “Who's there?”", "Mara", ("Mara",)),
        ("Stranger speaks", "Stranger says, “Only me.”", "Stranger", ("Stranger",)),
    ]


def test_dialogue_joins_the_beat_just_before_it_when_that_beat_shows_the_speaker():
    scene = "EXT. HARBOR - DAWN\n\nFog. NORA coils a rope.\n\n    NORA\nHe said he'd come.\n\n    NORA\nHe lied."
    reading = read_scene(scene, ("Nora",))
    assert [(b.visual, b.narration, b.speaker) for b in reading.beats] == [
        ("Fog.", "Fog.", ""),
        ("NORA coils a rope.", "Nora coils a rope. “He said he'd come.” “He lied.”", "Nora"),
    ]


def test_a_line_says_who_speaks_when_the_speaker_changes_and_never_reads_the_cue():
    scene = (
        "INT. KITCHEN - NIGHT\n\nMARA (30s, flour on her sleeves) pours tea. ELI waits.\n\n"
        "MARA\nYou came back.\n\nELI\n(quietly)\nI never left.\n\nELI\nNot really.\n\n"
        "MARA: Liar.\n\nCUT TO:\n\nEli leaves."
    )
    spoken = spoken_text(scene, ("Mara", "Eli"))
    assert spoken == (
        "Mara pours tea. Eli waits. Mara says, “You came back.” Eli says, “I never left.” “Not really.” "
        "Mara says, “Liar.” Eli leaves."
    )
    assert "MARA:" not in spoken and "quietly" not in spoken and "CUT TO" not in spoken


def test_an_action_naming_only_the_speaker_needs_no_attribution():
    spoken = spoken_text("EXT. PIER - DAY\n\nNora coils a rope.\n\nNORA\nHe said he'd come.", ("Nora", "Eli"))
    assert spoken == "Nora coils a rope. “He said he'd come.”"
    both = spoken_text("EXT. PIER - DAY\n\nNora and Eli wait.\n\nNORA\nHe said he'd come.", ("Nora", "Eli"))
    assert both == "Nora and Eli wait. Nora says, “He said he'd come.”"


def test_attribution_and_quotation_marks_follow_the_language():
    scene = "INT. KÜCHE - NACHT\n\nDer Regen schlägt gegen das Fenster, und es ist kalt.\n\nANNA\nDu bist zurück.\n"
    assert (
        spoken_text(scene, ("Anna",))
        == "Der Regen schlägt gegen das Fenster, und es ist kalt. Anna sagt, „Du bist zurück.“"
    )


def test_a_sentence_longer_than_the_longest_shot_is_cut_into_even_beats():
    reading = read_scene(" ".join(["word"] * 250))  # 100 s: 13 pieces of at most 8 s (20 words)
    words = [len(b.narration.split()) for b in reading.beats]
    assert len(words) == 13 and sum(words) == 250 and set(words) == {19, 20}
    longer_shots = read_scene(" ".join(["word"] * 250), pacing=Pacing(max_shot_s=40.0, min_shot_s=3.0))
    assert sorted(len(b.narration.split()) for b in longer_shots.beats) == [83, 83, 84]


def test_the_spoken_text_leaves_out_sluglines_cues_parentheticals_and_transitions():
    assert spoken_text(SCENE, ("Mara", "Stranger")) == (
        "Mara climbs the stairs. A Stranger waits at the top. Mara says, “Who's there?” Stranger says, “Only me.”"
    )


def test_a_script_keeps_one_look_chosen_from_its_owner_and_title():
    context = describe_script(title="The Last Ferry", owner_id="user-1", content=load("screenplay.txt"), aspect="9:16")
    again = describe_script(title="The Last Ferry", owner_id="user-1", content="EXT. SEA - DAY\n\nWaves.")
    assert context.style_suffix in LOOKS and context.style_suffix == again.style_suffix
    assert (context.title, context.characters, context.aspect) == ("The Last Ferry", ("Nora", "Eli"), "9:16")
    looks = {describe_script(title=f"Story {n}", owner_id="user-1", content="x").style_suffix for n in range(40)}
    assert len(looks) > 3
