"""Password hashing with argon2id (argon2-cffi's recommended parameters), on threads of its own.

Each hash or verification is ~50 ms of CPU in a worker thread (argon2 releases the GIL).
`PasswordHashing` runs them on a bounded pool used by nothing else, so a flood of logins
never waits behind media reads or DNS lookups in the default executor, nor do they behind it;
and at most `threads + queue` of them wait at once: past that, `HashingBusy` (503) instead of
an ever longer queue, so a login that is let in is answered in bounded time.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache, partial
from typing import Callable, TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
THREAD_NAME_PREFIX = "password-hashing"
T = TypeVar("T")


def hash_password(password: str) -> str:
    """An encoded argon2id hash (salt and parameters included)."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker parameters than the current ones."""
    return _hasher.check_needs_rehash(password_hash)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher.hash("reelflow-dummy-password")


def burn_verification(password: str) -> None:
    """Spend the time of a real verification, so an unknown email is not told apart by timing."""
    verify_password(_dummy_hash(), password)


class HashingBusy(Exception):
    """Every hashing thread is busy and the queue is full."""


class PasswordHashing:
    """The hashing functions above, awaited on the pool's own threads."""

    def __init__(self, threads: int, queue: int) -> None:
        self.threads = threads
        self.capacity = threads + queue
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix=THREAD_NAME_PREFIX)
        self._admitted = 0

    async def hash(self, password: str) -> str:
        return await self._run(hash_password, password)

    async def verify(self, password_hash: str, password: str) -> bool:
        return await self._run(verify_password, password_hash, password)

    async def burn(self, password: str) -> None:
        await self._run(burn_verification, password)

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

    async def _run(self, fn: Callable[..., T], *args: str) -> T:
        if self._admitted >= self.capacity:
            raise HashingBusy(f"{self._admitted} password checks already running or queued")
        self._admitted += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, partial(fn, *args))
        finally:
            self._admitted -= 1
