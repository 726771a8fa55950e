"""Where a credential's status list is (issue 15, item 4): the issuer's public base URL, stored with its
profile, names an HTTP(S) statusListCredential that stock verifiers fetch; the on-chain coordinates stay."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from anchor.credentials.issuers import (
    create_issuer,
    issuer_public_url,
    issuers_dir,
    load_profile,
    set_issuer_public_url,
)
from anchor.credentials.model import AwardingBody
from anchor.credentials.status import StatusLocation, public_base_url, status_list_base
from anchor.credentials.statuslist import status_list_credential
from anchor.crypto.keys import SigningKey
from anchor.errors import ConfigurationError
from anchor.settings import Settings
from anchor.types import StatusPurpose

PASSPHRASE = "a long enough passphrase for tests"
CONTRACT, ACCOUNT = "0x" + "Ab" * 20, "0x" + "cD" * 20


@pytest.mark.parametrize(
    ("given", "kept"),
    [("https://credentials.example", "https://credentials.example"),
     ("https://credentials.example/", "https://credentials.example"),
     ("http://127.0.0.1:8000/uni/", "http://127.0.0.1:8000/uni")],
)  # fmt: skip
def test_a_public_url_is_kept_without_its_trailing_slash(given: str, kept: str) -> None:
    assert public_base_url(given) == kept


@pytest.mark.parametrize(
    "url",
    ["credentials.example", "ftp://credentials.example", "https://", "https://x.example/?a=1", "https://x.example/#f"],
)
def test_a_public_url_that_is_no_http_base_is_refused(url: str) -> None:
    with pytest.raises(ConfigurationError, match="must be an http"):
        public_base_url(url, "--public-url")


def test_entries_under_a_public_url_name_https_lists_and_keep_the_chain_coordinates() -> None:
    base = status_list_base("https://credentials.example/", 10, CONTRACT, ACCOUNT)
    assert base == f"https://credentials.example/v1/status/10/{CONTRACT}/{ACCOUNT}"
    revocation, suspension = StatusLocation(10, CONTRACT, ACCOUNT, 77, 5, 9).entries(base)
    assert revocation["statusListCredential"] == f"{base}/77/revocation"
    assert revocation["id"] == f"{base}/77/revocation#5" and revocation["statusListIndex"] == "5"
    assert suspension["statusListCredential"] == f"{base}/77/suspension"
    assert suspension["id"] == f"{base}/77/suspension#9" and suspension["statusListIndex"] == "9"
    for entry in (revocation, suspension):
        assert (entry["chainId"], entry["statusContract"], entry["statusIssuer"], entry["statusListId"]) == (
            10, CONTRACT, ACCOUNT, 77,
        )  # fmt: skip


def test_entries_without_a_public_url_are_the_lists_urns() -> None:
    entries = StatusLocation(10, CONTRACT, ACCOUNT, 77, 5).entries()
    assert [e["statusListCredential"] for e in entries] == [
        f"urn:eip155:10:{CONTRACT}:status:{ACCOUNT}:77:revocation",
        f"urn:eip155:10:{CONTRACT}:status:{ACCOUNT}:77:suspension",
    ]


def test_the_public_url_is_kept_with_the_profile_and_not_in_the_credentials_issuer(tmp_path: Path) -> None:
    settings = Settings(tmp_path / "data")
    body = AwardingBody("", "Uni", "PT", url="https://uni.example")
    create_issuer(settings, "uni", body, PASSPHRASE, public_url="https://credentials.uni.example/")
    assert issuer_public_url(settings, "uni") == "https://credentials.uni.example"
    slug, profile = load_profile(settings, None)
    assert slug == "uni" and profile.name == "Uni" and profile.url == "https://uni.example"

    assert set_issuer_public_url(settings, None, "http://127.0.0.1:8000") == "uni"
    assert issuer_public_url(settings, "uni") == "http://127.0.0.1:8000"
    with pytest.raises(ConfigurationError, match="--public-url"):
        set_issuer_public_url(settings, "uni", "credentials.uni.example")
    assert issuer_public_url(settings, "uni") == "http://127.0.0.1:8000"  # a refused change changes nothing
    set_issuer_public_url(settings, "uni", None)
    assert issuer_public_url(settings, "uni") is None
    assert "public_url" not in json.loads((issuers_dir(settings) / "uni" / "profile.json").read_text())
    assert load_profile(settings, "uni")[1] == profile


def test_an_issuer_with_a_malformed_public_url_is_refused_at_creation(tmp_path: Path) -> None:
    settings = Settings(tmp_path / "data")
    with pytest.raises(ConfigurationError, match="--public-url"):
        create_issuer(settings, "uni", AwardingBody("", "Uni", "PT"), PASSPHRASE, public_url="mailto:a@b.example")
    assert not (issuers_dir(settings) / "uni").exists()  # nothing written


def test_the_status_list_credential_is_valid_for_its_ttl_from_the_moment_given() -> None:
    key = SigningKey.generate()
    moment = datetime(2026, 1, 2, 3, 4, 5, 678_000, tzinfo=UTC)
    url = f"https://credentials.example/v1/status/10/{CONTRACT}/{ACCOUNT}/77/suspension"
    credential = status_list_credential(
        bytes(16_384), url=url, purpose=StatusPurpose.SUSPENSION, key=key, ttl=timedelta(seconds=90), now=moment
    )
    assert credential["@context"] == ["https://www.w3.org/ns/credentials/v2"]  # published: BSL terms are in it
    assert credential["id"] == url and credential["issuer"] == key.did
    assert (credential["validFrom"], credential["validUntil"]) == ("2026-01-02T03:04:05Z", "2026-01-02T03:05:35Z")
    subject = credential["credentialSubject"]
    assert subject["type"] == "BitstringStatusList" and subject["statusPurpose"] == "suspension"
    assert subject["ttl"] == 90_000  # milliseconds
    assert credential["proof"]["verificationMethod"].startswith(key.did)
