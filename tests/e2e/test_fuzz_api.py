"""schemathesis against the real stack: every phase (examples, coverage, fuzzing, stateful),
every check, as a registered user, must find nothing: no 5xx, no status the OpenAPI document does
not list, no answer that does not match its schema, no valid request refused, no invalid one
accepted.

The run is bounded for `make test` (a few hundred cases); `make fuzz` runs a longer campaign
through the same test (REELFLOW_FUZZ_EXAMPLES, REELFLOW_FUZZ_SEED). What the run does not send
as generated, and why, is in tests/e2e/schemathesis.toml and tests/support/fuzz_hooks.py.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import Reelflow
from tests.e2e.helpers import register

ROOT = Path(__file__).resolve().parents[2]
CONFIG = Path(__file__).with_name("schemathesis.toml")
HOOKS = "tests.support.fuzz_hooks"
PHASES = ("examples", "coverage", "fuzzing", "stateful")

EXAMPLES = int(os.environ.get("REELFLOW_FUZZ_EXAMPLES", "3"))
"""Cases per operation and phase: 3 makes a few hundred in all, in a few minutes."""
SEED = os.environ.get("REELFLOW_FUZZ_SEED", "1")
"""Fixed for `make test` (the same cases every run); `make fuzz` picks a new one each time."""
RUN_TIMEOUT_S = float(os.environ.get("REELFLOW_FUZZ_TIMEOUT_S", "280"))


def schemathesis_command(base_url: str, token: str, report_dir: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(CONFIG),
        "--no-color",
        "run",
        f"{base_url}/openapi.json",
        "--header",
        f"Authorization: Bearer {token}",
        "--phases",
        ",".join(PHASES),
        "--max-examples",
        str(EXAMPLES),
        "--seed",
        SEED,
        "--report",
        "junit",
        "--report-dir",
        str(report_dir),
    ]


def phase_results(output: str) -> dict[str, str]:
    """{"Stateful": "✅", ...} from the run's summary."""
    return {
        name: mark
        for mark, name in re.findall(r"^\s*(\S+)\s+(Examples|Coverage|Fuzzing|Stateful)\s*$", output, re.MULTILINE)
    }


@pytest.mark.timeout(RUN_TIMEOUT_S + 60)
def test_schemathesis_finds_nothing_in_any_phase(reelflow: Reelflow, tmp_path: Path) -> None:
    with httpx.Client(base_url=reelflow.base_url, timeout=30) as client:
        _, token = register(client)
    run = subprocess.run(
        schemathesis_command(reelflow.base_url, token, tmp_path / "report"),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        env={**os.environ, "PYTHONPATH": str(ROOT), "SCHEMATHESIS_HOOKS": HOOKS},
    )
    output = run.stdout + run.stderr
    summary = output[output.rfind("SUMMARY") :]
    print(summary)
    assert run.returncode == 0, f"schemathesis failed (seed {SEED}):\n{output[-30000:]}\n{reelflow.logs()}"
    phases = phase_results(summary)
    assert set(phases) == {name.capitalize() for name in PHASES}, summary
    assert all(mark == "✅" for mark in phases.values()), f"a phase was skipped or failed:\n{summary}"
    generated = re.search(r"(\d+) generated", summary)
    assert generated and int(generated.group(1)) >= 100, summary
