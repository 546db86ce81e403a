"""AI usage per script (`views.script_usage`): one document per script, provider and model.

Every event that carries a `Usage` (the AI script, its segmentation, each scene's shot plan,
each image, each narrated video) adds to its script's lines, in the read model's transaction,
so each event counts once (the inbox) and a replay rebuilds exactly the same totals. The
script resource shows them with their cost (`costs.py`).
"""

from __future__ import annotations

from collections.abc import Iterable

from pymongo import ASCENDING, UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from reelflow_contracts.envelope import Envelope
from reelflow_contracts.messages.base import Usage
from reelflow_gateway.collections import SCRIPT_USAGE
from reelflow_gateway.costs import COUNTS, used_something


async def ensure_usage_indexes(db: AsyncDatabase) -> None:
    await db[SCRIPT_USAGE].create_index([("script_id", ASCENDING)], name="script")


async def add_usage(db: AsyncDatabase, session: AsyncClientSession, envelopes: Iterable[Envelope]) -> None:
    """What the events used, added to their scripts' lines (nothing for events that used nothing)."""
    lines: dict[tuple[str, str, str], dict[str, float]] = {}
    for envelope in envelopes:
        usage = getattr(envelope.data, "usage", None)
        script_id = getattr(envelope.data, "script_id", None)
        if not isinstance(usage, Usage) or not script_id or not used_something(usage):
            continue
        line = lines.setdefault((script_id, usage.provider, usage.model), dict.fromkeys(COUNTS, 0))
        for count in COUNTS:
            line[count] += getattr(usage, count)
    if not lines:
        return
    await db[SCRIPT_USAGE].bulk_write(
        [
            UpdateOne(
                {"_id": f"{script_id}|{provider}|{model}"},
                {"$setOnInsert": {"script_id": script_id, "provider": provider, "model": model}, "$inc": counts},
                upsert=True,
            )
            for (script_id, provider, model), counts in lines.items()
        ],
        ordered=True,
        session=session,
    )


async def usage_of(db: AsyncDatabase, script_id: str) -> list[dict]:
    """The script's usage lines, by provider and model."""
    docs = await db[SCRIPT_USAGE].find({"script_id": script_id}).sort([("provider", 1), ("model", 1)]).to_list()
    return [
        {
            "provider": d["provider"],
            "model": d["model"],
            **{c: round(d.get(c, 0), 3) if c == "audio_seconds" else d.get(c, 0) for c in COUNTS},
        }
        for d in docs
    ]
