"""Merkle trees in OpenZeppelin's StandardMerkleTree convention."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anchor import ConfigurationError
from anchor.crypto.merkle import MerkleTree, hash_pair, keccak, leaf_hash, leaf_hashes, path_at, process_proof

hashes = st.lists(st.binary(min_size=32, max_size=32), min_size=1, max_size=80, unique=True)


@given(hashes)
def test_every_proof_leads_to_the_root(credential_hashes):
    tree = MerkleTree.build(credential_hashes)
    for credential_hash in credential_hashes:
        assert process_proof(credential_hash, tree.proof(credential_hash)) == tree.root


@given(hashes, st.binary(min_size=32, max_size=32))
def test_a_stranger_does_not_fit(credential_hashes, stranger):
    tree = MerkleTree.build(credential_hashes)
    if stranger not in credential_hashes:
        assert all(process_proof(stranger, tree.proof(h)) != tree.root for h in credential_hashes)


@given(hashes)
def test_the_root_does_not_depend_on_the_order_of_the_batch(credential_hashes):
    assert MerkleTree.build(credential_hashes).root == MerkleTree.build(list(reversed(credential_hashes))).root


def test_the_openzeppelin_layout_for_three_leaves():
    """StandardMerkleTree: leaves sorted, stored reversed at the end; node i = hash(2i+1, 2i+2)."""
    credential_hashes = [bytes([i]) * 32 for i in (1, 2, 3)]
    leaves = sorted(leaf_hash(h) for h in credential_hashes)
    # tree = [root, n1, leaves[2], leaves[1], leaves[0]]; n1 = hash(leaves[1], leaves[0])
    n1 = hash_pair(leaves[1], leaves[0])
    assert MerkleTree.build(credential_hashes).root == hash_pair(n1, leaves[2])
    assert leaf_hash(credential_hashes[0]) == keccak(keccak(credential_hashes[0]))


def test_one_credential_is_its_own_root():
    tree = MerkleTree.build([b"\x07" * 32])
    assert tree.root == leaf_hash(b"\x07" * 32) and tree.proof(b"\x07" * 32) == []


@pytest.mark.parametrize(
    ("batch", "message"),
    [([], "at least one"), ([b"\x01" * 31], "32 bytes"), ([b"\x01" * 32, b"\x01" * 32], "twice")],
)
def test_bad_batches_are_refused(batch, message):
    with pytest.raises(ConfigurationError, match=message):
        MerkleTree.build(batch)


def test_a_proof_for_a_credential_not_in_the_tree_is_refused():
    with pytest.raises(ConfigurationError, match="not in this tree"):
        MerkleTree.build([b"\x01" * 32]).proof(b"\x02" * 32)


@given(hashes)
def test_a_tree_from_the_leaves_is_the_tree_from_the_hashes(credential_hashes):
    built = MerkleTree.build(credential_hashes)
    from_leaves = MerkleTree.from_leaves(leaf_hashes(credential_hashes))
    assert from_leaves.nodes == built.nodes
    assert list(from_leaves.positions) == [built.leaf_index(h) for h in credential_hashes]
    for credential_hash, position in zip(credential_hashes, from_leaves.positions, strict=True):
        assert process_proof(credential_hash, path_at(from_leaves.nodes, position)) == built.root


def test_a_tree_from_leaves_refuses_twins_and_short_leaves():
    with pytest.raises(ConfigurationError, match="twice"):
        MerkleTree.from_leaves([b"\x01" * 32, b"\x02" * 32, b"\x01" * 32])
    with pytest.raises(ConfigurationError, match="32 bytes"):
        MerkleTree.from_leaves([b"\x01" * 31])
    with pytest.raises(ConfigurationError, match="credential hashes"):
        MerkleTree.from_leaves([b"\x01" * 32]).leaf_index(b"\x01" * 32)


# Keccak-256 as Ethereum uses it (the original padding, not NIST SHA3-256): published vectors.
KECCAK_VECTORS = {
    b"": "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470",
    b"abc": "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45",
}


@pytest.mark.parametrize(("message", "digest"), KECCAK_VECTORS.items())
def test_keccak_known_vectors(message, digest):
    assert keccak(message).hex() == digest


@given(st.binary(max_size=10_000))
def test_keccak_agrees_with_pycryptodome(message):
    crypto_keccak = pytest.importorskip("Crypto.Hash.keccak")
    assert keccak(message) == crypto_keccak.new(data=message, digest_bits=256).digest()
