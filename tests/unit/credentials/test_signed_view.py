"""Issue 19, item 3: what the verifier reads must be what was signed (anchor.credentials.signed_view).

An eddsa-rdfc-2022 signature covers the RDF graph. Each rewrite here is applied AFTER signing and keeps
the graph — the signature still verifies, which every test asserts first — while the JSON the checks
read says something else. Before the fix each of these credentials verified on the VC profile although
it was expired, revoked, or another person's; now `signature` fails with "the JSON does not say what was
signed". Also: a credential carrying credanchor's on-chain status does not verify once its anchor proof
is removed (its batch may be revoked).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any

import pytest

from anchor.credentials.anchor_proofs import without_anchor_proofs
from anchor.credentials.holder import present
from anchor.credentials.presentation import verify_presentation
from anchor.credentials.signed_view import plain_json_problems, unsigned_fields
from anchor.credentials.status import StatusLocation
from anchor.credentials.verify import Outcome, Verifier
from anchor.crypto.did import DidResolver
from anchor.crypto.jsonld import CREDANCHOR_TERMS, MICROCREDENTIAL_V1, VC_V2
from anchor.crypto.proofs import JCS, RDFC, add_proof, canonical_rdf, default_loader, verify_proofs
from anchor.types import BatchRecord, StatusPurpose
from tests.unit.credentials.keys import key
from tests.unit.credentials.test_verify_chain_view import (
    ACCOUNT,
    ANCHORED_AT,
    CHAIN_ID,
    CONTRACT,
    _batch,
    anchored_chain,
)

NOW = datetime(2026, 6, 1, tzinfo=UTC)
CRED = "https://www.w3.org/2018/credentials#"
STATUS = "https://www.w3.org/ns/credentials/status#"
XSD_DATETIME = "http://www.w3.org/2001/XMLSchema#dateTime"
EXPIRED = "2026-03-01T00:00:00Z"
LOCATION = StatusLocation(CHAIN_ID, CONTRACT, ACCOUNT, 1, 4242)
MISMATCH = "the JSON does not say what was signed"


issuer = partial(key, "issuer")
holder = partial(key, "holder")
someone_else = partial(key, "someone_else")


def signed(suite: str = RDFC, subject: str | None = None, **members: Any) -> dict[str, Any]:
    unsigned: dict[str, Any] = {
        "@context": [VC_V2, CREDANCHOR_TERMS],  # what credanchor writes: its terms inline (issue 15)
        "id": "urn:uuid:0f0e0d0c-0b0a-4909-8807-060504030201",
        "type": ["VerifiableCredential"],
        "issuer": {"id": issuer().did, "name": "Escola Técnica"},
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": subject or holder().did, "name": "Ana"},
        **members,
    }
    return add_proof(unsigned, issuer(), cryptosuite=suite)


def expired(suite: str = RDFC) -> dict[str, Any]:
    return signed(suite, validUntil=EXPIRED)


def with_status(suite: str = RDFC) -> dict[str, Any]:
    return signed(suite, credentialStatus=LOCATION.entries())


def revoked_chain() -> Any:
    chain = anchored_chain()
    chain.bits.add((LOCATION.list_id, StatusPurpose.REVOCATION, LOCATION.index))
    return chain


def vc_verifier(chain: Any = None) -> Verifier:
    return Verifier(chain, profile="vc", now=NOW)


def still_signed(credential: dict[str, Any]) -> bool:
    """Whether the issuer's proof still verifies (signature only: none of the verifier's other checks)."""
    checks = verify_proofs(without_anchor_proofs(credential), DidResolver())
    return bool(checks) and all(c.verified for c in checks)


def rewritten(credential: dict[str, Any], rewrite: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    changed = copy.deepcopy(credential)
    rewrite(changed)
    return changed


# -- the rewrites ------------------------------------------------------------------------------------


def until_under_its_iri(c: dict[str, Any]) -> None:
    c[CRED + "validUntil"] = {"@value": c.pop("validUntil"), "@type": XSD_DATETIME}


def until_by_inline_alias(c: dict[str, Any]) -> None:
    c["@context"] = [*c["@context"], {"expires": {"@id": CRED + "validUntil", "@type": XSD_DATETIME}}]
    c["expires"] = c.pop("validUntil")


def until_as_a_typed_value_object(c: dict[str, Any]) -> None:
    c["validUntil"] = {"@value": c["validUntil"], "@type": XSD_DATETIME}


def until_in_an_included_node(c: dict[str, Any]) -> None:
    """A node elsewhere with the credential's own id: JSON-LD merges it into the credential."""
    until = {"@value": c.pop("validUntil"), "@type": XSD_DATETIME}
    c["credentialSubject"]["@included"] = [{"id": c["id"], CRED + "validUntil": until}]


def until_in_an_aliased_included_node(c: dict[str, Any]) -> None:
    c["@context"] = [*c["@context"], {"also": "@included"}]
    until = {"@value": c.pop("validUntil"), "@type": XSD_DATETIME}
    c["credentialSubject"]["also"] = [{"id": c["id"], CRED + "validUntil": until}]


EXPIRY_REWRITES = [until_under_its_iri, until_by_inline_alias, until_as_a_typed_value_object,
                   until_in_an_included_node, until_in_an_aliased_included_node]  # fmt: skip


def revocation_entry(c: dict[str, Any]) -> dict[str, Any]:
    return next(e for e in c["credentialStatus"] if e.get("statusPurpose") == "revocation")


def purpose_as_value_object(c: dict[str, Any]) -> None:
    revocation_entry(c)["statusPurpose"] = {"@value": "revocation"}


def purpose_as_a_list_of_one(c: dict[str, Any]) -> None:
    revocation_entry(c)["statusPurpose"] = ["revocation"]


def purpose_under_its_iri(c: dict[str, Any]) -> None:
    entry = revocation_entry(c)
    entry[STATUS + "statusPurpose"] = entry.pop("statusPurpose")


def purpose_by_inline_alias(c: dict[str, Any]) -> None:
    c["@context"] = [*c["@context"], {"why": STATUS + "statusPurpose"}]
    entry = revocation_entry(c)
    entry["why"] = entry.pop("statusPurpose")


def purpose_in_an_included_node(c: dict[str, Any]) -> None:
    entry = revocation_entry(c)
    c["credentialSubject"]["@included"] = [{"id": entry["id"], STATUS + "statusPurpose": entry.pop("statusPurpose")}]


def purpose_as_a_typed_string(c: dict[str, Any]) -> None:
    entry = revocation_entry(c)
    value = {"@value": entry.pop("statusPurpose"), "@type": "http://www.w3.org/2001/XMLSchema#string"}
    entry[STATUS + "statusPurpose"] = value


STATUS_REWRITES = [purpose_as_value_object, purpose_as_a_list_of_one, purpose_under_its_iri, purpose_by_inline_alias,
                   purpose_in_an_included_node, purpose_as_a_typed_string]  # fmt: skip


def subject_by_at_id(c: dict[str, Any]) -> None:
    subject = c["credentialSubject"]
    subject["@id"] = subject.pop("id")


def subject_by_inline_alias(c: dict[str, Any]) -> None:
    c["@context"] = [*c["@context"], {"who": "@id"}]
    subject = c["credentialSubject"]
    subject["who"] = subject.pop("id")


SUBJECT_REWRITES = [subject_by_at_id, subject_by_inline_alias]


# -- the credential: expired, revoked --------------------------------------------------------------


def test_the_genuine_credentials_fail_only_for_what_they_are():
    assert vc_verifier().verify(signed()).verified
    report = vc_verifier().verify(expired())
    assert [c.name for c in report.checks if c.outcome is Outcome.FAIL] == ["validity_period"]


@pytest.mark.parametrize("rewrite", EXPIRY_REWRITES, ids=lambda f: f.__name__)
def test_an_expired_credential_rewritten_to_hide_valid_until_does_not_verify(rewrite):
    original = expired()
    credential = rewritten(original, rewrite)
    assert canonical_rdf(without_proof(credential), default_loader()) == canonical_rdf(
        without_proof(original), default_loader()
    )  # the same graph ...
    assert still_signed(credential)  # ... so the issuer's signature still verifies
    report = vc_verifier().verify(credential)
    assert not report.verified
    signature = report.check("signature")
    assert signature.outcome is Outcome.FAIL and signature.reason.startswith(MISMATCH)
    assert "validUntil" in signature.reason or "@included" in signature.reason  # what it hides, or how


@pytest.mark.parametrize("rewrite", STATUS_REWRITES, ids=lambda f: f.__name__)
def test_a_revoked_credential_rewritten_to_hide_its_status_purpose_does_not_verify(rewrite):
    original = with_status()
    assert vc_verifier(revoked_chain()).verify(original).check("revocation").reason == (
        f"revoked (list 1, index {LOCATION.index})"
    )
    credential = rewritten(original, rewrite)
    if rewrite is not purpose_as_a_list_of_one:  # pyld's canonical form of that one: see the graph test below
        assert still_signed(credential)
    report = vc_verifier(revoked_chain()).verify(credential)
    assert not report.verified
    signature = report.check("signature")
    assert signature.outcome is Outcome.FAIL and signature.reason.startswith(MISMATCH), signature.reason
    assert "credentialStatus" in signature.reason or "@included" in signature.reason


def test_every_status_rewrite_keeps_the_graph():
    original = with_status()
    graph = canonical_rdf(without_proof(original), default_loader())
    for rewrite in STATUS_REWRITES:
        assert canonical_rdf(without_proof(rewritten(original, rewrite)), default_loader()) == graph, rewrite


def without_proof(credential: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in credential.items() if k != "proof"}


def test_the_graph_comparison_alone_catches_what_the_plain_json_check_cannot():
    """Inline-context aliases are plain JSON: only the signed graph shows what they stand for."""
    for credential, rewrite in [(expired(), until_by_inline_alias), (with_status(), purpose_by_inline_alias),
                                (signed(), subject_by_inline_alias)]:  # fmt: skip
        document = without_proof(rewritten(credential, rewrite))
        assert plain_json_problems(document) == []
        assert unsigned_fields(document, default_loader()) != []


def test_a_genuine_credential_with_a_harmless_inline_context_still_verifies():
    credential = signed(**{"@context": [VC_V2, {"nickname": "https://example.org/vocab#nickname"}]},
                        nickname="Ana B.")  # fmt: skip
    report = vc_verifier().verify(credential)
    assert report.verified, report.to_dict()
    assert unsigned_fields(without_proof(credential), default_loader()) == []


@pytest.mark.parametrize("terms", [CREDANCHOR_TERMS, MICROCREDENTIAL_V1], ids=["inline", "legacy-url"])
def test_a_revoked_credential_with_credanchors_own_terms_is_read_as_signed(terms):
    """The on-chain status terms come from credanchor's inline context (or, before issue 15, its URL):
    the comparison reads them as the JSON has them, and the revocation is seen."""
    credential = signed(credentialStatus=LOCATION.entries(), **{"@context": [VC_V2, terms]})
    assert unsigned_fields(without_proof(credential), default_loader()) == []
    report = vc_verifier(revoked_chain()).verify(credential)
    assert report.check("signature").outcome is Outcome.PASS
    assert report.check("revocation").reason == f"revoked (list 1, index {LOCATION.index})"


def test_an_inline_context_that_differs_from_credanchors_by_one_alias_is_not_trusted():
    """Only the exact inline objects credanchor writes join the comparison: a look-alike of its terms
    that also aliases validUntil is left out, so the hidden expiry shows."""
    original = expired()
    credential = copy.deepcopy(original)
    credential["@context"] = [VC_V2, {**CREDANCHOR_TERMS, "endsOn": {"@id": CRED + "validUntil",
                                                                      "@type": XSD_DATETIME}}]  # fmt: skip
    credential["endsOn"] = credential.pop("validUntil")
    assert canonical_rdf(without_proof(credential), default_loader()) == canonical_rdf(
        without_proof(original), default_loader()
    )
    assert still_signed(credential)
    signature = vc_verifier().verify(credential).check("signature")
    assert signature.outcome is Outcome.FAIL and signature.reason.startswith(MISMATCH), signature.reason
    assert "validUntil" in signature.reason


def test_the_comparison_is_cached_per_document():
    document = without_proof(with_status())
    first = unsigned_fields(document, default_loader())
    assert first == [] and unsigned_fields(copy.deepcopy(document), default_loader()) == first


# -- JCS: the JSON is what was signed, but checked fields may not hide from the checks -----------------


@pytest.mark.parametrize(
    "hide",
    [
        lambda c: c.update({CRED + "validUntil": EXPIRED}),
        lambda c: c.update({"validUntil": {"@value": EXPIRED}}),
        lambda c: c.update({"@included": [{"id": c["id"], "validUntil": EXPIRED}]}),
    ],
    ids=["iri-key", "value-object", "included"],
)
def test_a_jcs_credential_that_hides_a_checked_member_does_not_verify(hide):
    unsigned = without_proof(signed(JCS))
    hide(unsigned)
    credential = add_proof(unsigned, issuer(), cryptosuite=JCS)  # the issuer signed it so
    report = vc_verifier().verify(credential)
    assert not report.verified
    assert report.check("signature").reason.startswith(MISMATCH)


def test_a_jcs_status_entry_with_a_value_object_does_not_verify():
    unsigned = without_proof(with_status(JCS))
    purpose_as_value_object(unsigned)
    report = vc_verifier(revoked_chain()).verify(add_proof(unsigned, issuer(), cryptosuite=JCS))
    assert not report.verified
    assert "credentialStatus[0].statusPurpose" in report.check("signature").reason


# -- presentations: another person's credential ------------------------------------------------------


@pytest.mark.parametrize("rewrite", SUBJECT_REWRITES, ids=lambda f: f.__name__)
def test_another_persons_credential_with_its_subject_id_hidden_fails_in_a_presentation(rewrite):
    theirs = signed(subject=someone_else().did)
    hidden = rewritten(theirs, rewrite)
    assert still_signed(hidden)
    # The holder signs a presentation of it (present() itself would refuse: it reads the subject id too).
    vp = add_proof({"@context": [VC_V2], "type": ["VerifiablePresentation"], "holder": holder().did,
                    "verifiableCredential": [hidden]}, holder(), proof_purpose="authentication",
                   challenge="c")  # fmt: skip
    report = verify_presentation(vp, vc_verifier(), challenge="c")
    assert not report.verified
    (inner,) = report.credentials
    assert inner.check("signature").reason.startswith(MISMATCH)
    assert "credentialSubject" in inner.check("signature").reason
    if rewrite is subject_by_at_id:  # the binding reads "@id" as an id, as JSON-LD does
        assert report.check("holder_binding").outcome is Outcome.FAIL


def test_the_holders_own_credential_still_verifies_in_a_presentation():
    vp = present([signed()], holder(), challenge="c", domain=None)
    assert verify_presentation(vp, vc_verifier(), challenge="c").verified


# -- a removed anchor proof ------------------------------------------------------------------------------


def revoked_batch_chain() -> Any:
    chain = anchored_chain()
    ((key, record),) = chain.batches.items()
    chain.batches[key] = BatchRecord(record.anchored_at, record.anchored_block, ANCHORED_AT + 60)
    return chain


def test_a_credential_of_a_revoked_batch_does_not_verify_once_its_anchor_proof_is_removed():
    credential = _batch()[0]
    revocation = vc_verifier(revoked_batch_chain()).verify(credential).check("revocation")
    assert revocation.reason.startswith("the whole batch was revoked")
    stripped = without_anchor_proofs(credential)
    report = vc_verifier(revoked_batch_chain()).verify(stripped)
    assert not report.verified
    assert report.check("signature").outcome is Outcome.PASS  # the issuer's signature is intact
    anchored = report.check("anchored")
    assert anchored.outcome is Outcome.FAIL and "on-chain status but no anchor proof" in anchored.reason
    assert report.check("issuer_accredited").outcome is Outcome.FAIL


def test_a_plain_credential_without_on_chain_status_needs_no_anchoring():
    report = vc_verifier().verify(signed())
    assert {report.check(n).outcome for n in ("merkle_inclusion", "anchored", "issuer_accredited")} == {
        Outcome.NOT_APPLICABLE
    }


# -- anchored credentials: pinned by their Merkle leaf ------------------------------------------------------


def test_a_rewritten_anchored_credential_fails_its_merkle_path_and_its_signature():
    credential = rewritten(_batch()[0], purpose_by_inline_alias)
    assert still_signed(credential)
    report = Verifier(anchored_chain(), now=NOW).verify(credential)
    assert report.check("merkle_inclusion").outcome is Outcome.FAIL
    assert report.check("signature").reason.startswith(MISMATCH)  # not pinned, so compared with the graph


def test_the_graph_comparison_is_skipped_only_for_a_credential_its_anchoring_pins(monkeypatch):
    calls: list[str] = []

    def counting(document: dict[str, Any], loader: Any) -> list[str]:
        calls.append(str(document.get("id")))
        return unsigned_fields(document, loader)

    monkeypatch.setattr("anchor.credentials.verify.unsigned_fields", counting)
    assert Verifier(anchored_chain(), now=NOW).verify(_batch()[1]).verified
    assert calls == []  # merkle_inclusion, anchored and issuer_accredited passed: the JSON is what was anchored
    unaccredited = anchored_chain()
    unaccredited.accredited = set()
    Verifier(unaccredited, now=NOW).verify(_batch()[1])
    assert calls == [_batch()[1]["id"]]
