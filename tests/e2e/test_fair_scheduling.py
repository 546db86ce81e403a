"""Work is shared fairly between owners: one user's big script does not starve another user's
small operation (every service a real process, the local AI provider). Bound on the small
operation: it ends before the big one, which started first (ordering, not speed)."""

from __future__ import annotations

import time

from tests.e2e.conftest import Reelflow
from tests.e2e.helpers import KITCHEN, User, wait_for
from tests.e2e.test_operations import operation, start, wait_status

PLACES = (
    "KITCHEN",
    "HARBOR",
    "STATION",
    "MARKET",
    "LIBRARY",
    "ROOFTOP",
    "FOREST",
    "GARAGE",
    "CHAPEL",
    "BRIDGE",
    "CELLAR",
    "ATTIC",
    "OFFICE",
    "THEATER",
    "STABLE",
)
BEATS = (
    "Maya opens the old wooden door slowly and steps inside the quiet room.",
    "Rain hammers against the tall windows while thunder rolls over the hills.",
    "Tom lifts a dusty lantern from the shelf and wipes the glass clean.",
    "A black cat leaps from the table and knocks a cup onto the floor.",
    "Maya kneels beside the broken cup and gathers the sharp pieces carefully.",
    "Far away a train whistle echoes across the dark and empty valley.",
    "Tom lights the lantern and warm light spills across the faded walls.",
)
BIG_SCRIPT = "\n".join("\n\n".join((f"INT. {place} - NIGHT", *BEATS)) + "\n" for place in PLACES)
"""Fifteen scenes of seven beats, each beat a shot of its own (a few seconds each, under the
maximum shot length): 105 images to draw, then a long render."""


def test_a_small_operation_finishes_while_another_users_big_one_runs(reelflow: Reelflow, alice: User, bob: User):
    big = start(alice, content=BIG_SCRIPT, title="Ten nights")
    wait_for(
        lambda: operation(alice, big)["progress"]["images_generated"] > 0,
        timeout=120,
        interval=0.2,
        what="the big operation's first image",
    )  # the image service is busy with alice's backlog

    began = time.monotonic()
    small = start(bob, content=KITCHEN, title="One night")
    done = wait_status(bob, small, "completed", "failed", timeout=180)
    small_s = time.monotonic() - began
    big_then = operation(alice, big)

    try:
        assert done["status"] == "completed", done["errors"]
        assert big_then["progress"]["shots_planned"] == 15 * len(BEATS)
        # bob's few images did not wait behind alice's hundred, nor so his render behind hers: his
        # operation, started later, ended first (on oldest-first claims it waited for all of hers)
        assert big_then["status"] == "running", (big_then["progress"], small_s)
    finally:
        alice.post(f"/api/operations/{big}/cancel")
