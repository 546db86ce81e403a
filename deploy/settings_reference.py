#!/usr/bin/env python3
"""Writes docs/configuration.md: every `REELFLOW_*` variable of every service, from the
services' own pydantic-settings classes (so the page cannot drift; a test compares it).

    .venv/bin/python deploy/settings_reference.py          # rewrite docs/configuration.md
    .venv/bin/python deploy/settings_reference.py --check  # exit 1 if it is out of date
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from reelflow_kit.ai import AISettings, NarrationSettings
from reelflow_kit.content_caps import ContentCaps
from reelflow_kit.settings import KitSettings

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "docs" / "configuration.md"
SERVICES = ("script", "scene", "image", "video", "gateway")
SHARED = (
    ("Every service (the runtime kit)", KitSettings),
    ("AI provider (script, scene, image and video services)", AISettings),
    ("Narration (video service)", NarrationSettings),
    ("Content caps (enforced by the scene service, stated by the gateway in /api/limits)", ContentCaps),
)
PER_SERVICE_DEFAULTS = {"service_name", "health_port"}
"""Kit fields whose default each service sets to its own (shown as `<service>` values)."""


def default_of(name: str, field: FieldInfo) -> str:
    if field.default_factory is not None:
        value = field.default_factory()
    elif field.default is PydanticUndefined:
        return "required"
    else:
        value = field.default
    if hasattr(value, "get_secret_value"):
        return "(secret)"
    if value is None or value == "" or value == () or value == []:
        return "unset"
    if isinstance(value, (tuple, list)):
        value = ",".join(map(str, value))
    return f"`{value}`"


def rows(fields: dict[str, FieldInfo], overrides: dict[str, str] | None = None) -> list[str]:
    lines = ["| variable | default | meaning |", "|---|---|---|"]
    for name, field in fields.items():
        default = (overrides or {}).get(name) or default_of(name, field)
        meaning = (field.description or "").replace("|", "\\|").replace("\n", " ")
        lines.append(f"| `REELFLOW_{name.upper()}` | {default} | {meaning} |")
    return lines


def render() -> str:
    services = {name: importlib.import_module(f"reelflow_{name}.settings").Settings for name in SERVICES}
    shared_names = set().union(*(cls.model_fields for _, cls in SHARED))
    out = [
        "# Configuration",
        "",
        "Every service reads `REELFLOW_*` environment variables (pydantic-settings). This page is",
        "generated from the settings classes by `deploy/settings_reference.py`; a test fails when it",
        "is out of date. `make up` and `make demo` also read `OPENAI_API_KEY`: when it is set and",
        "`REELFLOW_AI_PROVIDER` is not, they run the services with the `openai` provider and that key.",
        "",
    ]
    for title, cls in SHARED:
        overrides = {}
        if cls is KitSettings:
            overrides = {
                name: " / ".join(
                    f"{svc}: {default_of(name, services[svc].model_fields[name])}"
                    for svc in SERVICES
                    if name in services[svc].model_fields
                )
                for name in PER_SERVICE_DEFAULTS
                if name in cls.model_fields
            }
        out += [f"## {title}", "", *rows(cls.model_fields, overrides), ""]
    for name, cls in services.items():
        own = {k: v for k, v in cls.model_fields.items() if k not in shared_names}
        if own:
            out += [f"## The {name} service (`python -m reelflow_{name}`)", "", *rows(own), ""]
    ops = importlib.import_module("reelflow_ops.settings").OpsSettings
    own = {k: v for k, v in ops.model_fields.items() if k not in shared_names}
    out += ["## reelctl (docs/operations.md), besides the variables above", "", *rows(own), ""]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 when out of date")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        if TARGET.read_text() != text:
            print(f"{TARGET.relative_to(ROOT)} is out of date: run deploy/settings_reference.py", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text)
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
