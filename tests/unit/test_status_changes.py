"""The status-change rule that needs no chain: a caller acting for one issuer changes only that issuer's
status lists (anchor.anchoring.status_changes.require_own_lists, and change_status(issuer=...) before
it reads or sends anything)."""

from __future__ import annotations

from typing import Any

import pytest

from anchor.anchoring.status_changes import ForeignStatusListError, change_status, require_own_lists
from anchor.credentials.status import StatusLocation
from anchor.errors import ConfigurationError
from anchor.types import check_address

OWN = "0x" + "ab" * 20  # lower case in the entries; the checksummed form names the issuer
OTHER = "0x" + "cd" * 20
CONTRACT = "0x" + "33" * 20


def credential(credential_id: str, *issuers: str) -> dict[str, Any]:
    """A credential with revocation and suspension entries in a list of each of `issuers`."""
    entries = [e for i in issuers for e in StatusLocation(31337, CONTRACT, i, 1, 7).entries()]
    return {"id": credential_id, "credentialStatus": entries}


def test_credentials_in_the_issuers_own_lists_pass() -> None:
    require_own_lists([credential("urn:a", OWN), credential("urn:b", OWN)], check_address(OWN, "issuer"))


def test_a_credential_without_on_chain_status_names_no_list() -> None:
    require_own_lists([{"id": "urn:a"}, {"id": "urn:b", "credentialStatus": {"type": "Other"}}], OWN)


@pytest.mark.parametrize("issuers", [(OTHER,), (OWN, OTHER)], ids=["another's", "own and another's"])
def test_a_credential_naming_another_issuers_list_is_refused(issuers: tuple[str, ...]) -> None:
    with pytest.raises(ForeignStatusListError, match=r"^urn:b names a status list that is not this issuer's$"):
        require_own_lists([credential("urn:a", OWN), credential("urn:b", *issuers)], OWN)


def test_a_foreign_list_is_refused_in_every_purpose() -> None:
    # Only the suspension entry is another's: a revocation would not touch it, and is refused all the same.
    mixed = credential("urn:a", OWN)
    mixed["credentialStatus"][1] = {**mixed["credentialStatus"][1], "statusIssuer": OTHER}
    with pytest.raises(ForeignStatusListError):
        require_own_lists([mixed], OWN)


def test_change_status_applies_the_rule_before_touching_the_chain() -> None:
    # `chain` is never used: the refusal comes first. Without `issuer` the same call goes on to the chain.
    with pytest.raises(ForeignStatusListError):
        change_status(object(), [credential("urn:a", OTHER)], "revoke", lambda _: OWN, issuer=OWN)  # type: ignore[arg-type]
    with pytest.raises(AttributeError):
        change_status(object(), [credential("urn:a", OTHER)], "revoke", lambda _: OWN)  # type: ignore[arg-type]


def test_a_malformed_entry_is_a_configuration_error() -> None:
    broken = {"id": "urn:a", "credentialStatus": [{"statusIssuer": OWN, "statusPurpose": "revocation"}]}
    with pytest.raises(ConfigurationError, match="not an on-chain BitstringStatusListEntry"):
        require_own_lists([broken], OWN)
