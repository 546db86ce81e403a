"""Password hashing with argon2id (argon2-cffi's recommended parameters), on threads of its own.

Each hash or verification is ~50 ms of CPU in a worker thread (argon2 releases the GIL).
`PasswordHashing` runs them on a bounded pool used by nothing else, so a flood of logins
never waits behind media reads or DNS lookups in the default executor, nor do they behind it.
Checks wait for a thread in one line per account, let in round robin: a flood against one
account waits behind itself (at most `WAITING_PER_ACCOUNT` of it; more answer `HashingBusy`,
503), and another account's login is let in after at most one check of each account ahead.
At most `queue` wait in all, so a login that is let in is answered in bounded time.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from functools import lru_cache, partial
from typing import TypeVar

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


WAITING_PER_ACCOUNT = 2


class FairTurns:
    """Up to `running` turns at once; the others wait in one line per key, let in round robin."""

    def __init__(self, running: int, waiting: int, waiting_per_key: int) -> None:
        self._free = running
        self._waiting_cap = waiting
        self._per_key = waiting_per_key
        self._lines: OrderedDict[str, deque[asyncio.Future]] = OrderedDict()
        self._waiting = 0

    @property
    def waiting(self) -> int:
        return self._waiting

    @asynccontextmanager
    async def turn(self, key: str) -> AsyncIterator[None]:
        if self._free > 0 and not self._lines:
            self._free -= 1
        else:
            await self._wait(key)
        try:
            yield
        finally:
            self._hand_on()

    async def _wait(self, key: str) -> None:
        line = self._lines.get(key)
        if self._waiting >= self._waiting_cap or (line is not None and len(line) >= self._per_key):
            raise HashingBusy(f"{self._waiting} password checks waiting")
        turn = asyncio.get_running_loop().create_future()
        self._lines.setdefault(key, deque()).append(turn)
        self._waiting += 1
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self._hand_on()  # given a turn as it was cancelled: pass it on
            elif (line := self._lines.get(key)) is not None and turn in line:
                line.remove(turn)
                self._waiting -= 1
                if not line:
                    del self._lines[key]
            raise

    def _hand_on(self) -> None:
        """A turn ended: the next key's first waiter takes it (that key goes to the back)."""
        while self._lines:
            key, line = next(iter(self._lines.items()))
            turn = line.popleft()
            self._waiting -= 1
            if line:
                self._lines.move_to_end(key)
            else:
                del self._lines[key]
            if not turn.done():
                turn.set_result(None)
                return
        self._free += 1


class PasswordHashing:
    """The hashing functions above, awaited on the pool's own threads, fairly between accounts."""

    def __init__(self, threads: int, queue: int) -> None:
        self.threads = threads
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix=THREAD_NAME_PREFIX)
        self._turns = FairTurns(threads, queue, WAITING_PER_ACCOUNT)

    async def hash(self, password: str, account: str = "") -> str:
        return await self._run(hash_password, password, account=account)

    async def verify(self, password_hash: str, password: str, account: str = "") -> bool:
        return await self._run(verify_password, password_hash, password, account=account)

    async def burn(self, password: str, account: str = "") -> None:
        await self._run(burn_verification, password, account=account)

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

    async def _run(self, fn: Callable[..., T], *args: str, account: str = "") -> T:
        async with self._turns.turn(account):
            return await asyncio.get_running_loop().run_in_executor(self._executor, partial(fn, *args))
