#!/usr/bin/env python3
"""What each service process used while another bench ran: peak memory, CPU seconds and the
messages it published, for sizing deployments (docs/scaling.md, deploy/production/k8s/).

    .venv/bin/python bench/footprint.py &          # then, in the same folder:
    .venv/bin/python bench/operations.py --scenes 3 --concurrent 2

Watches every `python -m reelflow_<service>` process started from this repository (its working
directory is the repository: the benches start them so), every `--every` seconds: the resident
memory of the process and all its descendants (the video service's FFmpeg processes count), and
the CPU time of the process, its live descendants and the ones it has reaped. It also scrapes
the process's own `/metrics` (the port from its REELFLOW_HEALTH_PORT or REELFLOW_HTTP_PORT) for
what it published (`faststream_published_messages_total`) and handled
(`reelflow_consumed_messages_total{outcome="handled"}`). When every watched process has ended
(or after `--timeout` seconds), prints per service: peak RSS in MB, CPU seconds used while
watched, messages published and handled. Linux only (/proc). The servers (Kafka, MongoDB, S3)
are not counted.

Measured on the 2-core machine beside `bench/operations.py --scenes 3 --concurrent 2` (its
warm-up operation of one scene, one of three, then two of three at once: about 135 s of 720p
video with narration and subtitles, about 5 minutes with start-up; load average 7-12 from
other runs):

    service     peak RSS MB    CPU s  published  handled
    gateway             170     30.9        128      343
    image               173     15.2         40       40
    scene                74     13.3         44       14
    script               73     11.0          9        9
    video               449     57.5        159       48

Most of the script and scene services' CPU is idle polling (a consumer on Tansu costs 30-40 ms
of CPU a second: bench/loops.py), about 0.04 of a core each; the gateway's includes the bench's
polls of its operations every 50 ms.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TICKS = os.sysconf("SC_CLK_TCK")
SAMPLE = re.compile(r"^(\w+)(\{[^}]*\})? ([0-9.eE+-]+)$")


@dataclass
class Watched:
    service: str
    port: str | None
    first_cpu_s: float
    last_cpu_s: float = 0.0
    peak_rss_kb: int = 0
    published: float = 0.0
    handled: float = 0.0


def _stat(pid: int) -> list[str]:
    return (Path("/proc") / str(pid) / "stat").read_text().rpartition(")")[2].split()


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                tree.setdefault(int(_stat(int(entry.name))[1]), []).append(int(entry.name))
            except OSError:
                continue
    return tree


def _descendants(pid: int, tree: dict[int, list[int]]) -> list[int]:
    found, todo = [], list(tree.get(pid, []))
    while todo:
        child = todo.pop()
        found.append(child)
        todo.extend(tree.get(child, []))
    return found


def _cpu_s(pid: int, with_reaped: bool) -> float:
    fields = _stat(pid)  # after the name: state is fields[0], utime fields[11], stime 12, cutime 13, cstime 14
    ticks = int(fields[11]) + int(fields[12])
    if with_reaped:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / TICKS


def _rss_kb(pid: int) -> int:
    for line in (Path("/proc") / str(pid) / "status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _service_of(pid: int) -> tuple[str, str | None] | None:
    proc = Path("/proc") / str(pid)
    try:
        argv = (proc / "cmdline").read_bytes().split(b"\0")
        if b"-m" not in argv or Path(os.readlink(proc / "cwd")) != ROOT:
            return None
        module = argv[argv.index(b"-m") + 1].decode()
        if not module.startswith("reelflow_"):
            return None
        env = dict(
            item.split("=", 1)
            for item in (proc / "environ").read_bytes().decode(errors="replace").split("\0")
            if "=" in item
        )
    except (OSError, IndexError):
        return None
    return module.removeprefix("reelflow_"), env.get("REELFLOW_HEALTH_PORT") or env.get("REELFLOW_HTTP_PORT")


def _scrape(watched: Watched) -> None:
    if not watched.port:
        return
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{watched.port}/metrics", timeout=2) as response:
            text = response.read().decode()
    except OSError:
        return
    published = handled = 0.0
    for line in text.splitlines():
        if match := SAMPLE.match(line):
            name, labels, value = match.groups()
            if name == "faststream_published_messages_total":
                published += float(value)
            elif name == "reelflow_consumed_messages_total" and 'outcome="handled"' in (labels or ""):
                handled += float(value)
    watched.published, watched.handled = published, handled


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--every", type=float, default=0.5, help="seconds between samples")
    parser.add_argument("--timeout", type=float, default=1800.0, help="stop watching after this many seconds")
    args = parser.parse_args(argv)
    watched: dict[int, Watched] = {}
    deadline = time.monotonic() + args.timeout
    seen_any = False
    while time.monotonic() < deadline:
        tree = _children()
        alive = 0
        for pid in [int(e.name) for e in Path("/proc").iterdir() if e.name.isdigit()]:
            if pid not in watched:
                found = _service_of(pid)
                if found is None:
                    continue
                try:
                    watched[pid] = Watched(found[0], found[1], first_cpu_s=_cpu_s(pid, with_reaped=True))
                except OSError:
                    continue
            entry = watched[pid]
            try:
                family = _descendants(pid, tree)
                entry.last_cpu_s = _cpu_s(pid, with_reaped=True) + sum(_cpu_s(c, with_reaped=False) for c in family)
                entry.peak_rss_kb = max(entry.peak_rss_kb, _rss_kb(pid) + sum(_rss_kb(c) for c in family))
            except OSError:
                continue  # ended between two reads
            _scrape(entry)
            alive += 1
        seen_any |= alive > 0
        if seen_any and not alive:
            break
        time.sleep(args.every)
    print(f"{'service':10}{'peak RSS MB':>13}{'CPU s':>9}{'published':>11}{'handled':>9}")
    for entry in sorted(watched.values(), key=lambda w: w.service):
        print(
            f"{entry.service:10}{entry.peak_rss_kb / 1024:13.0f}{entry.last_cpu_s - entry.first_cpu_s:9.1f}"
            f"{entry.published:11.0f}{entry.handled:9.0f}"
        )
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    return 0 if watched else 1


if __name__ == "__main__":
    sys.exit(main())
