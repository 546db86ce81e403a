"""Async MongoDB access through PyMongo's native AsyncMongoClient."""

from __future__ import annotations

from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from reelflow_kit.settings import KitSettings


def make_client(settings: KitSettings) -> AsyncMongoClient[dict[str, Any]]:
    return AsyncMongoClient(
        settings.mongo_uri,
        serverSelectionTimeoutMS=settings.mongo_timeout_ms,
        connectTimeoutMS=settings.mongo_timeout_ms,
        appname=f"reelflow-{settings.service_name}",
        tz_aware=True,
    )


def database(client: AsyncMongoClient[dict[str, Any]], settings: KitSettings) -> AsyncDatabase[dict[str, Any]]:
    return client[settings.database_name]


async def ping(client: AsyncMongoClient[dict[str, Any]]) -> None:
    await client.admin.command("ping")
