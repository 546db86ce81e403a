"""The video service counts the CPUs it may use: a container's CPU limit, not the node's cores."""

from __future__ import annotations

import os

import pytest

from reelflow_video.render.cpus import cgroup_limit, usable_cpus


@pytest.mark.parametrize(
    ("cpu_max", "expected"),
    [("200000 100000\n", 2), ("150000 100000\n", 2), ("50000 100000\n", 1), ("max 100000\n", None), ("", None)],
)
def test_the_cgroup_quota_in_whole_cpus(tmp_path, cpu_max: str, expected: int | None) -> None:
    path = tmp_path / "cpu.max"
    path.write_text(cpu_max)
    assert cgroup_limit(path) == expected


def test_a_limit_below_the_cores_wins_and_no_file_means_the_cores(tmp_path) -> None:
    cores = len(os.sched_getaffinity(0))
    limited = tmp_path / "cpu.max"
    limited.write_text("100000 100000\n")
    assert usable_cpus(limited) == 1
    assert usable_cpus(tmp_path / "missing") == cores
    generous = tmp_path / "generous"
    generous.write_text(f"{(cores + 8) * 100000} 100000\n")
    assert usable_cpus(generous) == cores
