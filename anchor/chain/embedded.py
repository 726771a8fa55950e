"""The embedded chain: an in-process eth-tester (py-evm), and the reads its RPC layer makes slow.

:meth:`anchor.chain.adapter.Chain.embedded` builds one; its reads of logs and transactions go
straight to py-evm's chain here, because eth-tester answers ``eth_getLogs`` and transaction
lookups with a scan of the whole chain. Results are the same types a JSON-RPC node's give.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from eth_utils.address import to_checksum_address
from web3 import Web3

from anchor.chain.abi import RawLog, RawTransaction
from anchor.recursion import restore_recursion_limit


def embedded_web3() -> Web3:
    """A fresh in-process eth-tester (py-evm) chain, pinned to the project's hardfork (cancun)."""
    from eth.vm.forks.cancun import CancunVM
    from eth_tester import EthereumTester, PyEVMBackend
    from web3 import EthereumTesterProvider

    backend = PyEVMBackend(vm_configuration=((0, CancunVM),))
    backend.chain.gas_estimator = _one_run_gas_estimate  # py-evm's default runs a transaction ~14 times
    w3 = Web3(EthereumTesterProvider(EthereumTester(backend)))
    # py-evm raised the limit for 1,024 nested EVM calls; credanchor's contracts nest two (anchor.recursion)
    restore_recursion_limit()
    return w3


def embedded_logs(backend: Any, addresses: set[str], first: int, last: int) -> list[RawLog]:
    """The logs emitted by `addresses` in blocks `first`..`last` of py-evm chain `backend`, in chain order."""
    wanted = {bytes.fromhex(a[2:]) for a in addresses}
    found = []
    for number in range(max(first, 0), last + 1):
        block = backend.get_canonical_block_by_number(number)
        log_index = 0
        for tx, receipt in zip(block.transactions, block.get_receipts(backend.chaindb), strict=True):
            for entry in receipt.logs:
                if entry.address in wanted:
                    found.append(
                        RawLog(
                            address=to_checksum_address(entry.address),
                            topics=tuple(topic.to_bytes(32, "big") for topic in entry.topics),
                            data=bytes(entry.data),
                            block_number=number,
                            tx_hash=bytes(tx.hash),
                            log_index=log_index,
                        )
                    )
                log_index += 1
    return found


def embedded_transactions(
    backend: Any, blocks: Mapping[bytes, int], head: int, *, senders: bool
) -> dict[bytes, RawTransaction]:
    """The transactions whose hashes are the keys of `blocks` (hash → its block), read from py-evm chain
    `backend` whose latest block is `head`; see :meth:`anchor.chain.adapter.Chain.transactions`."""
    wanted: dict[int, set[bytes]] = {}
    for tx_hash, block in blocks.items():
        wanted.setdefault(block, set()).add(bytes(tx_hash))
    result = {}
    for number in sorted(wanted):
        if not 0 <= number <= head:
            continue
        for tx in backend.get_canonical_block_by_number(number).transactions:
            if tx.hash in wanted[number]:
                result[bytes(tx.hash)] = RawTransaction(
                    tx_hash=bytes(tx.hash),
                    to=to_checksum_address(tx.to) if tx.to else None,
                    input=bytes(tx.data),
                    block_number=number,
                    sender=to_checksum_address(tx.sender) if senders else None,
                )
    return result


def _one_run_gas_estimate(state: Any, transaction: Any) -> int:
    """Gas estimate for the embedded chain from ONE execution at the block gas limit (py-evm's default is a
    binary search: a dozen executions). The gas spent before refunds, plus 1/63 for the gas a call keeps
    back, plus a margin; web3 adds its own 100,000 on top. A failing transaction raises as before."""
    from eth.vm.spoof import SpoofTransaction

    snapshot = state.snapshot()
    try:
        computation = state.apply_transaction(SpoofTransaction(transaction, gas=state.gas_limit, gas_price=0))
        if computation.is_error:
            raise computation.error
        spent = state.gas_limit - computation.get_gas_remaining()
    finally:
        state.revert(snapshot)
    return int(min(state.gas_limit, spent + spent // 63 + 10_000))
