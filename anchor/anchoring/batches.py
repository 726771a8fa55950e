"""Anchoring a batch of signed credentials: one Merkle root on-chain, one anchor proof each.

A credential's hash is keccak256 of its JCS serialization *without its anchor proofs* (the
issuer's proof stays in; when one proof remains it is written as an object, exactly as it was
signed). After the root is anchored, each credential gets an `EthereumMerkleAnchorProof` as one
more proof in its proof set (format: docs/anchor-proof.md).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from eth_account.signers.local import LocalAccount

from anchor.chain.contracts import CredentialAnchorClient
from anchor.crypto.jcs import canonicalize
from anchor.crypto.merkle import MerkleTree, keccak
from anchor.crypto.proofs import proofs_of
from anchor.errors import ConfigurationError, ContractRevertError, NonceTakenError
from anchor.failpoints import AFTER_SIGN, crash_point
from anchor.types import Root, TxReceipt, xsd_timestamp

ANCHOR_PROOF_TYPE = "EthereumMerkleAnchorProof"


def without_anchor_proofs(credential: dict[str, Any]) -> dict[str, Any]:
    """The credential as its issuer signed it: anchor proofs removed from its proof set."""
    kept = [p for p in proofs_of(credential) if not (isinstance(p, dict) and p.get("type") == ANCHOR_PROOF_TYPE)]
    document = {k: v for k, v in credential.items() if k != "proof"}
    if kept:
        document["proof"] = kept[0] if len(kept) == 1 else kept
    return document


def credential_hash(credential: dict[str, Any]) -> bytes:
    return keccak(canonicalize(without_anchor_proofs(credential)))


def anchor_proofs_of(credential: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in proofs_of(credential) if isinstance(p, dict) and p.get("type") == ANCHOR_PROOF_TYPE]


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
) -> AnchoredBatch:
    """Anchor one batch and return the credentials with their anchor proofs added.

    Safe to retry: if this root was already anchored by `sender`, the proofs are built from the
    original anchoring transaction instead of anchoring again. With a local account, the signed
    transaction is handed to `on_signed` before it is sent (to be stored), and a stored one is
    passed back as `signed` to be sent again unchanged — same nonce, same hash, never a second one.
    """
    hashes, tree = _tree_of(credentials)
    root = Root(tree.root)
    address = sender if isinstance(sender, str) else str(sender.address)
    try:
        if isinstance(sender, str):
            receipt = anchor.anchor_batch(root, sender=sender)
        else:
            receipt = _send_signed(anchor, root, sender, signed, on_signed)
    except ContractRevertError as exc:
        # Anchored before (a retry after a crash between the transaction and writing the proofs):
        # the chain has the receipt, so the proofs can still be made — never a second anchoring.
        found = anchor.anchoring_receipt(address, root) if exc.error == "CredentialAnchorRootExists" else None
        if found is None:
            raise
        receipt = found
    return _with_proofs(credentials, hashes, tree, anchor, address, receipt)


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
    created = xsd_timestamp(anchored_at)
    anchored = []
    for credential, hashed in zip(credentials, hashes, strict=True):
        proof = {
            "type": ANCHOR_PROOF_TYPE,
            "created": created,
            "chainId": anchor.chain.chain_id,
            "anchorContract": anchor.address,
            "anchoredBy": sender,
            "merkleRoot": root.hex(),
            "merklePath": ["0x" + node.hex() for node in tree.proof(hashed)],
            "transactionHash": "0x" + receipt.tx_hash.hex(),
            "blockNumber": receipt.block_number,
        }
        secured = copy.copy(credential)
        secured["proof"] = [*proofs_of(credential), proof]
        anchored.append(secured)
    return AnchoredBatch(root, receipt, anchored_at, anchored)
