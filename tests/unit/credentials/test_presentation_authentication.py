"""Issue 19, item 4: a presentation's holder must authenticate with ONE proof that meets every condition.

That proof is by a key of the holder (its verificationMethod's controller is the holder), for
proofPurpose `authentication`, verified, and carries the challenge and the domain the verifier asked
for. Separate proofs that each meet one condition do not add up to it; a requested challenge or
domain without a proof fails; holder binding needs that proof (a holder named by an unsigned
presentation binds nothing). The VC API route's side is in tests/api/test_vc_api.py.
"""

from __future__ import annotations

from functools import cache, partial
from typing import Any

import pytest

from anchor.credentials.presentation import verify_presentation
from anchor.credentials.verify import Verifier
from anchor.crypto.jsonld import VC_V2
from anchor.crypto.keys import SigningKey
from anchor.crypto.proofs import JCS, RDFC, add_proof
from tests.unit.credentials.keys import key

issuer = partial(key, "issuer")
holder = partial(key, "holder")
stranger = partial(key, "stranger")


@cache
def credential() -> dict[str, Any]:
    unsigned = {"@context": [VC_V2], "type": ["VerifiableCredential"], "issuer": issuer().did,
                "credentialSubject": {"id": holder().did, "name": "Ana"}}  # fmt: skip
    return add_proof(unsigned, issuer())


def unsigned_vp() -> dict[str, Any]:
    return {"@context": [VC_V2], "type": ["VerifiablePresentation"], "holder": holder().did,
            "verifiableCredential": [credential()]}  # fmt: skip


def proof(vp: dict[str, Any], key: SigningKey, purpose: str = "authentication", **options: Any) -> dict[str, Any]:
    """`vp` with one more proof (a proof set: each proof signs the presentation without any proof)."""
    return add_proof(vp, key, proof_purpose=purpose, **options)


def verify(vp: dict[str, Any], **asked: Any) -> Any:
    return verify_presentation(vp, Verifier(None, profile="vc"), **asked)


def failing(report: Any) -> list[str]:
    return [c.name for c in report.checks if c.outcome.value == "fail"]


@pytest.mark.parametrize("suite", [RDFC, JCS])
def test_one_proof_by_the_holder_with_the_challenge_and_domain_verifies(suite):
    vp = proof(unsigned_vp(), holder(), challenge="c-1", domain="jobs.example", cryptosuite=suite)
    report = verify(vp, challenge="c-1", domain="jobs.example")
    assert report.verified, report.to_dict()
    assert report.check("holder_binding").outcome.value == "pass"


@pytest.mark.parametrize("asked", [{"challenge": "c-1"}, {"domain": "jobs.example"}])
def test_a_challenge_or_domain_asked_of_a_presentation_without_proof_fails(asked):
    report = verify(unsigned_vp(), require_proof=False, **asked)  # as the VC API's "presentation" member
    assert not report.verified
    assert report.check("presentation_proof").outcome.value == "fail"
    assert report.check(next(iter(asked))).outcome.value == "fail"


def test_a_proof_by_another_key_than_the_holders_fails():
    vp = proof(unsigned_vp(), stranger(), challenge="c-1")
    report = verify(vp, challenge="c-1")
    assert failing(report) == ["presentation_proof", "challenge", "holder_binding"]
    assert f"no proof was made by a key of the holder {holder().did}" in report.check("presentation_proof").reason


def test_the_holders_assertion_proof_and_a_strangers_authentication_proof_do_not_add_up():
    """Before: one proof was by the holder, another for authentication with the challenge — so it passed."""
    vp = proof(unsigned_vp(), holder(), purpose="assertionMethod", challenge="c-1")
    vp = proof(vp, stranger(), challenge="c-1")
    report = verify(vp, challenge="c-1")
    assert not report.verified
    assert "presentation_proof" in failing(report)


def test_two_holder_proofs_each_answering_one_option_do_not_add_up():
    vp = proof(unsigned_vp(), holder(), challenge="c-1")
    vp = proof(vp, holder(), domain="jobs.example")
    report = verify(vp, challenge="c-1", domain="jobs.example")
    assert not report.verified
    assert failing(report) == ["challenge", "domain"]
    assert "answered by different proofs" in report.check("challenge").reason


def test_a_proof_set_with_one_proof_answering_both_verifies():
    vp = proof(unsigned_vp(), holder(), challenge="c-1")
    vp = proof(vp, holder(), challenge="c-1", domain="jobs.example")
    assert verify(vp, challenge="c-1", domain="jobs.example").verified


def test_a_presentation_replayed_for_another_challenge_fails():
    vp = proof(unsigned_vp(), holder(), challenge="c-1", domain="jobs.example")
    report = verify(vp, challenge="c-2", domain="jobs.example")
    assert failing(report) == ["challenge"]
    assert "'c-1'" in report.check("challenge").reason and "replay" in report.check("challenge").reason


def test_holder_binding_needs_the_holders_proof_not_the_holders_name():
    report = verify(unsigned_vp(), require_proof=False)
    assert failing(report) == ["holder_binding"]
    assert report.check("presentation_proof").outcome.value == "not_applicable"


def test_a_presentation_naming_no_holder_binds_no_credential_whoever_signed_it():
    vp = {k: v for k, v in unsigned_vp().items() if k != "holder"}
    report = verify(proof(vp, stranger(), challenge="c-1"), challenge="c-1")
    assert failing(report) == ["holder_binding"]
