"""The query parameters every list shares."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

MAX_OFFSET = 1_000_000_000
"""Past any real list, and small enough for every database's skip (an int64 overflows into a 500)."""

Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="how many to skip")]
