"""Fixtures the integration tests share."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from pymongo import AsyncMongoClient


@pytest.fixture
async def database(infra, unique) -> AsyncIterator[str]:
    """The name of a database of the test's own, dropped afterwards."""
    name = f"kitjobs_{unique}"
    yield name
    async with AsyncMongoClient(infra.mongo_uri) as client:
        await client.drop_database(name)
