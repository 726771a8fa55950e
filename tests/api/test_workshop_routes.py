"""Workshop routes (api/routes/workshop.py) and the page at `/`: a workshop prepared by
anchor.comparison.workshop.prepare_workshop on its own embedded chain, one app for the module."""

from __future__ import annotations

import base64
import copy
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from joserfc.jwk import OKPKey

from anchor.chain.adapter import Chain
from anchor.chain.contracts import IssuerRegistryClient
from anchor.comparison.workshop import (
    ISSUER_SLUG,
    OFFER_LIFETIME,
    WORKSHOP_FILE,
    Workshop,
    learner_address,
    prepare_workshop,
)
from anchor.credentials.anchor_proofs import anchor_proofs_of
from anchor.crypto.keys import SigningKey
from anchor.crypto.proofs import add_proof
from anchor.errors import ConfigurationError
from anchor.settings import Settings
from api.app import create_app
from api.config import ApiSettings
from api.models import EXAMPLE_REQUEST

from .conftest import Api, assert_problem
from .test_wallets import PUBLIC, ask_credential, code_of, did_key_of, fresh_nonce, proof_jwt, redeem

PASSPHRASE = "a workshop passphrase for tests"
PNG = b"\x89PNG\r\n\x1a\n"


@dataclass
class Room:
    client: TestClient
    chain: Chain
    workshop: Workshop
    headers: dict[str, str]
    body_headers: dict[str, str]
    other_issuer_headers: dict[str, str]


@pytest.fixture(scope="module")
def room(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Room]:
    settings = Settings(tmp_path_factory.mktemp("workshop-data"))
    chain = Chain.embedded()
    deployment, workshop = prepare_workshop(settings, chain, PASSPHRASE)
    api_settings = ApiSettings(
        data=settings, rpc="embedded", database_url=f"sqlite:///{settings.data_dir / 'api.sqlite'}",
        key_passphrase=PASSPHRASE, verify_rate=0,
    )  # fmt: skip
    app = create_app(api_settings, chain=chain, deployment=deployment)
    store = app.state.services.store
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Room(
            client, chain, workshop,
            headers={"Authorization": f"Bearer {store.create_api_key('issuer', ISSUER_SLUG)[1]}"},
            body_headers={"X-API-Key": store.create_api_key("body", chain.accounts[1])[1]},
            other_issuer_headers={"Authorization": f"Bearer {store.create_api_key('issuer', 'someone-else')[1]}"},
        )  # fmt: skip


def issue_request(mode: str, **changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(EXAMPLE_REQUEST)
    body["mode"] = mode
    body.update(changes)
    return body


def offer_request(**changes: Any) -> dict[str, Any]:
    """What the page sends to offer a VC it issued: the issue request without its mode."""
    return {k: v for k, v in issue_request("vc", **changes).items() if k != "mode"}


def issue(room: Room, mode: str, **changes: Any) -> dict[str, Any]:
    response = room.client.post("/v1/workshop/credentials", json=issue_request(mode, **changes), headers=room.headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


# -- the world ------------------------------------------------------------------------------------


def test_prepare_workshop_records_an_accredited_issuer(room: Room) -> None:
    workshop = room.workshop
    assert workshop.issuer == ISSUER_SLUG and workshop.issuer_name == "Workshop Academy"
    registry = IssuerRegistryClient(room.chain, workshop.contracts["IssuerRegistry"])
    assert registry.issuer_by_did(workshop.issuer_did) == workshop.issuer_account
    assert registry.is_accredited(workshop.issuer_account, room.chain.block_timestamp())
    assert set(workshop.contracts) == {"IssuerRegistry", "CredentialAnchor", "CredentialNFT"}
    response = room.client.get("/v1/workshop", headers=room.headers)
    assert response.status_code == 200, response.text
    info = response.json()
    assert info["issuer_account"] == workshop.issuer_account and info["chain_id"] == room.chain.chain_id
    first = info["courses"][0]
    assert first["title"] == "Data Literacy Essentials" and len(info["courses"]) == 3
    assert {"learning_outcomes", "assessment_type", "quality_assurance", "eqf_level", "skills"} <= first.keys()


def test_prepare_workshop_refuses_a_folder_that_holds_issuers(room: Room, tmp_path: Path) -> None:
    settings = Settings(tmp_path)
    (tmp_path / WORKSHOP_FILE).write_text("{}")
    with pytest.raises(ConfigurationError, match="starts from an empty or new folder"):
        prepare_workshop(settings, room.chain, PASSPHRASE)


# -- authority --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/v1/workshop"), ("POST", "/v1/workshop/credentials"), ("POST", "/v1/workshop/tokens/1/burn"),
     ("GET", "/v1/workshop/observer"), ("POST", "/v1/workshop/comparison"),
     ("POST", "/v1/workshop/credentials/urn:uuid:00000000-0000-5000-8000-000000000000/offer")],
)  # fmt: skip
def test_every_workshop_route_needs_the_workshop_issuer_key(room: Room, method: str, path: str) -> None:
    body = issue_request("vc") if path.endswith("credentials") else offer_request() if path.endswith("offer") else {}
    assert_problem(room.client.request(method, path, json=body), 401, "unauthenticated")
    wrong = {"Authorization": "Bearer cak_0000000000000000_not-a-key"}
    assert_problem(room.client.request(method, path, json=body, headers=wrong), 401, "unauthenticated")
    assert_problem(room.client.request(method, path, json=body, headers=room.body_headers), 403, "forbidden")
    refused = assert_problem(room.client.request(method, path, json=body, headers=room.other_issuer_headers), 403)
    assert "workshop's issuer" in refused["detail"]


def test_a_server_without_a_workshop_answers_404(api: Api) -> None:
    response = api.client.post("/v1/workshop/credentials", json=issue_request("vc"), headers=api.headers["acme"])
    problem = assert_problem(response, 404, "not-a-workshop")
    assert "credanchor workshop" in problem["detail"]
    assert api.store.credentials(api.world.accounts["acme"].address)[0] == 0  # nothing issued
    offered = api.client.post("/v1/workshop/credentials/urn:uuid:x/offer", json=offer_request(),
                              headers=api.headers["acme"])  # fmt: skip
    assert_problem(offered, 404, "not-a-workshop")
    assert api.store.offers("acme")[0] == 0  # nothing offered


# -- issuing ------------------------------------------------------------------------------------------


def test_vc_mode_issues_and_anchors_at_once(room: Room) -> None:
    issued = issue(room, "vc", grade="B")
    assert issued["mode"] == "vc" and issued["created"] and issued["state"] == "anchored"
    credential = issued["credential"]
    assert credential["credentialSubject"]["result"][0]["value"] == "B"
    assert issued["batch"]["state"] == "anchored" and issued["batch"]["size"] == 1
    assert issued["batch"]["tx_hash"].startswith("0x") and issued["gas_used"] > 0
    report = room.client.post("/v1/verify", json=credential).json()
    assert report["verified"], report

    again = issue(room, "vc", grade="B")  # the same credential: returned, not signed or anchored again
    assert not again["created"] and again["id"] == issued["id"] and again["gas_used"] is None

    revoked = room.client.post(f"/v1/credentials/{issued['id']}/revoke", headers=room.headers)
    assert revoked.status_code == 200, revoked.text
    after = room.client.post("/v1/verify", json=credential).json()
    assert not after["verified"] and after["checks"]["revocation"]["outcome"] == "fail"


def test_nft_mode_mints_a_public_token_to_the_learner(room: Room) -> None:
    minted = issue(room, "nft", learner={"name": "Li Wei"})
    assert minted["mode"] == "nft" and minted["holder"] == learner_address("Li Wei")
    attributes = {a["trait_type"]: a["value"] for a in minted["metadata"]["attributes"]}
    assert attributes["Learner"] == "Li Wei" and attributes["Awarding body"] == "Workshop Academy"
    assert minted["metadata"]["name"] == EXAMPLE_REQUEST["achievement"]["title"]
    wallet = "0x" + "ab" * 20
    chosen = issue(room, "nft", learner={"name": "Li Wei"}, learner_address=wallet)
    assert chosen["holder"].lower() == wallet and chosen["token_id"] != minted["token_id"]

    burnt = room.client.post(f"/v1/workshop/tokens/{chosen['token_id']}/burn", headers=room.headers)
    assert burnt.status_code == 200, burnt.text
    assert burnt.json()["token_id"] == chosen["token_id"] and burnt.json()["gas_used"] > 0
    twice = room.client.post(f"/v1/workshop/tokens/{chosen['token_id']}/burn", headers=room.headers)
    assert "cannot be burnt" in assert_problem(twice, 409, "contract-refused")["detail"]


def test_learner_addresses_stand_in_for_a_wallet_per_name() -> None:
    assert learner_address("Ana Sousa") == learner_address("ana sousa") != learner_address("Ana Silva")


@pytest.mark.parametrize(
    ("changes", "pointer"),
    [({"mode": "paper"}, "/mode"), ({"learner_address": "0x12"}, "/learner_address"),
     ({"achievement": {"title": "No elements"}}, "/achievement/description"), ({"mode": None}, "/mode")],
)  # fmt: skip
def test_invalid_requests_say_what_is_wrong(room: Room, changes: dict[str, Any], pointer: str) -> None:
    body = {**issue_request("vc"), **changes}
    problem = assert_problem(room.client.post("/v1/workshop/credentials", json=body, headers=room.headers), 422)
    assert pointer in [error["pointer"] for error in problem["errors"]]


def test_a_credential_missing_an_eu_element_is_refused(room: Room) -> None:
    achievement = {k: v for k, v in EXAMPLE_REQUEST["achievement"].items() if k != "eqf_level"}
    body = issue_request("vc", achievement=achievement, learner={"name": "Eve Level"})
    response = room.client.post("/v1/workshop/credentials", json=body, headers=room.headers)
    problem = assert_problem(response, 422, "invalid-credential")
    assert "EQF level" in problem["detail"]


# -- sending a VC to the learner's wallet -------------------------------------------------------------


def offer(room: Room, credential_id: str, **changes: Any) -> Any:
    return room.client.post(f"/v1/workshop/credentials/{credential_id}/offer", json=offer_request(**changes),
                            headers=room.headers)  # fmt: skip


def test_an_issued_vc_is_offered_to_the_learners_wallet_with_links_and_qr_codes(room: Room) -> None:
    learner = {"name": "Maria Kowalska", "email": "maria@example.org"}
    issued = issue(room, "vc", learner=learner)
    before = datetime.now(UTC)
    response = offer(room, issued["id"], learner=learner)
    after = datetime.now(UTC)
    assert response.status_code == 201, response.text
    made = response.json()
    assert made["state"] == "open" and made["learner"] == "Maria Kowalska" and made["tx_code"] is None
    assert made["issuer"] == ISSUER_SLUG and made["achievement"] == EXAMPLE_REQUEST["achievement"]["title"]
    assert before + OFFER_LIFETIME <= datetime.fromisoformat(made["expires_at"]) <= after + OFFER_LIFETIME  # a day
    links = made["links"]
    assert links["openid_credential_offer_uri"].startswith("openid-credential-offer://?credential_offer_uri=")
    assert links["lcw_deep_link"].startswith("https://lcw.app/request.html?request=")
    assert links["vcapi_exchange"].startswith(PUBLIC + "/workflows/claim/exchanges/")
    assert not any("Maria" in link or "maria" in link for link in links.values())  # no personal data in a link
    for name in ("openid_credential_offer_uri", "vcapi_interaction", "lcw_deep_link"):
        prefix, _, data = made["qr"][name].partition(",")
        assert prefix == "data:image/svg+xml;base64" and b"<svg" in base64.b64decode(data)
    coded = offer(room, issued["id"], learner=learner, tx_code=True).json()
    assert len(coded["tx_code"]) == 6 and coded["tx_code_required"] and coded["id"] != made["id"]


def test_an_offer_is_only_for_a_vc_the_workshop_issued_from_that_request(room: Room) -> None:
    issued = issue(room, "vc", learner={"name": "Jonas Berg"})
    before = room.client.get("/v1/offers", headers=room.headers).json()["total"]
    unknown = offer(room, "urn:uuid:00000000-0000-5000-8000-000000000000", learner={"name": "Jonas Berg"})
    assert "issued no Verifiable Credential" in assert_problem(unknown, 404, "not-found")["detail"]
    other = offer(room, issued["id"], learner={"name": "Someone Else"})
    assert "not the one credential" in assert_problem(other, 422, "invalid-credential")["detail"]
    with_did = offer(room, issued["id"], learner={"name": "Jonas Berg", "did": EXAMPLE_REQUEST["learner"]["did"]})
    assert "leave it out" in assert_problem(with_did, 422, "invalid-credential")["detail"]
    extra = room.client.post(f"/v1/workshop/credentials/{issued['id']}/offer", headers=room.headers,
                             json={**offer_request(learner={"name": "Jonas Berg"}), "mode": "vc"})  # fmt: skip
    assert "/mode" in [error["pointer"] for error in assert_problem(extra, 422, "invalid-request")["errors"]]
    assert room.client.get("/v1/offers", headers=room.headers).json()["total"] == before  # nothing offered


def did_auth(key: SigningKey, request: dict[str, Any]) -> dict[str, Any]:
    presentation = {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiablePresentation"],
                    "holder": key.did}  # fmt: skip
    return add_proof(presentation, key, proof_purpose="authentication", challenge=request["challenge"],
                     domain=request["domain"])  # fmt: skip


def claim_by_exchange(room: Room, exchange: str, holder: SigningKey) -> dict[str, Any]:
    """Walk the VC API exchange as a Learner Credential Wallet does: ask, answer the DIDAuth, get the credential."""
    request = room.client.post(exchange, json={}).json()["verifiablePresentationRequest"]
    answer = room.client.post(exchange, json={"verifiablePresentation": did_auth(holder, request)})
    assert answer.status_code == 200, answer.text
    return dict(answer.json()["verifiablePresentation"]["verifiableCredential"][0])


def assert_verifies_in_full(room: Room, credential: dict[str, Any]) -> None:
    report = room.client.post("/v1/verify", json=credential).json()
    assert report["verified"], report
    outcomes = {name: check["outcome"] for name, check in report["checks"].items()}
    for name in ("signature", "merkle_inclusion", "anchored", "issuer_accredited", "revocation", "schema"):
        assert outcomes[name] == "pass", (name, report["checks"][name])
    assert "fail" not in outcomes.values()


def test_a_claim_in_a_workshop_is_anchored_at_once_and_verifies_in_full(room: Room) -> None:
    learner = {"name": "Li Wei"}
    issued = issue(room, "vc", learner=learner, grade="A")
    made = offer(room, issued["id"], learner=learner, grade="A").json()
    exchange = made["links"]["vcapi_exchange"].removeprefix(PUBLIC)
    holder = SigningKey.generate()
    credential = claim_by_exchange(room, exchange, holder)
    assert credential["credentialSubject"]["id"] == holder.did and credential["id"] != issued["id"]
    assert {"DataIntegrityProof", "EthereumMerkleAnchorProof"} == {p["type"] for p in credential["proof"]}
    stored = room.client.get(f"/v1/credentials/{credential['id']}", headers=room.headers).json()
    assert stored["state"] == "anchored"
    batch = room.client.get(f"/v1/batches/{stored['batch_id']}", headers=room.headers).json()
    assert batch["size"] == 1 and batch["state"] == "anchored"  # a batch of its own
    assert_verifies_in_full(room, credential)
    # The holder again: the same anchored credential, not signed or anchored again.
    assert claim_by_exchange(room, exchange, holder) == credential
    listed = room.client.get(f"/v1/offers/{made['id']}", headers=room.headers).json()
    assert listed["state"] == "claimed" and listed["credential_id"] == credential["id"]


def test_an_openid4vci_claim_in_a_workshop_is_anchored_at_once(room: Room) -> None:
    learner = {"name": "Kofi Boateng"}
    issued = issue(room, "vc", learner=learner)
    made = offer(room, issued["id"], learner=learner).json()
    token = redeem(room, code_of(made)).json()["access_token"]  # type: ignore[arg-type]
    key = OKPKey.generate_key("Ed25519")
    answer = ask_credential(room, token, proof_jwt(key, fresh_nonce(room)))  # type: ignore[arg-type]
    assert answer.status_code == 200, answer.text
    credential = answer.json()["credentials"][0]["credential"]
    assert credential["credentialSubject"]["id"] == did_key_of(key)
    assert anchor_proofs_of(credential), "the wallet's copy carries its anchor proof"
    assert_verifies_in_full(room, credential)


# -- the chain, and the comparison --------------------------------------------------------------------------


def test_the_observer_view_contrasts_the_two_modes(room: Room) -> None:
    issue(room, "vc", learner={"name": "Kwame Mensah"}, grade="A")
    issue(room, "nft", learner={"name": "Kwame Mensah"})
    response = room.client.get("/v1/workshop/observer", headers=room.headers)
    assert response.status_code == 200, response.text
    view = response.json()
    assert view["from_block"] == room.workshop.start_block
    vc, nft = view["modes"]["vc"], view["modes"]["nft"]
    assert vc["holders_identified"]["value"] == 0 and vc["fields"] == []
    assert nft["holders_identified"]["value"] >= 1
    names = {example for field in nft["fields"] for example in field["examples"]}
    assert "Kwame Mensah" in names


def test_the_comparison_returns_figures_and_plots(room: Room) -> None:
    response = room.client.post("/v1/workshop/comparison", json={"learners": 2, "credentials_per_learner": 1},
                                headers=room.headers)  # fmt: skip
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["comparison"]["credentials"] == 2
    rows = {row["figure"]: row for row in answer["comparison"]["table"]}
    assert rows["holders identified"]["values"]["nft"] == 2 and rows["holders identified"]["values"]["vc"] == 0
    assert rows["Transactions"]["values"]["vc"] < rows["Transactions"]["values"]["nft"]
    for name in ("gas_plot", "privacy_plot"):
        prefix, _, data = answer["plots"][name].partition(",")
        assert prefix == "data:image/png;base64" and base64.b64decode(data).startswith(PNG)


@pytest.mark.parametrize("size", [{"learners": 0}, {"learners": 51}, {"credentials_per_learner": 4}, {"x": 1}])
def test_the_comparison_size_is_bounded(room: Room, size: dict[str, Any]) -> None:
    response = room.client.post("/v1/workshop/comparison", json=size, headers=room.headers)
    assert_problem(response, 422, "invalid-request")


# -- the page --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "kind", "marker"),
    [("/", "text/html", '<script src="/workshop.js" defer>'), ("/workshop.js", "text/javascript", "sessionStorage"),
     ("/workshop.css", "text/css", ":focus-visible")],
)  # fmt: skip
def test_the_page_is_served_with_no_external_resources(room: Room, path: str, kind: str, marker: str) -> None:
    response = room.client.get(path)
    assert response.status_code == 200 and response.headers["content-type"].startswith(kind)
    assert marker in response.text
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert "http://" not in response.text and "https://" not in response.text  # nothing fetched from elsewhere
