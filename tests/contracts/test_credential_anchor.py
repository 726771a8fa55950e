"""CredentialAnchor on both chains: batches, status lists, isolation between issuers, gas."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anchor import BatchRecord, ContractRevertError, Root, StatusPurpose, pack_indices
from anchor.chain.contracts import MAX_LIST_ENTRIES
from anchor.crypto.merkle import MerkleTree, keccak

REVOCATION, SUSPENSION = StatusPurpose.REVOCATION, StatusPurpose.SUSPENSION
LIST = 7
ROOT = Root(bytes(range(1, 33)))
HERD_LIST_ENTRIES = 131_072  # W3C Bitstring Status List minimum
fixture_settings = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def reverts(action, error: str, **arguments) -> ContractRevertError:
    with pytest.raises(ContractRevertError) as caught:
        action()
    assert caught.value.error == error
    assert caught.value.arguments == arguments
    return caught.value


# -- batches ------------------------------------------------------------------------------------


def test_anchor_batch_records_time_and_block_under_the_sender(env):
    receipt = env.anchor.anchor_batch(ROOT, sender=env.issuer)
    record = env.anchor.batch(env.issuer, ROOT)
    assert record.anchored_at == env.chain.block_timestamp(receipt.block_number)
    assert record.anchored_block == receipt.block_number
    assert record.revoked_at == 0 and not record.revoked
    (event,) = receipt.events
    assert (event.name, event.args) == ("BatchAnchored", {"issuer": env.issuer, "root": ROOT.value})
    assert not env.anchor.batch(env.other_issuer, ROOT).anchored


def test_the_same_root_cannot_be_anchored_twice_by_one_sender(env):
    env.anchor.anchor_batch(ROOT, sender=env.issuer)
    reverts(lambda: env.anchor.anchor_batch(ROOT, sender=env.issuer), "CredentialAnchorRootExists", root=ROOT.value)


def test_roots_are_namespaced_by_sender(env):
    first = env.anchor.anchor_batch(ROOT, sender=env.issuer)
    env.chain.advance_time(60)
    second = env.anchor.anchor_batch(ROOT, sender=env.other_issuer)
    assert env.anchor.batch(env.issuer, ROOT).anchored_block == first.block_number
    assert env.anchor.batch(env.other_issuer, ROOT).anchored_block == second.block_number
    # One issuer revoking its batch leaves the other's untouched.
    env.anchor.revoke_batch(ROOT, sender=env.other_issuer)
    assert env.anchor.batch(env.other_issuer, ROOT).revoked
    assert not env.anchor.batch(env.issuer, ROOT).revoked


def test_the_zero_root_is_refused(env):
    reverts(lambda: env.anchor.anchor_batch(Root(bytes(32)), sender=env.issuer), "CredentialAnchorZeroRoot")


def test_revoke_batch(env):
    env.anchor.anchor_batch(ROOT, sender=env.issuer)
    env.chain.advance_time(3600)
    receipt = env.anchor.revoke_batch(ROOT, sender=env.issuer)
    record = env.anchor.batch(env.issuer, ROOT)
    assert record.revoked_at == env.chain.block_timestamp(receipt.block_number)
    assert record.anchored_at < record.revoked_at
    (event,) = receipt.events
    assert (event.name, event.args) == ("BatchRevoked", {"issuer": env.issuer, "root": ROOT.value})
    reverts(
        lambda: env.anchor.revoke_batch(ROOT, sender=env.issuer), "CredentialAnchorBatchAlreadyRevoked", root=ROOT.value
    )


def test_only_the_anchoring_sender_can_revoke_its_batch(env):
    env.anchor.anchor_batch(ROOT, sender=env.issuer)
    # Another address only ever reaches its own namespace, where the root is unknown.
    reverts(
        lambda: env.anchor.revoke_batch(ROOT, sender=env.other_issuer), "CredentialAnchorUnknownBatch", root=ROOT.value
    )
    assert not env.anchor.batch(env.issuer, ROOT).revoked


@fixture_settings
@given(root=st.binary(min_size=32, max_size=32).filter(any))
def test_any_root_round_trips(env, root):
    snapshot = env.chain.snapshot()
    try:
        assert not env.anchor.batch(env.issuer, Root(root)).anchored
        receipt = env.anchor.anchor_batch(Root(root), sender=env.issuer)
        assert env.anchor.batch(env.issuer, Root(root)).anchored_block == receipt.block_number
        reverts(
            lambda: env.anchor.revoke_batch(Root(root), sender=env.outsider), "CredentialAnchorUnknownBatch", root=root
        )
        reverts(lambda: env.anchor.anchor_batch(Root(root), sender=env.issuer), "CredentialAnchorRootExists", root=root)
    finally:
        env.chain.revert(snapshot)


# -- status lists -------------------------------------------------------------------------------


def test_revocation_sets_bits_and_is_permanent(env):
    receipt = env.anchor.revoke(LIST, [5, 1000], sender=env.issuer)
    (event,) = receipt.events
    assert (event.name, event.args) == ("CredentialsRevoked", {"issuer": env.issuer, "listId": LIST, "count": 2})
    assert env.anchor.status(env.issuer, LIST, REVOCATION, 5)
    assert env.anchor.status(env.issuer, LIST, REVOCATION, 1000)
    assert not env.anchor.status(env.issuer, LIST, REVOCATION, 6)
    # Reinstating only touches suspension bits: a revocation cannot be undone.
    env.anchor.reinstate(LIST, [5], sender=env.issuer)
    assert env.anchor.status(env.issuer, LIST, REVOCATION, 5)
    assert not env.anchor.status(env.issuer, LIST, SUSPENSION, 5)


def test_suspension_is_reversible(env):
    suspended = env.anchor.suspend(LIST, [42, 43], sender=env.issuer)
    assert [e.name for e in suspended.events] == ["CredentialsSuspended"]
    assert suspended.events[0].args == {"issuer": env.issuer, "listId": LIST, "count": 2}
    assert env.anchor.status(env.issuer, LIST, SUSPENSION, 42)
    assert not env.anchor.status(env.issuer, LIST, REVOCATION, 42)
    reinstated = env.anchor.reinstate(LIST, [42], sender=env.issuer)
    assert reinstated.events[0].name == "CredentialsReinstated"
    assert reinstated.events[0].args == {"issuer": env.issuer, "listId": LIST, "count": 1}
    assert not env.anchor.status(env.issuer, LIST, SUSPENSION, 42)
    assert env.anchor.status(env.issuer, LIST, SUSPENSION, 43)


def test_setting_a_bit_twice_is_harmless(env):
    env.anchor.revoke(LIST, [9], sender=env.issuer)
    env.anchor.revoke(LIST, [9], sender=env.issuer)
    env.anchor.reinstate(LIST, [10], sender=env.issuer)  # clearing a clear bit
    assert env.anchor.status_words(env.issuer, LIST, REVOCATION, 0, 1) == [1 << (255 - 9)]
    assert env.anchor.status_words(env.issuer, LIST, SUSPENSION, 0, 1) == [0]


def test_issuers_only_write_their_own_lists(env):
    env.anchor.revoke(LIST, [77], sender=env.issuer)
    env.anchor.suspend(LIST, [78], sender=env.other_issuer)
    assert env.anchor.status(env.issuer, LIST, REVOCATION, 77)
    assert not env.anchor.status(env.other_issuer, LIST, REVOCATION, 77)
    assert not env.anchor.status(env.issuer, LIST, SUSPENSION, 78)
    # The other issuer "reinstating" in the same list id clears only its own bit.
    env.anchor.suspend(LIST, [78], sender=env.issuer)
    env.anchor.reinstate(LIST, [78], sender=env.other_issuer)
    assert env.anchor.status(env.issuer, LIST, SUSPENSION, 78)


def test_lists_are_separate(env):
    env.anchor.revoke(1, [3], sender=env.issuer)
    assert env.anchor.status(env.issuer, 1, REVOCATION, 3)
    assert not env.anchor.status(env.issuer, 2, REVOCATION, 3)


def test_words_follow_the_w3c_bitstring_layout(env):
    """Index i is bit 255 - (i % 256) of word i // 256: the big-endian words are the W3C bitstring."""
    indices = [0, 7, 8, 255, 256, 300, HERD_LIST_ENTRIES - 1]
    env.anchor.revoke(LIST, indices, sender=env.issuer)
    words = env.anchor.status_words(env.issuer, LIST, REVOCATION, 0, HERD_LIST_ENTRIES // 256)
    bitstring = b"".join(word.to_bytes(32, "big") for word in words)
    assert len(bitstring) == 16 * 1024
    set_bits = [i for i in range(len(bitstring) * 8) if bitstring[i // 8] & (0x80 >> (i % 8))]
    assert set_bits == indices
    assert env.anchor.status_words(env.issuer, LIST, REVOCATION, 1, 1) == [(1 << 255) | (1 << (255 - 44))]


def test_the_largest_index(env):
    last = MAX_LIST_ENTRIES - 1
    env.anchor.suspend(LIST, [last], sender=env.issuer)
    assert env.anchor.status(env.issuer, LIST, SUSPENSION, last)
    assert env.anchor.status_words(env.issuer, LIST, SUSPENSION, last >> 8, 1) == [1]


@pytest.mark.parametrize("packed", [b"", b"\x00", b"\x00\x01", b"\x00\x00\x01\x02"])
@pytest.mark.parametrize("function", ["revoke", "suspend", "reinstate"])
def test_malformed_indices_are_refused(env, function, packed):
    reverts(
        lambda: env.chain.transact("CredentialAnchor", env.anchor.address, function, [LIST, packed], sender=env.issuer),
        "CredentialAnchorMalformedIndices",
        length=len(packed),
    )


@fixture_settings
@given(
    revoked=st.sets(st.integers(0, HERD_LIST_ENTRIES - 1), min_size=1, max_size=40),
    suspended=st.sets(st.integers(0, HERD_LIST_ENTRIES - 1), min_size=1, max_size=40),
    reinstated=st.sets(st.integers(0, HERD_LIST_ENTRIES - 1), min_size=1, max_size=40),
)
def test_status_matches_a_set_model(env, revoked, suspended, reinstated):
    snapshot = env.chain.snapshot()
    try:
        env.anchor.revoke(LIST, revoked, sender=env.issuer)
        env.anchor.suspend(LIST, suspended, sender=env.issuer)
        env.anchor.reinstate(LIST, reinstated, sender=env.issuer)
        for purpose, expected in ((REVOCATION, revoked), (SUSPENSION, suspended - reinstated)):
            words = env.anchor.status_words(env.issuer, LIST, purpose, 0, HERD_LIST_ENTRIES // 256)
            on_chain = {w * 256 + b for w, word in enumerate(words) for b in range(256) if word >> (255 - b) & 1}
            assert on_chain == expected
    finally:
        env.chain.revert(snapshot)


# -- gas (deterministic: same bytecode, same hardfork on both chains) ------------------------------


def test_anchor_batch_gas(env):
    gas = env.anchor.anchor_batch(ROOT, sender=env.issuer).gas_used
    assert gas <= 46_500  # peers on the same EVM: DocumentStore issue 47,886; EAS timestamp 45,857


def test_revoke_batch_gas_does_not_depend_on_batch_size(env):
    # The contract never learns a batch's size, so one write revokes 1 or 1,000,000 credentials.
    costs = set()
    for seed in range(3):
        root = Root(bytes([seed + 1]) * 32)
        env.anchor.anchor_batch(root, sender=env.issuer)
        costs.add(env.anchor.revoke_batch(root, sender=env.issuer).gas_used)
    assert len(costs) == 1 and costs.pop() <= 47_000


def test_revoking_one_credential_gas(env):
    empty_word = env.anchor.revoke(LIST, [1234], sender=env.issuer).gas_used
    shared_word = env.anchor.revoke(LIST, [1235], sender=env.issuer).gas_used
    assert empty_word <= 47_000  # DocumentStore revoke 47,980; EAS revoke 81,467
    assert shared_word <= 30_000


def test_bulk_revocation_of_100_random_credentials_gas(env):
    indices = random.Random(20260101).sample(range(HERD_LIST_ENTRIES), 100)
    gas = env.anchor.revoke(LIST, indices, sender=env.issuer).gas_used
    assert gas / 100 <= 23_000  # DocumentStore bulk revoke 24,465 per document


def test_bulk_revocation_gas_when_every_index_has_its_own_word(env):
    rng = random.Random(7)
    words = rng.sample(range(HERD_LIST_ENTRIES // 256), 100)
    indices = [w * 256 + rng.randrange(256) for w in words]
    gas = env.anchor.revoke(LIST, indices, sender=env.issuer).gas_used
    assert gas / 100 <= 23_000


def test_indices_cost_three_calldata_bytes_each():
    assert len(pack_indices(range(100))) == 300


# -- on-chain Merkle inclusion (OpenZeppelin MerkleProof) ---------------------------------------


@fixture_settings
@given(
    credential_hashes=st.lists(st.binary(min_size=32, max_size=32), min_size=1, max_size=40, unique=True),
    pick=st.integers(min_value=0),
)
def test_python_proofs_verify_on_chain(env, credential_hashes, pick):
    snapshot = env.chain.snapshot()
    try:
        tree = MerkleTree.build(credential_hashes)
        root = Root(tree.root)
        chosen = credential_hashes[pick % len(credential_hashes)]
        # Before anchoring the proof fits the root, but the root is not the issuer's: not included.
        assert env.anchor.verify_credential(env.issuer, root, chosen, tree.proof(chosen)) == (
            False,
            BatchRecord(0, 0, 0),
        )
        receipt = env.anchor.anchor_batch(root, sender=env.issuer)
        included, record = env.anchor.verify_credential(env.issuer, root, chosen, tree.proof(chosen))
        assert included and record.anchored_block == receipt.block_number
        assert not env.anchor.verify_credential(env.other_issuer, root, chosen, tree.proof(chosen))[0]
        if len(credential_hashes) > 1:
            assert not env.anchor.verify_credential(env.issuer, root, chosen, tree.proof(chosen)[:-1])[0]
        stranger = keccak(b"".join(credential_hashes))  # not one of the batch
        assert not env.anchor.verify_credential(env.issuer, root, stranger, tree.proof(chosen))[0]
    finally:
        env.chain.revert(snapshot)
