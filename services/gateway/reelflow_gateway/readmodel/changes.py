"""Which views just changed: wakes the GETs held open until their list changes (long polling).

After each committed batch the read-model consumer calls `touched` with the ids its events were
about (script, scene, shot, image, video ids); a request watching one of those ids re-reads its
view. Another gateway instance may have projected the change instead: watchers re-read on their
own every `recheck_s` as well, so a change is never missed, only seen a little later.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable, Iterator

from reelflow_contracts.envelope import Envelope

SUBJECT_FIELDS = ("script_id", "scene_id", "shot_id", "image_id", "video_id")


def subjects_of(envelopes: Iterable[Envelope]) -> set[str]:
    """Every id the events are about."""
    found: set[str] = set()
    for envelope in envelopes:
        for name in SUBJECT_FIELDS:
            value = getattr(envelope.data, name, None)
            if isinstance(value, str) and value:
                found.add(value)
    return found


class ViewChanges:
    def __init__(self) -> None:
        self._watchers: dict[str, set[asyncio.Event]] = {}

    def touched(self, subjects: Iterable[str]) -> None:
        """Called after the read model committed a change about `subjects`."""
        for subject in subjects:
            for event in self._watchers.get(subject, ()):
                event.set()

    @contextlib.contextmanager
    def watch(self, subject: str) -> Iterator[asyncio.Event]:
        """An event set whenever `subject` is touched; register before the first read, so no
        change slips in between."""
        event = asyncio.Event()
        self._watchers.setdefault(subject, set()).add(event)
        try:
            yield event
        finally:
            watchers = self._watchers.get(subject)
            if watchers is not None:
                watchers.discard(event)
                if not watchers:
                    del self._watchers[subject]

    def __len__(self) -> int:
        return sum(len(w) for w in self._watchers.values())
