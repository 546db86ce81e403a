"""S3 object storage (SeaweedFS, MinIO or AWS) through boto3, off the event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, ParamSpec, TypeVar

import boto3
from botocore.client import Config
from botocore.exceptions import ClientError

from reelflow_kit.settings import KitSettings

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client  # types only: boto3-stubs, a development dependency

P = ParamSpec("P")
R = TypeVar("R")


def s3_client(settings: KitSettings, *, connections: int = 32) -> S3Client:
    """A boto3 S3 client for the configured endpoint: path-style addressing (SeaweedFS, MinIO),
    short connect timeout, standard retries, `connections` pooled connections."""
    return boto3.client(
        "s3",
        endpoint_url=settings.s3_endpoint,
        aws_access_key_id=settings.s3_access_key,
        aws_secret_access_key=settings.s3_secret_key.get_secret_value(),
        region_name=settings.s3_region,
        config=Config(
            signature_version="s3v4",
            s3={"addressing_style": "path"},
            connect_timeout=5,
            read_timeout=30,
            max_pool_connections=connections,
            retries={"max_attempts": 3, "mode": "standard"},
        ),
    )


class ObjectStore:
    def __init__(self, settings: KitSettings, bucket: str | None = None) -> None:
        self.bucket = bucket or settings.bucket_name
        self._client = s3_client(settings, connections=32)  # renders fetch and cache many objects at once

    async def _call(self, fn: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
        return await asyncio.to_thread(partial(fn, *args, **kwargs))

    async def ensure_bucket(self) -> None:
        try:
            await self._call(self._client.head_bucket, Bucket=self.bucket)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in ("404", "NoSuchBucket", "NotFound"):
                raise
            try:
                await self._call(self._client.create_bucket, Bucket=self.bucket)
            except ClientError as create_exc:
                if create_exc.response.get("Error", {}).get("Code") not in (
                    "BucketAlreadyOwnedByYou",
                    "BucketAlreadyExists",
                ):
                    raise

    async def ping(self) -> None:
        await self._call(self._client.list_buckets)

    async def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        await self._call(self._client.put_object, Bucket=self.bucket, Key=key, Body=data, ContentType=content_type)

    async def get(self, key: str) -> bytes:
        response = await self._call(self._client.get_object, Bucket=self.bucket, Key=key)
        return await asyncio.to_thread(response["Body"].read)

    async def exists(self, key: str) -> bool:
        try:
            await self._call(self._client.head_object, Bucket=self.bucket, Key=key)
            return True
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise

    async def delete(self, key: str) -> None:
        await self._call(self._client.delete_object, Bucket=self.bucket, Key=key)

    def presigned_get_url(self, key: str, expires_s: int = 300) -> str:
        return self._client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=expires_s
        )
