"""Bulk status changes stay under the per-transaction gas cap: a request for more credentials than
one transaction may carry is split, every bit is set, and each transaction fits EIP-7825's cap.
A status change whose nonce another sender of the same account takes first is signed again."""

from __future__ import annotations

import secrets

import pytest

from anchor.anchoring.status_changes import MAX_INDICES_PER_TRANSACTION, change_status
from anchor.chain.adapter import NONCE_ATTEMPTS, Chain
from anchor.credentials.status import StatusLocation
from anchor.crypto.accounts import EthereumKey
from anchor.errors import ChainError, ConfigurationError
from anchor.types import Root, StatusPurpose

EIP_7825_TX_GAS_CAP = 2**24


def test_a_large_revocation_is_split_into_transactions_under_the_gas_cap(env):
    """The worst case: every credential in its own 256-bit status word (a fresh storage slot each)."""
    count = 2 * MAX_INDICES_PER_TRANSACTION + 76
    indices = [number * 256 for number in range(count)]
    credentials = [
        {"id": f"urn:uuid:{number}",
         "credentialStatus": StatusLocation(env.chain.chain_id, env.anchor.address, env.issuer, 3, index).entries()}
        for number, index in enumerate(indices)
    ]  # fmt: skip
    done = change_status(env.chain, credentials, "revoke", lambda issuer: issuer)
    assert [record["credentials"] for record in done] == [512, 512, 76]
    assert len({record["tx"] for record in done}) == 3
    assert max(record["gas_used"] for record in done) < EIP_7825_TX_GAS_CAP
    words = env.anchor.status_words(env.issuer, 3, StatusPurpose.REVOCATION, 0, count)
    assert all(word != 0 for word in words)
    assert env.anchor.status(env.issuer, 3, StatusPurpose.REVOCATION, indices[-1])
    assert not env.anchor.status(env.issuer, 3, StatusPurpose.REVOCATION, indices[-1] + 1)


@pytest.fixture
def own_account(env):
    """An issuer account whose key is held here (as the API and the anchoring writer hold it), funded."""
    ethereum = EthereumKey.generate()
    env.chain.send_value(env.admin, ethereum.address, 10**18)
    return ethereum.account


def steal_nonces(env, monkeypatch, account, times: int) -> list[int]:
    """After each of the next `times` signatures by `account`, another sender (the anchoring writer)
    takes that nonce with a transaction of its own; returns the nonces taken."""
    real_sign = Chain.sign
    taken: list[int] = []

    def sign(chain, *args, **kwargs):
        signed = real_sign(chain, *args, **kwargs)
        if kwargs["account"] is account and len(taken) < times and args[2] != "anchorBatch":
            taken.append(signed.nonce)
            env.anchor.anchor_batch(Root(secrets.token_bytes(32)), sender=account)
        return signed

    monkeypatch.setattr(Chain, "sign", sign)
    return taken


def test_a_revocation_whose_nonce_the_writer_took_is_signed_again_and_lands_once(env, own_account, monkeypatch):
    taken = steal_nonces(env, monkeypatch, own_account, times=2)
    credential = {"id": "urn:uuid:clash",
                  "credentialStatus": StatusLocation(env.chain.chain_id, env.anchor.address, own_account.address,
                                                     5, 42).entries()}  # fmt: skip
    (done,) = change_status(env.chain, [credential], "revoke", lambda issuer: own_account)
    assert len(taken) == 2 and taken[1] == taken[0] + 1  # each stolen nonce was followed by a fresh one
    nonce = env.chain._w3.eth.get_transaction_count(own_account.address)
    assert nonce == taken[0] + 3  # two anchorings and one revocation: nothing sent twice
    assert env.anchor.status(own_account.address, 5, StatusPurpose.REVOCATION, 42)
    assert env.chain._w3.eth.get_transaction(done["tx"])["nonce"] == taken[0] + 2


def test_a_sender_that_keeps_losing_its_nonce_gives_up_with_a_chain_error(env, own_account, monkeypatch):
    steal_nonces(env, monkeypatch, own_account, times=NONCE_ATTEMPTS)
    with pytest.raises(ChainError, match="nonce"):
        env.anchor.revoke(6, [1], sender=own_account)
    assert not env.anchor.status(own_account.address, 6, StatusPurpose.REVOCATION, 1)
    env.anchor.revoke(6, [1], sender=own_account)  # once the clash is over, the same call succeeds
    assert env.anchor.status(own_account.address, 6, StatusPurpose.REVOCATION, 1)


def test_entries_naming_another_contract_are_refused_before_anything_is_sent(env):
    """A stored credential whose entries name a contract that is not a CredentialAnchor (e.g. after a chain
    reset) is refused whole: nothing is sent to that address."""
    entries = StatusLocation(env.chain.chain_id, env.registry.address, env.issuer, 1, 9).entries()
    before = env.chain.block_number()
    with pytest.raises(ConfigurationError, match=rf"{env.registry.address} is not a CredentialAnchor contract"):
        change_status(env.chain, [{"id": "urn:uuid:x", "credentialStatus": entries}], "revoke", lambda who: who)
    assert env.chain.block_number() == before
