"""Static analysis of the contracts with slither; fails on any finding that is not triaged.

Slither analyses the four contracts of contracts/build (and everything they import) compiled by
the pinned solc 0.8.28 with the settings of the real build. Every finding that touches our code
(contracts/) must have an entry in contracts/slither.triage.json — detector, location and the
justification that docs/security.md presents — and every entry must still match a finding, so
the file never rots. Findings only about OpenZeppelin code in node_modules are left out.

    python scripts/static_analysis.py     # exit 1 on an untriaged finding or a stale entry

Slither (pip install slither-analyzer==0.11.6) is found through $SLITHER, next to this Python,
or on PATH. Its crytic-compile wants a `solc` binary: a native solc 0.8.28 installed for
py-solc-x is used when present, otherwise scripts/solcjs_standard_json.js (solcjs from
node_modules) stands in for one. Sources go to the compiler inline, so nothing is downloaded.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import compile_contracts  # a sibling script, importable once its folder is on the path

ROOT = compile_contracts.ROOT
PROJECT_SOURCES = ROOT / "contracts"
TRIAGE_FILE = PROJECT_SOURCES / "slither.triage.json"
SOLC_SHIM = ROOT / "scripts" / "solcjs_standard_json.js"
#: The triaged findings are those of this slither release: another one may add or drop detectors.
SLITHER_VERSION = "0.11.6"
#: What crytic-compile reads from the compiler: the AST for slither, bytecode and source maps for itself.
OUTPUT_SELECTION = {
    "*": {"*": ["abi", "devdoc", "userdoc", "evm.bytecode", "evm.deployedBytecode"], "": ["ast"]},
}


class AnalysisError(RuntimeError):
    """Slither or the compiler is missing, failed, or the triage file is malformed."""


@dataclass(frozen=True)
class Finding:
    """One slither result that touches our code, located by its first element in contracts/."""

    detector: str
    impact: str
    confidence: str
    location: str
    description: str


@dataclass(frozen=True)
class TriageEntry:
    """A reviewed finding: why it is not a bug (or why it stays as it is)."""

    detector: str
    location: str
    justification: str


def _in_project(element: dict[str, Any]) -> bool:
    path = element.get("source_mapping", {}).get("filename_absolute")
    return bool(path) and Path(path).resolve().is_relative_to(PROJECT_SOURCES.resolve())


def location_of(element: dict[str, Any]) -> str:
    """A stable name for a slither element: `Contract.function(types)`, `Contract.f(types).local`,
    `Contract.member`, or the source path for what belongs to no contract (a pragma)."""
    fields = element.get("type_specific_fields", {})
    parent = fields.get("parent")
    if element["type"] == "node" and parent is not None:
        return location_of(parent)  # a statement: the function it is in
    name = fields.get("signature", element["name"]) if element["type"] == "function" else element["name"]
    if parent is not None:
        return f"{location_of(parent)}.{name}"
    if element["type"] == "contract":
        return str(name)
    path = Path(element["source_mapping"]["filename_absolute"]).resolve()
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else path.as_posix()


def findings_of(slither_output: dict[str, Any]) -> list[Finding]:
    """The results of slither's JSON output that touch contracts/; the rest is OpenZeppelin's."""
    findings = []
    for result in slither_output.get("results", {}).get("detectors", []):
        ours = [element for element in result["elements"] if _in_project(element)]
        if not ours:
            continue
        findings.append(
            Finding(
                detector=result["check"],
                impact=result["impact"],
                confidence=result["confidence"],
                location=location_of(ours[0]),
                description=result["description"].strip(),
            )
        )
    return sorted(findings, key=lambda f: (f.detector, f.location))


def load_triage(path: Path = TRIAGE_FILE) -> list[TriageEntry]:
    try:
        raw = json.loads(path.read_text())
        entries = [TriageEntry(e["detector"], e["location"], e["justification"]) for e in raw["findings"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise AnalysisError(f"cannot read the triage file {path}: {exc!r}") from exc
    seen: set[tuple[str, str]] = set()
    for entry in entries:
        key = (entry.detector, entry.location)
        if key in seen:
            raise AnalysisError(f"{path}: {entry.detector} at {entry.location} is triaged twice")
        if not entry.justification.strip():
            raise AnalysisError(f"{path}: {entry.detector} at {entry.location} has no justification")
        seen.add(key)
    return entries


def match(findings: Iterable[Finding], entries: Iterable[TriageEntry]) -> tuple[list[Finding], list[TriageEntry]]:
    """The findings no entry covers, and the entries that cover no finding (stale)."""
    findings, entries = list(findings), list(entries)
    triaged = {(e.detector, e.location) for e in entries}
    found = {(f.detector, f.location) for f in findings}
    untriaged = [f for f in findings if (f.detector, f.location) not in triaged]
    stale = [e for e in entries if (e.detector, e.location) not in found]
    return untriaged, stale


def find_slither() -> str | None:
    """$SLITHER, else the `slither` installed with this Python, else the one on PATH."""
    if os.environ.get("SLITHER"):
        return os.environ["SLITHER"]
    beside = Path(sys.executable).parent / "slither"
    if beside.is_file():
        return str(beside)
    return shutil.which("slither")


def _solc_for_slither(workdir: Path) -> str:
    """A `solc` that crytic-compile can call: the native 0.8.28, or a shim running solcjs."""
    native = compile_contracts._native_solc()
    if native is not None:
        return str(native)
    node = shutil.which("node")
    if node is None or not (compile_contracts.NODE_MODULES / "solc" / "solc.js").is_file():
        raise AnalysisError("no solc 0.8.28: install Node.js and run `npm ci` (solcjs)")
    shim = workdir / "solc"
    shim.write_text(f'#!/bin/sh\nexec {shlex.quote(node)} {shlex.quote(str(SOLC_SHIM))} "$@"\n')
    shim.chmod(0o755)
    return str(shim)


def _run(command: list[str]) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise AnalysisError(f"cannot run {command[0]}: {exc}") from exc


def run_slither(slither: str) -> dict[str, Any]:
    """Slither's JSON output for the contracts, with every detector and no finding hidden."""
    version = _run([slither, "--version"]).stdout.strip()
    if version != SLITHER_VERSION:
        raise AnalysisError(
            f"slither {version or '(not runnable)'} at {slither}; the triage is for {SLITHER_VERSION}: "
            f"pip install slither-analyzer=={SLITHER_VERSION}"
        )
    compiler_input = compile_contracts.standard_json_input()
    compiler_input["settings"] = {**compiler_input["settings"], "outputSelection": OUTPUT_SELECTION}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        input_path, output_path = workdir / "contracts.input.json", workdir / "slither.json"
        input_path.write_text(json.dumps(compiler_input))
        command = [
            slither,
            str(input_path),
            "--compile-force-framework",
            "solc-json",
            "--solc",
            _solc_for_slither(workdir),
            # The triage file is the one place a finding is accepted: not slither-disable comments,
            # not slither.db.json. (--filter-paths is not used: it drops a finding in our code as
            # soon as one of its elements is in node_modules; findings_of filters instead.)
            "--show-ignored-findings",
            "--fail-none",
            "--disable-color",
            "--json",
            str(output_path),
        ]
        done = _run(command)
        if not output_path.is_file():
            raise AnalysisError(f"slither failed ({done.returncode}): {done.stderr.strip()[-3000:]}")
        output: dict[str, Any] = json.loads(output_path.read_text())
    if not output.get("success"):
        raise AnalysisError(f"slither failed: {output.get('error')}")
    return output


def report(findings: list[Finding], entries: list[TriageEntry]) -> int:
    """Prints every finding and stale entry; 0 when all is triaged, 1 otherwise."""
    untriaged, stale = match(findings, entries)
    for finding in findings:
        mark = "UNTRIAGED" if finding in untriaged else "triaged"
        print(f"[{mark}] {finding.detector} ({finding.impact}, {finding.confidence} confidence) {finding.location}")
        if finding in untriaged:
            print("    " + finding.description.replace("\n", "\n    "))
    for entry in stale:
        print(f"[STALE] {entry.detector} {entry.location}: no such finding any more; remove it from {TRIAGE_FILE.name}")
    print(f"{len(findings)} finding(s) in contracts/: {len(untriaged)} untriaged, {len(stale)} stale triage entries")
    if untriaged:
        print(f"Fix each untriaged finding, or add it to {TRIAGE_FILE.relative_to(ROOT)} and docs/security.md.")
    return 1 if untriaged or stale else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args(argv)
    slither = find_slither()
    if slither is None:
        print(f"error: slither not found: pip install slither-analyzer=={SLITHER_VERSION}", file=sys.stderr)
        return 2
    started = time.monotonic()
    try:
        entries = load_triage()
        output = run_slither(slither)
    except (AnalysisError, compile_contracts.CompileError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"slither {SLITHER_VERSION}, all detectors, {time.monotonic() - started:.0f} s")
    return report(findings_of(output), entries)


if __name__ == "__main__":
    sys.exit(main())
