"""Merkle trees of credential batches, in OpenZeppelin's StandardMerkleTree convention.

A credential's *hash* is keccak256 of its JCS serialization with every anchor proof removed (the
issuer's proof stays in). Its *leaf* is keccak256(keccak256(abi.encode(bytes32 hash))) — the
double hash StandardMerkleTree uses so a leaf can never be mistaken for an inner node — and
pairs are hashed sorted, so OpenZeppelin's `MerkleProof.verify` (and
`CredentialAnchor.verifyCredential`) accept the proofs built here.

The tree is the one StandardMerkleTree builds: leaves sorted by hash, stored as a complete
binary tree in one array (leaves at the end, in reverse), root at index 0.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from sha3 import keccak_256 as _keccak_new  # type: ignore[import-untyped]  # safe-pysha3: C keccak, a million-leaf tree in seconds

from anchor.errors import ConfigurationError


def keccak(data: bytes) -> bytes:
    digest: bytes = _keccak_new(data).digest()
    return digest


def leaf_hash(credential_hash: bytes) -> bytes:
    """keccak256(bytes.concat(keccak256(abi.encode(credentialHash)))) — abi.encode of a bytes32 is itself."""
    return keccak(keccak(credential_hash))


def hash_pair(a: bytes, b: bytes) -> bytes:
    return keccak(a + b) if a < b else keccak(b + a)


class MerkleTree:
    """A built tree: `nodes[0]` is the root, the leaves sit at the end of `nodes` in reverse order."""

    def __init__(self, nodes: list[bytes], order: list[bytes]) -> None:
        self.nodes = nodes
        self._order = order  # credential hashes, in leaf order
        self._positions: dict[bytes, int] | None = None

    @classmethod
    def build(cls, credential_hashes: Sequence[bytes]) -> MerkleTree:
        if not credential_hashes:
            raise ConfigurationError("a Merkle tree needs at least one credential")
        if any(len(h) != 32 for h in credential_hashes):
            raise ConfigurationError("credential hashes are 32 bytes")
        new = _keccak_new  # local names: these loops run millions of times
        # Sorting leaf+hash byte strings is much faster than sorting tuples.
        ordered = sorted([new(new(h).digest()).digest() + h for h in credential_hashes])
        count = len(ordered)
        if any(map(bytes.__eq__, ordered, itertools.islice(ordered, 1, None))):  # sorted: twins are adjacent
            raise ConfigurationError("a batch holds the same credential twice")
        inner = count - 1
        nodes: list[bytes] = [b""] * inner + [entry[:32] for entry in reversed(ordered)]
        for i in range(inner - 1, -1, -1):
            a, b = nodes[2 * i + 1], nodes[2 * i + 2]
            nodes[i] = new(a + b if a < b else b + a).digest()
        return cls(nodes, [entry[32:] for entry in ordered])

    def __len__(self) -> int:
        return len(self._order)

    @property
    def root(self) -> bytes:
        return self.nodes[0]

    def leaf_index(self, credential_hash: bytes) -> int:
        """Where the credential's leaf sits in `nodes`."""
        if self._positions is None:
            last = len(self.nodes) - 1
            self._positions = {h: last - index for index, h in enumerate(self._order)}
        try:
            return self._positions[credential_hash]
        except KeyError:
            raise ConfigurationError(f"0x{credential_hash.hex()} is not in this tree") from None

    def proof(self, credential_hash: bytes) -> list[bytes]:
        """The sibling hashes from the credential's leaf up to the root."""
        return path_at(self.nodes, self.leaf_index(credential_hash))


def path_at(nodes: Sequence[bytes], index: int) -> list[bytes]:
    """The sibling hashes from `nodes[index]` up to the root of a tree stored as `MerkleTree.nodes`."""
    return [nodes[sibling] for sibling in sibling_indices(index)]


def sibling_indices(index: int) -> list[int]:
    """Where in `MerkleTree.nodes` the siblings on the path from `nodes[index]` up to the root sit."""
    path = []
    while index > 0:
        path.append(index - 1 if index % 2 == 0 else index + 1)
        index = (index - 1) // 2
    return path


def max_path_length(leaves: int) -> int:
    """The longest Merkle path of a tree of `leaves` leaves (its leaves sit at one or two depths)."""
    return (leaves - 1).bit_length()


def process_proof(credential_hash: bytes, proof: Sequence[bytes]) -> bytes:
    """The root a proof leads to (OpenZeppelin MerkleProof.processProof on the double-hashed leaf)."""
    node = leaf_hash(credential_hash)
    for sibling in proof:
        node = hash_pair(node, sibling)
    return node
