"""Run a stock verifier on a document: ``node tests/interop/stock_verify.mjs``, offline.

Two verifiers, each as its publisher ships it (no credanchor context is ever preloaded):

- ``vcjs``: Digital Bazaar's ``@digitalbazaar/vc`` with ``@digitalbazaar/security-document-loader``
  and the context packages published by the contexts' owners (Open Badges, Bitstring Status List,
  Data Integrity), the eddsa-rdfc-2022 and eddsa-jcs-2022 cryptosuites and the stock Bitstring
  Status List checker;
- ``verifier-core``: the Digital Credentials Consortium's ``@digitalcredentials/verifier-core`` (the
  engine of the Learner Credential Wallet and VerifierPlus), untouched.

Network is off inside the harness (``fetch`` fails at once), so whatever a verifier would fetch —
an unpublished context, a status list, an issuer registry, the OB 3.0 JSON schema — fails fast.
The repository root is the cwd, so ``node_modules`` (``npm ci``) resolves.
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
SCRIPT = Path(__file__).resolve().with_name("stock_verify.mjs")
#: A guard against a harness bug, not a performance threshold: offline, a run takes about a second.
TIMEOUT_SECONDS = 120
VERIFIERS = ("vcjs", "verifier-core")


def stock_verify(verifier: str, document: Any, **options: Any) -> dict[str, Any]:
    """The verdict of `verifier` ("vcjs" or "verifier-core") on `document`, as the harness prints it.

    `options` (vcjs): ``contexts`` (URL → document, W3C test-vector contexts only), ``controller``,
    ``challenge``, ``domain``. Raises RuntimeError if the harness itself fails.
    """
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("node is not on PATH; the stock-verifier interop harness needs Node.js")
    for package in ("@digitalbazaar/vc", "@digitalcredentials/verifier-core"):
        if not (REPO_ROOT / "node_modules" / package).is_dir():
            raise RuntimeError(f"{package} is not installed; run `npm ci` in {REPO_ROOT}")
    request = {"verifier": verifier, "document": document, **options}
    fd, request_path = tempfile.mkstemp(prefix="stock-verify-", suffix=".json")
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
            raise RuntimeError(
                f"stock_verify.mjs did not finish in {TIMEOUT_SECONDS}s; stderr:\n{exc.stderr!r}"
            ) from exc
    finally:
        os.unlink(request_path)
    if proc.returncode != 0:
        raise RuntimeError(f"stock_verify.mjs failed with exit code {proc.returncode}; stderr:\n{proc.stderr.strip()}")
    try:
        result: dict[str, Any] = json.loads(proc.stdout)
    except json.JSONDecodeError as exc:
        raise RuntimeError(f"stock_verify.mjs printed invalid JSON: {exc}\nstdout:\n{proc.stdout}") from exc
    return result
