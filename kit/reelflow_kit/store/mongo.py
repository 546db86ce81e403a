"""Async MongoDB access through PyMongo's native AsyncMongoClient."""

from __future__ import annotations

from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from reelflow_kit.settings import KitSettings


def make_client(settings: KitSettings) -> AsyncMongoClient:
    return AsyncMongoClient(
        settings.mongo_uri,
        serverSelectionTimeoutMS=settings.mongo_timeout_ms,
        connectTimeoutMS=settings.mongo_timeout_ms,
        appname=f"reelflow-{settings.service_name}",
        tz_aware=True,
    )


def database(client: AsyncMongoClient, settings: KitSettings) -> AsyncDatabase:
    return client[settings.database_name]


async def ping(client: AsyncMongoClient) -> None:
    await client.admin.command("ping")
