"""The anchoring worker finds a batch's transaction again by its hash, never by the block the contract
recorded: on Arbitrum `block.number` (recorded by CredentialAnchor) is the parent chain's, not the block of
the receipt. Played on the embedded chain with a CredentialAnchor client whose recorded block is shifted."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from anchor.anchoring.batches import anchor_credentials
from anchor.anchoring.worker import anchor_due, batch_root, recheck_anchored
from anchor.chain.abi import RawLog
from anchor.chain.adapter import Chain
from anchor.chain.contracts import CredentialAnchorClient, Sender
from anchor.chain.deployment import deploy_contracts
from anchor.credentials.anchor_proofs import anchor_proofs_of, credential_hash, without_anchor_proofs
from anchor.credentials.issuance import CredentialIssuer
from anchor.credentials.model import Award, AwardingBody, Learner
from anchor.crypto.keys import SigningKey
from anchor.storage.store import Store, StoreStatusAllocator
from anchor.tools.bench import BENCH_SPEC
from anchor.types import BatchRecord, Root, TxReceipt

#: The block this fake's CredentialAnchor records for every batch: an earlier one, as Arbitrum's parent
#: chain's number is far behind its own (the deployment's first block: no BatchAnchored log in it).
PARENT_BLOCK = 1
KEY = SigningKey.generate()


class ParentBlockAnchor(CredentialAnchorClient):
    """CredentialAnchor as read on Arbitrum: the batch record's block is the parent chain's."""

    def batch(self, issuer: str, root: Root) -> BatchRecord:
        record = super().batch(issuer, root)
        return replace(record, anchored_block=PARENT_BLOCK) if record.anchored else record


class WorkerDied(BaseException):
    """The worker killed after the node accepted its transaction, before it read the receipt."""


class DiesAfterSending(ParentBlockAnchor):
    def anchor_batch(self, root: Root, *, sender: Sender, on_sent: Callable[[bytes], None] | None = None) -> TxReceipt:
        def sent_then_die(tx_hash: bytes) -> None:
            if on_sent is not None:
                on_sent(tx_hash)
            raise WorkerDied

        return super().anchor_batch(root, sender=sender, on_sent=sent_then_die)


@pytest.fixture(scope="module")
def chain_and_anchor() -> tuple[Chain, str]:
    chain = Chain.embedded()
    return chain, deploy_contracts(chain, deployer=chain.accounts[0]).credential_anchor


@pytest.fixture
def world(chain_and_anchor, tmp_path) -> Iterator[tuple[Chain, str, str, Store]]:
    chain, anchor_address = chain_and_anchor
    snapshot = chain.snapshot()
    issuer_account = chain.accounts[3]
    store = Store.open(f"sqlite:///{tmp_path / 'store.sqlite'}")
    allocator = StoreStatusAllocator(store, chain.chain_id, anchor_address, issuer_account)
    issuer = CredentialIssuer(AwardingBody(KEY.did, "U", "PT"), KEY, status=allocator)
    for number in range(3):
        signed = issuer.issue(BENCH_SPEC, Award(Learner(f"L{number}", f"l{number}@example.org"), datetime.now(UTC)))
        store.queue(signed, credential_hash(signed), issuer_account)
    yield chain, anchor_address, issuer_account, store
    chain.revert(snapshot)


def anchorings(chain: Chain, anchor_address: str) -> list[RawLog]:
    return [e.log for e in chain.events("CredentialAnchor", anchor_address) if e.event == "BatchAnchored"]


def test_a_worker_killed_after_sending_is_finished_from_the_transaction_hash(world):
    chain, anchor_address, issuer_account, store = world
    with pytest.raises(WorkerDied):
        anchor_due(store, DiesAfterSending(chain, anchor_address), issuer_account, force=True)
    (batch,) = store.open_batches(issuer_account)
    (logged,) = anchorings(chain, anchor_address)
    assert store.sent_transaction(batch) == logged.tx_hash  # recorded before the receipt was read

    arbitrum = ParentBlockAnchor(chain, anchor_address)
    root = Root.from_hex(batch.root)
    assert arbitrum.batch(issuer_account, root).anchored_block == PARENT_BLOCK != logged.block_number
    assert arbitrum.anchoring_receipt(issuer_account, root) is None  # the recorded block has no such log
    blocks = chain.block_number()

    (run,) = anchor_due(store, arbitrum, issuer_account, force=True)
    assert run.resumed and run.recorded
    assert (run.anchored.receipt.tx_hash, run.anchored.receipt.block_number) == (logged.tx_hash, logged.block_number)
    assert chain.block_number() == blocks and len(anchorings(chain, anchor_address)) == 1  # nothing sent again
    for credential in run.anchored.credentials:
        (proof,) = anchor_proofs_of(credential)
        assert proof["blockNumber"] == logged.block_number  # the receipt's block, not the recorded one
    assert store.open_batches(issuer_account) == []
    assert store.sent_transaction(batch) == logged.tx_hash


def test_a_sent_transaction_the_chain_never_saw_is_sent_again_once(world):
    chain, anchor_address, issuer_account, store = world
    batch = store.close_batch(issuer_account, max_size=10, max_age=None, force=True, root_of=batch_root)
    assert batch is not None
    store.record_sent(batch, b"\x11" * 32)  # accepted by a node that then lost it (never mined)
    (run,) = anchor_due(store, ParentBlockAnchor(chain, anchor_address), issuer_account)
    (logged,) = anchorings(chain, anchor_address)
    assert run.resumed and run.anchored.receipt.tx_hash == logged.tx_hash != b"\x11" * 32
    assert store.sent_transaction(batch) == logged.tx_hash


def test_the_reorg_recheck_on_arbitrum_compares_the_receipt_block_found_by_hash(world):
    chain, anchor_address, issuer_account, store = world
    arbitrum = ParentBlockAnchor(chain, anchor_address)
    (run,) = anchor_due(store, arbitrum, issuer_account, force=True)
    receipt = run.anchored.receipt
    assert recheck_anchored(store, arbitrum, issuer_account, block_number_is_parent=True) == []
    # As if the transaction had been re-mined one block later than recorded (a reorg):
    stale = [without_anchor_proofs(c) for c in run.anchored.credentials]
    moved = anchor_credentials(stale, arbitrum, sender=issuer_account, sent=receipt.tx_hash)
    store.record_anchored(run.batch, moved.credentials, chain_id=chain.chain_id, contract=anchor_address,
                          tx_hash="0x" + receipt.tx_hash.hex(), block_number=receipt.block_number - 1)  # fmt: skip
    (changed,) = recheck_anchored(store, arbitrum, issuer_account, block_number_is_parent=True)
    assert changed.id == run.batch.id
    ((_, block, tx),) = store.anchored_batches(issuer_account)
    assert (block, tx) == (receipt.block_number, "0x" + receipt.tx_hash.hex())  # the receipt's block again
    assert len(anchorings(chain, anchor_address)) == 1
