"""Workshop routes (api/routes/workshop.py) and the page at `/`: a workshop prepared by
anchor.comparison.workshop.prepare_workshop on its own embedded chain, one app for the module."""

from __future__ import annotations

import base64
import copy
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from anchor.chain.adapter import Chain
from anchor.chain.contracts import IssuerRegistryClient
from anchor.comparison.workshop import ISSUER_SLUG, WORKSHOP_FILE, Workshop, learner_address, prepare_workshop
from anchor.errors import ConfigurationError
from anchor.settings import Settings
from api.app import create_app
from api.config import ApiSettings
from api.models import EXAMPLE_REQUEST

from .conftest import Api, assert_problem

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
     ("GET", "/v1/workshop/observer"), ("POST", "/v1/workshop/comparison")],
)  # fmt: skip
def test_every_workshop_route_needs_the_workshop_issuer_key(room: Room, method: str, path: str) -> None:
    body = issue_request("vc") if path.endswith("credentials") else {}
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
