"""The CLI package's shape (anchor/cli/): command modules import anchor.cli.common, never anchor.cli.main
(which imports them all: the cycle the package once had), and main registers every command, in the
order `credanchor --help` lists them."""

from __future__ import annotations

import ast
from pathlib import Path

import typer

import anchor.cli
from anchor.cli.main import app

CLI = Path(anchor.cli.__file__).parent
COMMAND_MODULES = sorted(p for p in CLI.glob("*.py") if p.name not in ("__init__.py", "main.py", "common.py"))


def imported_modules(path: Path) -> set[str]:
    """Every module `path` imports, at the top or inside functions (`from anchor.cli import x` counts as x)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_the_checker_sees_imports_inside_functions(tmp_path):
    source = tmp_path / "bad.py"
    source.write_text("def command():\n    from anchor.cli import main\n    return main\n")
    assert "anchor.cli.main" in imported_modules(source)


def test_there_are_command_modules():
    assert {p.stem for p in COMMAND_MODULES} >= {"anchor", "issue", "verify", "status", "devchain", "stack"}


def test_no_command_module_imports_main():
    offenders = [p.name for p in [*COMMAND_MODULES, CLI / "common.py"] if "anchor.cli.main" in imported_modules(p)]
    assert offenders == [], "import what commands share from anchor.cli.common, not anchor.cli.main"


def test_common_imports_no_command_module():
    commands = {f"anchor.cli.{p.stem}" for p in COMMAND_MODULES}
    assert imported_modules(CLI / "common.py") & commands == set()


def test_every_command_is_registered_in_help_order():
    root = typer.main.get_command(app)
    assert list(root.list_commands(None)) == [
        "demo", "deploy", "issue", "anchor", "verify", "revoke", "suspend", "reinstate", "compare", "observe",
        "present", "serve", "status-list", "ready", "sign", "soak", "workshop", "chains", "doctor",
        "devchain", "issuer", "accreditation", "account", "bench", "holder", "qr", "apikey", "offer", "verifier",
        "credentials", "batches", "nft", "stack",
    ]  # fmt: skip
