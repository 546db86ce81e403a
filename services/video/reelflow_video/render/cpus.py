"""How many CPUs this process may really use: in a container that is its CPU limit (cgroup v2
`cpu.max`) and its CPU set, not the node's core count that `os.cpu_count()` reports."""

from __future__ import annotations

import math
import os
from pathlib import Path

CGROUP_CPU_MAX = Path("/sys/fs/cgroup/cpu.max")


def usable_cpus(cpu_max: Path = CGROUP_CPU_MAX) -> int:
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    limit = cgroup_limit(cpu_max)
    return max(1, min(cpus, limit) if limit else cpus)


def cgroup_limit(cpu_max: Path) -> int | None:
    """The CPU quota as whole CPUs, rounded up (`200000 100000` -> 2); None when unlimited or unknown."""
    try:
        quota, period = cpu_max.read_text().split()[:2]
    except (OSError, ValueError):
        return None
    if quota == "max":
        return None
    try:
        return max(1, math.ceil(int(quota) / int(period)))
    except (ValueError, ZeroDivisionError):
        return None
