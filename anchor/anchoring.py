"""Anchoring a batch of signed credentials: one Merkle root on-chain, one anchor proof each.

A credential's hash is keccak256 of its JCS serialization *without its anchor proofs* (the
issuer's proof stays in; when one proof remains it is written as an object, exactly as it was
signed). After the root is anchored, each credential gets an `EthereumMerkleAnchorProof` as one
more proof in its proof set (format: docs/anchor-proof.md).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .contracts import CredentialAnchorClient
from .errors import ConfigurationError, ContractRevertError
from .jcs import canonicalize
from .merkle import MerkleTree, keccak
from .proofs import proofs_of
from .types import Root, TxReceipt

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
    credentials: Sequence[dict[str, Any]], anchor: CredentialAnchorClient, *, sender: str
) -> AnchoredBatch:
    """Anchor one batch and return the credentials with their anchor proofs added.

    Safe to retry: if this root was already anchored by `sender`, the proofs are built from the
    original anchoring transaction instead of anchoring again.
    """
    if not credentials:
        raise ConfigurationError("nothing to anchor: the batch is empty")
    for credential in credentials:
        if anchor_proofs_of(credential):
            raise ConfigurationError(f"credential {credential.get('id')} already carries an anchor proof")
        if not proofs_of(credential):
            raise ConfigurationError(f"credential {credential.get('id')} is not signed: sign it before anchoring")
    hashes = [credential_hash(c) for c in credentials]
    tree = MerkleTree.build(hashes)
    root = Root(tree.root)
    try:
        receipt = anchor.anchor_batch(root, sender=sender)
    except ContractRevertError as exc:
        # Anchored before (a retry after a crash between the transaction and writing the proofs):
        # the chain has the receipt, so the proofs can still be made — never a second anchoring.
        found = anchor.anchoring_receipt(sender, root) if exc.error == "CredentialAnchorRootExists" else None
        if found is None:
            raise
        receipt = found
    anchored_at = anchor.chain.block_timestamp(receipt.block_number)
    created = datetime.fromtimestamp(anchored_at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
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
