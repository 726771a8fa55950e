"""The anchor-proof format: what a credential carries once its batch root is on-chain (docs/anchor-proof.md).

A credential's hash is keccak256 of its JCS serialization *without its anchor proofs* (the
issuer's proof stays in; when one proof remains it is written as an object, exactly as it was
signed). After the root is anchored, each credential gets an `EthereumMerkleAnchorProof` as one
more proof in its proof set.

The format lives on the credentials side because both sides read it: anchoring
(:mod:`anchor.anchoring.batches`) writes it, verification and stacking read it. Nothing here
talks to a chain.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from anchor.crypto.jcs import canonicalize
from anchor.crypto.merkle import keccak, leaf_hash
from anchor.crypto.proofs import proofs_of
from anchor.types import Root, xsd_timestamp

ANCHOR_PROOF_TYPE = "EthereumMerkleAnchorProof"


def without_anchor_proofs(credential: dict[str, Any]) -> dict[str, Any]:
    """The credential as its issuer signed it: anchor proofs removed from its proof set."""
    kept = [p for p in proofs_of(credential) if not (isinstance(p, dict) and p.get("type") == ANCHOR_PROOF_TYPE)]
    document = {k: v for k, v in credential.items() if k != "proof"}
    if kept:
        document["proof"] = kept[0] if len(kept) == 1 else kept
    return document


def credential_hash(credential: dict[str, Any]) -> bytes:
    """keccak256 of the JCS serialization of the credential as its issuer signed it (its Merkle leaf's input)."""
    return signed_hash(without_anchor_proofs(credential))


def signed_hash(signed: dict[str, Any]) -> bytes:
    """The credential hash of a credential already cut down to what its issuer signed (`without_anchor_proofs`)."""
    return keccak(canonicalize(signed))


class PairHashes:
    """The root a Merkle path leads to (`anchor.crypto.merkle.process_proof`), with the hash of each
    sorted node pair remembered: the paths of one batch share their upper nodes, so verifying its
    credentials one after another hashes most pairs once instead of once per credential.

    Remembering the values of a pure function changes no answer (a property test compares it with
    `process_proof` on valid and tampered paths). At most `size` pairs are kept; when full, all are
    forgotten at once (atomic, so one instance may serve several threads).
    """

    def __init__(self, size: int = 1 << 14) -> None:  # ≈ 3 MB when full
        self._size = size
        self._parents: dict[bytes, bytes] = {}  # sorted pair (64 bytes) -> keccak256 of it

    def root_of(self, credential_hash: bytes, path: Sequence[bytes]) -> bytes:
        parents = self._parents
        node = leaf_hash(credential_hash)
        for sibling in path:
            pair = node + sibling if node < sibling else sibling + node
            parent = parents.get(pair)
            if parent is None:
                parent = keccak(pair)
                if len(parents) >= self._size:
                    parents.clear()
                parents[pair] = parent
            node = parent
        return node


def anchor_proofs_of(credential: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in proofs_of(credential) if isinstance(p, dict) and p.get("type") == ANCHOR_PROOF_TYPE]


def anchor_proof(
    *,
    anchored_at: int,
    chain_id: int,
    contract: str,
    anchored_by: str,
    root: Root,
    path: Sequence[bytes],
    tx_hash: bytes,
    block_number: int,
) -> dict[str, Any]:
    """One credential's anchor proof: where and when its batch `root` was anchored, and its Merkle `path`."""
    return {
        "type": ANCHOR_PROOF_TYPE,
        "created": xsd_timestamp(anchored_at),
        "chainId": chain_id,
        "anchorContract": contract,
        "anchoredBy": anchored_by,
        "merkleRoot": root.hex(),
        "merklePath": ["0x" + node.hex() for node in path],
        "transactionHash": "0x" + tx_hash.hex(),
        "blockNumber": block_number,
    }


def with_anchor_proof(credential: dict[str, Any], proof: dict[str, Any]) -> dict[str, Any]:
    """A shallow copy of `credential` with `proof` appended to its proof set (the original is left as it was)."""
    secured = copy.copy(credential)
    secured["proof"] = [*proofs_of(credential), proof]
    return secured
