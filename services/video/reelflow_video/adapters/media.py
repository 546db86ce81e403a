"""Object storage: approved images (read from the image service's bucket by the key in
ImageApproved) and finished videos (`videos/video_{video_id}.mp4` in this service's bucket)."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

from reelflow_kit.store.s3 import ObjectStore


def video_key(video_id: str) -> str:
    return f"videos/video_{video_id}.mp4"


class ImageFetcher:
    """Downloads images once per process into a local folder, named by content hash."""

    def __init__(self, images: ObjectStore, folder: Path) -> None:
        self._images = images
        self._folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    async def fetch(self, key: str) -> tuple[Path, str]:
        """(local path, sha256 of the bytes) of the image stored under `key`."""
        data = await self._images.get(key)
        digest = hashlib.sha256(data).hexdigest()
        path = self._folder / f"{digest}.png"
        if not path.exists():
            partial = path.with_suffix(".partial")
            await asyncio.to_thread(partial.write_bytes, data)
            partial.rename(path)
        return path, digest


async def upload_video(store: ObjectStore, video_id: str, path: Path) -> str:
    key = video_key(video_id)
    await store.put(key, await asyncio.to_thread(path.read_bytes), "video/mp4")
    return key
