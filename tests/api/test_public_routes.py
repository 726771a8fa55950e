"""Public routes (no key): /v1/verify for credentials and presentations, issuers' DID documents, status
lists, NFT metadata, health and readiness, rate limiting, problem documents; and the RateLimiter and
BodySizeLimit building blocks on their own."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from anchor.credentials.anchor_proofs import without_anchor_proofs
from anchor.credentials.statuslist import bit_at, decode_list
from anchor.credentials.verify import CHECKS
from anchor.crypto.did import DidResolver
from anchor.crypto.keys import SigningKey
from anchor.crypto.proofs import JCS, RDFC, add_proof, canonical_rdf, default_loader, verify_proofs
from api import security
from api.app import create_app
from api.config import ApiSettings
from api.security import BodySizeLimit, RateLimiter
from tests.api.conftest import (
    PASSPHRASE,
    Api,
    World,
    assert_problem,
    make_app,
    request_body,
)

VC_V2 = "https://www.w3.org/ns/credentials/v2"


def outcomes(report: dict[str, Any]) -> dict[str, str]:
    return {name: check["outcome"] for name, check in report["checks"].items()}


def anchored_credential(api: Api, **changes: Any) -> dict[str, Any]:
    issued = api.issue(**changes)
    api.anchor_all()
    return api.stored(issued["id"])


# -- /v1/verify: credentials -----------------------------------------------------------------------


def test_an_anchored_credential_verifies_with_all_eight_checks_passing(api):
    response = api.client.post("/v1/verify", json=anchored_credential(api))
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["verified"] is True
    assert tuple(report["checks"]) == CHECKS
    assert set(outcomes(report).values()) == {"pass"}


def test_the_eight_checks_are_the_named_ones():
    assert CHECKS == (
        "schema", "signature", "merkle_inclusion", "anchored", "issuer_accredited", "revocation", "suspension",
        "validity_period",
    )  # fmt: skip


def test_an_anchored_credential_wrapped_as_verifiable_credential_verifies(api):
    credential = anchored_credential(api)
    response = api.client.post("/v1/verify", json={"verifiableCredential": credential})
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["verified"] is True
    assert report["credential"] == credential["id"]
    assert set(outcomes(report).values()) == {"pass"}


@pytest.mark.parametrize(
    "path", [("credentialSubject", "achievement", "name"), ("credentialSubject", "achievement", "description")]
)
def test_a_tampered_credential_fails_signature_and_merkle_inclusion_with_200(api, path):
    tampered = copy.deepcopy(anchored_credential(api))
    node = tampered
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = "Something else entirely"
    response = api.client.post("/v1/verify", json=tampered)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["verified"] is False
    assert outcomes(report)["signature"] == "fail"
    assert outcomes(report)["merkle_inclusion"] == "fail"


def test_a_just_issued_unanchored_credential_fails_the_anchored_check(api):
    credential = api.issue()["credential"]
    report = api.client.post("/v1/verify", json=credential).json()
    assert report["verified"] is False
    assert outcomes(report)["anchored"] == "fail"
    assert outcomes(report)["signature"] == "pass"


def test_a_credential_with_a_relative_context_iri_gets_a_report_not_a_500(api):
    credential = copy.deepcopy(anchored_credential(api))
    credential["@context"] = [*credential["@context"], "relative-context"]
    response = api.client.post("/v1/verify", json=credential)
    assert response.status_code == 200, response.text
    assert outcomes(response.json())["signature"] == "fail"


def test_an_empty_object_is_a_400_problem(api):
    assert_problem(api.client.post("/v1/verify", json={}), 400, "nothing-to-verify")


@pytest.mark.parametrize("body", [[], [{"type": ["VerifiableCredential"]}], "a string", 42, None])
def test_a_body_that_is_not_an_object_is_a_4xx_problem(api, body):
    response = api.client.post("/v1/verify", json=body)
    assert 400 <= response.status_code < 500, response.text
    assert_problem(response, response.status_code)


def test_a_body_that_is_not_json_is_a_4xx_problem(api):
    response = api.client.post("/v1/verify", content=b"{not json", headers={"Content-Type": "application/json"})
    assert 400 <= response.status_code < 500, response.text
    assert_problem(response, response.status_code)


def test_options_alone_are_a_400_problem(api):
    response = api.client.post("/v1/verify", json={"options": {"challenge": "c1", "domain": "example.org"}})
    assert_problem(response, 400, "nothing-to-verify")


def test_a_wrapped_credential_that_is_not_an_object_is_a_422_problem(api):
    assert_problem(api.client.post("/v1/verify", json={"verifiableCredential": "a string"}), 422, "invalid-request")


# -- /v1/verify: presentations ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def holder() -> SigningKey:
    return SigningKey.generate()


def holder_credential(api: Api, holder: SigningKey) -> dict[str, Any]:
    body = request_body()
    body["learner"]["did"] = holder.did
    response = api.client.post("/v1/credentials", json=body, headers=api.headers["acme"])
    assert response.status_code == 201, response.text
    api.anchor_all()
    return api.stored(response.json()["id"])


def presentation(holder_did: str, *credentials: dict[str, Any]) -> dict[str, Any]:
    return {
        "@context": [VC_V2],
        "type": ["VerifiablePresentation"],
        "holder": holder_did,
        "verifiableCredential": list(credentials),
    }


def signed_presentation(
    signer: SigningKey, holder_did: str, *credentials: dict[str, Any], cryptosuite: str = JCS
) -> dict[str, Any]:
    """The holder's presentation, signed for challenge c1 and domain example.org.

    eddsa-jcs-2022 by default: an anchored credential cannot go into an eddsa-rdfc-2022 presentation (see
    test_an_anchored_credential_can_be_presented_with_an_rdfc_proof)."""
    vp = presentation(holder_did, *credentials)
    return add_proof(
        vp, signer, proof_purpose="authentication", challenge="c1", domain="example.org", cryptosuite=cryptosuite
    )


def verify_vp(api: Api, vp: dict[str, Any], challenge: str = "c1", domain: str = "example.org") -> Any:
    return api.client.post(
        "/v1/verify", json={"verifiablePresentation": vp, "options": {"challenge": challenge, "domain": domain}}
    )


def test_a_holder_signed_presentation_verifies(api, holder):
    credential = holder_credential(api, holder)
    response = verify_vp(api, signed_presentation(holder, holder.did, credential))
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["verified"] is True
    assert report["holder"] == holder.did
    for name in ("presentation_schema", "presentation_proof", "challenge", "domain", "holder_binding"):
        assert report["checks"][name]["outcome"] == "pass", (name, report["checks"][name])
    assert len(report["credentials"]) == 1
    assert report["credentials"][0]["verified"] is True
    assert report["credentials"][0]["credential"] == credential["id"]


def test_a_wrapped_presentation_without_options_skips_challenge_and_domain(api, holder):
    vp = signed_presentation(holder, holder.did, holder_credential(api, holder))
    report = api.client.post("/v1/verify", json={"verifiablePresentation": vp}).json()
    assert report["verified"] is True
    assert report["checks"]["challenge"]["outcome"] == "not_applicable"
    assert report["checks"]["domain"]["outcome"] == "not_applicable"


def test_a_bare_presentation_without_credentials_is_verified_as_a_presentation(api, holder):
    unsigned = {k: v for k, v in presentation(holder.did).items() if k != "verifiableCredential"}
    vp = add_proof(unsigned, holder, proof_purpose="authentication", cryptosuite=JCS)
    response = api.client.post("/v1/verify", json=vp)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["holder"] == holder.did
    assert report["checks"]["presentation_proof"]["outcome"] == "pass"
    assert report["credentials"] == []


def test_a_bare_presentation_of_a_credential_list_is_verified_as_a_presentation(api, holder):
    credential = holder_credential(api, holder)
    response = api.client.post("/v1/verify", json=signed_presentation(holder, holder.did, credential))
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["holder"] == holder.did
    assert report["checks"]["presentation_proof"]["outcome"] == "pass"
    assert report["checks"]["challenge"]["outcome"] == "not_applicable"


def test_a_bare_unsigned_presentation_of_one_credential_is_not_verified(api, holder):
    vp = presentation(holder.did)
    vp["verifiableCredential"] = holder_credential(api, holder)  # VC 2.0 allows one object, not in a list
    report = api.client.post("/v1/verify", json=vp).json()
    assert report["verified"] is False
    assert report["checks"]["presentation_proof"]["outcome"] == "fail"


def test_an_unanchored_credential_can_be_presented_with_an_rdfc_proof(api, holder):
    body = request_body()
    body["learner"]["did"] = holder.did
    credential = api.client.post("/v1/credentials", json=body, headers=api.headers["acme"]).json()["credential"]
    report = verify_vp(api, signed_presentation(holder, holder.did, credential, cryptosuite=RDFC)).json()
    assert report["checks"]["presentation_proof"]["outcome"] == "pass"
    assert report["checks"]["holder_binding"]["outcome"] == "pass"


def test_an_anchored_credential_can_be_presented_with_an_rdfc_proof(api, holder):
    vp = signed_presentation(holder, holder.did, holder_credential(api, holder), cryptosuite=RDFC)
    report = verify_vp(api, vp).json()
    assert report["verified"] is True, report


def test_an_anchored_credential_without_its_anchor_proof_is_valid_json_ld(api):
    assert canonical_rdf(without_anchor_proofs(anchored_credential(api)), default_loader())


def test_an_anchored_credential_is_valid_json_ld_for_its_contexts(api):
    assert canonical_rdf(anchored_credential(api), default_loader())


def test_a_presentation_replayed_for_another_challenge_fails_the_challenge_check(api, holder):
    vp = signed_presentation(holder, holder.did, holder_credential(api, holder))
    report = verify_vp(api, vp, challenge="c2").json()
    assert report["verified"] is False
    assert report["checks"]["challenge"]["outcome"] == "fail"
    assert report["checks"]["presentation_proof"]["outcome"] == "pass"


def test_a_presentation_for_another_domain_fails_the_domain_check(api, holder):
    vp = signed_presentation(holder, holder.did, holder_credential(api, holder))
    report = verify_vp(api, vp, domain="evil.example").json()
    assert report["verified"] is False
    assert report["checks"]["domain"]["outcome"] == "fail"


def test_a_presentation_signed_by_another_key_than_the_holders_fails_the_proof_check(api, holder):
    intruder = SigningKey.generate()
    vp = signed_presentation(intruder, holder.did, holder_credential(api, holder))
    report = verify_vp(api, vp).json()
    assert report["verified"] is False
    assert report["checks"]["presentation_proof"]["outcome"] == "fail"


def test_a_credential_issued_to_someone_else_fails_holder_binding(api, holder):
    credential = anchored_credential(api)  # issued to the example learner's DID, not the holder's
    report = verify_vp(api, signed_presentation(holder, holder.did, credential)).json()
    assert report["verified"] is False
    assert report["checks"]["holder_binding"]["outcome"] == "fail"
    assert report["checks"]["presentation_proof"]["outcome"] == "pass"


def test_a_presentation_without_proof_fails_the_proof_check(api, holder):
    vp = presentation(holder.did, holder_credential(api, holder))
    report = verify_vp(api, vp).json()
    assert report["verified"] is False
    assert report["checks"]["presentation_proof"]["outcome"] == "fail"


def test_a_tampered_credential_inside_a_signed_presentation_fails(api, holder):
    credential = copy.deepcopy(holder_credential(api, holder))
    credential["credentialSubject"]["achievement"]["name"] = "Forged"
    report = verify_vp(api, signed_presentation(holder, holder.did, credential)).json()
    assert report["verified"] is False
    assert report["checks"]["presentation_proof"]["outcome"] == "pass"
    assert report["credentials"][0]["checks"]["signature"]["outcome"] == "fail"


def test_a_presentation_whose_subject_id_is_a_list_gets_a_report_not_a_500(api, holder):
    credential = {"@context": [VC_V2], "type": ["VerifiableCredential"], "credentialSubject": {"id": [holder.did]}}
    response = api.client.post("/v1/verify", json={"verifiablePresentation": presentation(holder.did, credential)})
    assert response.status_code == 200, response.text
    assert response.json()["verified"] is False


# -- issuers' DID documents ------------------------------------------------------------------------


def test_the_issuers_route_lists_both_issuers_with_their_dids(api, world):
    response = api.client.get("/v1/issuers")
    assert response.status_code == 200
    listed = {entry["issuer"]: entry["did"] for entry in response.json()["issuers"]}
    assert listed == {"acme": world.keys["acme"].did, "beta": world.keys["beta"].did}


def test_an_issuers_did_document_names_its_did_and_assertion_method(api, world):
    response = api.client.get("/v1/issuers/acme/did.json")
    assert response.status_code == 200, response.text
    document = response.json()
    assert document["id"] == world.keys["acme"].did
    assert document["assertionMethod"] == [world.keys["acme"].verification_method]
    methods = {m["id"] for m in document["verificationMethod"]}
    assert world.keys["acme"].verification_method in methods


def test_an_unknown_issuers_did_document_is_a_404_problem(api):
    assert_problem(api.client.get("/v1/issuers/nobody/did.json"), 404, "not-found")


def test_an_issuer_name_outside_the_slug_pattern_is_a_422_problem(api):
    assert_problem(api.client.get("/v1/issuers/Not_A_Slug/did.json"), 422, "invalid-request")


def test_the_well_known_did_document_is_a_404_problem_without_a_did_web_issuer(api):
    assert_problem(api.client.get("/.well-known/did.json"), 404, "not-found")


def test_a_path_did_web_document_is_a_404_problem_without_a_did_web_issuer(api):
    assert_problem(api.client.get("/issuers/acme/did.json"), 404, "not-found")


# -- status lists ----------------------------------------------------------------------------------


def status_entry(credential: dict[str, Any], purpose: str = "revocation") -> dict[str, Any]:
    return next(e for e in credential["credentialStatus"] if e["statusPurpose"] == purpose)


def status_path(credential: dict[str, Any], purpose: str = "revocation") -> str:
    return urlsplit(status_entry(credential, purpose)["statusListCredential"]).path


def test_the_status_list_url_serves_a_bitstring_status_list_credential(api):
    credential = api.issue()["credential"]
    response = api.client.get(status_path(credential))
    assert response.status_code == 200, response.text
    assert "max-age=" in response.headers["cache-control"]
    document = response.json()
    assert document["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert document["id"] == status_entry(credential)["statusListCredential"]
    subject = document["credentialSubject"]
    assert subject["type"] == "BitstringStatusList"
    assert subject["statusPurpose"] == "revocation"
    assert subject["encodedList"].startswith("u")


def test_the_suspension_list_has_the_suspension_purpose(api):
    credential = api.issue()["credential"]
    document = api.client.get(status_path(credential, "suspension")).json()
    assert document["credentialSubject"]["statusPurpose"] == "suspension"


def test_a_fresh_credentials_revocation_bit_is_clear(api):
    credential = api.issue()["credential"]
    document = api.client.get(status_path(credential)).json()
    bits = decode_list(document["credentialSubject"]["encodedList"])
    assert bit_at(bits, int(status_entry(credential)["statusListIndex"])) is False


def test_revoking_a_credential_sets_its_bit_in_the_served_list(api):
    credential = anchored_credential(api)
    api.client.get(status_path(credential))  # served (and cached) before the change
    response = api.client.post(f"/v1/credentials/{credential['id']}/revoke", headers=api.headers["acme"])
    assert response.status_code == 200, response.text
    document = api.client.get(status_path(credential)).json()
    bits = decode_list(document["credentialSubject"]["encodedList"])
    assert bit_at(bits, int(status_entry(credential)["statusListIndex"])) is True
    assert sum(bin(byte).count("1") for byte in bits) == 1


def test_a_revoked_credential_fails_the_revocation_check(api):
    credential = anchored_credential(api)
    api.client.post(f"/v1/credentials/{credential['id']}/revoke", headers=api.headers["acme"])
    report = api.client.post("/v1/verify", json=credential).json()
    assert report["verified"] is False
    assert outcomes(report)["revocation"] == "fail"
    assert outcomes(report)["suspension"] == "pass"


def test_the_status_list_credentials_proof_verifies(api, world):
    document = api.client.get(status_path(api.issue()["credential"])).json()
    checks = verify_proofs(document, DidResolver())
    assert checks and all(check.verified for check in checks), checks
    assert document["issuer"] == world.keys["acme"].did
    assert {check.controller for check in checks} == {world.keys["acme"].did}


def test_a_status_list_on_another_chain_is_a_404_problem(api, world):
    path = status_path(api.issue()["credential"]).split("/")
    path[3] = str(world.chain.chain_id + 1)
    assert_problem(api.client.get("/".join(path)), 404, "not-found")


def test_a_status_list_of_another_contract_is_a_404_problem(api, world):
    path = status_path(api.issue()["credential"]).split("/")
    path[4] = world.deployment.issuer_registry
    assert_problem(api.client.get("/".join(path)), 404, "not-found")


def test_a_status_list_of_an_account_this_server_does_not_sign_for_is_a_404_problem(api, world):
    path = status_path(api.issue()["credential"]).split("/")
    path[5] = world.body
    assert_problem(api.client.get("/".join(path)), 404, "not-found")


def test_a_status_list_with_an_unknown_purpose_is_a_422_problem(api):
    path = status_path(api.issue()["credential"]).split("/")
    path[7] = "other"
    assert_problem(api.client.get("/".join(path)), 422, "invalid-request")


@pytest.mark.parametrize(("position", "value"), [(4, "0x1234"), (5, "not-an-address"), (6, "0"), (3, "zero")])
def test_a_malformed_status_list_path_is_a_422_problem(api, position, value):
    path = status_path(api.issue()["credential"]).split("/")
    path[position] = value
    assert_problem(api.client.get("/".join(path)), 422, "invalid-request")


# -- NFT metadata ----------------------------------------------------------------------------------


def test_a_minted_tokens_metadata_is_served(api, world):
    nft = world.deployment.nft(world.chain)
    token_id, _ = nft.mint(world.chain.accounts[5], {"name": "x"}, sender=world.accounts["acme"].account)
    response = api.client.get(f"/v1/nft/{token_id}")
    assert response.status_code == 200, response.text
    assert response.json()["metadata"] == {"name": "x"}  # its minter: tests/api/test_status_list_and_nft_routes.py


def test_an_unknown_token_is_a_404_problem(api):
    assert_problem(api.client.get("/v1/nft/987654321"), 404, "not-found")


def test_a_negative_token_id_is_a_422_problem(api):
    assert_problem(api.client.get("/v1/nft/-1"), 422, "invalid-request")


# -- health and readiness --------------------------------------------------------------------------


def test_health_answers_ok(api):
    response = api.client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_ready_reports_the_chain_and_the_database(api, world):
    response = api.client.get("/ready")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ready"
    assert body["chain_id"] == world.chain.chain_id
    assert body["database"] == "ok"
    assert isinstance(body["block"], int)


def app_with_database(world: World, url: str) -> Any:
    """make_app, but with any database URL (make_app always builds a SQLite one)."""
    settings = ApiSettings(data=world.settings, rpc=None, database_url=url, key_passphrase=PASSPHRASE,
                           verify_cache_seconds=0, verify_rate=0)  # fmt: skip
    return create_app(settings, chain=world.chain, deployment=world.deployment)


@pytest.fixture
def unreachable_postgres(world: World) -> Iterator[TestClient]:
    with TestClient(app_with_database(world, "postgresql://u:p@127.0.0.1:1/x"), raise_server_exceptions=False) as c:
        yield c


def test_ready_is_a_503_problem_when_the_database_does_not_answer(unreachable_postgres):
    assert_problem(unreachable_postgres.get("/ready"), 503, "database-unavailable")


def test_health_stays_ok_when_the_database_does_not_answer(unreachable_postgres):
    response = unreachable_postgres.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_ready_is_a_503_problem_when_the_sqlite_directory_cannot_be_created(world):
    with TestClient(make_app(world, Path("/proc/nope/db.sqlite")), raise_server_exceptions=False) as client:
        assert client.get("/health").status_code == 200
        assert_problem(client.get("/ready"), 503, "database-unavailable")


# -- rate limiting ---------------------------------------------------------------------------------


@pytest.fixture
def rate_limited_api(world: World, tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    app = make_app(world, tmp_path / "limited.sqlite", verify_rate=1)
    headers = {"Authorization": f"Bearer {app.state.services.store.create_api_key('issuer', 'acme')[1]}"}
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, headers


def test_a_burst_of_verification_requests_gets_a_429_problem_with_retry_after(rate_limited_api):
    client, _ = rate_limited_api
    responses = [client.post("/v1/verify", json={}) for _ in range(10)]
    limited = [r for r in responses if r.status_code == 429]
    assert limited, [r.status_code for r in responses]
    assert responses[0].status_code == 400  # the first one went through (and was found empty)
    assert_problem(limited[0], 429, "rate-limited")
    assert int(limited[0].headers["retry-after"]) >= 1


def test_issuer_routes_are_not_rate_limited(rate_limited_api):
    client, headers = rate_limited_api
    statuses = {client.get("/v1/issuer", headers=headers).status_code for _ in range(10)}
    assert statuses == {200}


def test_public_non_verification_routes_are_not_rate_limited(rate_limited_api):
    client, _ = rate_limited_api
    assert {client.get("/v1/issuers").status_code for _ in range(10)} == {200}


# -- problems for unknown paths and methods --------------------------------------------------------


def test_an_unknown_path_is_a_404_problem(api):
    body = assert_problem(api.client.get("/v1/no-such-thing"), 404, "not-found")
    assert body["instance"] == "/v1/no-such-thing"


def test_a_wrong_method_is_a_405_problem(api):
    response = api.client.get("/v1/verify")
    assert_problem(response, 405, "method-not-allowed")
    assert "POST" in response.headers["allow"]


# -- RateLimiter -----------------------------------------------------------------------------------


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> SimpleNamespace:
    """A hand-driven monotonic clock for the limiter (no wall-clock time in these tests)."""
    state = SimpleNamespace(now=1000.0)
    monkeypatch.setattr(security, "time", SimpleNamespace(monotonic=lambda: state.now))
    return state


def test_a_rate_of_zero_never_limits(clock):
    limiter = RateLimiter(0)
    assert all(limiter.wait_time("client") == 0 for _ in range(1000))


def test_a_burst_of_twice_the_rate_is_allowed_then_refused(clock):
    limiter = RateLimiter(5)
    assert [limiter.wait_time("client") for _ in range(10)] == [0.0] * 10
    assert limiter.wait_time("client") == pytest.approx(0.2)


def test_refused_requests_are_allowed_again_after_the_bucket_refills(clock):
    limiter = RateLimiter(5)
    for _ in range(10):
        limiter.wait_time("client")
    assert limiter.wait_time("client") > 0
    clock.now += 0.2
    assert limiter.wait_time("client") == 0.0
    assert limiter.wait_time("client") > 0


def test_clients_have_independent_buckets(clock):
    limiter = RateLimiter(1)
    assert [limiter.wait_time("a") for _ in range(2)] == [0.0, 0.0]
    assert limiter.wait_time("a") > 0
    assert [limiter.wait_time("b") for _ in range(2)] == [0.0, 0.0]


def test_a_fractional_rate_still_allows_one_request(clock):
    limiter = RateLimiter(0.1)
    assert limiter.wait_time("client") == 0.0
    assert limiter.wait_time("client") == pytest.approx(10.0)


def test_the_oldest_clients_are_forgotten_beyond_max_clients(clock):
    limiter = RateLimiter(1, max_clients=2)
    for _ in range(2):
        limiter.wait_time("a")
    assert limiter.wait_time("a") > 0
    limiter.wait_time("b")
    limiter.wait_time("c")  # "a" is evicted: it starts again with a full bucket
    assert limiter.wait_time("a") == 0.0


# -- BodySizeLimit ---------------------------------------------------------------------------------

LIMIT = 1024


async def echo(request: Request) -> JSONResponse:
    return JSONResponse({"received": len(await request.body())})


@pytest.fixture
def limited_client() -> Iterator[TestClient]:
    app = BodySizeLimit(Starlette(routes=[Route("/echo", echo, methods=["POST"])]), limit=LIMIT)
    with TestClient(app) as client:
        yield client


def test_a_body_within_the_limit_reaches_the_app(limited_client):
    response = limited_client.post("/echo", content=b"x" * LIMIT)
    assert response.status_code == 200
    assert response.json() == {"received": LIMIT}


def test_a_content_length_over_the_limit_is_a_413_problem(limited_client):
    response = limited_client.post("/echo", content=b"x" * (LIMIT + 1))
    assert_problem(response, 413, "too-large")


def test_a_chunked_body_over_the_limit_is_a_413_problem(limited_client):
    def chunks() -> Iterator[bytes]:
        for _ in range(5):
            yield b"x" * 300

    response = limited_client.post("/echo", content=chunks())
    assert response.request.headers.get("transfer-encoding") == "chunked"
    assert "content-length" not in response.request.headers
    assert_problem(response, 413, "too-large")


def test_a_chunked_body_within_the_limit_reaches_the_app(limited_client):
    def chunks() -> Iterator[bytes]:
        yield b"x" * 500
        yield b"y" * 500

    response = limited_client.post("/echo", content=chunks())
    assert response.status_code == 200
    assert response.json() == {"received": 1000}


def run_asgi(limit: int, messages: list[dict[str, Any]], headers: list[tuple[bytes, bytes]]) -> tuple[int, bool]:
    """Drive BodySizeLimit directly with these request messages: (response status, whether the app ran)."""
    reached = []

    async def inner(scope: Any, receive: Any, send: Any) -> None:
        reached.append(True)
        response = JSONResponse({})
        await response(scope, receive, send)

    pending = list(messages)
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return pending.pop(0) if pending else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/", "headers": headers, "query_string": b""}
    asyncio.run(BodySizeLimit(inner, limit)(scope, receive, send))
    return sent[0]["status"], bool(reached)


def test_many_small_chunks_over_the_limit_are_refused_before_the_app_runs():
    chunk = {"type": "http.request", "body": b"x" * 100, "more_body": True}
    status, reached = run_asgi(250, [chunk, chunk, chunk, {"type": "http.request", "body": b""}], [])
    assert (status, reached) == (413, False)


def test_many_small_chunks_within_the_limit_reach_the_app():
    chunk = {"type": "http.request", "body": b"x" * 100, "more_body": True}
    status, reached = run_asgi(250, [chunk, chunk, {"type": "http.request", "body": b""}], [])
    assert (status, reached) == (200, True)


def test_a_content_length_that_is_not_a_number_is_refused_before_the_app_runs():
    status, reached = run_asgi(250, [{"type": "http.request", "body": b"{}"}], [(b"content-length", b"-1")])
    assert status in (400, 413)
    assert reached is False


def test_wallet_notifications_share_the_public_request_budget(rate_limited_api):
    """The OpenID4VCI notification endpoint writes to the audit log: a burst is cut off like verifications."""
    client, _ = rate_limited_api
    body = {"notification_id": "x", "event": "credential_accepted"}
    statuses = [client.post("/oid4vci/notification", json=body).status_code for _ in range(10)]
    assert statuses[0] == 401 and 429 in statuses, statuses  # no token: refused, and then rate limited
