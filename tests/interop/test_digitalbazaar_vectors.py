"""The stock vc.js harness really verifies: W3C vc-di-eddsa vectors pass, tampering fails.

vc.js runs with its stock loader (@digitalbazaar/security-document-loader and the owners' context
packages); the W3C examples context the vectors name is the only document added (W3C-owned).

The W3C vectors (vc-di-eddsa, eddsa-rdfc-2022 and eddsa-jcs-2022) are signed by
did:key:z6MkrJVn…#z6MkrJVn… but name ``https://vc.example/issuers/5678`` as issuer. @digitalbazaar/vc
requires the issuer to be the verification method's controller, so these tests pass an explicit
controller document for that issuer authorising the key (the library's ``controller`` option).
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from anchor.crypto.keys import SigningKey
from anchor.crypto.proofs import JCS, add_proof

from .stock import stock_verify

VECTORS = Path(__file__).resolve().with_name("vectors")

VC_V2 = "https://www.w3.org/ns/credentials/v2"
EXAMPLES_V2 = "https://www.w3.org/ns/credentials/examples/v2"

# W3C vc-di-eddsa test key (keyPair.json of the spec's test vectors).
VECTOR_PUBLIC_KEY = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
VECTOR_PRIVATE_KEY = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"
VECTOR_DID = f"did:key:{VECTOR_PUBLIC_KEY}"
VECTOR_VM = f"{VECTOR_DID}#{VECTOR_PUBLIC_KEY}"


def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


@cache
def _contexts() -> dict[str, dict[str, Any]]:
    return {EXAMPLES_V2: _load(VECTORS / "credentials-examples-v2.jsonld")}


def verify_with_digitalbazaar(
    credential: Any, contexts: dict[str, Any], *, controller: dict[str, Any] | None = None
) -> dict[str, Any]:
    """vc.js's verdict: verified only when every Data Integrity proof of the set verified."""
    result = stock_verify("vcjs", credential, contexts=contexts, **({"controller": controller} if controller else {}))
    signature = result["signature"]
    return {
        "verified": result["verified"] and signature["verified"],
        "errors": list(dict.fromkeys([*signature["errors"], *result["errors"]])),
        "proofs": signature["proofs"],
        "status": result["status"],
    }


def contexts() -> dict[str, dict[str, Any]]:
    return copy.deepcopy(_contexts())


def vector(name: str) -> dict[str, Any]:
    return _load(VECTORS / name)


def issuer_controller(credential: dict[str, Any]) -> dict[str, Any]:
    """A controller document in which the vector's (non-DID) issuer authorises the vector key."""
    return {"id": credential["issuer"], "assertionMethod": [VECTOR_VM]}


def sign_eddsa_jcs_2022(unsigned: dict[str, Any], created: str = "2024-01-01T00:00:00Z") -> dict[str, Any]:
    """Sign with credanchor's eddsa-jcs-2022 using the W3C test key."""
    return add_proof(unsigned, SigningKey.from_multibase(VECTOR_PRIVATE_KEY), cryptosuite=JCS, created=created)


def did_key_credential(**extra: Any) -> dict[str, Any]:
    """An unsigned VC 2.0 credential issued by the vector key's did:key (so no controller override)."""
    return {
        "@context": [VC_V2, EXAMPLES_V2],
        "id": "urn:uuid:0b6e4b7c-9d3a-4c55-9a52-3d2f9f7f0a01",
        "type": ["VerifiableCredential", "AlumniCredential"],
        "issuer": VECTOR_DID,
        "validFrom": "2024-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"},
        **extra,
    }


# --- (a) / (b) eddsa-rdfc-2022 -------------------------------------------------------------


def test_rdfc_vector_verifies() -> None:
    credential = vector("signedDataInt.json")
    result = verify_with_digitalbazaar(credential, contexts(), controller=issuer_controller(credential))
    assert result["verified"] is True, result
    assert result["errors"] == []
    assert [p["cryptosuite"] for p in result["proofs"]] == ["eddsa-rdfc-2022"]
    assert result["proofs"][0]["verified"] is True


def test_rdfc_vector_changed_field_fails() -> None:
    credential = vector("signedDataInt.json")
    credential["credentialSubject"]["alumniOf"] = "The School of Counterfeits"
    result = verify_with_digitalbazaar(credential, contexts(), controller=issuer_controller(credential))
    assert result["verified"] is False
    assert "Invalid signature." in result["errors"]


def test_rdfc_vector_changed_proof_option_fails() -> None:
    credential = vector("signedDataInt.json")
    credential["proof"]["created"] = "2023-02-24T23:36:39Z"
    result = verify_with_digitalbazaar(credential, contexts(), controller=issuer_controller(credential))
    assert result["verified"] is False
    assert "Invalid signature." in result["errors"]


def test_issuer_must_be_key_controller_by_default() -> None:
    """Without the controller override the library rejects the vector: its issuer is not the did:key."""
    result = verify_with_digitalbazaar(vector("signedDataInt.json"), contexts())
    assert result["verified"] is False
    assert result["errors"] == ["Credential issuer must match the verification method controller."]


def test_missing_context_is_not_fetched() -> None:
    """The stock loader has no examples context and fetches nothing (offline): a missing one is an error."""
    credential = vector("signedDataInt.json")
    result = verify_with_digitalbazaar(credential, {}, controller=issuer_controller(credential))
    assert result["verified"] is False
    assert any(f"Document not found in document loader: {EXAMPLES_V2}" in e for e in result["errors"]), result["errors"]


def test_undefined_term_is_a_safe_mode_error() -> None:
    """With an examples context lacking ``@vocab``, ``alumniOf`` is undefined: rdfc's safe mode rejects it."""
    credential = vector("signedDataInt.json")
    no_vocab = {**contexts(), EXAMPLES_V2: {"@context": {}}}
    result = verify_with_digitalbazaar(credential, no_vocab, controller=issuer_controller(credential))
    assert result["verified"] is False
    assert any("Safe mode validation error" in e and '"alumniOf"' in e for e in result["errors"]), result["errors"]


# --- (c) eddsa-jcs-2022 ---------------------------------------------------------------------


def test_jcs_vector_verifies() -> None:
    credential = vector("signedJCS.json")
    result = verify_with_digitalbazaar(credential, contexts(), controller=issuer_controller(credential))
    assert result["verified"] is True, result
    assert [p["cryptosuite"] for p in result["proofs"]] == ["eddsa-jcs-2022"]


def test_jcs_vector_changed_field_fails() -> None:
    credential = vector("signedJCS.json")
    credential["credentialSubject"]["alumniOf"] = "The School of Counterfeits"
    result = verify_with_digitalbazaar(credential, contexts(), controller=issuer_controller(credential))
    assert result["verified"] is False
    assert "Invalid signature." in result["errors"]


# --- proof sets: every proof must verify (the library alone accepts if any one does) -------


def _proof_set() -> dict[str, Any]:
    credential = vector("signedDataInt.json")
    credential["proof"] = [credential["proof"], vector("signedJCS.json")["proof"]]
    return credential


def test_proof_set_of_both_suites_verifies() -> None:
    credential = _proof_set()
    result = verify_with_digitalbazaar(credential, contexts(), controller=issuer_controller(credential))
    assert result["verified"] is True, result
    assert sorted(p["cryptosuite"] for p in result["proofs"]) == ["eddsa-jcs-2022", "eddsa-rdfc-2022"]
    assert all(p["verified"] for p in result["proofs"])


@pytest.mark.parametrize("broken", [0, 1], ids=["rdfc-broken", "jcs-broken"])
def test_proof_set_with_one_bad_proof_fails(broken: int) -> None:
    credential = _proof_set()
    good_value = credential["proof"][broken]["proofValue"]
    credential["proof"][broken]["proofValue"] = credential["proof"][1 - broken]["proofValue"]
    assert credential["proof"][broken]["proofValue"] != good_value
    result = verify_with_digitalbazaar(credential, contexts(), controller=issuer_controller(credential))
    assert result["verified"] is False
    assert "Invalid signature." in result["errors"]
    assert [p["verified"] for p in result["proofs"]].count(True) == 1


def test_unsupported_cryptosuite_in_proof_set_fails() -> None:
    credential = _proof_set()
    credential["proof"][1]["cryptosuite"] = "ecdsa-rdfc-2019"
    result = verify_with_digitalbazaar(credential, contexts(), controller=issuer_controller(credential))
    assert result["verified"] is False  # vc.js alone would accept: one proof of the set matched and verified
    assert [p["cryptosuite"] for p in result["proofs"]] == ["eddsa-rdfc-2022"]


# --- credentials signed here (eddsa-jcs-2022, did:key issuer): status and validity dates ---


def test_python_signed_jcs_credential_with_status_verifies() -> None:
    status = {
        "id": "https://example.com/credentials/status/3#94567",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "94567",
        "statusListCredential": "https://example.com/credentials/status/3",
    }
    credential = sign_eddsa_jcs_2022(did_key_credential(credentialStatus=status))
    result = stock_verify("vcjs", credential, contexts=contexts())
    assert result["signature"]["verified"] is True, result
    # The stock status checker fetches the list: offline, it cannot.
    assert result["status"]["verified"] is False
    assert any("https://example.com/credentials/status/3" in e for e in result["status"]["errors"])


def test_future_valid_from_fails() -> None:
    credential = sign_eddsa_jcs_2022(did_key_credential(validFrom="2999-01-01T00:00:00Z"))
    result = verify_with_digitalbazaar(credential, contexts())
    assert result["verified"] is False
    assert any('is before "validFrom" (2999-01-01T00:00:00Z)' in e for e in result["errors"]), result["errors"]


def test_past_valid_until_fails() -> None:
    credential = sign_eddsa_jcs_2022(did_key_credential(validUntil="2024-06-01T00:00:00Z"))
    result = verify_with_digitalbazaar(credential, contexts())
    assert result["verified"] is False
    assert any('is after "validUntil"' in e for e in result["errors"]), result["errors"]


def test_harness_error_raises_with_stderr() -> None:
    with pytest.raises(RuntimeError, match=r"request\.document must be a JSON object"):
        verify_with_digitalbazaar("not a credential", contexts())  # type: ignore[arg-type]
