#!/usr/bin/env python3
"""Login under a flood: p95 of valid logins while many clients send wrong passwords.

    .venv/bin/python bench/login.py [--duration 10] [--flooders 32]

Starts a throwaway embedded stack and the gateway (`python -m reelflow_gateway`) as a real
process, registers a user, then for each phase runs `--flooders` concurrent clients sending
wrong-password logins for `--duration` seconds while one client logs in correctly, one login
after the other, and prints the valid logins' p50/p95 and p95 against the 1 s target.

Phases:
- one address: every flooder sends from the same client address: the per-address limit
  answers 429 before any hashing, so valid logins barely notice;
- many addresses: each flooder request comes from an address of its own (X-Forwarded-For from
  loopback, the default trusted proxy), under the per-address limit: every one is hashed. The
  hashing pool (`REELFLOW_PASSWORD_HASH_THREADS`) and its bounded queue
  (`REELFLOW_PASSWORD_HASH_QUEUE`, over it: 503 `busy`) keep a valid login's wait bounded.

Valid logins come from a fresh address each time (they are not what the per-address limit is
about here). Exit status 0 when p95 is under the target in every phase.

Measured on the 2-core machine (load average about 5, the flooding clients on the same cores):

    phase             valid logins   p50 ms   p95 ms  p95/target
    one address                 37      250      347        0.35
    many addresses              15      683      795        0.79

Before the refusals were remembered per window and checks waited in one line per account (with
4 hashing threads): 1 324 and 1 632 ms at p95, and 24 of 28 valid logins refused with 503.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import sys
import time
from collections import Counter

import httpx
from _support import Service, embedded_stack, free_port, percentile

TARGET_S = 1.0
PASSWORD = "correct horse battery"
_addresses = itertools.count(1)


def next_address() -> str:
    n = next(_addresses)
    return f"10.{(n >> 16) % 256}.{(n >> 8) % 256}.{n % 256}"


async def flood(
    client: httpx.AsyncClient, email: str, shared_address: str | None, until: float, statuses: Counter
) -> None:
    while time.monotonic() < until:
        address = shared_address or next_address()
        response = await client.post(
            "/api/auth/token", data={"username": email, "password": "wrong"}, headers={"X-Forwarded-For": address}
        )
        statuses[response.status_code] += 1


async def valid_logins(
    client: httpx.AsyncClient, email: str, until: float, latencies: list[float], statuses: Counter
) -> None:
    while time.monotonic() < until:
        started = time.perf_counter()
        response = await client.post(
            "/api/auth/token",
            data={"username": email, "password": PASSWORD},
            headers={"X-Forwarded-For": next_address()},
        )
        latencies.append(time.perf_counter() - started)
        statuses[response.status_code] += 1


async def phase(base: str, victim: str, flooded: str, flooders: int, duration: float, one_address: bool) -> dict:
    limits = httpx.Limits(max_connections=flooders + 4)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
        until = time.monotonic() + duration
        flood_statuses: Counter = Counter()
        valid_statuses: Counter = Counter()
        latencies: list[float] = []
        shared = next_address() if one_address else None
        await asyncio.gather(
            valid_logins(client, victim, until, latencies, valid_statuses),
            *(flood(client, flooded, shared, until, flood_statuses) for _ in range(flooders)),
        )
    latencies.sort()
    return {"latencies": latencies, "flood": flood_statuses, "valid": valid_statuses}


def register(base: str, email: str) -> None:
    response = httpx.post(f"{base}/api/auth/register", json={"email": email, "password": PASSWORD}, timeout=30)
    response.raise_for_status()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per phase")
    parser.add_argument("--flooders", type=int, default=32, help="concurrent clients sending wrong passwords")
    parser.add_argument("--keep", action="store_true", help="keep var/bench-<pid>/ (logs) afterwards")
    args = parser.parse_args(argv)

    with embedded_stack(keep=args.keep) as cfg:
        port = free_port()
        env = {
            **cfg.service_env(),
            "REELFLOW_LOG_LEVEL": "WARNING",
            "REELFLOW_MONGO_DATABASE": "bench_login",
            "REELFLOW_HTTP_PORT": str(port),
            # The flooded account's own failure limit would stop the many-address flood before
            # hashing too: set it out of the way, to measure the hashing pool itself.
            "REELFLOW_RATE_LIMIT_LOGIN_FAILURES_PER_ACCOUNT": "1000000/60s",
        }
        gateway = Service(
            "gateway", "reelflow_gateway", env, f"http://127.0.0.1:{port}/healthz", cfg.log_dir / "gateway.log"
        )
        gateway.start()
        try:
            base = f"http://127.0.0.1:{port}"
            victim, flooded = "valid@example.com", "flooded@example.com"
            register(base, victim)
            register(base, flooded)
            ok = True
            print(
                f"{'phase':<16}{'valid logins':>14}{'p50 ms':>9}{'p95 ms':>9}{'p95/target':>12}"
                f"   valid statuses / flood statuses"
            )
            for name, one_address in (("one address", True), ("many addresses", False)):
                result = asyncio.run(phase(base, victim, flooded, args.flooders, args.duration, one_address))
                latencies = result["latencies"]
                p50, p95 = percentile(latencies, 50), percentile(latencies, 95)
                ratio = p95 / TARGET_S
                ok &= ratio < 1.0
                print(
                    f"{name:<16}{len(latencies):>14}{p50 * 1000:>9.0f}{p95 * 1000:>9.0f}{ratio:>12.2f}"
                    f"   {dict(result['valid'])} / {dict(result['flood'])}"
                )
            print(
                f"[bench] target: p95 of a valid login under {TARGET_S:g} s: {'met' if ok else 'NOT met'}; "
                f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}"
            )
            return 0 if ok else 1
        finally:
            gateway.stop()


if __name__ == "__main__":
    sys.exit(main())
