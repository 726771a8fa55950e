"""The anchoring worker: close due batches from the store, anchor them, record the proofs.

Restartable at any point. A batch is closed (its credentials and root fixed) in one database
transaction before anything is sent; anchoring a root that is already on-chain is reconciled from
its anchoring transaction instead of sent again (`anchor_credentials`); the anchored documents are
recorded with the batch in one transaction. So a crash before sending, after sending, or after
the receipt but before recording leaves a closed batch that the next run finishes — exactly once.

The anchoring transaction is found again by its hash, never by the block the contract recorded
(on Arbitrum `block.number` is the parent chain's): a transaction signed here is stored before it
is sent, and the hash of one a node signs is stored as soon as the node accepts it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from eth_account.signers.local import LocalAccount

from anchor.anchoring.batches import AnchoredBatch, anchor_credentials
from anchor.chain.contracts import CredentialAnchorClient
from anchor.credentials.anchor_proofs import credential_hash, without_anchor_proofs
from anchor.crypto.merkle import MerkleTree
from anchor.errors import CredAnchorError
from anchor.failpoints import AFTER_CLOSE, AFTER_RECEIPT, crash_point
from anchor.storage.store import Batch, Store
from anchor.types import Root

log = logging.getLogger(__name__)


class BatchMismatchError(CredAnchorError, RuntimeError):
    """A stored batch's credentials no longer hash to its recorded root (the store was edited)."""


def batch_root(documents: list[dict[str, Any]]) -> str:
    return "0x" + MerkleTree.build([credential_hash(d) for d in documents]).root.hex()


@dataclass(frozen=True)
class AnchorRun:
    batch: Batch
    anchored: AnchoredBatch
    resumed: bool
    #: False when the transaction has fewer confirmations than asked: not recorded yet (a later
    #: run records it, or anchors again if a reorg dropped it).
    recorded: bool = True


def recheck_anchored(
    store: Store,
    anchor: CredentialAnchorClient,
    issuer_account: str,
    *,
    depth: int = 64,
    block_number_is_parent: bool = False,
) -> list[Batch]:
    """Reorg check of the batches anchored in the last `depth` blocks (older ones are final).

    A batch whose root is no longer anchored on-chain is reopened (closed again, its credentials
    as signed) so that the next `anchor_due` anchors it again; a batch re-included in another
    block gets its proofs rewritten from the new transaction. Returns the batches changed.

    With `block_number_is_parent` (Arbitrum, whose EVM block.number is the parent chain's) the block the
    contract recorded is not the receipt's: the block of the recorded transaction's receipt, found by its
    hash, is compared instead.
    """
    latest = anchor.chain.block_number()
    changed = []
    for batch, block, tx_hash in store.anchored_batches(issuer_account, since_block=max(0, latest - depth)):
        root = Root.from_hex(batch.root)
        record = anchor.batch(issuer_account, root)
        if record.anchored and block_number_is_parent:
            receipt = anchor.sent_anchoring(issuer_account, root, bytes.fromhex(tx_hash.removeprefix("0x")))
            if receipt is not None and receipt.block_number == block:
                continue
        elif record.anchored and record.anchored_block == block:
            continue
        documents = [without_anchor_proofs(d) for d in store.documents(batch)]
        if not record.anchored:
            log.warning("batch %d: anchoring tx %s is gone (reorg); anchoring again", batch.id, tx_hash)
            store.reopen(batch, documents)
        else:
            log.warning("batch %d is no longer in block %d (reorg); updating its proofs", batch.id, block)
            _anchor(store, anchor, batch, documents)
        changed.append(batch)
    return changed


def anchor_due(
    store: Store,
    anchor: CredentialAnchorClient,
    issuer_account: str,
    *,
    max_size: int = 10_000,
    max_age: timedelta | None = None,
    force: bool = False,
    confirmations: int = 1,
    wait_seconds: float = 0,
    account: LocalAccount | None = None,
) -> list[AnchorRun]:
    """Finish batches left closed by an earlier run, then close and anchor every due batch.

    A batch is recorded as anchored once its transaction has `confirmations` blocks (its own
    included); up to `wait_seconds` are spent waiting for them. With `account` (the issuer's key)
    transactions are signed here — the worker owns the account's nonces — and each signed
    transaction is stored before it is sent, so a restart sends the very same one again.
    """
    if account is not None and account.address.lower() != issuer_account.lower():
        raise CredAnchorError(f"the signing account {account.address} is not the issuer account {issuer_account}")
    runs: list[AnchorRun] = []
    for earlier in store.open_batches(issuer_account):
        runs.append(_run(store, anchor, earlier, True, confirmations, wait_seconds, account))
        if not runs[-1].recorded:
            return runs  # the rest waits behind it, in order
    while True:
        batch = store.close_batch(issuer_account, max_size=max_size, max_age=max_age, force=force, root_of=batch_root)
        if batch is None:
            return runs
        crash_point(AFTER_CLOSE)
        runs.append(_run(store, anchor, batch, False, confirmations, wait_seconds, account))
        if not runs[-1].recorded:
            return runs


def _run(
    store: Store,
    anchor: CredentialAnchorClient,
    batch: Batch,
    resumed: bool,
    confirmations: int,
    wait_seconds: float,
    account: LocalAccount | None,
) -> AnchorRun:
    documents = store.documents(batch)
    anchored = _send(store, anchor, batch, documents, account)
    deadline = time.monotonic() + wait_seconds
    while anchor.chain.block_number() - anchored.receipt.block_number + 1 < confirmations:
        if time.monotonic() >= deadline:
            log.info("batch %d: waiting for %d confirmations", batch.id, confirmations)
            return AnchorRun(batch, anchored, resumed, recorded=False)
        time.sleep(1)
    _record(store, anchor, batch, anchored)
    return AnchorRun(batch, anchored, resumed)


def _anchor(
    store: Store, anchor: CredentialAnchorClient, batch: Batch, documents: list[dict[str, Any]] | None = None
) -> AnchoredBatch:
    anchored = _send(store, anchor, batch, documents if documents is not None else store.documents(batch), None)
    _record(store, anchor, batch, anchored)
    return anchored


def _send(
    store: Store,
    anchor: CredentialAnchorClient,
    batch: Batch,
    documents: list[dict[str, Any]],
    account: LocalAccount | None,
) -> AnchoredBatch:
    if batch_root(documents) != batch.root:
        raise BatchMismatchError(f"batch {batch.id}: its credentials do not hash to its root {batch.root}")
    if account is None:
        anchored = anchor_credentials(
            documents,
            anchor,
            sender=batch.issuer_account,
            sent=store.sent_transaction(batch),
            on_sent=lambda tx_hash: store.record_sent(batch, tx_hash),
        )
    else:
        anchored = anchor_credentials(
            documents,
            anchor,
            sender=account,
            signed=store.signed_transaction(batch),
            on_signed=lambda raw: store.record_signed(batch, raw),
        )
    crash_point(AFTER_RECEIPT)
    return anchored


def _record(store: Store, anchor: CredentialAnchorClient, batch: Batch, anchored: AnchoredBatch) -> None:
    store.record_anchored(
        batch,
        anchored.credentials,
        chain_id=anchor.chain.chain_id,
        contract=anchor.address,
        tx_hash="0x" + anchored.receipt.tx_hash.hex(),
        block_number=anchored.receipt.block_number,
    )
    log.info("batch %d anchored: root %s, tx 0x%s", batch.id, batch.root, anchored.receipt.tx_hash.hex())
