"""The status-change rules that need no chain: a caller acting for one issuer changes only that issuer's
status lists (anchor.anchoring.status_changes.require_own_lists, and change_status(issuer=...) before
it reads or sends anything); a change acts on the stored credential's entries, and a credential file is
accepted only when it is that stored credential as signed (stored_credentials, issue 19 item 5)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from anchor.anchoring.status_changes import (
    EditedCredentialError,
    ForeignStatusListError,
    change_status,
    require_own_lists,
    stored_credentials,
)
from anchor.credentials.anchor_proofs import ANCHOR_PROOF_TYPE
from anchor.credentials.issuance import CredentialIssuer
from anchor.credentials.model import Award, AwardingBody, Learner
from anchor.credentials.status import RandomStatusAllocator, StatusLocation, locations_for
from anchor.crypto.keys import SigningKey
from anchor.crypto.proofs import JCS
from anchor.errors import ConfigurationError
from anchor.tools.bench import BENCH_SPEC
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


# -- issue 19, item 5: a status change acts on the stored credential, never on a file's own entries -----------

# The attack this guards against: `credanchor revoke FILE` read the status entries from FILE, so a holder's
# file edited to carry another learner's status index revoked that learner's credential.


class FakeStore:
    """The store's `document` lookup over a dict (anchor.anchoring.status_changes.CredentialLookup)."""

    def __init__(self, *documents: dict[str, Any]) -> None:
        self.documents = {d["id"]: copy.deepcopy(d) for d in documents}

    def document(self, credential_id: str) -> dict[str, Any] | None:
        found = self.documents.get(credential_id)
        return None if found is None else copy.deepcopy(found)


@pytest.fixture(scope="module")
def issued() -> tuple[dict[str, Any], dict[str, Any]]:
    """Two learners' signed credentials (eddsa-jcs-2022) with status entries at random indices in one list."""
    key = SigningKey.generate()
    issuer = CredentialIssuer(AwardingBody(key.did, "U", "PT"), key, cryptosuite=JCS,
                              status=RandomStatusAllocator(31337, CONTRACT, check_address(OWN, "issuer")))  # fmt: skip
    when = datetime(2026, 5, 1, tzinfo=UTC)
    ana, bea = (issuer.issue(BENCH_SPEC, Award(Learner(name, f"{name}@example.org"), when)) for name in ("ana", "bea"))
    return ana, bea


def index_of(credential: dict[str, Any], purpose: str = "revocation") -> int:
    (entry,) = [e for e in credential["credentialStatus"] if e["statusPurpose"] == purpose]
    return int(entry["statusListIndex"])


def test_a_file_edited_to_carry_another_learners_status_entries_is_refused(issued) -> None:
    ana, bea = issued
    forged = {**copy.deepcopy(ana), "credentialStatus": copy.deepcopy(bea["credentialStatus"])}
    with pytest.raises(EditedCredentialError, match=r"its status entries differ from the stored credential's"):
        stored_credentials(FakeStore(ana, bea), [forged])


def test_a_file_with_only_its_index_changed_is_refused(issued) -> None:
    ana, bea = issued
    forged = copy.deepcopy(ana)
    for entry in forged["credentialStatus"]:
        entry["statusListIndex"] = str(index_of(bea))
    with pytest.raises(EditedCredentialError, match=f"the file given for {ana['id']} is not that credential"):
        stored_credentials(FakeStore(ana, bea), [forged])


@pytest.mark.parametrize("change", ["grade", "name", "proof value", "extra key"])
def test_a_file_whose_content_or_signature_was_changed_is_refused(issued, change: str) -> None:
    ana, _ = issued
    forged = copy.deepcopy(ana)
    if change == "grade":
        forged["credentialSubject"]["result"] = [{"type": ["Result"], "value": "A+"}]
    elif change == "name":
        forged["credentialSubject"]["name"] = "someone else"
    elif change == "proof value":
        value = forged["proof"][0]["proofValue"]
        forged["proof"][0]["proofValue"] = value[:-2] + ("11" if value[-2:] != "11" else "22")
    else:
        forged["note"] = "added"
    with pytest.raises(EditedCredentialError, match="its content or issuer proof differs"):
        stored_credentials(FakeStore(ana), [forged])


def test_a_file_that_is_not_plain_json_is_refused_not_a_crash(issued) -> None:
    ana, _ = issued
    with pytest.raises(EditedCredentialError):
        stored_credentials(FakeStore(ana), [{**ana, "note": float("nan")}])


def test_the_genuine_file_gives_the_stored_copy_with_or_without_its_anchor_proof(issued) -> None:
    ana, bea = issued
    anchor_proof = {"type": ANCHOR_PROOF_TYPE, "merkleRoot": "0x" + "11" * 32, "merklePath": []}
    anchored = {**copy.deepcopy(ana), "proof": [*copy.deepcopy(ana["proof"]), anchor_proof]}
    store = FakeStore(anchored, bea)
    assert stored_credentials(store, [copy.deepcopy(ana)]) == [anchored]  # the file from before anchoring
    assert stored_credentials(store, [copy.deepcopy(anchored)]) == [anchored]
    assert stored_credentials(FakeStore(ana), [anchored]) == [ana]  # stored before anchoring, file after


def test_ids_give_the_stored_copies_once_each_in_order(issued) -> None:
    ana, bea = issued
    assert stored_credentials(FakeStore(ana, bea), [bea["id"], ana, bea["id"]]) == [bea, ana]


def test_an_unknown_id_or_file_is_refused(issued) -> None:
    ana, bea = issued
    with pytest.raises(ConfigurationError, match=rf"^no credential {bea['id']} in the store"):
        stored_credentials(FakeStore(ana), [ana["id"], bea["id"]])
    with pytest.raises(ConfigurationError, match=rf"^no credential {bea['id']} in the store"):
        stored_credentials(FakeStore(ana), [bea])
    with pytest.raises(ConfigurationError, match="without an id"):
        stored_credentials(FakeStore(ana), [{"credentialStatus": ana["credentialStatus"]}])


def test_the_stored_entries_decide_where_the_bits_are(issued) -> None:
    # The groups change_status sends come from the stored copy: the forged file can only be refused.
    ana, bea = issued
    (indices,) = locations_for(stored_credentials(FakeStore(ana, bea), [copy.deepcopy(ana)]), "revoke").values()
    assert indices == [index_of(ana)] and index_of(ana) != index_of(bea)
