"""Layering: chain libraries stay behind the adapter modules; the core never imports FastAPI."""

from __future__ import annotations

import ast
from pathlib import Path

ANCHOR = Path(__file__).resolve().parents[2] / "anchor"
# Modules allowed to import web3 / eth_tester / py-evm: the chain adapter and nothing else.
CHAIN_ADAPTERS = {"chain.py"}
CHAIN_LIBRARIES = {"web3", "eth_tester", "eth"}


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def test_only_the_adapter_imports_chain_libraries():
    offenders = {
        path.name: imported_roots(path) & CHAIN_LIBRARIES
        for path in ANCHOR.rglob("*.py")
        if path.name not in CHAIN_ADAPTERS and imported_roots(path) & CHAIN_LIBRARIES
    }
    assert offenders == {}


def test_the_core_never_imports_fastapi():
    assert [p.name for p in ANCHOR.rglob("*.py") if "fastapi" in imported_roots(p)] == []
