"""How a shot plan becomes the scene's stored shots and their ShotPlanned events: pure."""

from __future__ import annotations

from reelflow_contracts.messages.base import Usage
from reelflow_contracts.messages.common import StyleHints
from reelflow_contracts.messages.scene import ShotPlanned
from reelflow_kit.ai import ScriptContext, ShotPlan
from reelflow_kit.clock import now
from reelflow_kit.handling import derived_id
from reelflow_scene.domain import Scene, ScriptFacts, Shot


def shot_id(scene_id: str, order: int) -> str:
    return derived_id(scene_id, "shot", order)


def context_of(facts: ScriptFacts | None) -> ScriptContext:
    """The planning context of a script's scenes: what the service kept of the approved script."""
    if facts is None:
        return ScriptContext()
    return ScriptContext(
        title=facts.title,
        characters=facts.characters,
        style_suffix=facts.style_suffix,
        aspect=facts.aspect,
        looks=facts.looks,
    )


def shots_of(scene: Scene, plan: ShotPlan, context: ScriptContext) -> list[Shot]:
    at = now()
    return [
        Shot(
            id=shot_id(scene.id, planned.order),
            script_id=scene.script_id,
            scene_id=scene.id,
            scene_order=scene.order,
            order=planned.order,
            shot_count=len(plan.shots),
            description=planned.description,
            image_prompt=planned.image_prompt,
            duration_s=planned.duration_s,
            narration=planned.narration,
            aspect=context.aspect,
            style_suffix=context.style_suffix,
            setting=plan.setting,
            time_of_day=plan.time_of_day,
            characters=planned.characters,
            created_at=at,
        )
        for planned in plan.shots
    ]


def usage_of_shot(order: int, usage: Usage) -> Usage:
    """The planning call's usage rides on shot 1; the others carry zero (same provider and model),
    so usage sums without double counting."""
    return usage if order == 1 else Usage(provider=usage.provider, model=usage.model)


def shot_planned_event(shot: Shot, usage: Usage) -> ShotPlanned:
    return ShotPlanned(
        script_id=shot.script_id,
        scene_id=shot.scene_id,
        shot_id=shot.id,
        scene_order=shot.scene_order,
        order=shot.order,
        shot_count=shot.shot_count,
        description=shot.description,
        image_prompt=shot.image_prompt,
        duration_s=shot.duration_s,
        narration=shot.narration,
        style=StyleHints(
            aspect=shot.aspect,
            style_suffix=shot.style_suffix[:500],
            setting=shot.setting[:300],
            time_of_day=shot.time_of_day[:50],
            characters=shot.characters[:50],
        ),
        usage=usage,
    )
