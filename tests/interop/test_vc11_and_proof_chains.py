"""VC 1.1 credentials and proof chains against Digital Bazaar's libraries (issue 15, item 5).

`di_sign.mjs` signs with @digitalbazaar/vc (VC 1.1 `issue`) and, for proof chains, with
@digitalbazaar/data-integrity's createProof / verifyProof over the input VC Data Integrity 1.0 §4.2 /
§4.5 define (vc.js itself has no `previousProof` support). Same key, same `created`: the proofs must be
byte for byte the ones credanchor makes, and each side must verify the other's.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from typing import Any

import pytest

from anchor.crypto import multibase
from anchor.crypto.did import DidResolver
from anchor.crypto.jsonld import DATA_INTEGRITY_V2, VC_V1
from anchor.crypto.keys import SigningKey
from anchor.crypto.proofs import CRYPTOSUITES, add_proof, verify_proofs

from .stock import REPO_ROOT, TIMEOUT_SECONDS, stock_verify

SCRIPT = REPO_ROOT / "tests" / "interop" / "di_sign.mjs"
CREATED = "2026-06-30T10:00:00Z"
SEED = multibase.encode(multibase.ED25519_PRIV + os.urandom(32))
KEY = SigningKey.from_multibase(SEED)


def digital_bazaar(action: str, **request: Any) -> dict[str, Any]:
    node = shutil.which("node")
    if node is None or not (REPO_ROOT / "node_modules" / "@digitalbazaar" / "data-integrity").is_dir():
        raise RuntimeError("the interop harness needs Node.js and `npm ci` in the repository root")
    fd, path = tempfile.mkstemp(prefix="di-sign-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump({"action": action, "secretKeyMultibase": SEED, "created": CREATED, **request}, handle)
        proc = subprocess.run(
            [node, str(SCRIPT), path], cwd=REPO_ROOT, capture_output=True, text=True, timeout=TIMEOUT_SECONDS
        )
    finally:
        os.unlink(path)
    if proc.returncode != 0:
        raise RuntimeError(f"di_sign.mjs failed ({proc.returncode}): {proc.stderr.strip()}")
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


def vc11() -> dict[str, Any]:
    return {
        "@context": [VC_V1],
        "id": "urn:uuid:3e1b9a52-7c1d-4f7e-a7b4-0f0f7c1b2d3e",
        "type": ["VerifiableCredential"],
        "issuer": KEY.did,
        "issuanceDate": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:learner"},
    }


def ours(document: dict[str, Any], suite: str, **options: Any) -> dict[str, Any]:
    return add_proof(document, KEY, cryptosuite=suite, created=CREATED, **options)


@pytest.mark.parametrize("suite", CRYPTOSUITES)
def test_vc_11_signed_by_vcjs_is_credanchors_to_the_byte(suite):
    theirs = digital_bazaar("issue", document=vc11(), cryptosuite=suite)["verifiableCredential"]
    assert theirs["@context"] == [VC_V1, DATA_INTEGRITY_V2]  # vc.js injects the Data Integrity context too
    assert [c.verified for c in verify_proofs(theirs, DidResolver())] == [True]
    assert ours(vc11(), suite) == theirs


@pytest.mark.parametrize("suite", CRYPTOSUITES)
def test_vc_11_signed_by_credanchor_verifies_with_stock_vcjs(suite):
    result = stock_verify("vcjs", ours(vc11(), suite))
    assert result["signature"]["verified"] is True, result
    assert result["verified"] is True, result


def set_of_two(suite: str) -> dict[str, Any]:
    document = ours(vc11(), suite, proof_id="urn:proof:a")
    return ours(document, suite, proof_id="urn:proof:b")


@pytest.mark.parametrize("suite", CRYPTOSUITES)
def test_a_chain_proof_by_digital_bazaar_is_credanchors_to_the_byte(suite):
    document = set_of_two(suite)
    chained = {"proofId": "urn:proof:c", "previousProof": ["urn:proof:a", "urn:proof:b"]}
    theirs = digital_bazaar("chain-proof", document=document, cryptosuite=suite, **chained)["proof"]
    mine = ours(document, suite, proof_id="urn:proof:c", previous_proof=["urn:proof:a", "urn:proof:b"])
    assert mine["proof"][-1] == theirs


@pytest.mark.parametrize("suite", CRYPTOSUITES)
def test_each_side_verifies_a_chain_the_other_extended(suite):
    document = set_of_two(suite)
    chained = {"proofId": "urn:proof:c", "previousProof": ["urn:proof:a", "urn:proof:b"]}
    theirs = digital_bazaar("chain-proof", document=document, cryptosuite=suite, **chained)["proof"]
    document = ours({**document, "proof": [*document["proof"], theirs]}, suite, previous_proof="urn:proof:c")
    assert [c.verified for c in verify_proofs(document, DidResolver())] == [True] * 4
    verdicts = digital_bazaar("chain-verify", document=document)["results"]
    assert [(r["id"], r["verified"]) for r in verdicts] == [
        ("urn:proof:a", True), ("urn:proof:b", True), ("urn:proof:c", True), (None, True),
    ]  # fmt: skip
    document["proof"][1]["created"] = "2026-06-30T10:00:01Z"  # b changed: b and c (which signed b) fail
    verdicts = digital_bazaar("chain-verify", document=document)["results"]
    assert [r["verified"] for r in verdicts] == [True, False, False, True]  # d signed c, which did not change
    assert [c.verified for c in verify_proofs(document, DidResolver())] == [True, False, False, False]
