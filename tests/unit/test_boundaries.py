"""Package rules for anchor/ and api/ (docs/architecture.md). Each test names the rule it enforces and fails
on a violation, listing every offending module; each rule also has a test that feeds its checker a
made-up violation, so a checker that finds nothing cannot pass unnoticed.

1. web3, eth_tester and eth (py-evm) are imported only in anchor/chain/;
2. sqlalchemy and alembic only in anchor/storage/;
3. typer and rich only in anchor/cli/;
4. fastapi and starlette only in api/;
5. matplotlib only in the module that draws the comparison's plots;
6. anchor/crypto/ and anchor/credentials/ never import the chain, the wallets, anchoring, storage, the
   comparison, the tools, the CLI or the API (verification reads the chain through anchor.credentials.chain_view,
   which anchor/chain/ implements); anchor/crypto/ does not import anchor/credentials/ either;
7. no import cycle among the modules of anchor/ and api/;
8. importing anchor, or the crypto and credentials modules, loads none of the heavy libraries above;
9. no module is longer than 500 lines unless its docstring says why ("longer than 500 lines because ...").

Imports are read with `ast` from every module, wherever they are written: at the top, inside functions,
under `if TYPE_CHECKING:`, relative (`from ..chain import adapter`), and through the lazy exports of
anchor/__init__.py (`from anchor import Chain` is an import of anchor.chain.adapter).
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("anchor", "api")


@dataclass(frozen=True)
class Module:
    """One module of the tree: its dotted name, what it imports (dotted, resolved) and its size."""

    name: str
    imports: frozenset[str] = frozenset()
    lines: int = 0
    docstring: str = ""
    is_package: bool = False


@dataclass(frozen=True)
class LibraryRule:
    """`libraries` (top-level import names) may be imported only by modules in `allowed` (dotted prefixes)."""

    rule: str
    libraries: frozenset[str]
    allowed: tuple[str, ...]


@dataclass(frozen=True)
class LayerRule:
    """Modules in `layer` (a dotted prefix) never import modules in `forbidden` (dotted prefixes)."""

    rule: str
    layer: str
    forbidden: tuple[str, ...]
    allowed_exceptions: tuple[str, ...] = field(default=())


CHAIN_LIBRARIES = LibraryRule(
    "web3 / eth_tester / eth (py-evm) only in anchor/chain/",
    frozenset({"web3", "eth_tester", "eth"}),
    ("anchor.chain",),
)
STORAGE_LIBRARIES = LibraryRule(
    "sqlalchemy / alembic only in anchor/storage/", frozenset({"sqlalchemy", "alembic"}), ("anchor.storage",)
)
CLI_LIBRARIES = LibraryRule("typer / rich only in anchor/cli/", frozenset({"typer", "rich"}), ("anchor.cli",))
WEB_LIBRARIES = LibraryRule("fastapi / starlette only in api/", frozenset({"fastapi", "starlette"}), ("api",))
#: The module that draws the comparison's figures (cost and exposure charts).
PLOTTING_MODULES = ("anchor.comparison.report",)
PLOT_LIBRARIES = LibraryRule(
    "matplotlib only where plots are drawn (" + ", ".join(PLOTTING_MODULES) + ")",
    frozenset({"matplotlib"}),
    PLOTTING_MODULES,
)
LIBRARY_RULES = (CHAIN_LIBRARIES, STORAGE_LIBRARIES, CLI_LIBRARIES, WEB_LIBRARIES, PLOT_LIBRARIES)

_ABOVE_CREDENTIALS = (
    "anchor.chain",
    "anchor.wallets",
    "anchor.anchoring",
    "anchor.storage",
    "anchor.comparison",
    "anchor.tools",
    "anchor.cli",
    "api",
)
CRYPTO_LAYER = LayerRule(
    "anchor/crypto/ imports only the kernel and itself (never credentials, chain, anchoring, storage, comparison, "
    "tools, cli or api)",
    "anchor.crypto",
    ("anchor.credentials", *_ABOVE_CREDENTIALS),
)
CREDENTIALS_LAYER = LayerRule(
    "anchor/credentials/ never imports chain, anchoring, storage, comparison, tools, cli or api "
    "(it reads the chain through anchor.credentials.chain_view)",
    "anchor.credentials",
    _ABOVE_CREDENTIALS,
)
LAYER_RULES = (CRYPTO_LAYER, CREDENTIALS_LAYER)

SIZE_LIMIT = 500
SIZE_REASON = "longer than 500 lines because"
HEAVY_LIBRARIES = frozenset().union(*(rule.libraries for rule in LIBRARY_RULES))
#: Modules whose import must stay light: the package itself and the layers below the chain.
LIGHT_MODULES = ("anchor", "anchor.crypto.jcs", "anchor.credentials.verify", "anchor.credentials.presentation")


# -- reading the tree -------------------------------------------------------------------------


def module_name(path: Path, root: Path = REPO) -> tuple[str, bool]:
    """The dotted name of the module at `path` under `root`, and whether it is a package's __init__."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        return ".".join(parts[:-1]), True
    return ".".join(parts), False


def lazy_exports(root: Path = REPO) -> dict[str, str]:
    """anchor/__init__.py's `_EXPORTS`: name -> the module it is loaded from on first use."""
    tree = ast.parse((root / "anchor" / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "_EXPORTS" for t in node.targets):
            exports: dict[str, str] = ast.literal_eval(node.value)
            return exports
    return {}


def imports_of(
    source: str,
    name: str,
    *,
    is_package: bool,
    known: Iterable[str] = (),
    exports: Mapping[str, str] | None = None,
) -> frozenset[str]:
    """Every module `source` (the module `name`) imports, anywhere in it, as dotted names.

    `from X import y` is an import of X.y when that is a module in `known`, else of X; relative imports are
    resolved against the module's package; `from anchor import Name` goes to where `exports` loads Name from.
    """
    modules = set(known)
    package = name.split(".") if is_package else name.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            for alias in node.names:
                submodule = f"{target}.{alias.name}"
                if submodule in modules:
                    found.add(submodule)
                elif target == "anchor" and exports and alias.name in exports:
                    found.add(exports[alias.name])
                else:
                    found.add(target)
    found.discard("")
    return frozenset(found)


def scan(root: Path = REPO, packages: Iterable[str] = PACKAGES) -> dict[str, Module]:
    """Every module of `packages` under `root`, with its resolved imports."""
    paths = sorted(path for package in packages for path in (root / package).rglob("*.py"))
    names = {path: module_name(path, root) for path in paths}
    known = {name for name, _ in names.values()}
    exports = lazy_exports(root)
    modules = {}
    for path in paths:
        name, is_package = names[path]
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text)
        modules[name] = Module(
            name,
            imports_of(text, name, is_package=is_package, known=known, exports=exports),
            len(text.splitlines()),
            ast.get_docstring(tree) or "",
            is_package,
        )
    return modules


@pytest.fixture(scope="module")
def tree() -> dict[str, Module]:
    return scan()


# -- the checkers -----------------------------------------------------------------------------


def _within(name: str, prefixes: Iterable[str]) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


def library_violations(modules: Mapping[str, Module], rule: LibraryRule) -> list[str]:
    """'module imports library' for each import of `rule.libraries` outside `rule.allowed`."""
    return sorted(
        f"{module.name} imports {target}"
        for module in modules.values()
        if not _within(module.name, rule.allowed)
        for target in module.imports
        if target.split(".")[0] in rule.libraries
    )


def layer_violations(modules: Mapping[str, Module], rule: LayerRule) -> list[str]:
    """'module imports target' for each import by `rule.layer` of a module in `rule.forbidden`."""
    return sorted(
        f"{module.name} imports {target}"
        for module in modules.values()
        if _within(module.name, (rule.layer,))
        for target in module.imports
        if _within(target, rule.forbidden)
    )


def import_graph(modules: Mapping[str, Module]) -> dict[str, set[str]]:
    """Module -> the modules of the tree it imports (third-party imports left out)."""
    return {name: {t for t in module.imports if t in modules} for name, module in modules.items()}


def strongly_connected(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components of `graph`, iteratively (no recursion limit on deep chains)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            advanced = False
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = counter
                    counter += 1
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(graph.get(successor, ())))))
                    advanced = True
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(sorted(component))
    return components


def _cycle_through(graph: Mapping[str, Iterable[str]], members: set[str]) -> list[str]:
    """A shortest cycle from the first of `members` back to itself, staying inside `members`."""
    start = min(members)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for successor in sorted(graph.get(node, ())):
                if successor == start:
                    return [*paths[node], start]
                if successor in members and successor not in paths:
                    paths[successor] = [*paths[node], successor]
                    following.append(successor)
        frontier = following
    raise AssertionError(f"{sorted(members)} is not a cycle")  # a strongly connected component always has one


def find_cycles(graph: Mapping[str, Iterable[str]]) -> list[str]:
    """One cycle, written 'a -> b -> a', for every group of modules that import each other (the rest of a
    larger group named after it)."""
    cycles = []
    for component in strongly_connected(graph):
        if len(component) > 1 or component[0] in graph.get(component[0], ()):
            cycle = _cycle_through(graph, set(component))
            others = sorted(set(component) - set(cycle))
            cycles.append(" -> ".join(cycle) + (f" (in a group with {', '.join(others)})" if others else ""))
    return sorted(cycles)


def size_violations(modules: Mapping[str, Module], limit: int = SIZE_LIMIT) -> list[str]:
    """'module: N lines' for each module over `limit` lines whose docstring does not say why."""
    return sorted(
        f"{module.name}: {module.lines} lines"
        for module in modules.values()
        if module.lines > limit and SIZE_REASON not in " ".join(module.docstring.split())
    )


def heavy_libraries_loaded(module: str) -> set[str]:
    """The heavy libraries in sys.modules after importing `module` in a fresh interpreter."""
    probe = (
        f"import importlib, json, sys; importlib.import_module({module!r}); "
        f"print(json.dumps(sorted(set({sorted(HEAVY_LIBRARIES)!r}) & set(sys.modules))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, f"importing {module} failed:\n{result.stderr}"
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


# -- the rules, on the real tree ----------------------------------------------------------------


def test_the_scan_reads_the_tree(tree):
    # A scan that found nothing would pass every rule below.
    assert {"anchor.chain.adapter", "anchor.credentials.verify", "api.app"} <= set(tree)
    assert "web3" in tree["anchor.chain.adapter"].imports
    assert "anchor.credentials.chain_view" in tree["anchor.credentials.verify"].imports


@pytest.mark.parametrize("rule", LIBRARY_RULES, ids=lambda rule: rule.rule)
def test_rule_libraries_stay_in_their_package(tree, rule):
    assert library_violations(tree, rule) == [], f"rule broken: {rule.rule}"


def test_rule_the_plotting_module_exists_and_draws(tree):
    # If the plots move, PLOTTING_MODULES must follow, or the matplotlib rule allows a module that is gone.
    for name in PLOTTING_MODULES:
        assert "matplotlib" in {t.split(".")[0] for t in tree[name].imports}, f"{name} no longer draws plots"


@pytest.mark.parametrize("rule", LAYER_RULES, ids=lambda rule: rule.layer)
def test_rule_crypto_and_credentials_never_import_upwards(tree, rule):
    assert layer_violations(tree, rule) == [], f"rule broken: {rule.rule}"


def test_rule_no_import_cycle(tree):
    assert find_cycles(import_graph(tree)) == [], "rule broken: no import cycle among the modules of anchor/ and api/"


@pytest.mark.parametrize("module", LIGHT_MODULES)
def test_rule_light_modules_load_nothing_heavy(module):
    loaded = heavy_libraries_loaded(module)
    assert loaded == set(), f"rule broken: importing {module} loads none of {sorted(HEAVY_LIBRARIES)}"


def test_rule_modules_are_at_most_500_lines_or_say_why(tree):
    assert size_violations(tree) == [], (
        f"rule broken: no module over {SIZE_LIMIT} lines unless its docstring says '{SIZE_REASON} ...'"
    )


# -- each checker finds a made-up violation -----------------------------------------------------


def test_imports_are_found_inside_functions_relative_and_through_lazy_exports():
    source = (
        "from __future__ import annotations\n"
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from anchor.storage.store import Store\n"
        "def late():\n"
        "    import web3\n"
        "    from ..chain import adapter\n"
        "    from . import model\n"
        "    from .model import Award\n"
        "from anchor import Chain\n"
    )
    found = imports_of(
        source,
        "anchor.credentials.verify",
        is_package=False,
        known={"anchor.chain.adapter", "anchor.credentials.model"},
        exports={"Chain": "anchor.chain.adapter"},
    )
    assert found == {
        "__future__",
        "typing",
        "anchor.storage.store",
        "web3",
        "anchor.chain.adapter",
        "anchor.credentials.model",
    }
    # In a package's __init__, `.` is the package itself.
    assert imports_of("from .rules import x", "anchor.credentials.stacking", is_package=True) == {
        "anchor.credentials.stacking.rules"
    }


@pytest.mark.parametrize(
    ("rule", "offender", "library"),
    [
        (CHAIN_LIBRARIES, "anchor.credentials.verify", "web3.exceptions"),
        (CHAIN_LIBRARIES, "anchor.anchoring.worker", "eth.vm.spoof"),
        (CHAIN_LIBRARIES, "api.services", "eth_tester"),
        (STORAGE_LIBRARIES, "anchor.tools.soak", "sqlalchemy.orm"),
        (STORAGE_LIBRARIES, "api.app", "alembic.command"),
        (CLI_LIBRARIES, "anchor.tools.bench", "rich.table"),
        (CLI_LIBRARIES, "api.routes.public", "typer"),
        (WEB_LIBRARIES, "anchor.credentials.verify", "fastapi"),
        (WEB_LIBRARIES, "anchor.storage.store", "starlette.requests"),
        (PLOT_LIBRARIES, "anchor.comparison.compare", "matplotlib.pyplot"),
    ],
)
def test_a_library_outside_its_package_is_reported(rule, offender, library):
    allowed = rule.allowed[0] + ".somewhere"
    modules = {
        offender: Module(offender, frozenset({library, "json"})),
        allowed: Module(allowed, frozenset({library})),
    }
    assert library_violations(modules, rule) == [f"{offender} imports {library}"]


def test_eth_prefixed_libraries_are_not_py_evm():
    modules = {"anchor.types": Module("anchor.types", frozenset({"eth_utils.address", "eth_account", "eth_abi"}))}
    assert library_violations(modules, CHAIN_LIBRARIES) == []


@pytest.mark.parametrize(
    ("rule", "offender", "target"),
    [
        (CREDENTIALS_LAYER, "anchor.credentials.verify", "anchor.chain.contracts"),
        (CREDENTIALS_LAYER, "anchor.credentials.stacking.rules", "anchor.anchoring.batches"),
        (CREDENTIALS_LAYER, "anchor.credentials.statuslist", "anchor.storage.store"),
        (CREDENTIALS_LAYER, "anchor.credentials.issuance", "anchor.cli.main"),
        (CREDENTIALS_LAYER, "anchor.credentials.holder", "anchor.tools.bench"),
        (CREDENTIALS_LAYER, "anchor.credentials", "api.services"),
        (CRYPTO_LAYER, "anchor.crypto.proofs", "anchor.credentials.model"),
        (CRYPTO_LAYER, "anchor.crypto.merkle", "anchor.chain"),
    ],
)
def test_an_upward_import_is_reported(rule, offender, target):
    modules = {
        offender: Module(offender, frozenset({target, "anchor.errors", "anchor.crypto.jcs"})),
        # The other direction is allowed: the chain implements the credentials side's interface.
        "anchor.chain.view": Module("anchor.chain.view", frozenset({"anchor.credentials.status"})),
    }
    assert layer_violations(modules, rule) == [f"{offender} imports {target}"]


def test_an_import_cycle_is_reported_with_its_path():
    graph = {
        "anchor.cli.main": {"anchor.cli.stack", "anchor.errors"},
        "anchor.cli.stack": {"anchor.cli.common"},
        "anchor.cli.common": {"anchor.cli.main"},
        "anchor.errors": set(),
        "anchor.types": {"anchor.errors"},
        "api.app": {"api.app"},
    }
    assert find_cycles(graph) == [
        "anchor.cli.common -> anchor.cli.main -> anchor.cli.stack -> anchor.cli.common",
        "api.app -> api.app",
    ]
    graph["anchor.cli.qr"] = {"anchor.cli.main"}
    graph["anchor.cli.main"].add("anchor.cli.qr")
    assert find_cycles(graph)[0] == (
        "anchor.cli.common -> anchor.cli.main -> anchor.cli.stack -> anchor.cli.common (in a group with anchor.cli.qr)"
    )
    graph["anchor.cli.main"].discard("anchor.cli.qr")
    del graph["anchor.cli.common"]
    graph["api.app"] = {"anchor.types"}
    assert find_cycles(graph) == []


def test_the_import_graph_keeps_only_modules_of_the_tree():
    modules = {
        "anchor.a": Module("anchor.a", frozenset({"anchor.b", "web3"})),
        "anchor.b": Module("anchor.b", frozenset({"anchor.a"})),
    }
    assert import_graph(modules) == {"anchor.a": {"anchor.b"}, "anchor.b": {"anchor.a"}}
    assert find_cycles(import_graph(modules)) == ["anchor.a -> anchor.b -> anchor.a"]


def test_a_long_module_is_reported_unless_its_docstring_says_why():
    modules = {
        "anchor.big": Module("anchor.big", lines=501, docstring="Does many things."),
        "anchor.explained": Module(
            "anchor.explained", lines=900, docstring="One table. It is longer than 500\nlines because it is data."
        ),
        "anchor.small": Module("anchor.small", lines=500),
    }
    assert size_violations(modules) == ["anchor.big: 501 lines"]


def test_a_heavy_import_is_detected():
    # The chain adapter does load web3: the probe sees what the rule forbids elsewhere.
    assert "web3" in heavy_libraries_loaded("anchor.chain.adapter")
