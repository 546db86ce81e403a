"""How reelctl prints: Rich tables and colours for people, `--json` for scripts."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

console = Console()
errors = Console(stderr=True)


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, default=str, indent=2) + "\n")


def print_json_line(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()


def fail(message: str, hint: str | None = None, code: int = 1) -> typer.Exit:
    """Say what is wrong (and how to fix it) on stderr; raise the returned Exit."""
    errors.print(f"[bold red]error:[/] {message}")
    if hint:
        errors.print(f"[yellow]hint:[/] {hint}")
    return typer.Exit(code)


@contextmanager
def progress(enabled: bool = True) -> Iterator[Progress]:
    """A progress display on stderr (silent with --json or when stderr is not a terminal)."""
    with Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=errors,
        transient=True,
        disable=not enabled,
    ) as bar:
        yield bar
