"""The scene service's repositories, in memory: exactly the methods its handlers use."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from reelflow_contracts.envelope import Envelope
from reelflow_kit.jobs import Job
from reelflow_scene.domain import Scene, ScriptFacts, Shot, ShotPlanning
from tests.support.fakes import FakeUnitOfWork


class FakeSceneRepository:
    def __init__(self, scenes: Iterable[Scene] = ()) -> None:
        self.by_id = {s.id: s for s in scenes}

    async def get(self, scene_id: str) -> Scene | None:
        return self.by_id.get(scene_id)

    async def any_for_script(self, script_id: str) -> bool:
        return any(s.script_id == script_id for s in self.by_id.values())

    async def add_all(self, scenes: list[Scene]) -> None:
        taken = {(s.script_id, s.order) for s in self.by_id.values()}
        for scene in scenes:
            assert scene.id not in self.by_id and (scene.script_id, scene.order) not in taken, "duplicate key"
            self.by_id[scene.id] = scene

    async def save(self, scene: Scene) -> None:
        self.by_id[scene.id] = scene

    async def record_shot_planning(self, scene_id: str, outcome: ShotPlanning, shot_count: int = 0) -> None:
        if scene_id in self.by_id:
            self.by_id[scene_id] = replace(self.by_id[scene_id], shot_planning=outcome, shot_count=shot_count)


class FakeShotRepository:
    def __init__(self, shots: Iterable[Shot] = ()) -> None:
        self.by_id = {s.id: s for s in shots}

    async def any_for_scene(self, scene_id: str) -> bool:
        return any(s.scene_id == scene_id for s in self.by_id.values())

    async def add_all(self, shots: list[Shot]) -> None:
        for shot in shots:
            assert shot.id not in self.by_id, "duplicate key"
            self.by_id[shot.id] = shot


class FakeScriptFactsRepository:
    def __init__(self, facts: Iterable[ScriptFacts] = ()) -> None:
        self.by_id = {f.id: f for f in facts}

    async def get(self, script_id: str) -> ScriptFacts | None:
        return self.by_id.get(script_id)

    async def save(self, facts: ScriptFacts) -> None:
        self.by_id[facts.id] = facts


class FakeSceneUnitOfWork(FakeUnitOfWork):
    def __init__(
        self,
        cause: Envelope | None = None,
        job: Job | None = None,
        *,
        scenes: Iterable[Scene] = (),
        shots: Iterable[Shot] = (),
        facts: Iterable[ScriptFacts] = (),
    ) -> None:
        super().__init__(cause, job)
        self.scenes = FakeSceneRepository(scenes)
        self.shots = FakeShotRepository(shots)
        self.script_facts = FakeScriptFactsRepository(facts)
