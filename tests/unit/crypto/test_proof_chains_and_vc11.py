"""Data Integrity completeness (issue 15, item 5): proof chains (`previousProof`) and proof sets as VC Data
Integrity 1.0 §4.2 and §4.5 define them, VC Data Model 1.1 credentials with both eddsa cryptosuites, and
what needs no chain (item 6)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from anchor.credentials.issuance import sign_credential
from anchor.credentials.verify import Outcome, Verifier, needs_chain, vc_data_model_errors
from anchor.crypto import jcs, multibase
from anchor.crypto.did import DidResolver
from anchor.crypto.jsonld import DATA_INTEGRITY_V2, VC_V1, VC_V2, document_loader
from anchor.crypto.keys import SigningKey
from anchor.crypto.proofs import (
    CRYPTOSUITES,
    JCS,
    RDFC,
    ProofCheck,
    ProofError,
    add_proof,
    canonical_rdf,
    create_proof,
    verify_proofs,
)
from anchor.crypto.proofs import _chain_verdict as chain_verdict
from anchor.errors import ConfigurationError

CREATED = "2026-06-30T10:00:00Z"
LOADER = document_loader()
ISSUER, WITNESS, NOTARY = SigningKey.generate(), SigningKey.generate(), SigningKey.generate()


def unsigned() -> dict[str, Any]:
    return {
        "@context": [VC_V2],
        "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
        "type": ["VerifiableCredential"],
        "issuer": ISSUER.did,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:learner"},
    }


def sign(document: dict[str, Any], key: SigningKey, suite: str, **options: Any) -> dict[str, Any]:
    return add_proof(document, key, cryptosuite=suite, created=CREATED, loader=LOADER, **options)


def checks(document: dict[str, Any]) -> list[ProofCheck]:
    return verify_proofs(document, DidResolver(), loader=LOADER)


def chain(suite: str) -> dict[str, Any]:
    """Two proofs of a set (a, b), then c chained to both, then d chained to c (as the spec's example)."""
    document = sign(unsigned(), ISSUER, suite, proof_id="urn:proof:a")
    document = sign(document, WITNESS, suite, proof_id="urn:proof:b")
    document = sign(document, NOTARY, suite, proof_id="urn:proof:c", previous_proof=["urn:proof:a", "urn:proof:b"])
    return sign(document, ISSUER, suite, previous_proof="urn:proof:c")


# -- proof chains ----------------------------------------------------------------------------------


@pytest.mark.parametrize("suite", CRYPTOSUITES)
def test_every_proof_of_a_chain_verifies(suite):
    document = chain(suite)
    assert [p.get("previousProof") for p in document["proof"]] == [
        None, None, ["urn:proof:a", "urn:proof:b"], "urn:proof:c",
    ]  # fmt: skip
    assert [c.verified for c in checks(document)] == [True] * 4


@pytest.mark.parametrize("suite", CRYPTOSUITES)
def test_a_chain_proof_signs_the_document_with_the_proofs_it_names(suite):
    # §4.2: the proof is made over the document whose `proof` is the named proofs, so the same signature
    # does not verify as a member of a proof set (over the document without proofs).
    document = chain(suite)
    last = dict(document["proof"][3])
    del last["previousProof"]
    as_set_member = {**unsecured(document), "proof": [*document["proof"][:3], last]}
    assert [c.verified for c in checks(as_set_member)] == [True, True, True, False]


def unsecured(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k != "proof"}


@pytest.mark.parametrize("suite", CRYPTOSUITES)
def test_a_changed_earlier_proof_fails_every_proof_chained_to_it(suite):
    document = copy.deepcopy(chain(suite))
    document["proof"][1]["created"] = "2026-06-30T10:00:01Z"
    results = checks(document)
    assert [c.verified for c in results] == [True, False, False, False]
    assert results[1].reason.startswith("the signature does not match")
    # c signed b as it was: its own signature no longer matches; d's does, but it names c.
    assert results[2].reason.startswith("the signature does not match")
    assert results[3].reason.startswith("the previous proof 'urn:proof:c' does not verify")


@pytest.mark.parametrize("suite", CRYPTOSUITES)
def test_a_dangling_previous_proof_fails_with_its_name(suite):
    document = chain(suite)
    without_a = {**document, "proof": document["proof"][1:]}
    results = checks(without_a)
    assert [c.verified for c in results] == [True, False, False]
    assert results[1].reason == "previousProof 'urn:proof:a' names no proof of this document"
    assert results[2].reason.startswith("the previous proof 'urn:proof:c' does not verify (previousProof 'urn:proof:a'")


def test_an_ambiguous_previous_proof_fails():
    document = copy.deepcopy(chain(RDFC))
    document["proof"][1]["id"] = "urn:proof:a"
    results = checks(document)
    assert "names 2 proofs of this document" in results[2].reason
    assert not results[2].verified and not results[3].verified


@pytest.mark.parametrize("value", [[], [7], {"id": "urn:proof:a"}])
def test_a_malformed_previous_proof_fails(value):
    document = copy.deepcopy(chain(RDFC))
    document["proof"][3]["previousProof"] = value
    result = checks(document)[3]
    assert not result.verified
    assert result.reason == "previousProof must be a proof id or a non-empty list of them"


def test_chaining_to_a_proof_the_document_does_not_have_is_refused():
    document = sign(unsigned(), ISSUER, RDFC, proof_id="urn:proof:a")
    with pytest.raises(ProofError, match="previousProof 'urn:proof:x' names no proof"):
        sign(document, WITNESS, RDFC, previous_proof="urn:proof:x")
    with pytest.raises(ProofError, match="non-empty list"):
        sign(document, WITNESS, RDFC, previous_proof=[])


def test_references_that_loop_fail_the_proofs_in_the_loop():
    # Signatures over each other cannot both be made, so the loop is checked on the verdicts alone.
    proofs = [{"id": "a", "previousProof": "b"}, {"id": "b", "previousProof": "a"}]
    own = {0: ProofCheck(True, "signature verified", RDFC), 1: ProofCheck(True, "signature verified", RDFC)}
    verdict = chain_verdict(0, proofs, own, ())
    assert not verdict.verified
    assert "cycle" in verdict.reason


def test_a_chain_proof_hashes_the_named_proofs_into_its_document():
    # The exact input of §4.2 step 6, by the JCS suite where it is plain to see.
    document = chain(JCS)
    first_two = document["proof"][:2]
    signed_input = {**unsecured(document), "proof": first_two}
    assert jcs.canonicalize(signed_input) != jcs.canonicalize(unsecured(document))
    tampered = copy.deepcopy(document)
    tampered["proof"][2]["previousProof"] = ["urn:proof:a"]  # claims to have signed less
    assert not checks(tampered)[2].verified


# -- VC Data Model 1.1 -----------------------------------------------------------------------------


def vc11(**changes: Any) -> dict[str, Any]:
    credential = {
        "@context": [VC_V1],
        "id": "urn:uuid:9ab1c8e4-5b52-4d5e-9d0e-4a5c1f1f2b3c",
        "type": ["VerifiableCredential"],
        "issuer": ISSUER.did,
        "issuanceDate": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:learner"},
    }
    credential.update(changes)
    return credential


@pytest.mark.parametrize("suite", CRYPTOSUITES)
def test_a_vc_11_credential_is_signed_with_the_data_integrity_context_added(suite):
    signed = sign_credential(vc11(), ISSUER, cryptosuite=suite, loader=LOADER)
    assert signed["@context"] == [VC_V1, DATA_INTEGRITY_V2]
    assert ("@context" in signed["proof"]) is (suite == JCS)
    assert [c.verified for c in checks(signed)] == [True]
    report = Verifier(None, resolver=DidResolver(), profile="vc", now=datetime(2026, 6, 1, tzinfo=UTC)).verify(signed)
    assert report.verified, report.to_dict()
    assert report.check("schema").reason == "a W3C Verifiable Credential 1.1"


def test_without_the_data_integrity_context_a_vc_11_proof_could_not_be_made():
    # credentials/v1 does not define DataIntegrityProof's terms: safe mode refuses the proof configuration.
    with pytest.raises(ProofError, match="Data Integrity terms"):
        create_proof(vc11(), ISSUER, loader=LOADER)
    config = {"@context": [VC_V1], "type": "DataIntegrityProof", "cryptosuite": RDFC, "created": CREATED}
    with pytest.raises(ProofError, match="not defined by its JSON-LD @context"):
        canonical_rdf(config, LOADER)


def test_sign_credential_sets_a_missing_issuance_date():
    credential = vc11()
    del credential["issuanceDate"]
    signed = sign_credential(credential, ISSUER, loader=LOADER)
    assert isinstance(signed["issuanceDate"], str)
    assert checks(signed)[0].verified


def test_a_vc_11_credential_needs_an_issuance_date():
    credential = vc11()
    del credential["issuanceDate"]
    assert vc_data_model_errors(credential) == [
        "issuanceDate is required in a VC 1.1 credential (an XML Schema date-time string)"
    ]


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"validFrom": "2026-01-01T00:00:00Z"}, "validFrom is not a VC 1.1 term: use issuanceDate"),
        ({"validUntil": "2027-01-01T00:00:00Z"}, "validUntil is not a VC 1.1 term: use expirationDate"),
        ({"expirationDate": 2027}, "expirationDate must be an XML Schema date-time string"),
    ],
)
def test_vc_11_rules(changes, problem):
    assert vc_data_model_errors(vc11(**changes)) == [problem]
    with pytest.raises(ConfigurationError, match=f"not a VC 2.0 or 1.1 credential: {problem}"):
        sign_credential(vc11(**changes), ISSUER, loader=LOADER)


@pytest.mark.parametrize(("now", "outcome"), [(2026, Outcome.PASS), (2025, Outcome.FAIL), (2028, Outcome.FAIL)])
def test_vc_11_validity_is_issuance_to_expiration_date(now, outcome):
    signed = sign_credential(vc11(expirationDate="2027-01-01T00:00:00Z"), ISSUER, cryptosuite=JCS, loader=LOADER)
    verifier = Verifier(None, resolver=DidResolver(), profile="vc", now=datetime(now, 6, 1, tzinfo=UTC))
    assert verifier.verify(signed).check("validity_period").outcome is outcome


def test_a_vc_11_presentation_is_still_refused():
    problems = vc_data_model_errors({"@context": [VC_V1], "type": ["VerifiablePresentation"]}, "VerifiablePresentation")
    assert problems == [f"@context must be a list starting with {VC_V2}"]


# -- what needs a chain ----------------------------------------------------------------------------


def test_only_anchored_or_on_chain_status_documents_need_a_chain():
    plain = unsigned()
    assert not needs_chain(plain)
    assert not needs_chain("not even an object")
    assert needs_chain({**plain, "proof": [{"type": "EthereumMerkleAnchorProof"}]})
    assert needs_chain({**plain, "credentialStatus": {"type": "BitstringStatusListEntry", "chainId": "1"}})
    presentation = {"@context": [VC_V2], "type": ["VerifiablePresentation"], "verifiableCredential": [plain]}
    assert not needs_chain(presentation)
    anchored = {**plain, "proof": {"type": "EthereumMerkleAnchorProof"}}
    assert needs_chain({**presentation, "verifiableCredential": [plain, anchored]})


def test_malformed_input_needs_no_chain_whatever_it_carries():
    anchored = {**unsigned(), "proof": {"type": "EthereumMerkleAnchorProof"}}
    assert needs_chain(anchored)
    assert not needs_chain({k: v for k, v in anchored.items() if k != "credentialSubject"})
    assert not needs_chain({**anchored, "@context": ["https://example.org/context"]})
    presentation = {"@context": [VC_V2], "type": ["VerifiablePresentation"], "verifiableCredential": [anchored]}
    assert needs_chain(presentation)
    assert not needs_chain({**presentation, "@context": [VC_V1]})


def test_a_status_entry_without_on_chain_coordinates_says_so_without_a_chain():
    entry = {"type": "BitstringStatusListEntry", "statusPurpose": "revocation", "statusListIndex": "7",
             "statusListCredential": "https://issuer.example/status/1"}  # fmt: skip
    signed = sign_credential({**unsigned(), "credentialStatus": entry}, ISSUER, cryptosuite=JCS, loader=LOADER)
    check = Verifier(None, resolver=DidResolver(), profile="vc").verify(signed).check("revocation")
    assert check.outcome is Outcome.FAIL
    assert check.reason.startswith("malformed revocation entry: not an on-chain BitstringStatusListEntry")


# -- base58 input bound ----------------------------------------------------------------------------


def test_base58_decoding_refuses_what_is_longer_than_any_key_or_signature():
    signature = multibase.encode(bytes(range(1, 65)))
    assert multibase.decode(signature) == bytes(range(1, 65))
    assert len(signature) - 1 <= multibase.MAX_BASE58_LENGTH
    with pytest.raises(ConfigurationError, match="longer than any key or signature"):
        multibase.base58_decode("2" * (multibase.MAX_BASE58_LENGTH + 1))
