"""Peer figures for the benchmarks: other projects' tools measured in the same run, through Node.

`scripts/bench_peers.mjs` runs OpenAttestation's `wrapDocuments` or Digital Bazaar vc.js's
`verifyCredential` on the pinned npm packages in the repository's node_modules (offline) and prints
one JSON object. When Node or the packages are missing, the figure says so instead of a number.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "bench_peers.mjs"


def npm_version(package: str) -> str | None:
    """The installed version of an npm package in the repository's node_modules, if it is there."""
    try:
        manifest = json.loads((ROOT / "node_modules" / package / "package.json").read_text())
    except (OSError, ValueError):
        return None
    version = manifest.get("version")
    return version if isinstance(version, str) else None


def run_peer(request: dict[str, Any], *, timeout: float = 600) -> dict[str, Any]:
    """The peer's figures ({"count": int, "per_second": float, …}), or {"not_measured": why}."""
    node = shutil.which("node")
    if node is None:
        return {"not_measured": "node is not on PATH"}
    if not SCRIPT.is_file() or not (ROOT / "node_modules").is_dir():
        return {"not_measured": f"{SCRIPT.relative_to(ROOT)} or node_modules is missing: run `npm ci`"}
    with tempfile.NamedTemporaryFile("w", suffix=".json", prefix="credanchor-peer-") as file:
        json.dump(request, file)
        file.flush()
        try:
            done = subprocess.run(
                [node, str(SCRIPT), file.name], cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired:
            return {"not_measured": f"the peer took longer than {timeout:.0f} s"}
    try:
        answer: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        return {"not_measured": f"the peer script failed: {(done.stderr or done.stdout).strip()[-500:]}"}
    if "error" in answer:
        return {"not_measured": f"the peer script failed: {str(answer['error'])[:500]}"}
    return answer
