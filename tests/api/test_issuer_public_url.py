"""The API issues under the issuer's public URL (issue 15, item 4): set per issuer (`credanchor issuer
create/update --public-url`), shared with the CLI; without one, the server's own public URL, with a warning."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from anchor.credentials.issuers import set_issuer_public_url, set_issuer_status_purposes
from tests.api.conftest import Api, World


@pytest.fixture
def acme_public_url(world: World) -> Iterator[str]:
    set_issuer_public_url(world.settings, "acme", "https://credentials.acme.example/")
    try:
        yield "https://credentials.acme.example"
    finally:
        set_issuer_public_url(world.settings, "acme", None)


def test_credentials_name_lists_under_the_issuers_public_url_and_the_list_says_so(
    api: Api, world: World, acme_public_url: str
) -> None:
    credential = api.issue("acme")["credential"]
    account = world.accounts["acme"].address
    base = f"{acme_public_url}/v1/status/{world.chain.chain_id}/{world.deployment.credential_anchor}/{account}"
    for entry in credential["credentialStatus"]:
        assert entry["statusListCredential"] == f"{base}/{entry['statusListId']}/{entry['statusPurpose']}"
        response = api.client.get(urlsplit(entry["statusListCredential"]).path)  # served here, at that path
        assert response.status_code == 200, response.text
        served = response.json()
        assert served["id"] == entry["statusListCredential"]
        assert served["credentialSubject"]["statusPurpose"] == entry["statusPurpose"]
        ttl = api.client.app.state.services.settings.status_list_ttl_seconds  # type: ignore[attr-defined]
        assert served["credentialSubject"]["ttl"] == ttl * 1000
        assert response.headers["Cache-Control"] == f"max-age={ttl // 2}"


def test_without_a_public_url_the_servers_is_used_and_the_log_warns(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="api.services"):
        credential = api.issue("beta")["credential"]
    server = api.client.app.state.services.settings.public_url  # type: ignore[attr-defined]
    assert all(e["statusListCredential"].startswith(f"{server}/v1/status/") for e in credential["credentialStatus"])
    (warning,) = [r.getMessage() for r in caplog.records if "no public URL" in r.getMessage()]
    assert "issuer beta" in warning and "--public-url" in warning


def test_a_new_public_url_applies_to_the_next_credential(api: Api, world: World) -> None:
    before = api.issue("acme", learner_name="Ana Before")["credential"]
    set_issuer_public_url(world.settings, "acme", "https://later.acme.example")
    try:
        after = api.issue("acme", learner_name="Ana After")["credential"]
    finally:
        set_issuer_public_url(world.settings, "acme", None)
    assert not before["credentialStatus"][0]["statusListCredential"].startswith("https://later.acme.example/")
    assert after["credentialStatus"][0]["statusListCredential"].startswith("https://later.acme.example/v1/status/")


@pytest.fixture
def acme_revocation_only(world: World) -> Iterator[None]:
    set_issuer_status_purposes(world.settings, "acme", "revocation")
    try:
        yield
    finally:
        set_issuer_status_purposes(world.settings, "acme", "revocation,suspension")


def test_an_issuer_with_revocation_alone_gets_the_one_entry_ob3_allows_and_cannot_suspend(
    api: Api, acme_revocation_only: None
) -> None:
    """`credanchor issuer update --status-purposes revocation` shows in the API at once (the profile is shared)."""
    credential = api.issue("acme")["credential"]
    assert isinstance(credential["credentialStatus"], dict)
    assert credential["credentialStatus"]["statusPurpose"] == "revocation"
    api.anchor_all()
    refused = api.client.post(f"/v1/credentials/{credential['id']}/suspend", headers=api.headers["acme"])
    assert refused.status_code == 400, refused.text
    assert "has no suspension status entry" in refused.json()["detail"]
    revoked = api.client.post(f"/v1/credentials/{credential['id']}/revoke", headers=api.headers["acme"])
    assert revoked.status_code == 200, revoked.text
