"""The gateway's limit decisions (pure), held-open slots, and password hashing's own threads."""

from __future__ import annotations

import asyncio
import threading

import pytest

from reelflow_gateway.auth.passwords import THREAD_NAME_PREFIX, FairTurns, HashingBusy, PasswordHashing, hash_password
from reelflow_gateway.errors import ApiError
from reelflow_gateway.limits.decisions import Window, over_cap, over_rate
from reelflow_gateway.limits.held import HeldRequests, TooManyHeld
from reelflow_gateway.limits.limiter import RateLimit, RateLimiter, is_limited_write
from reelflow_gateway.limits.rates import Rate
from reelflow_gateway.settings import Settings


@pytest.mark.parametrize(
    ("text", "rate"),
    [
        ("10/60s", Rate(10, 60)),
        ("10/min", Rate(10, 60)),
        ("3/5min", Rate(3, 300)),
        ("500/hour", Rate(500, 3600)),
        ("2/s", Rate(2, 1)),
        (" 7 / 30s ", Rate(7, 30)),
        ("1/day", Rate(1, 86_400)),
    ],
)
def test_rates_are_read_from_their_usual_spellings(text: str, rate: Rate) -> None:
    assert Rate.parse(text) == rate
    assert Rate.parse(str(rate)) == rate


@pytest.mark.parametrize("text", ["10", "ten/min", "10/fortnight", "0/min", "-1/min", "10/0s", ""])
def test_a_malformed_rate_setting_is_refused_with_the_expected_spelling(text: str, monkeypatch) -> None:
    monkeypatch.setenv("REELFLOW_RATE_LIMIT_WRITES_PER_USER", text)
    with pytest.raises(ValueError, match="rate"):
        Settings()


def test_rate_settings_come_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("REELFLOW_RATE_LIMIT_LOGIN_PER_ADDRESS", "4/2s")
    assert Settings().rate_limit_login_per_address == Rate(4, 2)


def test_a_window_is_fixed_and_ends_on_a_multiple_of_its_length() -> None:
    assert Window.at(Rate(5, 60), 125.0) == Window(number=2, ends_at=180.0)
    assert Window.at(Rate(5, 60), 180.0) == Window(number=3, ends_at=240.0)


def test_a_rate_allows_its_count_then_refuses_until_the_window_ends() -> None:
    rate = Rate(3, 60)
    window = Window.at(rate, 130.2)
    assert over_rate("writes", rate, 3, window, 130.2) is None
    refusal = over_rate("writes", rate, 4, window, 130.2)
    assert refusal is not None and refusal.retry_after_s == 50
    assert refusal.detail == "too many writes: at most 3 per 60 s; retry in 50 s"


def test_retry_after_is_at_least_one_second() -> None:
    rate = Rate(1, 10)
    refusal = over_rate("logins", rate, 2, Window.at(rate, 19.9999), 19.9999)
    assert refusal is not None and refusal.retry_after_s == 1


def test_a_cap_refuses_once_reached_and_says_the_count() -> None:
    assert over_cap("running operations", 3, 2, 30) is None
    refusal = over_cap("running operations", 3, 3, 30)
    assert refusal is not None and refusal.retry_after_s == 30 and "3 of at most 3" in refusal.detail


@pytest.mark.parametrize(
    ("method", "path", "limited"),
    [
        ("POST", "/api/scripts", True),
        ("PUT", "/api/scenes/x", True),
        ("DELETE", "/api/scripts/x", True),
        ("POST", "/api/operations/x/cancel", True),
        ("GET", "/api/scripts", False),
        ("POST", "/api/auth/token", False),
        ("POST", "/api/auth/register", False),
        ("POST", "/healthz", False),
        ("post", "/api/scripts", True),
    ],
)
def test_which_calls_count_as_writes(method: str, path: str, limited: bool) -> None:
    assert is_limited_write(method, path) is limited


def test_held_slots_are_per_user_and_come_back_once() -> None:
    held = HeldRequests(cap=2)
    first, second = held.take("alice"), held.take("alice")
    with pytest.raises(TooManyHeld) as full:
        held.take("alice")
    assert full.value.refusal.retry_after_s >= 1 and "2 of at most 2" in full.value.refusal.detail
    held.take("bob")  # another user's slots are their own
    first.release()
    first.release()  # a second release gives nothing back twice
    assert held.open_for("alice") == 1
    held.take("alice")
    with pytest.raises(TooManyHeld):
        held.take("alice")
    second.release()
    assert held.open_for("alice") == 1


async def test_password_hashing_runs_on_its_own_threads_while_the_default_executor_is_saturated() -> None:
    """A flood that takes every thread of the default executor (media reads, DNS lookups) does not
    hold up a login: its verification runs on the hashing pool's threads."""
    loop = asyncio.get_running_loop()
    hashing = PasswordHashing(threads=2, queue=4)
    stored = hash_password("correct horse")
    release = threading.Event()
    default_threads = 64  # more than the default executor has: every one of its threads is blocked
    blocked = [loop.run_in_executor(None, release.wait) for _ in range(default_threads)]
    try:
        names = await asyncio.wait_for(
            asyncio.gather(
                hashing.verify(stored, "correct horse"), hashing._run(lambda: threading.current_thread().name)
            ),
            timeout=60,
        )
        assert names[0] is True and names[1].startswith(THREAD_NAME_PREFIX)
        assert not any(task.done() for task in blocked)  # the default executor was still saturated
    finally:
        release.set()
        await asyncio.gather(*blocked)
        hashing.shutdown()


async def test_password_checks_past_the_queue_are_refused_not_queued() -> None:
    hashing = PasswordHashing(threads=1, queue=1)
    gate = threading.Event()
    running = [asyncio.ensure_future(hashing._run(gate.wait)) for _ in range(2)]
    await asyncio.sleep(0)
    try:
        with pytest.raises(HashingBusy):
            await hashing.verify(hash_password("x"), "x")
    finally:
        gate.set()
        await asyncio.gather(*running)
    assert await hashing.verify(hash_password("x"), "x")  # room again
    hashing.shutdown()


async def test_a_flood_against_one_account_waits_behind_itself_and_another_account_is_let_in_next() -> None:
    turns = FairTurns(running=1, waiting=8, waiting_per_key=2)
    order: list[str] = []
    gate = asyncio.Event()

    async def check(account: str) -> None:
        async with turns.turn(account):
            order.append(account)
            await gate.wait()

    first = asyncio.ensure_future(check("flooded"))
    await asyncio.sleep(0)
    flood = [asyncio.ensure_future(check("flooded")) for _ in range(2)]
    await asyncio.sleep(0)
    with pytest.raises(HashingBusy):  # a third waiting check of one account is refused at once
        await check("flooded")
    valid = asyncio.ensure_future(check("writer"))
    await asyncio.sleep(0)
    gate.set()
    await asyncio.gather(first, *flood, valid)
    assert order == ["flooded", "flooded", "writer", "flooded"]  # round robin: the writer after one flood check


async def test_a_cancelled_wait_gives_its_turn_on() -> None:
    turns = FairTurns(running=1, waiting=4, waiting_per_key=4)
    gate = asyncio.Event()

    async def hold() -> None:
        async with turns.turn("a"):
            await gate.wait()

    holder = asyncio.ensure_future(hold())
    await asyncio.sleep(0)
    waiting = asyncio.ensure_future(hold())
    await asyncio.sleep(0)
    waiting.cancel()
    gate.set()
    await holder
    await asyncio.gather(waiting, return_exceptions=True)
    assert turns.waiting == 0
    async with turns.turn("b"):  # the turn came back: no one waits for it
        pass


async def test_a_subject_refused_in_a_window_is_refused_again_without_asking_the_database() -> None:
    class Counters:
        def __init__(self) -> None:
            self.calls = 0

        async def add(self, key, rate, window: Window) -> int:
            self.calls += 1
            return self.calls

    counters = Counters()
    limiter = RateLimiter(counters, clock=lambda: 1_000.0)  # type: ignore[arg-type]
    limit = RateLimit("login-address", "login attempts from this address", Rate(2, 60))
    await limiter.hit(limit, "10.0.0.1")
    await limiter.hit(limit, "10.0.0.1")
    for _ in range(3):
        with pytest.raises(ApiError) as refused:
            await limiter.hit(limit, "10.0.0.1")
        assert refused.value.status == 429 and refused.value.headers["Retry-After"] == "20"
    assert counters.calls == 3  # the first refusal asked; the next two did not
