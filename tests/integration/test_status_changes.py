"""Bulk status changes stay under the per-transaction gas cap: a request for more credentials than
one transaction may carry is split, every bit is set, and each transaction fits EIP-7825's cap."""

from __future__ import annotations

from anchor.status import StatusLocation
from anchor.status_changes import MAX_INDICES_PER_TRANSACTION, change_status
from anchor.types import StatusPurpose

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
