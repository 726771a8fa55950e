"""Anchoring a batch of signed credentials: one Merkle root on-chain, one anchor proof each.

The hash, the tree and the proof format are the credentials side's
(:mod:`anchor.credentials.anchor_proofs`, :mod:`anchor.crypto.merkle`); this module sends the
root and writes the proofs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from eth_account.signers.local import LocalAccount

from anchor.chain.contracts import CredentialAnchorClient
from anchor.credentials.anchor_proofs import anchor_proof, anchor_proofs_of, credential_hash, with_anchor_proof
from anchor.crypto.merkle import MerkleTree
from anchor.crypto.proofs import proofs_of
from anchor.errors import ConfigurationError, ContractRevertError, NonceTakenError
from anchor.failpoints import AFTER_SIGN, crash_point
from anchor.types import Root, TxReceipt


@dataclass(frozen=True)
class AnchoredBatch:
    root: Root
    receipt: TxReceipt
    anchored_at: int
    credentials: list[dict[str, Any]]


def anchor_credentials(
    credentials: Sequence[dict[str, Any]],
    anchor: CredentialAnchorClient,
    *,
    sender: str | LocalAccount,
    signed: bytes | None = None,
    on_signed: Callable[[bytes], None] | None = None,
    sent: bytes | None = None,
    on_sent: Callable[[bytes], None] | None = None,
) -> AnchoredBatch:
    """Anchor one batch and return the credentials with their anchor proofs added.

    Safe to retry: if this root was already anchored by `sender`, the proofs are built from the
    original anchoring transaction instead of anchoring again. With a local account, the signed
    transaction is handed to `on_signed` before it is sent (to be stored), and a stored one is
    passed back as `signed` to be sent again unchanged — same nonce, same hash, never a second one.
    From a node-managed account, the transaction's hash is handed to `on_sent` as soon as the node
    accepts it, and a stored one is passed back as `sent`: a retry finds that transaction's receipt by
    its hash (waiting while it is pending) before anything else. Finding it by hash matters where the
    contract's recorded block is not this chain's (Arbitrum's `block.number` is the parent chain's).
    """
    hashes, tree = _tree_of(credentials)
    root = Root(tree.root)
    address = sender if isinstance(sender, str) else str(sender.address)
    receipt = anchor.sent_anchoring(address, root, sent) if sent is not None else None
    if receipt is None:
        receipt = _anchor_or_find(anchor, root, sender, address, signed, on_signed, on_sent)
    return _with_proofs(credentials, hashes, tree, anchor, address, receipt)


def _anchor_or_find(
    anchor: CredentialAnchorClient,
    root: Root,
    sender: str | LocalAccount,
    address: str,
    signed: bytes | None,
    on_signed: Callable[[bytes], None] | None,
    on_sent: Callable[[bytes], None] | None,
) -> TxReceipt:
    try:
        if isinstance(sender, str):
            return anchor.anchor_batch(root, sender=sender, on_sent=on_sent)
        return _send_signed(anchor, root, sender, signed, on_signed)
    except ContractRevertError as exc:
        # Anchored before (a retry after a crash between the transaction and writing the proofs, its
        # hash unknown): the chain has the receipt, so the proofs can still be made — never a second
        # anchoring. Looked up in the block the contract recorded (not found on Arbitrum).
        found = anchor.anchoring_receipt(address, root) if exc.error == "CredentialAnchorRootExists" else None
        if found is None:
            raise
        return found


def _send_signed(
    anchor: CredentialAnchorClient,
    root: Root,
    account: LocalAccount,
    signed: bytes | None,
    on_signed: Callable[[bytes], None] | None,
) -> TxReceipt:
    chain = anchor.chain
    if signed is not None:
        receipt = chain.send_raw(signed, anchor.NAME, "anchorBatch")
        if receipt is not None:
            return receipt
        found = anchor.anchoring_receipt(str(account.address), root)
        if found is not None:
            return found  # anchored by a transaction sent some other way
        # The stored transaction's nonce went to another transaction: sign a fresh one.
    fresh = chain.sign(anchor.NAME, anchor.address, "anchorBatch", [root.value], account=account)
    if on_signed is not None:
        on_signed(fresh.raw)
    crash_point(AFTER_SIGN)
    receipt = chain.send_raw(fresh.raw, anchor.NAME, "anchorBatch")
    if receipt is None:
        raise NonceTakenError(f"the nonce of {account.address} was taken by another transaction: run again")
    return receipt


def _tree_of(credentials: Sequence[dict[str, Any]]) -> tuple[list[bytes], MerkleTree]:
    if not credentials:
        raise ConfigurationError("nothing to anchor: the batch is empty")
    for credential in credentials:
        if anchor_proofs_of(credential):
            raise ConfigurationError(f"credential {credential.get('id')} already carries an anchor proof")
        if not proofs_of(credential):
            raise ConfigurationError(f"credential {credential.get('id')} is not signed: sign it before anchoring")
    hashes = [credential_hash(c) for c in credentials]
    return hashes, MerkleTree.build(hashes)


def _with_proofs(
    credentials: Sequence[dict[str, Any]],
    hashes: list[bytes],
    tree: MerkleTree,
    anchor: CredentialAnchorClient,
    sender: str,
    receipt: TxReceipt,
) -> AnchoredBatch:
    root = Root(tree.root)
    anchored_at = anchor.chain.block_timestamp(receipt.block_number)
    anchored = [
        with_anchor_proof(
            credential,
            anchor_proof(
                anchored_at=anchored_at,
                chain_id=anchor.chain.chain_id,
                contract=anchor.address,
                anchored_by=sender,
                root=root,
                path=tree.proof(hashed),
                tx_hash=receipt.tx_hash,
                block_number=receipt.block_number,
            ),
        )
        for credential, hashed in zip(credentials, hashes, strict=True)
    ]
    return AnchoredBatch(root, receipt, anchored_at, anchored)
