"""How api/ is put together: routes get the services through one dependency (`ServicesDep`), never from
`app.state` or by importing the app, and the package's modules import each other without a cycle."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

API = Path(__file__).resolve().parents[2] / "api"
ROUTES = sorted((API / "routes").glob("*.py"))


def api_imports(path: Path) -> set[str]:
    """What `path` imports from api, as dotted names, relative imports resolved: `from .x import y` gives
    both `api.x` and `api.x.y` (y may be a module or a name in x)."""
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            parts = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            base = ".".join([*parts, *([node.module] if node.module else [])])
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name == "api" or name.startswith("api.")}


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(API.parent).with_suffix("").parts).removesuffix(".__init__")


@pytest.mark.parametrize("route", ROUTES, ids=lambda p: p.name)
def test_routes_take_the_services_as_a_dependency(route: Path) -> None:
    source = route.read_text(encoding="utf-8")
    assert "app.state" not in source, f"{route.name} reads app.state: declare `services: ServicesDep` instead"
    assert "api.app" not in api_imports(route), f"{route.name} imports the app"


def test_the_api_package_has_no_import_cycle() -> None:
    modules = {module_name(p): p for p in API.rglob("*.py")}
    graph = {name: {m for m in api_imports(path) if m in modules and m != name} for name, path in modules.items()}
    assert graph["api.routes.issuers"] >= {"api.services", "api.models", "api.problems"}  # the scan sees imports

    def cycle_from(start: str, trail: tuple[str, ...]) -> tuple[str, ...] | None:
        for following in sorted(graph[start]):
            if following in trail:
                return (*trail[trail.index(following) :], following)
            found = cycle_from(following, (*trail, following))
            if found:
                return found
        return None

    for name in sorted(graph):
        cycle = cycle_from(name, (name,))
        assert cycle is None, "import cycle: " + " -> ".join(cycle)
