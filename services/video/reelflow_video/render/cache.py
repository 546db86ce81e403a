"""Where encoded pieces are kept between renders: S3 in production, so every instance shares them."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Protocol


class PieceCache(Protocol):
    async def fetch(self, key: str, dest: Path) -> bool:
        """Copy the piece stored under `key` to `dest`; False when there is none."""
        ...

    async def store(self, key: str, src: Path) -> None: ...


class Objects(Protocol):
    """The object store calls the cache makes (`reelflow_kit.store.s3.ObjectStore` has them)."""

    async def exists(self, key: str) -> bool: ...

    async def get(self, key: str) -> bytes: ...

    async def put(self, key: str, data: bytes, content_type: str = ...) -> None: ...


class ObjectStoreCache:
    """Pieces as objects `video-cache/<key>.mp4` in the service's bucket."""

    def __init__(self, store: Objects, prefix: str = "video-cache") -> None:
        self._store = store
        self._prefix = prefix

    def _key(self, key: str) -> str:
        return f"{self._prefix}/{key}.mp4"

    async def fetch(self, key: str, dest: Path) -> bool:
        if not await self._store.exists(self._key(key)):
            return False
        data = await self._store.get(self._key(key))
        await asyncio.to_thread(dest.write_bytes, data)
        return True

    async def store(self, key: str, src: Path) -> None:
        await self._store.put(self._key(key), await asyncio.to_thread(src.read_bytes), "video/mp4")


class DirectoryCache:
    """Pieces as files in a folder (benchmarks, tools)."""

    def __init__(self, root: Path) -> None:
        self._root = root
        root.mkdir(parents=True, exist_ok=True)

    async def fetch(self, key: str, dest: Path) -> bool:
        source = self._root / f"{key}.mp4"
        if not source.exists():
            return False
        await asyncio.to_thread(shutil.copyfile, source, dest)
        return True

    async def store(self, key: str, src: Path) -> None:
        await asyncio.to_thread(shutil.copyfile, src, self._root / f"{key}.mp4")
