"""The boundaries the design depends on, checked on the source itself."""

from __future__ import annotations

import ast
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("script", "scene", "image", "video", "gateway")
IO_LIBRARIES = {
    "pymongo",
    "motor",
    "bson",
    "faststream",
    "aiokafka",
    "boto3",
    "botocore",
    "httpx",
    "openai",
    "ffmpeg",
    "imageio_ffmpeg",
    "fastapi",
    "uvicorn",
    "reelflow_kit",
}
STDLIB_IO = {"socket", "subprocess", "asyncio", "os", "pathlib", "urllib", "http"}


def imported_modules(package_dir: Path) -> dict[Path, set[str]]:
    found = {}
    for path in package_dir.rglob("*.py"):
        names = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
        found[path] = names
    return found


@pytest.mark.parametrize("service", SERVICES)
def test_no_service_imports_another(service):
    others = {f"reelflow_{s}" for s in SERVICES if s != service}
    for path, names in imported_modules(ROOT / "services" / service).items():
        assert not names & others, f"{path.relative_to(ROOT)} imports {names & others}"


def test_contracts_and_kit_never_import_services():
    services = {f"reelflow_{s}" for s in SERVICES}
    for package in (ROOT / "contracts", ROOT / "kit"):
        for path, names in imported_modules(package).items():
            assert not names & services, f"{path.relative_to(ROOT)} imports {names & services}"


def test_contracts_need_nothing_but_pydantic():
    allowed = set(sys.stdlib_module_names) | {"pydantic", "pydantic_core", "reelflow_contracts", "typing_extensions"}
    for path, names in imported_modules(ROOT / "contracts" / "reelflow_contracts").items():
        assert names <= allowed, f"{path.relative_to(ROOT)} imports {names - allowed}"


PURE_KIT_MODULES = {"reelflow_kit.domain"}
"""What a domain module may take from the kit: the shape of a broken rule, nothing that does I/O."""


def kit_modules_imported(path: Path) -> set[str]:
    return {
        node.module
        for node in ast.walk(ast.parse(path.read_text(), str(path)))
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("reelflow_kit")
    }


def test_domain_modules_are_pure():
    domains = [p for s in SERVICES for p in (ROOT / "services" / s).rglob("domain*.py")]
    domains += [p for s in SERVICES for p in (ROOT / "services" / s).rglob("domain/*.py")]
    for path in [*domains, ROOT / "kit" / "reelflow_kit" / "domain.py"]:
        names = imported_modules(path.parent)[path]
        if kit_modules_imported(path) <= PURE_KIT_MODULES:
            names = names - {"reelflow_kit"}
        assert not names & (IO_LIBRARIES | STDLIB_IO), (
            f"{path.relative_to(ROOT)} does I/O: {names & (IO_LIBRARIES | STDLIB_IO)}"
        )


def dependencies(pyproject: Path) -> list[str]:
    return tomllib.loads(pyproject.read_text())["project"]["dependencies"]


def test_each_service_depends_only_on_contracts_kit_and_its_own_libraries():
    for service in SERVICES:
        deps = dependencies(ROOT / "services" / service / "pyproject.toml")
        assert not [d for d in deps if any(d.startswith(f"reelflow-{s}") for s in SERVICES)], service
    gateway = " ".join(dependencies(ROOT / "services" / "gateway" / "pyproject.toml"))
    assert "ffmpeg" not in gateway and "imageio" not in gateway


def test_the_configuration_page_lists_every_setting_as_the_code_has_it() -> None:
    """docs/configuration.md is generated from the settings classes; regenerate it when they change."""
    import runpy

    reference = runpy.run_path(str(ROOT / "deploy" / "settings_reference.py"))
    assert (ROOT / "docs" / "configuration.md").read_text() == reference["render"](), (
        "docs/configuration.md is out of date: run .venv/bin/python deploy/settings_reference.py"
    )
