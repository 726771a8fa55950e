"""The anchoring worker on both chains: batches from the store, resumed after a crash, exactly once."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from anchor.anchoring.batches import anchor_credentials
from anchor.anchoring.worker import BatchMismatchError, anchor_due, batch_root
from anchor.chain.view import ChainReader
from anchor.credentials.anchor_proofs import credential_hash
from anchor.credentials.issuance import CredentialIssuer
from anchor.credentials.model import Award, AwardingBody, Learner
from anchor.credentials.verify import Verifier
from anchor.crypto.keys import SigningKey
from anchor.crypto.merkle import keccak
from anchor.storage.store import Store, StoreStatusAllocator
from anchor.tools.bench import BENCH_SPEC

KEY = SigningKey.generate()


@pytest.fixture
def setup(env, tmp_path):
    env.registry.grant_body(env.body, sender=env.admin)
    env.registry.register_issuer(env.issuer, did=KEY.did, name="U", scope="x", sender=env.body)
    store = Store.open(f"sqlite:///{tmp_path / 'store.sqlite'}")
    allocator = StoreStatusAllocator(store, env.chain.chain_id, env.anchor.address, env.issuer)
    issuer = CredentialIssuer(AwardingBody(KEY.did, "U", "PT"), KEY, status=allocator)
    when = datetime(2026, 5, 1, tzinfo=UTC)
    for number in range(7):
        signed = issuer.issue(BENCH_SPEC, Award(Learner(f"L{number}", f"l{number}@example.org"), when))
        store.queue(signed, credential_hash(signed), env.issuer)
    return env, store


def test_due_batches_are_anchored_and_every_credential_verifies(setup):
    env, store = setup
    runs = anchor_due(store, env.anchor, env.issuer, max_size=3, force=True)
    assert [len(run.batch.credential_ids) for run in runs] == [3, 3, 1]
    assert not any(run.resumed for run in runs)
    verifier = Verifier(ChainReader(env.chain, env.registry.address))
    for run in runs:
        for credential in run.anchored.credentials:
            assert verifier.verify(credential).verified
            assert store.credential(credential["id"])[:2] == ("anchored", credential)
    assert anchor_due(store, env.anchor, env.issuer, force=True) == []


def test_nothing_is_closed_before_it_is_due(setup):
    env, store = setup
    assert anchor_due(store, env.anchor, env.issuer, max_size=100, max_age=timedelta(hours=1)) == []
    assert [len(r.batch.credential_ids) for r in anchor_due(store, env.anchor, env.issuer, max_size=5)] == [5]


def test_a_crash_after_the_transaction_is_finished_without_a_second_one(setup):
    env, store = setup
    batch = store.close_batch(env.issuer, max_size=10, max_age=None, force=True, root_of=batch_root)
    # The worker sent the transaction and died before recording it:
    sent = anchor_credentials(store.documents(batch), env.anchor, sender=env.issuer)
    blocks = env.chain.block_number()
    (run,) = anchor_due(store, env.anchor, env.issuer, force=True)
    assert run.resumed and run.anchored.receipt.tx_hash == sent.receipt.tx_hash
    assert env.chain.block_number() == blocks
    assert store.open_batches(env.issuer) == []


def test_a_crash_after_closing_before_sending_is_finished(setup):
    env, store = setup
    store.close_batch(env.issuer, max_size=10, max_age=None, force=True, root_of=batch_root)
    (run,) = anchor_due(store, env.anchor, env.issuer)
    assert run.resumed and len(run.anchored.credentials) == 7


def test_an_edited_store_is_refused_rather_than_anchored(setup):
    env, store = setup
    batch = store.close_batch(env.issuer, max_size=10, max_age=None, force=True, root_of=batch_root)
    with store.engine.begin() as connection:
        row = connection.execute(text("SELECT id, document FROM credentials LIMIT 1")).one()
        changed = json.loads(row.document) | {"name": "Edited"}
        connection.execute(
            text("UPDATE credentials SET document = :d WHERE id = :i"), {"d": json.dumps(changed), "i": row.id}
        )
    with pytest.raises(BatchMismatchError, match=f"batch {batch.id}"):
        anchor_due(store, env.anchor, env.issuer)


def test_a_batch_is_recorded_only_with_enough_confirmations(setup):
    env, store = setup
    (waiting,) = anchor_due(store, env.anchor, env.issuer, force=True, confirmations=3)
    assert not waiting.recorded and [b.id for b in store.open_batches(env.issuer)] == [waiting.batch.id]
    env.chain.mine()
    assert not anchor_due(store, env.anchor, env.issuer, confirmations=3)[0].recorded
    blocks = env.chain.block_number()
    env.chain.mine()
    (recorded,) = anchor_due(store, env.anchor, env.issuer, confirmations=3)
    assert recorded.recorded and recorded.resumed
    assert recorded.anchored.receipt.tx_hash == waiting.anchored.receipt.tx_hash  # sent once
    assert env.chain.block_number() == blocks + 1 and store.open_batches(env.issuer) == []


@pytest.fixture
def local(env, tmp_path):
    """An issuer that signs its own transactions: a local Ethereum key, funded, accredited."""
    from anchor.crypto.accounts import EthereumKey

    ethereum = EthereumKey.generate()
    raw = env.chain._w3.eth.send_transaction({"from": env.admin, "to": ethereum.address, "value": 10**18})
    env.chain._w3.eth.wait_for_transaction_receipt(raw)
    env.registry.grant_body(env.body, sender=env.admin)
    env.registry.register_issuer(ethereum.address, did=KEY.did, name="U", scope="x", sender=env.body)
    store = Store.open(f"sqlite:///{tmp_path / 'local.sqlite'}")
    allocator = StoreStatusAllocator(store, env.chain.chain_id, env.anchor.address, ethereum.address)
    issuer = CredentialIssuer(AwardingBody(KEY.did, "U", "PT"), KEY, status=allocator)
    for number in range(3):
        signed = issuer.issue(BENCH_SPEC, Award(Learner(f"L{number}"), datetime(2026, 5, 1, tzinfo=UTC)))
        store.queue(signed, credential_hash(signed), ethereum.address)
    return env, store, ethereum


def test_a_local_account_signs_its_own_anchoring(local):
    env, store, ethereum = local
    (run,) = anchor_due(store, env.anchor, ethereum.address, force=True, account=ethereum.account)
    assert run.recorded and run.anchored.receipt.gas_used <= 46_500
    verifier = Verifier(ChainReader(env.chain, env.registry.address))
    assert all(verifier.verify(c).verified for c in run.anchored.credentials)
    with pytest.raises(Exception, match="not the issuer account"):
        anchor_due(store, env.anchor, env.issuer, account=ethereum.account)


def test_a_crash_between_signing_and_sending_sends_the_stored_transaction(local, monkeypatch):
    env, store, ethereum = local
    import anchor.anchoring.batches as anchoring

    class Crash(Exception):
        pass

    def crash(point: str) -> None:
        if point == "after-sign":
            raise Crash

    monkeypatch.setattr(anchoring, "crash_point", crash)
    with pytest.raises(Crash):
        anchor_due(store, env.anchor, ethereum.address, force=True, account=ethereum.account)
    (batch,) = store.open_batches(ethereum.address)
    stored = store.signed_transaction(batch)
    assert stored is not None
    monkeypatch.setattr(anchoring, "crash_point", lambda point: None)
    (run,) = anchor_due(store, env.anchor, ethereum.address, account=ethereum.account)
    assert run.resumed and run.anchored.receipt.tx_hash == keccak(stored)  # the very same transaction
    # And sending it once more (a crash after sending) changes nothing.
    assert env.chain.send_raw(stored, "CredentialAnchor", "anchorBatch").tx_hash == keccak(stored)


def test_a_nonce_taken_by_another_transaction_is_a_transient_error_and_the_next_run_anchors(local, monkeypatch):
    """A revocation sent from the issuer's account between the worker's signing and sending takes the
    nonce: the worker's transaction is refused, which is a ChainError (`--watch` waits it out), and
    the next run signs again and anchors the batch once."""
    env, store, ethereum = local
    import anchor.anchoring.batches as anchoring
    from anchor.errors import ChainError, NonceTakenError

    def revoke_in_between(point: str) -> None:
        if point == "after-sign":
            env.anchor.revoke(0, [7], sender=ethereum.account)

    monkeypatch.setattr(anchoring, "crash_point", revoke_in_between)
    with pytest.raises(NonceTakenError, match="taken by another transaction") as caught:
        anchor_due(store, env.anchor, ethereum.address, force=True, account=ethereum.account)
    assert isinstance(caught.value, ChainError)
    monkeypatch.setattr(anchoring, "crash_point", lambda point: None)
    (run,) = anchor_due(store, env.anchor, ethereum.address, account=ethereum.account)
    assert run.recorded
    verifier = Verifier(ChainReader(env.chain, env.registry.address))
    assert all(verifier.verify(c).verified for c in run.anchored.credentials)
