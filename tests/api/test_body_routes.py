"""The accreditation-body routes over HTTP: registering, updating, accrediting and de-accrediting issuers on
the on-chain IssuerRegistry, the public registry view, and body-key authentication."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest
from eth_account import Account

from api.routes import bodies

from .conftest import Api, World, assert_problem, error_pointers

TX_HASH = re.compile(r"^0x[0-9a-f]{64}$")
OPEN_ENDED = 2**64 - 1
DAY = 86_400


def new_account() -> str:
    return str(Account.create().address)


def new_did() -> str:
    return f"did:web:{uuid.uuid4().hex[:12]}.training.example"


def register(api: Api, account: str, who: str = "body", **changes: Any) -> httpx.Response:
    entry = {"account": account, "did": new_did(), "name": "Gamma School", "scope": "micro-credentials", **changes}
    return api.client.post("/v1/accreditation/issuers", json=entry, headers=api.headers[who])


def registry(api: Api, account: str) -> dict[str, Any]:
    response = api.client.get(f"/v1/registry/issuers/{account}")
    assert response.status_code == 200, response.text
    return dict(response.json())


def deaccredit(api: Api, account: str, who: str = "body") -> httpx.Response:
    return api.client.post(f"/v1/accreditation/issuers/{account}/deaccreditation", headers=api.headers[who])


def accredit(api: Api, account: str, who: str = "body", **window: Any) -> httpx.Response:
    return api.client.post(f"/v1/accreditation/issuers/{account}/accreditations", json=window, headers=api.headers[who])


def update(api: Api, account: str, who: str = "body", **entry: Any) -> httpx.Response:
    return api.client.put(f"/v1/accreditation/issuers/{account}", json=entry, headers=api.headers[who])


def assert_tx(response: httpx.Response, status: int, account: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    tx = dict(response.json())
    assert tx["issuer"] == account
    assert TX_HASH.match(tx["tx"]) and tx["block"] > 0 and tx["gas_used"] > 0
    return tx


def verify(api: Api, credential: dict[str, Any]) -> dict[str, Any]:
    response = api.client.post("/v1/verify", json={"verifiableCredential": credential})
    assert response.status_code == 200, response.text
    return dict(response.json())


def anchored_credential(api: Api, **changes: Any) -> dict[str, Any]:
    issued = api.issue("acme", **changes)
    api.anchor_all()
    return api.stored(issued["id"])


# -- registering ----------------------------------------------------------------------------------


def test_registering_an_issuer_answers_201_with_the_transaction(api: Api) -> None:
    account = new_account()
    tx = assert_tx(register(api, account), 201, account)
    assert tx["block"] == api.world.chain.block_number()


def test_the_public_registry_shows_a_registered_issuer(api: Api, world: World) -> None:
    account, did = new_account(), new_did()
    register(api, account, did=did, name="Gamma School", scope="data skills")
    entry = registry(api, account)  # no key
    assert (entry["issuer"], entry["did"], entry["name"]) == (account, did, "Gamma School")
    assert entry["body"] == world.body
    assert entry["accredited_now"] is True and entry["registered_at"] > 0
    (window,) = entry["windows"]
    assert window == {"valid_from": entry["registered_at"], "valid_until": OPEN_ENDED, "body": world.body,
                      "scope": "data skills"}  # fmt: skip


def test_registering_for_some_days_gives_a_window_that_ends(api: Api) -> None:
    account = new_account()
    before = api.world.chain.block_timestamp()
    assert register(api, account, valid_days=30).status_code == 201
    (window,) = registry(api, account)["windows"]
    assert window["valid_until"] == before + 30 * DAY
    assert window["valid_from"] < window["valid_until"] < OPEN_ENDED


def test_registering_an_account_twice_is_a_409_problem(api: Api, world: World) -> None:
    problem = assert_problem(register(api, world.accounts["acme"].address), 409)
    assert "IssuerRegistryIssuerExists" in problem["detail"]
    assert registry(api, world.accounts["acme"].address)["name"] == "Acme Academy"


def test_registering_with_a_did_bound_to_another_issuer_is_a_409_problem(api: Api, world: World) -> None:
    account = new_account()
    problem = assert_problem(register(api, account, did=world.keys["acme"].did), 409)
    assert "IssuerRegistryDidTaken" in problem["detail"]
    assert_problem(api.client.get(f"/v1/registry/issuers/{account}"), 404)


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        pytest.param({"account": "0x" + "0" * 40}, "IssuerRegistryZeroAddress", id="zero-address"),
        pytest.param({"did": "urn:example:gamma"}, "IssuerRegistryInvalidDid", id="not-a-did"),
    ],
)
def test_a_registration_the_contract_refuses_is_a_409_problem(api: Api, changes: dict[str, Any], error: str) -> None:
    changes.setdefault("account", new_account())
    problem = assert_problem(register(api, **changes), 409)
    assert problem["type"].endswith("#contract-refused") and error in problem["detail"]


@pytest.mark.parametrize(
    ("changes", "pointer"),
    [
        pytest.param({"account": "0x1234"}, "/account", id="short-account"),
        pytest.param({"did": "did:x"}, "/did", id="short-did"),
        pytest.param({"name": ""}, "/name", id="empty-name"),
        pytest.param({"valid_days": 0}, "/valid_days", id="zero-days"),
        pytest.param({"colour": "blue"}, "/colour", id="unknown-field"),
    ],
)
def test_an_invalid_registration_is_a_422_problem(api: Api, changes: dict[str, Any], pointer: str) -> None:
    changes.setdefault("account", new_account())
    response = register(api, **changes)
    assert pointer in error_pointers(assert_problem(response, 422))


def test_a_registration_with_a_wrong_checksum_is_a_400_problem(api: Api) -> None:
    account = new_account()
    digits = account[2:]
    flipped = "0x" + next(
        digits[:i] + digits[i].swapcase() + digits[i + 1 :] for i, c in enumerate(digits) if c.isalpha()
    )
    problem = assert_problem(register(api, flipped), 400)
    assert "checksum" in problem["detail"]


def test_a_lower_case_account_is_registered_under_its_checksummed_form(api: Api) -> None:
    account = new_account()
    assert_tx(register(api, account.lower()), 201, account)
    assert registry(api, account.lower())["issuer"] == account


# -- updating -------------------------------------------------------------------------------------


def test_updating_an_issuers_name_and_did(api: Api) -> None:
    account = new_account()
    register(api, account)
    did = new_did()
    assert_tx(update(api, account, did=did, name="Gamma Academy"), 200, account)
    entry = registry(api, account)
    assert (entry["did"], entry["name"]) == (did, "Gamma Academy")


def test_updating_to_a_did_bound_to_another_issuer_is_a_409_problem(api: Api, world: World) -> None:
    acme = world.accounts["acme"].address
    response = update(api, acme, did=world.keys["beta"].did, name="Acme Academy")
    assert "IssuerRegistryDidTaken" in assert_problem(response, 409)["detail"]
    assert registry(api, acme)["did"] == world.keys["acme"].did


@pytest.mark.parametrize("change", ["update", "deaccredit", "accredit"])
def test_another_body_cannot_change_an_issuer_it_did_not_register(api: Api, world: World, change: str) -> None:
    acme = world.accounts["acme"].address
    before = registry(api, acme)
    response = {
        "update": lambda: update(api, acme, "other_body", did="did:web:hijack.example", name="Hijacked"),
        "deaccredit": lambda: deaccredit(api, acme, "other_body"),
        "accredit": lambda: accredit(api, acme, "other_body"),
    }[change]()
    problem = assert_problem(response, 409)
    assert problem["type"].endswith("#contract-refused")
    assert "IssuerRegistryNotBodyOfRecord" in problem["detail"]
    assert registry(api, acme) == before


@pytest.mark.parametrize("change", ["update", "deaccredit", "accredit"])
def test_changing_an_unregistered_account_is_a_409_problem(api: Api, change: str) -> None:
    account = new_account()
    response = {
        "update": lambda: update(api, account, did=new_did(), name="Nobody"),
        "deaccredit": lambda: deaccredit(api, account),
        "accredit": lambda: accredit(api, account),
    }[change]()
    assert "IssuerRegistryUnknownIssuer" in assert_problem(response, 409)["detail"]


# -- accrediting and de-accrediting ---------------------------------------------------------------


def test_deaccrediting_ends_the_accreditation_now(api: Api) -> None:
    account = new_account()
    register(api, account)
    tx = assert_tx(deaccredit(api, account), 200, account)
    entry = registry(api, account)
    assert entry["accredited_now"] is False
    (window,) = entry["windows"]
    assert window["valid_until"] == api.world.chain.block_timestamp(tx["block"])


def test_deaccrediting_twice_is_a_409_problem(api: Api) -> None:
    account = new_account()
    register(api, account)
    deaccredit(api, account)
    assert "IssuerRegistryNotAccredited" in assert_problem(deaccredit(api, account), 409)["detail"]


def test_accrediting_again_opens_a_new_window(api: Api, world: World) -> None:
    account = new_account()
    register(api, account)
    deaccredit(api, account)
    assert_tx(accredit(api, account, scope="advanced courses"), 201, account)
    entry = registry(api, account)
    assert entry["accredited_now"] is True
    first, second = entry["windows"]
    assert first["valid_until"] <= second["valid_from"]
    assert (second["valid_until"], second["body"], second["scope"]) == (OPEN_ENDED, world.body, "advanced courses")


def test_accrediting_for_some_days(api: Api) -> None:
    account = new_account()
    register(api, account)
    deaccredit(api, account)
    before = api.world.chain.block_timestamp()
    assert accredit(api, account, valid_days=10).status_code == 201
    assert registry(api, account)["windows"][-1]["valid_until"] == before + 10 * DAY


def test_a_credential_anchored_before_deaccreditation_still_verifies(api: Api, world: World) -> None:
    credential = anchored_credential(api)
    world.chain.advance_time(60)  # de-accredited strictly after the anchoring block
    deaccredit(api, world.accounts["acme"].address)
    assert registry(api, world.accounts["acme"].address)["accredited_now"] is False
    report = verify(api, credential)
    assert report["checks"]["issuer_accredited"]["outcome"] == "pass"
    assert report["verified"] is True


def test_a_credential_anchored_after_deaccreditation_fails_the_accreditation_check(api: Api, world: World) -> None:
    deaccredit(api, world.accounts["acme"].address)
    world.chain.advance_time(60)
    report = verify(api, anchored_credential(api))
    assert report["checks"]["issuer_accredited"]["outcome"] == "fail"
    assert [name for name, check in report["checks"].items() if check["outcome"] == "fail"] == ["issuer_accredited"]


# -- keys, paths and the public registry ----------------------------------------------------------

BODY_ROUTES = [
    ("POST", "/v1/accreditation/issuers"),
    ("PUT", "/v1/accreditation/issuers/{account}"),
    ("POST", "/v1/accreditation/issuers/{account}/accreditations"),
    ("POST", "/v1/accreditation/issuers/{account}/deaccreditation"),
]
BODIES = {
    "/v1/accreditation/issuers": {"account": "0x" + "11" * 20, "did": "did:web:x.example", "name": "X"},
    "/v1/accreditation/issuers/{account}": {"did": "did:web:x.example", "name": "X"},
    "/v1/accreditation/issuers/{account}/accreditations": {},
    "/v1/accreditation/issuers/{account}/deaccreditation": None,
}


def call(api: Api, method: str, template: str, account: str, headers: dict[str, str]) -> httpx.Response:
    path = template.format(account=account)
    return api.client.request(method, path, json=BODIES[template], headers=headers)


def test_the_key_tests_cover_every_body_route() -> None:
    routes = {(method, route.path) for route in bodies.router.routes for method in route.methods}  # type: ignore[attr-defined]
    assert routes == set(BODY_ROUTES)


@pytest.mark.parametrize(("method", "template"), BODY_ROUTES)
def test_an_issuer_key_on_a_body_route_is_a_403_problem(api: Api, world: World, method: str, template: str) -> None:
    block = world.chain.block_number()
    response = call(api, method, template, world.accounts["beta"].address, api.headers["acme"])
    assert "body keys" in assert_problem(response, 403)["detail"]
    assert world.chain.block_number() == block


@pytest.mark.parametrize(("method", "template"), BODY_ROUTES)
def test_a_body_route_without_a_key_is_a_401_problem(api: Api, world: World, method: str, template: str) -> None:
    response = call(api, method, template, world.accounts["beta"].address, {})
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_a_revoked_body_key_is_a_401_problem(api: Api) -> None:
    record, secret = api.store.create_api_key("body", api.world.body)
    api.store.revoke_api_key(record.id)
    entry = {"account": new_account(), "did": new_did(), "name": "Gamma School"}
    response = api.client.post("/v1/accreditation/issuers", json=entry, headers={"X-API-Key": secret})
    assert "revoked" in assert_problem(response, 401)["detail"]


def test_a_body_key_works_as_a_bearer_token_too(api: Api) -> None:
    secret = api.headers["body"]["X-API-Key"]
    account = new_account()
    entry = {"account": account, "did": new_did(), "name": "Gamma School"}
    response = api.client.post("/v1/accreditation/issuers", json=entry, headers={"Authorization": f"Bearer {secret}"})
    assert_tx(response, 201, account)


def test_a_body_key_for_an_account_without_the_body_role_is_refused_by_the_contract(api: Api, world: World) -> None:
    outsider = world.chain.accounts[5]
    secret = api.store.create_api_key("body", outsider)[1]
    entry = {"account": new_account(), "did": new_did(), "name": "Rogue School"}
    response = api.client.post("/v1/accreditation/issuers", json=entry, headers={"X-API-Key": secret})
    problem = assert_problem(response, 409)
    assert "AccessControlUnauthorizedAccount" in problem["detail"]


@pytest.mark.parametrize("account", ["0x1234", "acme", "0x" + "g" * 40, "0x" + "1" * 41])
@pytest.mark.parametrize(("method", "template"), [*BODY_ROUTES[1:], ("GET", "/v1/registry/issuers/{account}")], ids=str)
def test_a_malformed_account_in_the_path_is_a_422_problem(api: Api, method: str, template: str, account: str) -> None:
    headers = {} if template.startswith("/v1/registry") else api.headers["body"]
    body = BODIES.get(template)
    response = api.client.request(method, template.format(account=account), json=body, headers=headers)
    assert "/account" in error_pointers(assert_problem(response, 422))


def test_the_registry_view_of_an_unregistered_account_is_a_404_problem(api: Api) -> None:
    account = new_account()
    problem = assert_problem(api.client.get(f"/v1/registry/issuers/{account}"), 404)
    assert account in problem["detail"]


def test_the_registry_view_of_the_conftest_issuers(api: Api, world: World) -> None:
    for slug, name in (("acme", "Acme Academy"), ("beta", "Beta Institute")):
        entry = registry(api, world.accounts[slug].address)
        assert (entry["did"], entry["name"], entry["body"]) == (world.keys[slug].did, name, world.body)
        assert entry["accredited_now"] is True and entry["windows"][0]["scope"] == "micro"
