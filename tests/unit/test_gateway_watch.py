"""Long-polling reads: the `Prefer: wait` header, and which events wake which watchers."""

from __future__ import annotations

import asyncio

import pytest

from reelflow_contracts import ScriptSegmented, ShotPlanned
from reelflow_contracts.envelope import new_envelope
from reelflow_gateway.api.watch import body_tag, requested_wait
from reelflow_gateway.readmodel.changes import ViewChanges, subjects_of


@pytest.mark.parametrize(
    ("prefer", "seconds"),
    [
        (None, 0.0),
        ("", 0.0),
        ("wait=5", 5.0),
        ("respond-async, wait=2.5", 2.5),
        ("WAIT = 3", 3.0),
        ('wait="4"', 4.0),
        ("wait=600", 20.0),
        ("wait=-3", 0.0),
        ("wait=soon", 0.0),
        ("wait=nan", 0.0),
        ("handling=lenient", 0.0),
    ],
)
def test_prefer_wait_is_read_and_capped(prefer, seconds):
    assert requested_wait(prefer, limit=20.0) == seconds


def test_the_tag_follows_the_body():
    assert body_tag(b'{"total":1}') == body_tag(b'{"total":1}') != body_tag(b'{"total":2}')
    assert body_tag(b"{}").startswith('"') and body_tag(b"{}").endswith('"')


def test_events_name_the_ids_they_are_about():
    segmented = new_envelope(ScriptSegmented(script_id="s1", scene_ids=("a", "b"), method="sluglines"), source="scene")
    planned = new_envelope(
        ShotPlanned(
            script_id="s1",
            scene_id="sc1",
            shot_id="sh1",
            scene_order=1,
            order=1,
            shot_count=1,
            description="d",
            image_prompt="p",
            duration_s=2.0,
        ),
        source="scene",
    )
    assert subjects_of([segmented, planned]) == {"s1", "sc1", "sh1"}


async def test_a_touch_wakes_only_the_watchers_of_that_id():
    changes = ViewChanges()
    with changes.watch("s1") as s1, changes.watch("s2") as s2:
        assert len(changes) == 2
        changes.touched({"s1", "elsewhere"})
        await asyncio.wait_for(s1.wait(), 1)
        assert not s2.is_set()
    assert len(changes) == 0
    changes.touched({"s1"})  # nobody watching: nothing to do
