"""Verify credentials with Digital Bazaar's @digitalbazaar/vc stack (an independent verifier), offline.

Runs ``node tests/interop/verify_vc.mjs`` with the repository root as cwd so that ``node_modules``
(installed by ``npm ci`` from the pinned devDependencies) resolves.
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
SCRIPT = Path(__file__).resolve().with_name("verify_vc.mjs")
TIMEOUT_SECONDS = 60


def verify_with_digitalbazaar(
    credential: dict[str, Any],
    contexts: dict[str, dict[str, Any]],
    *,
    controller: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Verify ``credential`` with @digitalbazaar/vc ``verifyCredential``.

    ``contexts`` maps context URLs to documents; nothing else is loaded except did:key documents,
    which are derived locally. ``controller`` optionally overrides the verification method's
    controller document (needed when the issuer is not the key's DID, as in the W3C vectors).

    Returns the harness output: ``{"verified": bool, "errors": [str], "proofs": [...],
    "statusChecked": False, "warnings": [str]}``. Raises RuntimeError if the harness itself fails.
    """
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("node is not on PATH; the Digital Bazaar interop harness needs Node.js")
    if not (REPO_ROOT / "node_modules" / "@digitalbazaar" / "vc").is_dir():
        raise RuntimeError(f"@digitalbazaar/vc is not installed; run `npm ci` in {REPO_ROOT}")

    request: dict[str, Any] = {"credential": credential, "contexts": contexts}
    if controller is not None:
        request["controller"] = controller

    fd, request_path = tempfile.mkstemp(prefix="vc-request-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(request, handle)
        try:
            proc = subprocess.run(
                [node, str(SCRIPT), request_path],
                cwd=REPO_ROOT,
                capture_output=True,
                text=True,
                timeout=TIMEOUT_SECONDS,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise RuntimeError(f"verify_vc.mjs timed out after {TIMEOUT_SECONDS}s; stderr:\n{exc.stderr}") from exc
    finally:
        os.unlink(request_path)

    if proc.returncode != 0:
        raise RuntimeError(f"verify_vc.mjs failed with exit code {proc.returncode}; stderr:\n{proc.stderr.strip()}")
    try:
        result: dict[str, Any] = json.loads(proc.stdout)
    except json.JSONDecodeError as exc:
        raise RuntimeError(
            f"verify_vc.mjs printed invalid JSON: {exc}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr.strip()}"
        ) from exc
    return result
