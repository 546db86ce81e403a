"""The gateway in named parts with one direction of use, checked on its imports.

    root (app, bootstrap)  ->  api  ->  http (deps, state, apidoc, middleware, metrics, studio)
        ->  operations  ->  webhooks
        ->  readmodel, commands (-> readmodel.outcomes only), auth, media, idempotency
        ->  shared (settings, errors, schemas, collections, costs, limits)

A part may use itself and what MAY_USE lists for it, nothing else; imports under
`if TYPE_CHECKING:` do not count. See docs/architecture.md, "The gateway".
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from tests.support.import_circles import circles

ROOT = Path(__file__).resolve().parents[2]
GATEWAY = ROOT / "services" / "gateway" / "reelflow_gateway"
PACKAGE = "reelflow_gateway"

SHARED = "shared"
PART_OF = {
    # the first name under reelflow_gateway -> its part
    **dict.fromkeys(("settings", "errors", "schemas", "collections", "costs", "limits"), SHARED),
    "auth": "auth",
    "media": "media",
    "idempotency": "idempotency",
    "commands": "commands",
    "readmodel": "readmodel",
    "webhooks": "webhooks",
    "operations": "operations",
    "api": "api",
    **dict.fromkeys(("deps", "state", "apidoc", "middleware", "metrics", "studio"), "http"),
    **dict.fromkeys(("app", "bootstrap", "__main__"), "root"),
}
LOW_PARTS = {SHARED, "auth", "media", "idempotency", "readmodel", "webhooks"}
MAY_USE: dict[str, set[str]] = {
    SHARED: set(),
    "auth": {SHARED},
    "media": {SHARED},
    "idempotency": {SHARED},
    "readmodel": {SHARED},
    "webhooks": {SHARED},
    "commands": {SHARED, "readmodel.outcomes"},  # waits for outcomes; never the consumer or the projector
    "operations": {SHARED, "webhooks"},
    "http": LOW_PARTS | {"commands", "operations"},
    "api": LOW_PARTS | {"commands", "operations", "http"},
    "root": set(PART_OF.values()),
}
"""Besides itself. An entry with a dot is one module (and what is under it), not a whole part."""


# -- reading the imports -------------------------------------------------------------------------


def package_sources(package_dir: Path) -> dict[str, tuple[str, bool]]:
    """Dotted module name -> (source, whether it is a package's __init__)."""
    sources = {}
    for path in sorted(package_dir.rglob("*.py")):
        parts = path.relative_to(package_dir.parent).with_suffix("").parts
        is_package = parts[-1] == "__init__"
        sources[".".join(parts[:-1] if is_package else parts)] = (path.read_text(), is_package)
    return sources


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def runtime_nodes(node: ast.AST) -> Iterator[ast.AST]:
    """Every node below `node` except what only a type checker sees (`if TYPE_CHECKING:`)."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _is_type_checking(child.test):
            for statement in child.orelse:
                yield statement
                yield from runtime_nodes(statement)
            continue
        yield child
        yield from runtime_nodes(child)


def _absolute(module: str, is_package: bool, level: int, name: str | None) -> str:
    if level == 0:
        return name or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join(base + ([name] if name else []))


def import_graph(sources: dict[str, tuple[str, bool]]) -> dict[str, set[str]]:
    """Module -> the modules of the same package it imports (`from a import b`: a.b when b is a module)."""
    graph: dict[str, set[str]] = {}
    for module, (source, is_package) in sources.items():
        imported: set[str] = set()
        for node in runtime_nodes(ast.parse(source)):
            if isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = _absolute(module, is_package, node.level, node.module)
                imported.update(f"{base}.{a.name}" if f"{base}.{a.name}" in sources else base for a in node.names)
        graph[module] = {name for name in imported if name in sources and name != module}
    return graph


# -- the rules ------------------------------------------------------------------------------------


def part_of(module: str) -> str:
    names = module.split(".")
    return "root" if len(names) == 1 else PART_OF[names[1]]


def may_use(importer: str, imported: str) -> bool:
    mine, theirs = part_of(importer), part_of(imported)
    uses = MAY_USE[mine]
    inner = imported.split(".", 1)[1] if "." in imported else ""
    return theirs == mine or theirs in uses or any(inner == u or inner.startswith(u + ".") for u in uses if "." in u)


def breaches(graph: dict[str, set[str]]) -> list[str]:
    return sorted(
        f"{importer} ({part_of(importer)}) imports {imported} ({part_of(imported)})"
        for importer, imported_ in graph.items()
        for imported in imported_
        if not may_use(importer, imported)
    )


# -- the gateway as it is ------------------------------------------------------------------------


def test_every_gateway_module_belongs_to_a_part() -> None:
    unplaced = [m for m in package_sources(GATEWAY) if "." in m and m.split(".")[1] not in PART_OF]
    assert not unplaced, f"place these in a part (PART_OF above, and docs/architecture.md): {unplaced}"


def test_each_part_uses_only_the_parts_below_it() -> None:
    assert breaches(import_graph(package_sources(GATEWAY))) == []


def test_no_import_circle_in_the_gateway() -> None:
    assert circles(import_graph(package_sources(GATEWAY))) == []


def test_collections_are_named_in_one_module() -> None:
    """No `db["..."]` and no `"views.*"` string outside collections.py (docstrings aside)."""
    found = []
    for module, (source, _) in package_sources(GATEWAY).items():
        if module == f"{PACKAGE}.collections":
            continue
        tree = ast.parse(source)
        docstrings = {
            id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant)
        }
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Subscript)
                and isinstance(node.slice, ast.Constant)
                and isinstance(node.slice.value, str)
                and _names_a_database(node.value)
            ):
                found.append(f"{module}: db[{node.slice.value!r}]")
            elif (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and node.value.startswith("views.")
                and id(node) not in docstrings
            ):
                found.append(f"{module}: {node.value!r}")
    assert found == []


def test_routes_reach_no_database() -> None:
    """api/ asks the parts (views, the command sender, the operations service), never the database."""
    found = [
        f"{module}: .{node.attr}"
        for module, (source, _) in package_sources(GATEWAY).items()
        if part_of(module) == "api"
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Attribute) and node.attr in ("db", "transaction", "session")
    ]
    assert found == []


def _names_a_database(node: ast.expr) -> bool:
    name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""
    return name == "db" or name.endswith("_db")


# -- the checks can fail ---------------------------------------------------------------------------


def sources_of(**modules: str) -> dict[str, tuple[str, bool]]:
    """A made-up gateway: `readmodel__views="..."` is reelflow_gateway/readmodel/views.py."""
    made = {PACKAGE: ("", True)}
    for name, source in modules.items():
        dotted = f"{PACKAGE}.{name.replace('__', '.')}"
        made[dotted] = (source, False)
        parent = dotted.rsplit(".", 1)[0]
        made.setdefault(parent, ("", True))
    return made


def test_a_lower_part_importing_a_higher_one_is_a_breach() -> None:
    graph = import_graph(
        sources_of(
            readmodel__views="from reelflow_gateway.api.scripts import router\n",
            webhooks__delivery="from reelflow_gateway.operations import service\n",
            commands="from reelflow_gateway.readmodel.consumer import ReadModelConsumer\n",
            api__scripts="router = None\n",
            operations__service="from reelflow_gateway.readmodel import views\n",
            readmodel__consumer="",
        )
    )
    assert breaches(graph) == [
        "reelflow_gateway.commands (commands) imports reelflow_gateway.readmodel.consumer (readmodel)",
        "reelflow_gateway.operations.service (operations) imports reelflow_gateway.readmodel.views (readmodel)",
        "reelflow_gateway.readmodel.views (readmodel) imports reelflow_gateway.api.scripts (api)",
        "reelflow_gateway.webhooks.delivery (webhooks) imports reelflow_gateway.operations.service (operations)",
    ]


def test_what_a_part_may_use_is_no_breach() -> None:
    graph = import_graph(
        sources_of(
            commands="from reelflow_gateway.readmodel.outcomes import Outcome\nfrom reelflow_gateway import collections\n",
            readmodel__outcomes="from .. import collections\n",
            collections="",
            bootstrap="import reelflow_gateway.api.scripts\n",
            api__scripts="",
        )
    )
    assert breaches(graph) == []
    assert graph[f"{PACKAGE}.readmodel.outcomes"] == {f"{PACKAGE}.collections"}  # relative imports resolved


def test_an_import_circle_is_found_and_type_checking_imports_are_not_counted() -> None:
    circular = import_graph(
        sources_of(
            readmodel__images="from reelflow_gateway.readmodel.scenes import SHOTS\n",
            readmodel__scenes="def later():\n    from reelflow_gateway.readmodel.images import IMAGES\n",
        )
    )
    assert circles(circular) == [[f"{PACKAGE}.readmodel.images", f"{PACKAGE}.readmodel.scenes"]]
    typed_only = import_graph(
        sources_of(
            readmodel__images="from reelflow_gateway.readmodel.scenes import SHOTS\n",
            readmodel__scenes="import typing\nif typing.TYPE_CHECKING:\n    from reelflow_gateway.readmodel.images import X\n"
            "else:\n    pass\n",
        )
    )
    assert circles(typed_only) == []
