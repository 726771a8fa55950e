"""The W3C CCG VC API endpoints: /credentials/issue (and per-instance), /credentials/verify and
/presentations/verify, in that specification's request and response shapes."""

from __future__ import annotations

import copy
import re
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from anchor.crypto.jsonld import DATA_INTEGRITY_V2, VC_V1
from anchor.crypto.keys import SigningKey
from anchor.crypto.proofs import JCS, RDFC, add_proof
from api.app import create_app
from api.config import ApiSettings, VcApiEndpoint
from tests.api.conftest import (
    PASSPHRASE,
    PROBLEM_BASE,
    Api,
    World,
    api_client,
    assert_problem,
)
from tests.interop.stock import stock_verify

VC_V2 = "https://www.w3.org/ns/credentials/v2"
SUBJECT = "did:example:123"
ANCHORING_CHECKS = ("merkle_inclusion", "anchored", "issuer_accredited")


def unsigned(**changes: Any) -> dict[str, Any]:
    credential: dict[str, Any] = {
        "@context": [VC_V2],
        "type": ["VerifiableCredential"],
        "credentialSubject": {"id": SUBJECT},
    }
    credential.update(changes)
    return credential


@pytest.fixture
def vc(world: World, tmp_path: Path) -> Iterator[Api]:
    """Like `api`, with VC API instances: default (acme, rdfc) and jcs (acme, jcs)."""
    endpoints = {"default": VcApiEndpoint("acme"), "jcs": VcApiEndpoint("acme", JCS)}
    with api_client(world, tmp_path / "vc.sqlite", vc_api=endpoints) as made:
        yield made


def issue(vc: Api, credential: dict[str, Any] | None = None, path: str = "/credentials/issue", **body: Any) -> Any:
    return vc.client.post(path, json={"credential": credential or unsigned(), **body}, headers=vc.headers["acme"])


def issued(vc: Api, **body: Any) -> dict[str, Any]:
    response = issue(vc, **body)
    assert response.status_code == 201, response.text
    return dict(response.json()["verifiableCredential"])


# -- /credentials/issue ----------------------------------------------------------------------------


def test_issue_signs_with_the_instances_issuer_and_an_rdfc_proof(vc, world):
    response = issue(vc)
    assert response.status_code == 201, response.text
    assert list(response.json()) == ["verifiableCredential"]
    credential = response.json()["verifiableCredential"]
    assert credential["issuer"] == world.keys["acme"].did
    assert credential["credentialSubject"] == {"id": SUBJECT}
    assert credential["proof"]["type"] == "DataIntegrityProof"
    assert credential["proof"]["cryptosuite"] == RDFC
    assert credential["proof"]["proofPurpose"] == "assertionMethod"
    assert credential["proof"]["verificationMethod"] == world.keys["acme"].verification_method


def test_issue_keeps_an_issuer_that_is_the_instances_own_did(vc, world):
    acme = world.keys["acme"].did
    credential = issued(vc, credential=unsigned(issuer={"id": acme, "name": "Acme"}))
    assert credential["issuer"] == {"id": acme, "name": "Acme"}


def test_the_jcs_cryptosuite_option_gives_a_jcs_proof(vc):
    credential = issued(vc, options={"cryptosuite": JCS})
    assert credential["proof"]["cryptosuite"] == JCS


def test_the_jcs_instance_signs_with_jcs_by_default(vc, world):
    response = issue(vc, path="/instances/jcs/credentials/issue")
    assert response.status_code == 201, response.text
    credential = response.json()["verifiableCredential"]
    assert credential["proof"]["cryptosuite"] == JCS
    assert credential["issuer"] == world.keys["acme"].did


def test_the_rdfc_option_overrides_the_jcs_instances_default(vc):
    response = issue(vc, path="/instances/jcs/credentials/issue", options={"cryptosuite": RDFC})
    assert response.json()["verifiableCredential"]["proof"]["cryptosuite"] == RDFC


def test_an_unknown_instance_is_a_404_problem(vc):
    assert_problem(issue(vc, path="/instances/nope/credentials/issue"), 404, "not-found")


def test_without_a_default_instance_two_issuers_give_a_404_problem(api):
    response = api.client.post("/credentials/issue", json={"credential": unsigned()}, headers=api.headers["acme"])
    assert_problem(response, 404, "not-found")


def test_another_issuers_key_on_the_instance_is_a_403_problem(vc):
    response = vc.client.post("/credentials/issue", json={"credential": unsigned()}, headers=vc.headers["beta"])
    assert_problem(response, 403, "forbidden")


def test_an_accreditation_body_key_is_a_403_problem(vc):
    response = vc.client.post("/credentials/issue", json={"credential": unsigned()}, headers=vc.headers["body"])
    assert_problem(response, 403, "forbidden")


def test_issuing_without_a_key_is_a_401_problem(vc):
    response = vc.client.post("/credentials/issue", json={"credential": unsigned()})
    assert_problem(response, 401, "unauthenticated")
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_issuing_with_an_unknown_key_is_a_401_problem(vc):
    response = vc.client.post(
        "/credentials/issue", json={"credential": unsigned()}, headers={"Authorization": "Bearer cak_nope"}
    )
    assert_problem(response, 401, "unauthenticated")


def test_a_credential_with_another_issuer_is_a_400_problem(vc, world):
    response = issue(vc, credential=unsigned(issuer=world.keys["beta"].did))
    assert_problem(response, 400)


def test_a_credential_with_a_proof_is_a_400_problem(vc):
    already = issued(vc)
    assert_problem(issue(vc, credential=already), 400)


def test_a_credential_with_an_undefined_term_is_a_400_problem_not_a_500(vc):
    credential = unsigned(credentialSubject={"id": SUBJECT, "undefinedTerm": 1})
    body = assert_problem(issue(vc, credential=credential), 400)
    assert "not defined" in body["detail"]


def test_a_credential_with_an_undefined_top_level_term_is_a_400_problem(vc):
    assert_problem(issue(vc, credential=unsigned(undefinedTerm="x")), 400)


def test_a_credential_with_an_unknown_context_is_a_4xx_problem(vc):
    response = issue(vc, credential=unsigned(**{"@context": [VC_V2, "https://example.org/unknown/v1"]}))
    assert 400 <= response.status_code < 500, response.text
    assert_problem(response, response.status_code)


def test_a_credential_with_a_relative_context_iri_is_a_400_problem(vc):
    assert_problem(issue(vc, credential=unsigned(**{"@context": [VC_V2, "relative-context"]})), 400)


def test_a_credential_without_the_verifiable_credential_type_is_a_400_problem(vc):
    body = assert_problem(issue(vc, credential=unsigned(type=["SomethingElse"])), 400)
    assert "VerifiableCredential" in body["detail"]


def test_a_credential_with_neither_vc_context_is_a_400_problem(vc):
    response = issue(vc, credential=unsigned(**{"@context": ["https://example.org/credentials/v9"]}))
    body = assert_problem(response, 400)
    assert f"@context must be a list starting with {VC_V2} or {VC_V1}" in body["detail"]


@pytest.mark.parametrize("instance", ["/credentials/issue", "/instances/jcs/credentials/issue"])
def test_a_vc_11_credential_is_signed_and_verifies(vc, instance):
    credential = issued(vc, credential=unsigned(**{"@context": [VC_V1], "issuanceDate": "2026-01-01T00:00:00Z"}),
                        path=instance)  # fmt: skip
    assert credential["@context"] == [VC_V1, DATA_INTEGRITY_V2]  # the Data Integrity terms, as the spec says
    assert credential["proof"]["cryptosuite"] == (JCS if "jcs" in instance else RDFC)
    response = vc.client.post("/credentials/verify", json={"verifiableCredential": credential})
    assert response.status_code == 200, response.text
    assert response.json()["results"]["checks"]["schema"]["reason"] == "a W3C Verifiable Credential 1.1"
    assert stock_verify("vcjs", credential)["verified"] is True, "Digital Bazaar vc.js must agree"


def test_a_vc_11_credential_gets_an_issuance_date(vc):
    credential = issued(vc, credential=unsigned(**{"@context": [VC_V1]}))
    assert isinstance(credential["issuanceDate"], str)


def test_a_vc_11_credential_with_vc_20_dates_is_a_400_problem(vc):
    changes = {"@context": [VC_V1], "issuanceDate": "2026-01-01T00:00:00Z", "validUntil": "2030-01-01T00:00:00Z"}
    body = assert_problem(issue(vc, credential=unsigned(**changes)), 400)
    assert "validUntil is not a VC 1.1 term: use expirationDate" in body["detail"]


def test_a_credential_without_a_subject_is_a_400_problem(vc):
    credential = unsigned()
    del credential["credentialSubject"]
    assert_problem(issue(vc, credential=credential), 400)


def test_an_unknown_option_is_a_422_problem(vc):
    assert_problem(issue(vc, options={"mandatoryPointers": ["/issuer"]}), 422, "invalid-request")


def test_an_unknown_cryptosuite_is_a_422_problem(vc):
    assert_problem(issue(vc, options={"cryptosuite": "ecdsa-rdfc-2019"}), 422, "invalid-request")


def test_an_unknown_top_level_member_is_a_422_problem(vc):
    assert_problem(issue(vc, extra=True), 422, "invalid-request")


def test_a_missing_credential_is_a_422_problem(vc):
    response = vc.client.post("/credentials/issue", json={"options": {}}, headers=vc.headers["acme"])
    assert_problem(response, 422, "invalid-request")


# -- /credentials/verify ---------------------------------------------------------------------------


def test_a_just_issued_credential_verifies(vc):
    response = vc.client.post("/credentials/verify", json={"verifiableCredential": issued(vc)})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["verified"] is True
    assert body["problemDetails"] == []
    checks = body["results"]["checks"]
    assert {name: checks[name]["outcome"] for name in ANCHORING_CHECKS} == dict.fromkeys(
        ANCHORING_CHECKS, "not_applicable"
    )
    assert checks["signature"]["outcome"] == "pass"
    assert checks["schema"]["outcome"] == "pass"


def test_a_jcs_issued_credential_verifies(vc):
    credential = issued(vc, options={"cryptosuite": JCS})
    response = vc.client.post("/credentials/verify", json={"verifiableCredential": credential})
    assert response.status_code == 200, response.text
    assert response.json()["verified"] is True


def test_a_tampered_credential_is_a_400_problem_naming_the_signature_check(vc):
    credential = copy.deepcopy(issued(vc))
    credential["credentialSubject"]["id"] = "did:example:456"
    response = vc.client.post("/credentials/verify", json={"verifiableCredential": credential})
    body = assert_problem(response, 400, "verification-failed")
    assert body["verified"] is False
    assert PROBLEM_BASE + "check-signature" in [p["type"] for p in body["problemDetails"]]
    assert body["results"]["checks"]["signature"]["outcome"] == "fail"


def test_an_unsigned_credential_is_a_400_problem(vc):
    response = vc.client.post("/credentials/verify", json={"verifiableCredential": unsigned(issuer="did:example:x")})
    body = assert_problem(response, 400, "verification-failed")
    assert body["verified"] is False


def test_a_credential_with_a_relative_context_iri_does_not_verify(vc):
    credential = issued(vc)
    credential["@context"] = [VC_V2, "relative-context"]
    response = vc.client.post("/credentials/verify", json={"verifiableCredential": credential})
    assert_problem(response, 400, "verification-failed")


def test_an_anchored_micro_credential_verifies_on_the_vc_api(vc):
    created = vc.issue()
    vc.anchor_all()
    credential = vc.stored(created["id"])
    response = vc.client.post("/credentials/verify", json={"verifiableCredential": credential})
    assert response.status_code == 200, response.text
    checks = response.json()["results"]["checks"]
    assert {name: check["outcome"] for name, check in checks.items()} == dict.fromkeys(checks, "pass")


def test_a_micro_credential_with_on_chain_status_does_not_verify_without_its_anchor_proof(vc):
    """Issue 19: a credential of a revoked batch verified here once its anchor proof was removed — the batch
    is only seen through that proof's root. credanchor's own credentials verify with their anchoring."""
    credential = vc.issue()["credential"]
    assert "statusContract" in credential["credentialStatus"][0]
    result = assert_problem(vc.client.post("/credentials/verify", json={"verifiableCredential": credential}), 400)
    anchored = result["results"]["checks"]["anchored"]
    assert anchored["outcome"] == "fail" and "on-chain status but no anchor proof" in anchored["reason"]
    assert result["results"]["checks"]["signature"]["outcome"] == "pass"


def chained(world: World, suite: str) -> dict[str, Any]:
    """A credential of acme's with a proof chain: a, b (a proof set), c naming both, d naming c."""
    key = world.keys["acme"]
    document = unsigned(issuer=key.did)
    for options in ({"proof_id": "urn:proof:a"}, {"proof_id": "urn:proof:b"},
                    {"proof_id": "urn:proof:c", "previous_proof": ["urn:proof:a", "urn:proof:b"]},
                    {"previous_proof": "urn:proof:c"}):  # fmt: skip
        document = add_proof(document, key, cryptosuite=suite, **options)
    return document


@pytest.mark.parametrize("suite", [RDFC, JCS])
def test_a_credential_with_a_proof_chain_verifies(vc, world, suite):
    response = vc.client.post("/credentials/verify", json={"verifiableCredential": chained(world, suite)})
    assert response.status_code == 200, response.text
    assert response.json()["results"]["checks"]["signature"]["outcome"] == "pass"


def test_a_proof_chain_with_a_dangling_previous_proof_is_a_400_problem(vc, world):
    credential = chained(world, RDFC)
    credential["proof"] = credential["proof"][1:]  # drop urn:proof:a, which c names
    body = assert_problem(vc.client.post("/credentials/verify", json={"verifiableCredential": credential}), 400)
    assert body["results"]["checks"]["signature"]["reason"] == (
        "previousProof 'urn:proof:a' names no proof of this document"
    )


@pytest.fixture
def chainless(world: World, tmp_path: Path) -> Iterator[TestClient]:
    """`credanchor serve` whose chain RPC does not answer (nothing listens on the port)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = ApiSettings(data=world.settings, rpc=f"http://127.0.0.1:{port}", verify_rate=0,
                           database_url=f"sqlite:///{tmp_path}/db.sqlite", key_passphrase=PASSPHRASE)  # fmt: skip
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


def test_a_plain_vc_verifies_with_no_chain_reachable(chainless, world):
    credential = add_proof(unsigned(issuer=world.keys["acme"].did), world.keys["acme"])
    response = chainless.post("/credentials/verify", json={"verifiableCredential": credential})
    assert response.status_code == 200, response.text
    checks = response.json()["results"]["checks"]
    assert {name: checks[name]["outcome"] for name in ANCHORING_CHECKS} == dict.fromkeys(
        ANCHORING_CHECKS, "not_applicable"
    )
    chained_credential = chained(world, JCS)
    assert chainless.post("/credentials/verify", json={"verifiableCredential": chained_credential}).status_code == 200


@pytest.mark.parametrize(
    "credential",
    [
        {"type": ["VerifiableCredential"]},
        {"@context": [VC_V2], "type": ["VerifiableCredential"], "proof": {"type": "EthereumMerkleAnchorProof"}},
        {"@context": ["https://example.org/v9"], "credentialStatus": {"chainId": "1", "statusContract": "0x00"}},
    ],
)
def test_malformed_input_is_a_4xx_problem_with_no_chain_reachable(chainless, credential):
    body = assert_problem(chainless.post("/credentials/verify", json={"verifiableCredential": credential}), 400)
    assert body["results"]["checks"]["schema"]["outcome"] == "fail"
    assert_problem(chainless.post("/credentials/verify", json={"verifiableCredential": "not a credential"}), 422)


def test_an_anchored_credential_still_needs_the_chain(chainless, world):
    credential = add_proof(unsigned(issuer=world.keys["acme"].did), world.keys["acme"])
    credential["proof"] = [credential["proof"], {"type": "EthereumMerkleAnchorProof", "merkleRoot": "0x00"}]
    response = chainless.post("/credentials/verify", json={"verifiableCredential": credential})
    assert_problem(response, 503, "chain-unavailable")


def test_verify_without_a_verifiable_credential_is_a_422_problem(vc):
    assert_problem(vc.client.post("/credentials/verify", json={"options": {}}), 422, "invalid-request")


def test_verify_with_unknown_members_is_a_422_problem(vc):
    response = vc.client.post("/credentials/verify", json={"verifiableCredential": issued(vc), "credential": {}})
    assert_problem(response, 422, "invalid-request")


# -- /presentations/verify -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def holder() -> SigningKey:
    return SigningKey.generate()


def holder_vp(vc: Api, holder: SigningKey, *, signed: bool = True, challenge: str = "c1") -> dict[str, Any]:
    credential = issued(vc, credential=unsigned(credentialSubject={"id": holder.did}))
    vp = {
        "@context": [VC_V2],
        "type": ["VerifiablePresentation"],
        "holder": holder.did,
        "verifiableCredential": [credential],
    }
    if not signed:
        return vp
    return add_proof(vp, holder, proof_purpose="authentication", challenge=challenge, domain="example.org")


def test_a_holder_signed_presentation_verifies(vc, holder):
    body = {"verifiablePresentation": holder_vp(vc, holder), "options": {"challenge": "c1", "domain": "example.org"}}
    response = vc.client.post("/presentations/verify", json=body)
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["verified"] is True
    assert result["problemDetails"] == []
    assert result["results"]["checks"]["challenge"]["outcome"] == "pass"
    assert result["results"]["checks"]["holder_binding"]["outcome"] == "pass"
    assert [c["verified"] for c in result["results"]["credentials"]] == [True]


def test_a_presentation_for_another_challenge_is_a_400_problem_naming_the_challenge(vc, holder):
    body = {"verifiablePresentation": holder_vp(vc, holder), "options": {"challenge": "c2"}}
    result = assert_problem(vc.client.post("/presentations/verify", json=body), 400, "verification-failed")
    assert result["verified"] is False
    failed = [p for p in result["problemDetails"] if p["type"] == PROBLEM_BASE + "check-challenge"]
    assert failed and "challenge" in failed[0]["detail"]


def verified_count(vc: Api) -> int:
    """This worker's count of verification requests answered `verified` (GET /metrics)."""
    found = re.search(
        r'^credanchor_verify_requests_total\{[^}]*result="verified"\} (\d+)$', vc.client.get("/metrics").text, re.M
    )
    assert found, "no verified count in /metrics"
    return int(found.group(1))


def test_a_proofless_presentation_verifies_when_its_credentials_do(vc, holder):
    unbound = issued(vc, credential=unsigned(credentialSubject={"name": "Ana"}))
    vp = {"@context": [VC_V2], "type": ["VerifiablePresentation"], "verifiableCredential": [unbound]}
    before = verified_count(vc)
    response = vc.client.post("/presentations/verify", json={"presentation": vp})
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["verified"] is True
    assert result["results"]["checks"]["presentation_proof"]["outcome"] == "not_applicable"
    assert verified_count(vc) == before + 1  # counted like every other verification request


def test_a_proofless_presentation_does_not_bind_its_credentials_to_the_holder_it_names(vc, holder):
    """Issue 19: holder binding passed on the holder's bare claim; it needs a verified proof by the holder."""
    vp = holder_vp(vc, holder, signed=False)
    result = assert_problem(vc.client.post("/presentations/verify", json={"presentation": vp}), 400)
    assert result["results"]["checks"]["holder_binding"]["outcome"] == "fail"


@pytest.mark.parametrize("options", [{"challenge": "c1"}, {"domain": "example.org"}])
def test_a_challenge_asked_of_a_proofless_presentation_fails(vc, holder, options):
    """Issue 19: the options were not passed on for `presentation`, so an unsigned one verified."""
    body = {"presentation": holder_vp(vc, holder, signed=False), "options": options}
    result = assert_problem(vc.client.post("/presentations/verify", json=body), 400, "verification-failed")
    assert result["verified"] is False
    (asked,) = options
    assert result["results"]["checks"][asked]["outcome"] == "fail"
    assert result["results"]["checks"]["presentation_proof"]["outcome"] == "fail"


def test_a_proofless_presentation_of_a_tampered_credential_names_that_credential(vc, holder):
    vp = holder_vp(vc, holder, signed=False)
    vp["verifiableCredential"][0]["credentialSubject"]["id"] = "did:example:someone-else"
    result = assert_problem(vc.client.post("/presentations/verify", json={"presentation": vp}), 400)
    signature = [p for p in result["problemDetails"] if p["type"] == PROBLEM_BASE + "check-signature"]
    assert signature and "for credential" in signature[0]["title"]


def test_an_unsigned_presentation_sent_as_verifiable_presentation_is_a_400_problem(vc, holder):
    body = {"verifiablePresentation": holder_vp(vc, holder, signed=False)}
    result = assert_problem(vc.client.post("/presentations/verify", json=body), 400, "verification-failed")
    assert PROBLEM_BASE + "check-presentation_proof" in [p["type"] for p in result["problemDetails"]]


def test_presentations_verify_without_a_presentation_is_a_400_problem(vc):
    assert_problem(vc.client.post("/presentations/verify", json={"options": {}}), 400, "nothing-to-verify")


def test_presentations_verify_with_unknown_members_is_a_422_problem(vc):
    assert_problem(vc.client.post("/presentations/verify", json={"vp": {}}), 422, "invalid-request")


# -- an independent verifier -----------------------------------------------------------------------


@pytest.mark.parametrize("cryptosuite", [RDFC, JCS])
def test_a_vc_api_issued_credential_verifies_with_digital_bazaar(vc, cryptosuite):
    credential = issued(vc, options={"cryptosuite": cryptosuite})
    result = stock_verify("vcjs", credential)  # stock loader: no credanchor context preloaded
    assert result["signature"]["verified"] is True, result


def test_an_issued_micro_credential_verifies_with_digital_bazaar(vc):
    credential = vc.issue()["credential"]
    result = stock_verify("vcjs", credential)  # stock loader: no credanchor context preloaded
    assert result["signature"]["verified"] is True, result
