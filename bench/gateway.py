#!/usr/bin/env python3
"""Gateway benchmark: sustained HTTP load on 127.0.0.1 against real processes.

    .venv/bin/python bench/gateway.py [--duration 15] [--read-conns 16] [--write-conns 4] [--procs 2]

What it does, all by itself:
1. starts a throwaway embedded stack (Kafka/Tansu, MongoDB/SecantusDB, S3/SeaweedFS) on free
   loopback ports under var/bench-<pid>/ (removed at the end);
2. starts the script service (`python -m reelflow_script`) and the gateway
   (`python -m reelflow_gateway`) as separate processes, exactly as `make up` does;
3. registers a user, gets a token and creates `--scripts` scripts through the API;
4. reads: `--procs` load-generator processes (raw asyncio HTTP/1.1 keep-alive clients, no
   framework in the loop) keep `--read-conns` connections busy with `GET /api/scripts/{id}`
   for `--duration` seconds (after `--warmup` unmeasured seconds);
5. writes: the same with `POST /api/scripts`. Read-your-writes is checked on every write: the
   answer must be 201 with the script just written, and an immediate `GET` of its id must
   return it (that GET is checked, not timed);
6. prints requests/s, p50, p99 and errors for each, the targets, and whether they are met.

Closed loop: each connection sends its next request when the previous answer arrived.
Anything but the expected status and body is an error. Exit status: 0 when every target is
met, 1 otherwise. No packages beyond the repo's requirements are needed.

Measured on the 2-core machine (every server, service and load generator on it), defaults:

    phase                                         requests    req/s   p50 ms   p99 ms   max ms  errors
    reads  GET /api/scripts/{id}                     38738     2583      5.8     11.8     20.3       0
    writes POST /api/scripts (read-your-writes)       1605      107     32.6     69.6     82.2       0

Writes saturate at about 140/s here: each one costs roughly 20 ms of CPU in total, spread over the
script service, the gateway, MongoDB (about 15 operations: transactions, inbox, outbox) and Kafka,
and each consumer group handles its messages one at a time. Beyond 4 writers, latency grows
with the queue (8 writers: about 137/s, with a p99 of 100-170 ms depending on what else runs).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import sys
import time
import uuid
from dataclasses import dataclass, field

from _support import (
    UNLIMITED,
    HttpConnection,
    Service,
    api,
    build_request,
    embedded_stack,
    first_write,
    free_port,
    percentile,
    register,
    running,
)

TARGETS = {
    "read_rps": 1000.0,  # GET /api/scripts/{id}: at least this many requests/s
    "read_p99_ms": 25.0,  # ... with p99 at most this
    "write_p99_ms": 100.0,  # POST /api/scripts (read-your-writes): p99 at most this
    "errors": 0,  # in either phase
}


# --------------------------------------------------------------------------- load generator (child process)


@dataclass
class WorkerResult:
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    checks: int = 0

    def error(self, what: str) -> None:
        self.errors += 1
        if len(self.error_samples) < 5:
            self.error_samples.append(what[:300])


async def _read_loop(
    conn: HttpConnection, cfg: dict, offset: int, result: WorkerResult, t_start: float, t_end: float
) -> None:
    host, token, ids = cfg["host"], cfg["token"], cfg["script_ids"]
    requests = [build_request("GET", f"/api/scripts/{i}", host, token) for i in ids]
    n = offset
    while True:
        now = time.perf_counter()
        if now >= t_end:
            return
        raw = requests[n % len(requests)]
        n += 1
        try:
            status, body = await conn.request(raw)
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            await conn.close()
            if now >= t_start:
                result.error(f"GET: {exc!r}")
            continue
        done = time.perf_counter()
        if now < t_start:
            continue
        result.latencies_ms.append((done - now) * 1000)
        if status != 200 or b'"id"' not in body:
            result.error(f"GET {status}: {body[:200]!r}")


async def _write_loop(
    conn: HttpConnection, cfg: dict, worker: int, result: WorkerResult, t_start: float, t_end: float
) -> None:
    host, token = cfg["host"], cfg["token"]
    n = 0
    while True:
        now = time.perf_counter()
        if now >= t_end:
            return
        n += 1
        content = f"INT. BENCH ROOM - NIGHT\n\nWorker {worker} writes script {n} ({uuid.uuid4().hex})."
        body = json.dumps({"title": f"bench {worker}-{n}", "content": content}).encode()
        try:
            status, answer = await conn.request(build_request("POST", "/api/scripts", host, token, body))
            done = time.perf_counter()
            measured = now >= t_start
            if measured:
                result.latencies_ms.append((done - now) * 1000)
            if status != 201:
                if measured:
                    result.error(f"POST {status}: {answer[:200]!r}")
                continue
            created = json.loads(answer)
            if created.get("content") != content:
                if measured:
                    result.error(f"POST answered another state: {answer[:200]!r}")
                continue
            # Read-your-writes: the script is readable by id right away (checked, not timed).
            status, again = await conn.request(build_request("GET", f"/api/scripts/{created['id']}", host, token))
            if measured:
                result.checks += 1
                if status != 200 or json.loads(again).get("content") != content:
                    result.error(f"GET after POST {status}: {again[:200]!r}")
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            await conn.close()
            if now >= t_start:
                result.error(f"POST: {exc!r}")


async def _worker_main(cfg: dict, kind: str, conns: int, worker: int, start_at: float) -> WorkerResult:
    result = WorkerResult()
    connections = [HttpConnection("127.0.0.1", cfg["port"]) for _ in range(conns)]
    for c in connections:
        await c.open()
    # Every process starts its clock at the same wall time, so the phases line up.
    await asyncio.sleep(max(0.0, start_at - time.time()))
    t0 = time.perf_counter()
    t_start, t_end = t0 + cfg["warmup"], t0 + cfg["warmup"] + cfg["duration"]
    if kind == "read":
        loops = [
            _read_loop(c, cfg, worker * 7919 + i * 104729, result, t_start, t_end) for i, c in enumerate(connections)
        ]
    else:
        loops = [_write_loop(c, cfg, worker * 1000 + i, result, t_start, t_end) for i, c in enumerate(connections)]
    await asyncio.gather(*loops)
    for c in connections:
        await c.close()
    return result


def _worker_entry(cfg: dict, kind: str, conns: int, worker: int, start_at: float, queue) -> None:
    try:
        from uvloop import run
    except ImportError:
        run = asyncio.run
    result = run(_worker_main(cfg, kind, conns, worker, start_at))
    queue.put(result.__dict__)


def run_phase(cfg: dict, kind: str, total_conns: int, procs: int) -> dict:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    per = [total_conns // procs + (1 if i < total_conns % procs else 0) for i in range(procs)]
    start_at = time.time() + 2.0  # time for the children to start and connect
    children = [
        ctx.Process(target=_worker_entry, args=(cfg, kind, n, i, start_at, queue), daemon=True)
        for i, n in enumerate(per)
        if n
    ]
    for child in children:
        child.start()
    results = [queue.get(timeout=cfg["warmup"] + cfg["duration"] + 120) for _ in children]
    for child in children:
        child.join(10)
    latencies = sorted(x for r in results for x in r["latencies_ms"])
    return {
        "requests": len(latencies),
        "rps": len(latencies) / cfg["duration"],
        "p50_ms": percentile(latencies, 50),
        "p99_ms": percentile(latencies, 99),
        "max_ms": latencies[-1] if latencies else float("nan"),
        "errors": sum(r["errors"] for r in results),
        "error_samples": [s for r in results for s in r["error_samples"]][:5],
        "read_your_writes_checks": sum(r["checks"] for r in results),
    }


# --------------------------------------------------------------------------- setup through the API


def prepare(base: str, scripts: int) -> tuple[str, list[str]]:
    token = register(base)
    # The first write also waits for both consumer groups to join; retry until one is applied in time.
    body = first_write(base, token)
    ids = [body["id"]]
    for n in range(scripts - 1):
        status, body = api(
            base,
            "POST",
            "/api/scripts",
            token=token,
            json_body={"title": f"read {n}", "content": f"INT. LIBRARY - DAY\n\nScript {n} to be read."},
        )
        if status not in (201, 202):
            raise RuntimeError(f"cannot create scripts: {status} {body}")
        ids.append(body["id"])
    deadline = time.monotonic() + 60
    for script_id in ids:  # those that answered 202 must be readable before the read phase
        while api(base, "GET", f"/api/scripts/{script_id}", token=token)[0] != 200:
            if time.monotonic() > deadline:
                raise RuntimeError(f"script {script_id} never became readable")
            time.sleep(0.2)
    return token, ids


# --------------------------------------------------------------------------- main


def report(reads: dict, writes: dict) -> bool:
    checks = [
        (
            "reads  >= {:.0f} req/s".format(TARGETS["read_rps"]),
            reads["rps"] >= TARGETS["read_rps"],
            f"{reads['rps']:.0f} req/s",
        ),
        (
            "reads  p99 <= {:.0f} ms".format(TARGETS["read_p99_ms"]),
            reads["p99_ms"] <= TARGETS["read_p99_ms"],
            f"{reads['p99_ms']:.1f} ms",
        ),
        (
            "writes p99 <= {:.0f} ms".format(TARGETS["write_p99_ms"]),
            writes["p99_ms"] <= TARGETS["write_p99_ms"],
            f"{writes['p99_ms']:.1f} ms",
        ),
        ("zero errors", reads["errors"] == 0 and writes["errors"] == 0, f"{reads['errors'] + writes['errors']} errors"),
    ]
    print()
    print(f"{'phase':<44} {'requests':>9} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'errors':>7}")
    for name, r in (("reads  GET /api/scripts/{id}", reads), ("writes POST /api/scripts (read-your-writes)", writes)):
        print(
            f"{name:<44} {r['requests']:>9} {r['rps']:>8.0f} {r['p50_ms']:>8.1f} {r['p99_ms']:>8.1f} "
            f"{r['max_ms']:>8.1f} {r['errors']:>7}"
        )
    print(f"read-your-writes checks (GET right after each 201): {writes['read_your_writes_checks']}")
    for r in (reads, writes):
        for sample in r["error_samples"]:
            print(f"  error: {sample}")
    print("\ntargets:")
    for name, ok, actual in checks:
        print(f"  {'MET   ' if ok else 'MISSED'} {name:<24} ({actual})")
    met = all(ok for _, ok, _ in checks)
    print("all targets met" if met else "some targets MISSED")
    return met


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=15.0, help="measured seconds per phase")
    parser.add_argument("--warmup", type=float, default=3.0, help="unmeasured seconds before each phase")
    parser.add_argument("--read-conns", type=int, default=16, help="concurrent connections for reads")
    parser.add_argument("--write-conns", type=int, default=4, help="concurrent connections for writes")
    parser.add_argument("--procs", type=int, default=2, help="load-generator processes")
    parser.add_argument("--scripts", type=int, default=200, help="scripts created for the read phase")
    parser.add_argument("--script-module", default="reelflow_script", help="module run as the script service")
    parser.add_argument("--keep", action="store_true", help="keep var/bench-<pid>/ (logs) afterwards")
    args = parser.parse_args(argv)

    with embedded_stack(keep=args.keep) as cfg:
        http_port, script_port = free_port(), free_port()
        base_env = {**cfg.service_env(), "REELFLOW_LOG_LEVEL": "WARNING"}
        script = Service(
            "script",
            args.script_module,
            {**base_env, "REELFLOW_MONGO_DATABASE": "bench_script", "REELFLOW_HEALTH_PORT": str(script_port)},
            f"http://127.0.0.1:{script_port}/healthz",
            cfg.log_dir / "script.log",
        )
        gateway = Service(
            "gateway",
            "reelflow_gateway",
            {**base_env, **UNLIMITED, "REELFLOW_MONGO_DATABASE": "bench_gateway", "REELFLOW_HTTP_PORT": str(http_port)},
            f"http://127.0.0.1:{http_port}/healthz",
            cfg.log_dir / "gateway.log",
        )
        with running([script, gateway]):
            base = f"http://127.0.0.1:{http_port}"
            print(f"[bench] creating {args.scripts} scripts through {base}")
            token, ids = prepare(base, args.scripts)
            load = {
                "port": http_port,
                "host": f"127.0.0.1:{http_port}",
                "token": token,
                "script_ids": ids,
                "duration": args.duration,
                "warmup": args.warmup,
            }
            print(
                f"[bench] reads: {args.read_conns} connections in {args.procs} processes, "
                f"{args.warmup:g}s warm-up + {args.duration:g}s measured"
            )
            reads = run_phase(load, "read", args.read_conns, args.procs)
            print(
                f"[bench] writes: {args.write_conns} connections in {args.procs} processes, "
                f"{args.warmup:g}s warm-up + {args.duration:g}s measured"
            )
            writes = run_phase(load, "write", args.write_conns, args.procs)
            print(f"[bench] machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
            return 0 if report(reads, writes) else 1


if __name__ == "__main__":
    sys.exit(main())
