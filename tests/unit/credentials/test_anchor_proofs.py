"""anchor.credentials.anchor_proofs: the remembered pair hashes give the root process_proof gives."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from anchor.credentials.anchor_proofs import PairHashes, credential_hash, signed_hash, without_anchor_proofs
from anchor.crypto.merkle import MerkleTree, process_proof

HASH = st.binary(min_size=32, max_size=32)
BATCHES = st.lists(HASH, min_size=1, max_size=70, unique=True)


def _tampered(path: list[bytes], position: int, byte: int) -> list[bytes]:
    changed = list(path)
    node = bytearray(changed[position])
    node[byte % 32] ^= 0x01
    changed[position] = bytes(node)
    return changed


@settings(max_examples=200)
@given(BATCHES, st.data(), st.integers(1, 64))
def test_the_remembered_root_is_process_proofs_for_valid_and_tampered_paths(batch, data, size):
    """One PairHashes across a whole batch (small sizes: forgetting mid-batch): valid paths, tampered
    leaves, tampered siblings, another credential's path, truncated and extended paths."""
    tree = MerkleTree.build(batch)
    pairs = PairHashes(size=size)
    cases = []
    for leaf in batch:
        path = tree.proof(leaf)
        cases.append((leaf, path))
        cases.append((_tampered([leaf], 0, data.draw(st.integers(0, 31)))[0], path))
        if path:
            position = data.draw(st.integers(0, len(path) - 1))
            cases.append((leaf, _tampered(path, position, data.draw(st.integers(0, 31)))))
            cases.append((leaf, path[:-1]))
        cases.append((leaf, tree.proof(data.draw(st.sampled_from(batch)))))
        cases.append((leaf, [*path, data.draw(HASH)]))
    for leaf, path in cases + cases:  # twice: the second time from what was remembered
        assert pairs.root_of(leaf, path) == process_proof(leaf, path)
    valid = [(leaf, tree.proof(leaf)) for leaf in batch]
    assert all(pairs.root_of(leaf, path) == tree.root for leaf, path in valid)


def test_at_most_size_pairs_are_remembered():
    batch = [bytes([i]) * 32 for i in range(40)]
    tree = MerkleTree.build(batch)
    pairs = PairHashes(size=8)
    for leaf in batch:
        assert pairs.root_of(leaf, tree.proof(leaf)) == tree.root
        assert len(pairs._parents) <= 8


def test_signed_hash_is_the_credential_hash_of_the_credential_it_was_cut_from():
    issuer_proof = {"type": "DataIntegrityProof", "cryptosuite": "eddsa-jcs-2022", "proofValue": "z1"}
    anchor_proof = {"type": "EthereumMerkleAnchorProof", "merkleRoot": "0x" + "00" * 32}
    credential = {"id": "urn:x", "proof": [issuer_proof, anchor_proof]}
    assert signed_hash(without_anchor_proofs(credential)) == credential_hash(credential)
    assert without_anchor_proofs(credential)["proof"] == issuer_proof
