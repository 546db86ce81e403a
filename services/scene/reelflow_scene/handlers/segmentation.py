"""ScriptApproved -> the script's scenes, all `pending`, in one transaction.

The segmenter runs first, outside the transaction (it may call an AI provider; the local one
runs in a worker thread). Then, in one transaction: the script's facts are kept (for shot
planning), every scene is stored with an id derived from the event and its order, and one
SceneCreated per scene plus one ScriptSegmented (ids in order) are emitted. A redelivered or
replayed ScriptApproved is stopped by the inbox; one with a new id for a script that already
has scenes emits nothing. A provider that gives up, an empty script or more scenes than
`max_scenes_per_script` (a setting the gateway states in /api/limits) becomes SegmentationFailed
instead (raising would dead-letter the event): code `too_many_scenes`, a reason naming the cap.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace

from reelflow_contracts.envelope import Envelope
from reelflow_contracts.messages.base import Usage
from reelflow_contracts.messages.common import DEAD_LETTERED
from reelflow_contracts.messages.scene import SceneCreated, ScriptSegmented, SegmentationFailed
from reelflow_contracts.messages.script import ScriptApproved
from reelflow_kit.ai import AIProviderError, EmptyScript, Segmentation, Segmenter, describe_script
from reelflow_kit.clock import now
from reelflow_kit.content_caps import MAX_SCENES_CEILING
from reelflow_scene.domain import Scene, ScriptFacts
from reelflow_scene.unit_of_work import SceneUnitOfWork

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SegmentationProblem:
    code: str
    error: str
    attempts: int = 1
    usage: Usage = field(default_factory=Usage)


def segment_script_with(
    segmenter: Segmenter, max_scenes: int = MAX_SCENES_CEILING
) -> Callable[[ScriptApproved, SceneUnitOfWork], Awaitable[None]]:
    async def segment_script(event: ScriptApproved, uow: SceneUnitOfWork) -> None:
        if await uow.scenes.any_for_script(event.script_id):  # no slow work for a replay
            async with uow:  # the inbox records it; nothing else
                log.info("script already segmented; nothing to do", extra={"script_id": event.script_id})
            return
        outcome = await segment(segmenter, event.content, max_scenes)
        facts = await asyncio.to_thread(facts_of, event)
        async with uow:
            if await uow.scenes.any_for_script(event.script_id):
                log.info("script already segmented; nothing to do", extra={"script_id": event.script_id})
                return
            if isinstance(outcome, SegmentationProblem):
                await uow.script_facts.save(replace(facts, error=outcome.error))
                uow.emit(
                    SegmentationFailed(
                        script_id=event.script_id,
                        code=outcome.code,
                        error=outcome.error,
                        final=True,
                        attempts=max(1, outcome.attempts),
                        usage=outcome.usage,
                    )
                )
                return
            at = now()
            found = [
                Scene.found(uow.derived_id("scene", s.order), event.script_id, s.order, s.heading, s.text, at)
                for s in outcome.scenes
            ]
            await uow.scenes.add_all(found)
            await uow.script_facts.save(
                replace(
                    facts,
                    segmented=True,
                    scene_count=len(found),
                    method=outcome.method,
                    fell_back=outcome.fell_back,
                    note=outcome.note,
                )
            )
            for scene in found:
                uow.emit(
                    SceneCreated(
                        script_id=scene.script_id,
                        scene_id=scene.id,
                        order=scene.order,
                        heading=scene.heading,
                        text=scene.text,
                        created_at=scene.created_at,
                    )
                )
            uow.emit(
                ScriptSegmented(
                    script_id=event.script_id,
                    scene_ids=tuple(s.id for s in found),
                    method=outcome.method,
                    fell_back=outcome.fell_back,
                    note=outcome.note,
                    usage=outcome.usage,
                )
            )

    return segment_script


def facts_of(event: ScriptApproved) -> ScriptFacts:
    """What is kept of the approved script for planning its shots (not yet segmented): the
    characters found in the whole text and the looks of the main ones, a style suffix chosen from
    owner and title."""
    context = describe_script(title=event.title, owner_id=event.owner_id, content=event.content, aspect=event.aspect)
    return ScriptFacts(
        id=event.script_id,
        owner_id=event.owner_id,
        title=event.title,
        aspect=event.aspect,
        characters=context.characters,
        looks=context.looks,
        style_suffix=context.style_suffix,
        approved_at=event.approved_at,
        segmented=False,
    )


async def segment(
    segmenter: Segmenter, content: str, max_scenes: int = MAX_SCENES_CEILING
) -> Segmentation | SegmentationProblem:
    """The segmenter's scenes, or the problem: an empty script, a provider that gave up, or more
    than `max_scenes` scenes (more than that is not one film: split the script)."""
    try:
        result = await segmenter.segment(content)
    except EmptyScript as empty:
        return SegmentationProblem("empty_script", str(empty))
    except AIProviderError as failure:
        log.warning("segmentation failed", extra={"code": failure.code, "error": failure.message})
        return SegmentationProblem(failure.code, failure.message, failure.attempts, failure.usage)
    if len(result.scenes) > max_scenes:
        return SegmentationProblem(
            "too_many_scenes",
            f"the script cuts into {len(result.scenes)} scenes "
            f"by {result.method}; at most {max_scenes} scenes per script are allowed "
            f"(split it into several scripts)",
            usage=result.usage,
        )
    return result


def script_not_segmented(envelope: Envelope[ScriptApproved], error: str) -> SegmentationFailed:
    """A ScriptApproved this service dead-lettered: the script's segmentation fails for good, so it
    and any operation waiting on it say why instead of waiting."""
    return SegmentationFailed(
        script_id=envelope.data.script_id,
        code=DEAD_LETTERED,
        error=f"the approved script could not be taken in: {error}",
    )
