"""The public status-list and NFT routes under attack (issue 19, items 7 and 8).

Status lists: cached by what they are (issuer, list id, purpose), never by how a path spells them; the cache
is bounded; lists never allocated are 404; the route is rate limited. NFT metadata: anyone can mint, so the
answer names the minter from the contract and says whether the trusted registry accredited it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from api import services as services_module
from tests.api.conftest import Api, World, api_client, assert_problem


def revocation_path(credential: dict[str, Any]) -> list[str]:
    entry = next(e for e in credential["credentialStatus"] if e["statusPurpose"] == "revocation")
    # ['', 'v1', 'status', chain id, contract, issuer account, list id, purpose]
    return urlsplit(entry["statusListCredential"]).path.split("/")


def spellings(path: list[str]) -> list[str]:
    chain, contract, issuer, list_id = path[3], path[4], path[5], path[6]
    variants = []
    for c in (contract, contract.lower(), "0x" + contract[2:].upper()):
        for i in (issuer, issuer.lower(), "0x" + issuer[2:].upper()):
            for n in (list_id, "0" + list_id, "000" + list_id):
                variants.append("/".join([*path[:3], "0" + chain, c, i, n, path[7]]))
    return variants


def test_every_spelling_of_a_list_is_one_cache_entry_with_the_canonical_url(api: Api) -> None:
    credential = api.issue()["credential"]
    path = revocation_path(credential)
    services = api.client.app.state.services  # type: ignore[attr-defined]
    ids = set()
    for variant in spellings(path):
        response = api.client.get(variant)
        assert response.status_code == 200, (variant, response.text)
        ids.add(response.json()["id"])
    entry = next(e for e in credential["credentialStatus"] if e["statusPurpose"] == "revocation")
    assert ids == {entry["statusListCredential"]}  # never the request's own spelling
    assert services.status_lists_cached == 1


def test_the_cache_never_grows_past_its_bound(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services_module, "STATUS_LIST_CACHE_SIZE", 1)
    credential = api.issue()["credential"]
    services = api.client.app.state.services  # type: ignore[attr-defined]
    for entry in credential["credentialStatus"]:  # revocation, then suspension: two lists
        assert api.client.get(urlsplit(entry["statusListCredential"]).path).status_code == 200
        assert services.status_lists_cached == 1


@pytest.mark.parametrize("offset", [1, -1])
def test_a_list_never_allocated_is_a_404_problem(api: Api, offset: int) -> None:
    path = revocation_path(api.issue()["credential"])
    list_id = int(path[6]) + offset if int(path[6]) + offset >= 1 else int(path[6]) + 2
    path[6] = str(list_id)
    problem = assert_problem(api.client.get("/".join(path)), 404, "not-found")
    assert f"no status list {list_id}" in problem["detail"]


def test_an_issuer_with_no_credential_has_no_list(api: Api, world: World) -> None:
    path = revocation_path(api.issue("acme")["credential"])
    path[5] = world.accounts["beta"].address  # beta signs here, but has allocated nothing
    assert_problem(api.client.get("/".join(path)), 404, "not-found")


def test_the_status_list_route_is_rate_limited(world: World, tmp_path: Path) -> None:
    with api_client(world, tmp_path / "api.sqlite", verify_rate=1) as limited:
        path = "/".join(revocation_path(limited.issue()["credential"]))
        answers = [limited.client.get(path) for _ in range(4)]
    assert [a.status_code for a in answers[:2]] == [200, 200]  # a burst of twice the rate
    problem = assert_problem(answers[-1], 429, "rate-limited")
    assert answers[-1].headers["Retry-After"].isdigit() and problem["detail"]


# -- NFT metadata: who minted it ------------------------------------------------------------------


def test_a_token_minted_by_an_unregistered_account_says_so(api: Api, world: World) -> None:
    stranger = world.chain.accounts[6]
    nft = world.deployment.nft(world.chain)
    token_id, _ = nft.mint(world.chain.accounts[5], {"name": "Master of Everything", "minter": "Acme"}, sender=stranger)
    answer = api.client.get(f"/v1/nft/{token_id}").json()
    assert answer["metadata"] == {"name": "Master of Everything", "minter": "Acme"}  # kept apart, not believed
    assert answer["accreditedIssuer"] is False
    assert answer["minter"]["account"].lower() == stranger.lower()
    assert answer["minter"]["registered"] is False and answer["minter"]["accreditedAtMint"] is False
    assert answer["minter"]["registry"] == world.deployment.issuer_registry
    assert "does not list" in answer["summary"] and "nothing vouches" in answer["summary"]


def test_a_token_minted_by_an_accredited_issuer_names_it(api: Api, world: World) -> None:
    nft = world.deployment.nft(world.chain)
    token_id, receipt = nft.mint(world.chain.accounts[5], {"name": "x"}, sender=world.accounts["acme"].account)
    answer = api.client.get(f"/v1/nft/{token_id}").json()
    assert answer["metadata"] == {"name": "x"} and answer["tokenId"] == str(token_id)
    minter = answer["minter"]
    assert minter["account"] == world.accounts["acme"].address and minter["did"] == world.keys["acme"].did
    assert minter["mintedInBlock"] == receipt.block_number
    assert minter["accreditedAtMint"] is True and answer["accreditedIssuer"] is True
    assert "accredited in the trusted issuer registry" in answer["summary"]


def test_a_token_minted_before_accreditation_is_not_vouched_for(api: Api, world: World) -> None:
    registry = world.deployment.registry(world.chain)
    acme = world.accounts["acme"].address
    registry.deaccredit(acme, sender=world.body)
    nft = world.deployment.nft(world.chain)
    token_id, _ = nft.mint(world.chain.accounts[5], {"name": "x"}, sender=world.accounts["acme"].account)
    answer = api.client.get(f"/v1/nft/{token_id}").json()
    assert answer["minter"]["registered"] is True and answer["accreditedIssuer"] is False
    assert "not accredited when it minted" in answer["summary"]
