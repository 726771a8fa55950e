"""Check a credential's status with the stock checker: ``node tests/interop/check_status.mjs``.

Digital Bazaar's ``@digitalbazaar/vc-bitstring-status-list`` ``checkStatus`` as it ships (it verifies each
status list credential's proof with vc.js), with the stock ``@digitalbazaar/security-document-loader`` and
an ``http`` handler that fetches from one test server's origin (``http://127.0.0.1:PORT``) and nothing
else. The repository root is the cwd, so ``node_modules`` (``npm ci``) resolves.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).resolve().with_name("check_status.mjs")
#: A guard against a harness bug, not a performance threshold: a check takes about a second.
TIMEOUT_SECONDS = 120


def check_status(credential: dict[str, Any], origin: str) -> dict[str, Any]:
    """The stock checker's verdict: ``{"verified": bool, "statuses": {purpose: bool}, "errors": [str]}``.

    Raises RuntimeError if the harness itself fails (node or the packages missing, a crash)."""
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("node is not on PATH; the stock status checker needs Node.js")
    if not (REPO_ROOT / "node_modules" / "@digitalbazaar" / "vc-bitstring-status-list").is_dir():
        raise RuntimeError(f"@digitalbazaar/vc-bitstring-status-list is not installed; run `npm ci` in {REPO_ROOT}")
    fd, request_path = tempfile.mkstemp(prefix="check-status-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump({"credential": credential, "origin": origin}, handle)
        try:
            proc = subprocess.run(
                [node, str(SCRIPT), request_path], cwd=REPO_ROOT, capture_output=True, text=True,
                timeout=TIMEOUT_SECONDS, check=False,
            )  # fmt: skip
        except subprocess.TimeoutExpired as exc:
            raise RuntimeError(f"check_status.mjs timed out ({TIMEOUT_SECONDS}s); stderr: {exc.stderr!r}") from exc
    finally:
        os.unlink(request_path)
    if proc.returncode != 0:
        raise RuntimeError(f"check_status.mjs failed with exit code {proc.returncode}; stderr:\n{proc.stderr.strip()}")
    try:
        result: dict[str, Any] = json.loads(proc.stdout)
    except json.JSONDecodeError as exc:
        raise RuntimeError(f"check_status.mjs printed invalid JSON: {exc}\nstdout:\n{proc.stdout}") from exc
    return result
