"""Verification through anchor.credentials.chain_view, with an in-memory chain: no web3, no eth-tester.

The Verifier reads the chain only through a ChainView (anchor.chain.view.ChainReader over a real chain,
tests/integration/test_anchoring_and_verification.py). Here a fake holds the batches, status words and
registry answers, and counts the reads, so the Verifier's caching and its reasons can be checked in
milliseconds. The anchor proofs are written by anchor.credentials.anchor_proofs, as anchoring writes them.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from anchor.credentials.anchor_proofs import (
    ANCHOR_PROOF_TYPE,
    anchor_proof,
    anchor_proofs_of,
    credential_hash,
    with_anchor_proof,
    without_anchor_proofs,
)
from anchor.credentials.chain_view import ChainView
from anchor.credentials.issuance import CredentialIssuer
from anchor.credentials.model import Award, AwardingBody, Learner, MicroCredentialSpec
from anchor.credentials.status import RandomStatusAllocator, read_entry
from anchor.credentials.verify import CHECKS, Outcome, Verifier
from anchor.crypto.keys import SigningKey
from anchor.crypto.merkle import MerkleTree
from anchor.errors import ChainError
from anchor.types import BatchRecord, Root, StatusPurpose

CHAIN_ID = 31337
CONTRACT = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
ACCOUNT = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
ANCHORED_AT = 1_767_225_600  # 2026-01-01T00:00:00Z
SPEC = MicroCredentialSpec(
    title="Soldering Basics",
    description="Through-hole soldering to IPC-A-610 class 2.",
    learning_outcomes=("Solder a through-hole joint", "Inspect a joint against IPC-A-610"),
    assessment_type="Practical test",
    participation_form="onsite",
    quality_assurance="Internal QA reviewed by the national agency",
    workload_hours=25,
    ects_credits=1,
    eqf_level=3,
)


@dataclass
class InMemoryChain:
    """A ChainView over dictionaries; `reads` counts every call by name."""

    chain_id: int = CHAIN_ID
    anchors: set[str] = field(default_factory=lambda: {CONTRACT.lower()})
    batches: dict[tuple[str, bytes], BatchRecord] = field(default_factory=dict)
    bits: set[tuple[int, StatusPurpose, int]] = field(default_factory=set)
    dids: dict[str, str] | None = field(default_factory=dict)
    accredited: set[str] = field(default_factory=set)
    failing: bool = False
    reads: dict[str, int] = field(default_factory=dict)

    def _read(self, what: str) -> None:
        self.reads[what] = self.reads.get(what, 0) + 1
        if self.failing:
            raise ChainError("http://127.0.0.1:8545 is unreachable: is the chain running?")

    @property
    def has_registry(self) -> bool:
        return self.dids is not None

    def is_credential_anchor(self, contract: str) -> bool:
        self._read("code")
        return contract.lower() in self.anchors

    def batch(self, contract: str, issuer: str, root: Root) -> BatchRecord:
        self._read("batch")
        return self.batches.get((issuer.lower(), root.value), BatchRecord(0, 0, 0))

    def status_words(
        self, contract: str, issuer: str, list_id: int, purpose: StatusPurpose, first_word: int, count: int
    ) -> list[int]:
        self._read("words")
        words = [0] * count
        for bit_list, bit_purpose, index in self.bits:
            word = index // 256 - first_word
            if (bit_list, bit_purpose) == (list_id, purpose) and 0 <= word < count:
                words[word] |= 1 << (255 - index % 256)
        return words

    def issuer_by_did(self, did: str) -> str | None:
        self._read("did")
        assert self.dids is not None
        return self.dids.get(did)

    def is_accredited(self, issuer: str, timestamp: int) -> bool:
        self._read("accredited")
        return issuer in self.accredited and timestamp >= ANCHORED_AT


@cache
def _key() -> SigningKey:
    return SigningKey.generate()


def _issuer() -> CredentialIssuer:
    key = _key()
    allocator = RandomStatusAllocator(CHAIN_ID, CONTRACT, ACCOUNT)
    return CredentialIssuer(AwardingBody(key.did, "Escola Técnica", "PT"), key, status=allocator)


@cache
def _batch() -> tuple[dict[str, Any], ...]:
    issuer = _issuer()
    signed = [issuer.issue(SPEC, Award(Learner(f"Learner {i}"), datetime(2026, 1, 1, tzinfo=UTC))) for i in range(3)]
    hashes = [credential_hash(c) for c in signed]
    tree = MerkleTree.build(hashes)
    return tuple(
        with_anchor_proof(
            credential,
            anchor_proof(
                anchored_at=ANCHORED_AT,
                chain_id=CHAIN_ID,
                contract=CONTRACT,
                anchored_by=ACCOUNT,
                root=Root(tree.root),
                path=tree.proof(hashed),
                tx_hash=bytes(32),
                block_number=7,
            ),
        )
        for credential, hashed in zip(signed, hashes, strict=True)
    )


def anchored_chain() -> InMemoryChain:
    """The chain as it is after the batch was anchored by an accredited issuer bound to its DID."""
    root = Root.from_hex(anchor_proofs_of(_batch()[0])[0]["merkleRoot"])
    return InMemoryChain(
        batches={(ACCOUNT.lower(), root.value): BatchRecord(ANCHORED_AT, 7, 0)},
        dids={_key().did: ACCOUNT},
        accredited={ACCOUNT},
    )


def status_index(credential: dict[str, Any], purpose: str) -> tuple[int, int]:
    entry = next(e for e in credential["credentialStatus"] if e["statusPurpose"] == purpose)
    _, location = read_entry(entry)
    return location.list_id, location.index


def test_the_fake_is_a_chain_view():
    view: ChainView = anchored_chain()  # the Protocol is structural: this is what mypy checks for ChainReader
    assert view.chain_id == CHAIN_ID and view.has_registry


def test_an_anchored_credential_verifies_through_the_view_alone():
    report = Verifier(anchored_chain()).verify(_batch()[1])
    assert report.verified, report.to_dict()
    assert [c.name for c in report.checks] == list(CHECKS)
    assert {c.name for c in report.checks if c.outcome is Outcome.PASS} == set(CHECKS)
    assert report.check("anchored").reason == f"anchored by {ACCOUNT} at 2026-01-01T00:00:00Z (block 7)"


def test_the_anchor_proof_is_the_documented_format():
    credential = _batch()[0]
    (proof,) = anchor_proofs_of(credential)
    assert proof["type"] == ANCHOR_PROOF_TYPE == "EthereumMerkleAnchorProof"
    assert proof["created"] == "2026-01-01T00:00:00Z"
    assert (proof["chainId"], proof["anchorContract"], proof["anchoredBy"]) == (CHAIN_ID, CONTRACT, ACCOUNT)
    assert proof["transactionHash"] == "0x" + "00" * 32 and proof["blockNumber"] == 7
    # The issuer's proof is kept as it was signed, and the hash ignores the anchor proof.
    assert without_anchor_proofs(credential)["proof"] == credential["proof"][0]
    assert credential_hash(credential) == credential_hash(without_anchor_proofs(credential))


def test_chain_answers_are_read_once_per_verifier():
    chain = anchored_chain()
    verifier = Verifier(chain)
    assert all(verifier.verify(c).verified for c in _batch())
    # Three credentials of one batch: the contract code, the batch and the registry once; one chunk per list
    # and purpose (a fresh allocator may put the three credentials in one list, so at most two chunks).
    assert chain.reads["code"] == 1 and chain.reads["batch"] == 1
    assert chain.reads["did"] == 1 and chain.reads["accredited"] == 1
    assert chain.reads["words"] <= 2
    Verifier(chain).verify(_batch()[0])
    assert chain.reads["batch"] == 2  # a new Verifier reads again


@pytest.mark.parametrize(("purpose", "state"), [("revocation", "revoked"), ("suspension", "suspended")])
def test_a_set_status_bit_fails_its_check(purpose, state):
    credential = _batch()[2]
    list_id, index = status_index(credential, purpose)
    chain = anchored_chain()
    chain.bits.add((list_id, StatusPurpose[purpose.upper()], index))
    report = Verifier(chain).verify(credential)
    assert not report.verified
    assert report.check(purpose).reason == f"{state} (list {list_id}, index {index})"
    assert Verifier(chain).verify(_batch()[0]).check(purpose).outcome is Outcome.PASS  # other indices are clear


def test_a_revoked_batch_fails_revocation():
    chain = anchored_chain()
    ((key, record),) = chain.batches.items()
    chain.batches[key] = BatchRecord(record.anchored_at, record.anchored_block, ANCHORED_AT + 60)
    report = Verifier(chain).verify(_batch()[0])
    assert report.check("revocation").reason == "the whole batch was revoked at 2026-01-01T00:01:00Z"


def test_without_a_registry_accreditation_fails_and_says_what_to_pass():
    chain = anchored_chain()
    chain.dids = None
    report = Verifier(chain).verify(_batch()[0])
    assert report.check("issuer_accredited").outcome is Outcome.FAIL
    assert "pass its address (--registry)" in report.check("issuer_accredited").reason
    assert "did" not in chain.reads  # the registry is never asked


def test_an_unbound_or_unaccredited_issuer_fails():
    unbound = anchored_chain()
    unbound.dids = {}
    reason = Verifier(unbound).verify(_batch()[0]).check("issuer_accredited").reason
    assert reason == f"the registry does not bind {_key().did} to the anchoring account {ACCOUNT}"
    unaccredited = anchored_chain()
    unaccredited.accredited = set()
    reason = Verifier(unaccredited).verify(_batch()[0]).check("issuer_accredited").reason
    assert reason == f"{_key().did} was not accredited at the anchoring time 2026-01-01T00:00:00Z"


def test_a_look_alike_contract_and_another_chain_fail_anchored():
    fake = anchored_chain()
    fake.anchors = set()
    assert Verifier(fake).verify(_batch()[0]).check("anchored").reason == (
        f"{CONTRACT} is not a CredentialAnchor contract (its code differs)"
    )
    elsewhere = anchored_chain()
    elsewhere.chain_id = 1
    assert Verifier(elsewhere).verify(_batch()[0]).check("anchored").reason == (
        f"anchored on chain {CHAIN_ID}, but the RPC serves chain 1"
    )


def test_an_unreadable_chain_fails_the_chain_checks_with_the_reason():
    chain = anchored_chain()
    chain.failing = True
    report = Verifier(chain).verify(_batch()[0])
    assert report.check("merkle_inclusion").outcome is Outcome.PASS  # offline: still checked
    assert report.check("anchored").reason.startswith("cannot read the chain: http://127.0.0.1:8545 is unreachable")


def test_verification_loads_no_chain_library():
    probe = "import sys, anchor.credentials.verify, anchor.credentials.chain_view; print('web3' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=Path(__file__).resolve().parents[3],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "False"
