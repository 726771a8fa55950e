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
from array import array
from collections.abc import Iterable, Sequence

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


def leaf_hashes(credential_hashes: Iterable[bytes]) -> list[bytes]:
    """`leaf_hash` of each credential hash (a pipeline's workers make their leaves in parallel)."""
    new = _keccak_new  # a local name: this loop runs a million times in a large batch
    return [new(new(h).digest()).digest() for h in credential_hashes]


class MerkleTree:
    """A built tree: `nodes[0]` is the root, the leaves sit at the end of `nodes` in reverse order.

    `positions[k]` is where the k-th leaf given to `build` or `from_leaves` sits in `nodes`.
    """

    def __init__(self, nodes: list[bytes], positions: array[int], credential_hashes: Sequence[bytes] = ()) -> None:
        self.nodes = nodes
        self.positions = positions
        self._hashes = credential_hashes  # in the order given, when the tree was built from them
        self._by_hash: dict[bytes, int] | None = None

    @classmethod
    def build(cls, credential_hashes: Sequence[bytes]) -> MerkleTree:
        if not credential_hashes:
            raise ConfigurationError("a Merkle tree needs at least one credential")
        if any(len(h) != 32 for h in credential_hashes):
            raise ConfigurationError("credential hashes are 32 bytes")
        tree = cls.from_leaves(leaf_hashes(credential_hashes))
        tree._hashes = credential_hashes
        return tree

    @classmethod
    def from_leaves(cls, leaves: Sequence[bytes]) -> MerkleTree:
        """The tree over leaves already double-hashed (`leaf_hash`); `proof` and `leaf_index` need `build`."""
        if not leaves:
            raise ConfigurationError("a Merkle tree needs at least one credential")
        if any(len(leaf) != 32 for leaf in leaves):
            raise ConfigurationError("Merkle leaves are 32 bytes")
        count = len(leaves)
        order = sorted(range(count), key=leaves.__getitem__)
        ordered = [leaves[k] for k in order]
        if any(map(bytes.__eq__, ordered, itertools.islice(ordered, 1, None))):  # sorted: twins are adjacent
            raise ConfigurationError("a batch holds the same credential twice")
        inner = count - 1
        ordered.reverse()
        nodes: list[bytes] = [b""] * inner + ordered
        new = _keccak_new  # a local name: this loop runs a million times in a large batch
        for i in range(inner - 1, -1, -1):
            a, b = nodes[2 * i + 1], nodes[2 * i + 2]
            nodes[i] = new(a + b if a < b else b + a).digest()
        positions = array("q", bytes(8 * count))
        last = len(nodes) - 1
        for rank, k in enumerate(order):
            positions[k] = last - rank
        return cls(nodes, positions)

    def __len__(self) -> int:
        return len(self.positions)

    @property
    def root(self) -> bytes:
        return self.nodes[0]

    def leaf_index(self, credential_hash: bytes) -> int:
        """Where the credential's leaf sits in `nodes`."""
        if self._by_hash is None:
            if not self._hashes:
                raise ConfigurationError("this tree was built from its leaves: build it from the credential hashes")
            self._by_hash = dict(zip(self._hashes, self.positions, strict=True))
        try:
            return self._by_hash[credential_hash]
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
