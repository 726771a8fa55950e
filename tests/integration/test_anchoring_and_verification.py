"""Issue → anchor → verify → revoke, on both chains, and every way a verification must fail."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest

from anchor import ConfigurationError
from anchor.anchoring.batches import anchor_credentials
from anchor.chain.view import ChainReader
from anchor.credentials.anchor_proofs import ANCHOR_PROOF_TYPE, credential_hash, without_anchor_proofs
from anchor.credentials.issuance import CredentialIssuer
from anchor.credentials.model import Award, AwardingBody, Learner
from anchor.credentials.status import LIST_SIZE, RandomStatusAllocator, read_entry
from anchor.credentials.verify import CHECKS, Outcome, Verifier
from anchor.crypto.keys import SigningKey
from anchor.tools.bench import BENCH_SPEC
from anchor.types import StatusPurpose

KEY = SigningKey.generate()
BODY = AwardingBody(KEY.did, "Universidade Exemplo", "PT", "Lisboa")


@pytest.fixture
def world(env):
    """An accredited issuer whose key is KEY, and a function issuing n credentials with status entries."""
    env.registry.grant_body(env.body, sender=env.admin)
    env.registry.register_issuer(env.issuer, did=KEY.did, name=BODY.name, scope="EQF 5", sender=env.body)
    allocator = RandomStatusAllocator(env.chain.chain_id, env.anchor.address, env.issuer)
    issuer = CredentialIssuer(BODY, KEY, status=allocator)

    def issue(count: int, start: int = 0) -> list[dict]:
        when = datetime(2026, 3, 1, tzinfo=UTC)
        return [
            issuer.issue(BENCH_SPEC, Award(Learner(f"Learner {i}", f"l{i}@example.org"), when, grade="B"))
            for i in range(start, start + count)
        ]

    env.issue = issue
    env.verifier = lambda **kw: Verifier(ChainReader(env.chain, env.registry.address), **kw)
    return env


def outcomes(report) -> dict[str, str]:
    return {c.name: c.outcome.value for c in report.checks}


def failing(report) -> list[str]:
    return [c.name for c in report.checks if c.outcome is Outcome.FAIL]


def anchored(world, count: int = 5) -> list[dict]:
    return anchor_credentials(world.issue(count), world.anchor, sender=world.issuer).credentials


def test_an_anchored_credential_verifies_with_every_check(world):
    credentials = anchored(world)
    report = world.verifier().verify(credentials[2])
    assert report.verified
    assert outcomes(report) == dict.fromkeys(CHECKS, "pass")
    assert [c.name for c in report.checks] == list(CHECKS)


def test_a_signed_but_never_anchored_credential(world):
    (credential,) = world.issue(1)
    report = world.verifier().verify(credential)
    assert outcomes(report)["signature"] == "pass"
    assert outcomes(report)["anchored"] == "fail" and not report.verified
    assert "never anchored" in report.check("anchored").reason


def test_a_changed_credential_fails_signature_and_inclusion(world):
    credential = copy.deepcopy(anchored(world)[0])
    credential["credentialSubject"]["result"][0]["value"] = "A+"
    report = world.verifier().verify(credential)
    assert set(failing(report)) == {"signature", "merkle_inclusion"}


def test_an_anchor_proof_taken_from_another_credential_does_not_fit(world):
    first, second = anchored(world, 2)
    swapped = {**without_anchor_proofs(first)}
    swapped["proof"] = [swapped["proof"], second["proof"][-1]]
    assert failing(world.verifier().verify(swapped)) == ["merkle_inclusion"]


def test_the_anchor_proof_does_not_change_the_credential_hash(world):
    (credential,) = world.issue(1)
    (secured,) = anchor_credentials([credential], world.anchor, sender=world.issuer).credentials
    assert credential_hash(secured) == credential_hash(credential)
    assert secured["proof"][-1]["type"] == ANCHOR_PROOF_TYPE and secured["proof"][:-1] == credential["proof"]


def test_revocation_suspension_and_reinstatement(world):
    credentials = anchored(world, 3)
    _, first = read_entry(credentials[0]["credentialStatus"][0])
    _, second = read_entry(credentials[1]["credentialStatus"][1])
    assert first.list_id == 1 and 0 <= first.index < LIST_SIZE
    world.anchor.revoke(first.list_id, [first.index], sender=world.issuer)
    world.anchor.suspend(second.list_id, [second.index], sender=world.issuer)
    verifier = world.verifier()
    assert failing(verifier.verify(credentials[0])) == ["revocation"]
    assert failing(verifier.verify(credentials[1])) == ["suspension"]
    assert verifier.verify(credentials[2]).verified
    world.anchor.reinstate(second.list_id, [second.index], sender=world.issuer)
    assert not verifier.verify(credentials[1]).verified  # a verifier caches what it read
    assert world.verifier().verify(credentials[1]).verified
    assert world.anchor.status(world.issuer, first.list_id, StatusPurpose.REVOCATION, first.index)


def test_revoking_the_batch_revokes_every_credential(world):
    batch = anchor_credentials(world.issue(3), world.anchor, sender=world.issuer)
    world.anchor.revoke_batch(batch.root, sender=world.issuer)
    verifier = world.verifier()
    for credential in batch.credentials:
        report = verifier.verify(credential)
        assert failing(report) == ["revocation"] and "whole batch" in report.check("revocation").reason


def test_accredited_at_anchor_time_passes_after_de_accreditation(world):
    credentials = anchored(world, 1)
    world.chain.advance_time(3600)
    world.registry.deaccredit(world.issuer, sender=world.body)
    world.chain.advance_time(60)
    assert world.verifier().verify(credentials[0]).verified  # history is not rewritten
    late = anchor_credentials(world.issue(1, start=10), world.anchor, sender=world.issuer).credentials
    report = world.verifier().verify(late[0])
    assert (
        failing(report) == ["issuer_accredited"]
        and "not accredited at the anchoring time" in report.check("issuer_accredited").reason
    )


def test_an_account_the_registry_does_not_bind_to_the_did(world):
    # The other issuer anchors a credential signed by KEY: the DID is bound to env.issuer, not to it.
    world.registry.register_issuer(
        world.other_issuer, did="did:web:other.example", name="O", scope="x", sender=world.body
    )
    credentials = anchor_credentials(world.issue(1), world.anchor, sender=world.other_issuer).credentials
    report = world.verifier().verify(credentials[0])
    # Its status lists are env.issuer's, not the anchoring account's: those checks fail too.
    assert failing(report) == ["issuer_accredited", "revocation", "suspension"]
    assert "does not bind" in report.check("issuer_accredited").reason


def test_an_anchor_proof_pointing_at_another_contract(world):
    credential = copy.deepcopy(anchored(world, 1)[0])
    credential["proof"][-1]["anchorContract"] = world.registry.address
    report = world.verifier().verify(credential)
    assert "anchored" in failing(report) and "not a CredentialAnchor" in report.check("anchored").reason


def test_an_anchor_proof_for_another_chain(world):
    credential = copy.deepcopy(anchored(world, 1)[0])
    credential["proof"][-1]["chainId"] = 1
    assert "anchored" in failing(world.verifier().verify(credential))


def test_without_a_trusted_registry_accreditation_fails_with_advice(world):
    report = Verifier(ChainReader(world.chain)).verify(anchored(world, 1)[0])
    assert failing(report) == ["issuer_accredited"] and "--registry" in report.check("issuer_accredited").reason


def test_without_a_chain_nothing_on_chain_passes(world):
    report = Verifier(None).verify(anchored(world, 1)[0])
    assert outcomes(report)["signature"] == "pass" and outcomes(report)["merkle_inclusion"] == "pass"
    assert {"anchored", "issuer_accredited"} <= set(failing(report))


def test_the_validity_period(world):
    credential = anchored(world, 1)[0]
    early = world.verifier(now=datetime(2026, 2, 1, tzinfo=UTC)).verify(credential)
    assert failing(early) == ["validity_period"]


def test_a_malformed_anchor_proof(world):
    credential = copy.deepcopy(anchored(world, 1)[0])
    credential["proof"][-1]["merkleRoot"] = "0x1234"
    report = world.verifier().verify(credential)
    assert {"merkle_inclusion", "anchored"} <= set(failing(report)) and "malformed" in report.check("anchored").reason


def test_anchoring_refuses_what_it_cannot_anchor(world):
    credentials = anchored(world, 1)
    with pytest.raises(ConfigurationError, match="already carries an anchor proof"):
        anchor_credentials(credentials, world.anchor, sender=world.issuer)
    unsigned = {k: v for k, v in without_anchor_proofs(credentials[0]).items() if k != "proof"}
    with pytest.raises(ConfigurationError, match="not signed"):
        anchor_credentials([unsigned], world.anchor, sender=world.issuer)
    with pytest.raises(ConfigurationError, match="empty"):
        anchor_credentials([], world.anchor, sender=world.issuer)


def test_a_retried_batch_is_not_anchored_again_and_gets_the_same_proofs(world):
    credentials = world.issue(2)
    first = anchor_credentials(credentials, world.anchor, sender=world.issuer)
    world.chain.advance_time(60)
    blocks = world.chain.block_number()
    again = anchor_credentials(credentials, world.anchor, sender=world.issuer)  # e.g. after a crash
    assert world.chain.block_number() == blocks  # no second transaction was mined
    assert again.receipt.tx_hash == first.receipt.tx_hash and again.credentials == first.credentials
    assert all(world.verifier().verify(c).verified for c in again.credentials)


def test_status_indices_are_random_and_distinct(world):
    allocator = RandomStatusAllocator(1, "0x" + "00" * 20, "0x" + "11" * 20)
    indices = [allocator.allocate().index for _ in range(2000)]
    assert len(set(indices)) == 2000
    assert max(indices) > LIST_SIZE // 2 and min(indices) < LIST_SIZE // 2  # spread over the list
    assert indices != sorted(indices)
    with pytest.raises(ConfigurationError, match="herd privacy"):
        RandomStatusAllocator(1, "0x", "0x", list_size=1024)


def test_one_verifier_reads_each_batch_and_status_chunk_once(world, monkeypatch):
    credentials = anchored(world, 4)
    verifier = world.verifier()
    calls: dict[str, int] = {}
    for name in ("batch", "status_words", "status"):
        original = getattr(type(world.anchor), name)

        def counted(self, *args, _original=original, _name=name):
            calls[_name] = calls.get(_name, 0) + 1
            return _original(self, *args)

        monkeypatch.setattr(type(world.anchor), name, counted)
    assert all(verifier.verify(c).verified for c in credentials)
    assert calls == {"batch": 1, "status_words": 2}  # one chunk per purpose, whatever the count


def test_a_status_list_that_is_not_the_issuers_own_fails(world):
    # An issuer whose credentials point at someone else's (empty) list could never be revoked.
    allocator = RandomStatusAllocator(world.chain.chain_id, world.anchor.address, world.other_issuer)
    issuer = CredentialIssuer(BODY, KEY, status=allocator)
    credential = issuer.issue(BENCH_SPEC, Award(Learner("X", "x@example.org"), datetime(2026, 3, 1, tzinfo=UTC)))
    (anchored_credential,) = anchor_credentials([credential], world.anchor, sender=world.issuer).credentials
    report = world.verifier().verify(anchored_credential)
    assert set(failing(report)) == {"revocation", "suspension"}
    assert "not the issuer's own" in report.check("revocation").reason


@pytest.mark.parametrize(
    ("field", "value"),
    [("anchorContract", "0x1234"), ("anchoredBy", 42), ("chainId", "one"), ("merklePath", None)],
)
def test_a_forged_anchor_proof_field_fails_a_check_instead_of_crashing(world, field, value):
    credential = copy.deepcopy(anchored(world, 1)[0])
    credential["proof"][-1][field] = value
    report = world.verifier().verify(credential)
    assert "anchored" in failing(report) and "malformed" in report.check("anchored").reason


def test_a_credential_status_in_another_shape_fails(world):
    credential = copy.deepcopy(anchored(world, 1)[0])
    credential["credentialStatus"] = {"@set": credential["credentialStatus"]}
    report = world.verifier().verify(credential)
    assert {"revocation", "suspension"} <= set(failing(report))


def test_status_entries_with_bad_coordinates_fail(world):
    credential = copy.deepcopy(anchored(world, 1)[0])
    credential["credentialStatus"][0]["statusContract"] = "not an address"
    credential["credentialStatus"][1]["statusListId"] = 2**40
    report = world.verifier().verify(credential)
    assert "malformed revocation entry" in report.check("revocation").reason
    assert "malformed suspension entry" in report.check("suspension").reason
