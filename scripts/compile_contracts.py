"""Compile the Solidity contracts into committed artifacts (contracts/build/<Name>.json).

The compiler is pinned: solc 0.8.28. A native solc 0.8.28 installed for py-solc-x is used when
present; otherwise the solcjs 0.8.28 build from the npm package `solc` (node_modules, offline).
Both run the same compiler on the same Standard JSON input, so they produce the same bytes.

Sources are read here and handed to the compiler inline (imports resolved against the project
and node_modules), so the compiler never touches the file system or the network.

    python scripts/compile_contracts.py           # (re)write contracts/build/*.json
    python scripts/compile_contracts.py --check   # exit 1 if a committed artifact is stale
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CONTRACTS_DIR = ROOT / "contracts"
BUILD_DIR = CONTRACTS_DIR / "build"
NODE_MODULES = ROOT / "node_modules"
SOLC_VERSION = "0.8.28"
#: The contracts of a credanchor deployment (contracts/<Name>.sol) ...
DEPLOYED_CONTRACTS = ("IssuerRegistry", "CredentialAnchor", "CredentialNFT")
#: ... and the ones the NFT-vs-VC comparison deploys for itself (contracts/comparison/<Name>.sol).
COMPARISON_CONTRACTS = ("HashRevocationRegistry",)
#: Every contract that gets a committed artifact, by name, with its source unit.
CONTRACT_SOURCES = {
    **{name: f"contracts/{name}.sol" for name in DEPLOYED_CONTRACTS},
    **{name: f"contracts/comparison/{name}.sol" for name in COMPARISON_CONTRACTS},
}

SETTINGS: dict[str, Any] = {
    "evmVersion": "cancun",
    "optimizer": {"enabled": True, "runs": 10_000},
    "viaIR": True,
    "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object", "devdoc", "userdoc"]}},
}

_IMPORT = re.compile(r'^\s*import\s+(?:[^"\';]*?\s+from\s+)?["\']([^"\']+)["\']\s*;', re.MULTILINE)


class CompileError(RuntimeError):
    """The compiler is missing or rejected the sources."""


def _resolve(unit: str, imported: str) -> str:
    if imported.startswith("."):
        parts: list[str] = unit.split("/")[:-1]
        for piece in imported.split("/"):
            if piece == "..":
                parts.pop()
            elif piece != ".":
                parts.append(piece)
        return "/".join(parts)
    return imported


def _read_unit(unit: str) -> str:
    path = ROOT / unit if unit.startswith("contracts/") else NODE_MODULES / unit
    if not path.is_file():
        raise CompileError(f"cannot find Solidity source {unit!r} (looked at {path}); run `npm ci` first")
    return path.read_text()


def collect_sources() -> dict[str, dict[str, str]]:
    """Every source unit the compiled contracts need, keyed by source unit name."""
    pending = list(CONTRACT_SOURCES.values())
    sources: dict[str, dict[str, str]] = {}
    while pending:
        unit = pending.pop()
        if unit in sources:
            continue
        content = _read_unit(unit)
        sources[unit] = {"content": content}
        pending.extend(_resolve(unit, imported) for imported in _IMPORT.findall(content))
    return dict(sorted(sources.items()))


def standard_json_input() -> dict[str, Any]:
    return {"language": "Solidity", "sources": collect_sources(), "settings": SETTINGS}


def _native_solc() -> Path | None:
    try:
        import solcx
    except ImportError:
        return None
    for version in solcx.get_installed_solc_versions():
        if str(version) == SOLC_VERSION:
            return Path(solcx.get_executable(version))
    return None


def run_compiler(compiler_input: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """Compile; returns the Standard JSON output and the compiler's full version string."""
    with tempfile.TemporaryDirectory() as tmp:
        input_path, output_path = Path(tmp) / "input.json", Path(tmp) / "output.json"
        input_path.write_text(json.dumps(compiler_input))
        native = _native_solc()
        if native is not None:
            version_text = _run([str(native), "--version"])
            output_path.write_text(_run([str(native), "--standard-json", str(input_path)]))
        else:
            node = shutil.which("node")
            if not (NODE_MODULES / "solc" / "solc.js").is_file() or node is None:
                raise CompileError(
                    f"no solc {SOLC_VERSION}: install Node.js and run `npm ci` (solcjs), "
                    f"or install a native solc {SOLC_VERSION} for py-solc-x"
                )
            driver = str(ROOT / "scripts" / "solcjs_compile.js")
            version_text = _run([node, driver, "-", "-", "--version"])
            _run([node, driver, str(input_path), str(output_path)])
        output = json.loads(output_path.read_text())
    match = re.search(r"(\d+\.\d+\.\d+\+commit\.[0-9a-f]+)", version_text)
    if match is None or not match.group(1).startswith(SOLC_VERSION + "+"):
        raise CompileError(f"expected solc {SOLC_VERSION}, the compiler says {version_text.strip()!r}")
    errors = [e for e in output.get("errors", []) if e["severity"] == "error"]
    if errors:
        raise CompileError("\n".join(e["formattedMessage"] for e in errors))
    return output, match.group(1)


def _run(command: list[str]) -> str:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise CompileError(f"{' '.join(command[:2])} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    return done.stdout


def build_artifacts() -> dict[str, dict[str, Any]]:
    compiler_input = standard_json_input()
    output, version = run_compiler(compiler_input)
    artifacts = {}
    for name, source in CONTRACT_SOURCES.items():
        compiled = output["contracts"][source][name]
        artifacts[name] = {
            "contractName": name,
            "sourceName": source,
            "abi": compiled["abi"],
            "bytecode": "0x" + compiled["evm"]["bytecode"]["object"],
            "deployedBytecode": "0x" + compiled["evm"]["deployedBytecode"]["object"],
            "devdoc": compiled["devdoc"],
            "userdoc": compiled["userdoc"],
            "compiler": {"name": "solc", "version": version, "settings": SETTINGS},
        }
    return artifacts


def _dump(artifact: dict[str, Any]) -> str:
    return json.dumps(artifact, indent=2, sort_keys=True) + "\n"


def stale_artifacts(artifacts: dict[str, dict[str, Any]]) -> list[str]:
    """Names whose committed artifact differs from a fresh compilation."""
    stale = []
    for name, artifact in artifacts.items():
        path = BUILD_DIR / f"{name}.json"
        if not path.is_file() or path.read_text() != _dump(artifact):
            stale.append(name)
    return stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check that committed artifacts are fresh")
    args = parser.parse_args(argv)
    try:
        artifacts = build_artifacts()
    except CompileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.check:
        stale = stale_artifacts(artifacts)
        for name in stale:
            print(f"stale: contracts/build/{name}.json (run python scripts/compile_contracts.py)")
        return 1 if stale else 0
    BUILD_DIR.mkdir(parents=True, exist_ok=True)
    for name, artifact in artifacts.items():
        (BUILD_DIR / f"{name}.json").write_text(_dump(artifact))
        size = (len(artifact["deployedBytecode"]) - 2) // 2
        print(f"wrote contracts/build/{name}.json ({size:,} bytes of runtime code)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
