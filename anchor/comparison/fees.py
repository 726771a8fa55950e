"""The comparison's fee table: what the transactions it measured would cost on each chain profile.

Nothing here is measured on the public chains: the gas and the calldata are the comparison's own (sent on
the devchain), the prices are each profile's dated assumptions (anchor.chain.profiles, overridable), and
the fee is computed by anchor.chain.fees — the execution fee plus the L1 data fee where the chain charges
one. For an action of many transactions (minting every NFT, burning a hundred) the execution fee sums every
transaction's measured gas; the L1 data fee, which needs each signed transaction, is the mean of an evenly
spaced sample of at most `SAMPLE` of them times their number (the calldata of such transactions differs
only in a token id or a few metadata bytes).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from anchor.chain.adapter import Chain
from anchor.chain.fees import signed_transaction_sample, transaction_fee
from anchor.chain.profiles import ChainProfile
from anchor.types import TxReceipt

SAMPLE = 20
ACTIONS = {
    "issue": "issue the whole roster",
    "revoke_one": "revoke one credential",
    "revoke_bulk": "revoke the bulk set",
}


def chain_fee_table(
    chain: Chain,
    transactions: Mapping[str, Mapping[str, Sequence[TxReceipt]]],
    profiles: Sequence[ChainProfile],
    *,
    credentials: int,
    sizes: Sequence[int],
) -> dict[str, Any]:
    """For each profile, each mode and action: transactions, gas, signed bytes and fees (wei and currency);
    and the issuing cost per credential by batch size (anchored modes: one transaction per batch; NFTs: one
    per credential)."""
    calls = _calls(chain, transactions)
    chains = {}
    for chosen in profiles:
        fees = chosen.fees
        modes: dict[str, Any] = {}
        for mode, actions in transactions.items():
            modes[mode] = {action: _action_fee(chosen, receipts, calls) for action, receipts in actions.items()}
        by_size = {}
        for mode, actions in modes.items():
            issue = actions["issue"]["total_wei"]
            per_credential = (
                {n: issue / n for n in sizes} if mode != "nft" else dict.fromkeys(sizes, issue / credentials)
            )
            by_size[mode] = {str(n): _money(wei, fees.native_price) for n, wei in per_credential.items()}
        chains[chosen.name] = {
            "title": chosen.title, "chain_id": chosen.chain_id, "native": chosen.native,
            "fee_model": chosen.fee_model.value, "assumptions": fees.to_dict(), "modes": modes,
            "issue_cost_per_credential_by_batch_size": by_size,
        }  # fmt: skip
    return {
        "currency": profiles[0].fees.currency if profiles else "USD",
        "note": "computed from the measured gas and calldata at ASSUMED prices (each chain's `assumptions`, dated); "
        "not a quote",
        "sampled_transactions": SAMPLE,
        "chains": chains,
    }


def _calls(
    chain: Chain, transactions: Mapping[str, Mapping[str, Sequence[TxReceipt]]]
) -> dict[bytes, tuple[str | None, bytes]]:
    """The destination and calldata of every sampled transaction, by hash (one read of the chain)."""
    wanted = {
        receipt.tx_hash: receipt.block_number
        for actions in transactions.values()
        for receipts in actions.values()
        for receipt in _sample(receipts)
    }
    found = chain.transactions(wanted)
    return {tx_hash: (tx.to, tx.input) for tx_hash, tx in found.items()}


def _sample(receipts: Sequence[TxReceipt]) -> list[TxReceipt]:
    if len(receipts) <= SAMPLE:
        return list(receipts)
    step = len(receipts) / SAMPLE
    return [receipts[int(i * step)] for i in range(SAMPLE)]


def _action_fee(
    chosen: ChainProfile, receipts: Sequence[TxReceipt], calls: Mapping[bytes, tuple[str | None, bytes]]
) -> dict[str, Any]:
    gas = sum(r.gas_used for r in receipts)
    sampled = [
        transaction_fee(chosen, r.gas_used, signed_transaction_sample(chosen, *calls[r.tx_hash], r.gas_used))
        for r in _sample(receipts)
    ]
    count = len(receipts)
    l1 = sum(f.l1_data_wei for f in sampled) * count // len(sampled) if sampled else 0
    signed = sum(f.signed_bytes for f in sampled) * count // len(sampled) if sampled else 0
    execution = gas * (chosen.fees.base_fee_wei + chosen.fees.priority_fee_wei)
    return {
        "transactions": count, "gas": gas, "signed_bytes": signed, "execution_wei": execution,
        "l1_data_wei": l1, "total_wei": execution + l1,
        "total": _money(execution + l1, chosen.fees.native_price),
    }  # fmt: skip


def _money(wei: float, native_price: float) -> float:
    """`wei` in the assumed currency, to six significant digits (a cost per credential may be 1e-8)."""
    return float(f"{wei / 10**18 * native_price:.6g}")
