"""No import circles anywhere in the project's code: contracts, the kit, every service, the
benchmarks and the deploy scripts. Every import counts, also one inside a function or under
`if TYPE_CHECKING:`: a circle there is still two modules that cannot be understood apart."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.support.import_circles import circles

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = [
    ROOT / "contracts" / "reelflow_contracts",
    ROOT / "kit" / "reelflow_kit",
    *sorted((ROOT / "services").glob("*/reelflow_*")),
]
SCRIPT_FOLDERS = [ROOT / "bench", ROOT / "deploy" / "embedded", ROOT / "deploy" / "demo"]
"""Folders of scripts that import each other by bare module name (their folder is on sys.path)."""


def modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in package.rglob("*.py"):
            parts = path.relative_to(package.parent).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    for folder in SCRIPT_FOLDERS:
        for path in folder.glob("*.py"):
            found[f"{folder.name}:{path.stem}"] = path
    return found


def imported_names(path: Path, module: str, is_package: bool) -> set[str]:
    """Every module name `path` imports (relative imports resolved; `from m import x` as m.x and m)."""
    names: set[str] = set()
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def import_graph() -> dict[str, set[str]]:
    known = modules()
    graph: dict[str, set[str]] = {}
    for module, path in known.items():
        if ":" in module:  # a script: its bare imports are its folder's other scripts
            folder = module.split(":")[0]
            wanted = {f"{folder}:{name}" for name in imported_names(path, "", False)}
        else:
            wanted = imported_names(path, module, path.name == "__init__.py")
        # `from a.b import c` names both a.b and a.b.c: keep the most precise module that exists
        targets = {name for name in wanted if name in known and name != module}
        graph[module] = {t for t in targets if not any(other.startswith(t + ".") for other in targets)}
    return graph


def test_the_graph_sees_the_projects_modules_and_their_imports():
    graph = import_graph()
    assert "reelflow_kit.transaction" in graph["reelflow_kit.handling"]
    assert "reelflow_kit.ai.scene_headings" in graph["reelflow_kit.ai.local.segmenter"]
    assert "bench:_support" in graph["bench:pipeline"]
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_module_is_in_an_import_circle():
    assert circles(import_graph()) == []
