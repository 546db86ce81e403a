"""A Fountain screenplay with a title page, notes, boneyard, sections, synopses and emphasis, made
into a video in one call: the title page titles the script and is shown as its metadata; the
video's first subtitle is story text; nothing but the story is read or shown; dialogue is read
as dialogue; the frames carry no review marks; the motion is the renderer's smooth zoom."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.conftest import Reelflow
from tests.e2e.helpers import User, wait_for
from tests.support.review_marks import review_marks
from tests.support.video_probe import frame_at, probe, subtitles

SCREENPLAY = """Title: **The Night Ferry**
Credit: Written by
Author: Clara Winter and Jonas Berg
Source: An original for the Reelflow tests
Draft date: 7 December 2026
Contact: clara@example.com

# ACT ONE

= Mara waits for a brother who does not come.

EXT. HARBOR -- DAWN [[FIND A BETTER PIER]]

Fog sits on the water. MARA (40s, oilskin coat) coils a rope on the empty pier.

/* An older opening with gulls and a radio. CUT. */

MARA
(to herself)
He said he'd be on the *first* boat.

CUT TO:

INT. HARBOR CAFE -- NIGHT

ELI stirs a pot. Steam fogs the window. [[Music cue here?]]

ELI
Soup's ready.

MARA
Then sit with me.
"""
NON_STORY = [
    "Night Ferry",
    "Written by",
    "Clara",
    "Jonas",
    "Source",
    "original for",
    "Draft",
    "December",
    "example.com",
    "ACT ONE",
    "brother who",
    "BETTER PIER",
    "gulls",
    "radio",
    "Music cue",
    "CUT TO",
    "to herself",
    "oilskin",
    "MARA",
    "ELI",
    "*",
    "[[",
    "/*",
    "=",
]
OPTIONS = {"resolution": "720p", "fps": 24, "motion": True, "narration": True, "subtitles": True}


def test_a_fountain_screenplay_becomes_a_video_of_its_story_only(reelflow: Reelflow, alice: User, tmp_path: Path):
    response = alice.post("/api/operations", json={"content": SCREENPLAY, "options": OPTIONS})
    assert response.status_code == 202, response.text
    operation_id = response.json()["id"]
    seen: list[dict] = []

    def finished() -> dict | None:
        seen[:] = [alice.get(f"/api/operations/{operation_id}").json()]
        return seen[0] if seen[0]["status"] in ("completed", "failed") else None

    try:
        done = wait_for(finished, timeout=240, interval=0.5, what="the Fountain operation")
    except AssertionError as timed_out:
        raise AssertionError(f"{timed_out}; last seen: {seen}") from None
    assert done["status"] == "completed", done["errors"]

    script = alice.get(f"/api/scripts/{done['script_id']}").json()
    assert script["title"] == "The Night Ferry"  # from the title page, emphasis removed
    assert script["content"] == SCREENPLAY  # nothing lost
    page = script["title_page"]
    assert page["title"] == "The Night Ferry" and page["authors"] == ["Clara Winter", "Jonas Berg"]
    assert page["fields"]["draft date"] == "7 December 2026" and page["fields"]["contact"] == "clara@example.com"

    scenes = alice.get(f"/api/scripts/{done['script_id']}/scenes").json()["items"]
    assert [s["heading"] for s in scenes] == ["EXT. HARBOR -- DAWN", "INT. HARBOR CAFE -- NIGHT"]
    shots = [shot for scene in scenes for shot in alice.get(f"/api/scenes/{scene['id']}/shots").json()["items"]]
    narration = " ".join(shot["narration"] for shot in shots)
    assert narration.startswith("Fog sits on the water. Mara coils a rope on the empty pier.")
    assert "“He said he'd be on the first boat.”" in narration  # a line of dialogue, read as one
    assert "Eli stirs a pot." in narration and "Mara says, “Then sit with me.”" in narration
    assert [word for word in NON_STORY if word in narration] == [], narration
    for drawn in [*(shot["image_prompt"] for shot in shots), *(shot["description"] for shot in shots)]:
        # a character's look comes from the text (`oilskin coat`) and belongs in the pictures
        assert [word for word in NON_STORY if word in drawn and word != "oilskin"] == [], drawn

    video = alice.get(done["result"]["content_url"])
    assert video.status_code == 200
    path = tmp_path / "fountain.mp4"
    path.write_bytes(video.content)
    seen = probe(path)
    assert (seen.width, seen.height) == (1280, 720) and seen.audio_codec == "aac"

    cues = subtitles(path)
    first_lines = " ".join(cues[0][2])
    assert first_lines.startswith("Fog sits on the water."), cues[:2]
    shown = " ".join(line for _, _, lines in cues for line in lines)
    assert [word for word in NON_STORY if word in shown] == [], shown
    assert shown == " ".join(narration.split())

    for at in (0.5, seen.duration_s / 2, seen.duration_s - 0.5):
        assert review_marks(frame_at(path, at, (1280, 720))) == [], f"review marks at {at:.2f}s"
