"""What a transaction costs on a chain profile: the EIP-1559 execution fee plus, on a rollup, its L1 data fee.

Inputs are measured — the gas a transaction used and its calldata — and the profile's assumed prices
(:class:`~anchor.chain.profiles.FeeParameters`). All arithmetic is on integers in wei, as the chains do it:

* execution fee = gas used * (base fee + priority fee);
* OP Stack, Fjord (specs: "Fjord L1-Cost fee changes (FastLZ estimator)")::

      l1FeeScaled         = baseFeeScalar*l1BaseFee*16 + blobBaseFeeScalar*l1BlobBaseFee
      estimatedSizeScaled = max(minTransactionSize*1e6, intercept + fastlzCoef*fastlzSize)
      l1Fee               = estimatedSizeScaled * l1FeeScaled / 1e12

  where fastlzSize is the length of the FastLZ-compressed RLP-encoded signed transaction;
* OP Stack, Ecotone: l1Fee = calldataGas * (16*baseFeeScalar*l1BaseFee + blobBaseFeeScalar*l1BlobBaseFee) / 16e6,
  calldataGas counting 4 a zero byte and 16 any other byte of the signed transaction;
* Arbitrum Nitro: L1 component = 16 * len(brotli-0(signed transaction)) * L1 price per unit.

The signed transaction is not what a devchain measured (its accounts are unlocked, or the chain id
differs), so :func:`signed_transaction_sample` signs the measured calldata as an EIP-1559 transaction for
the profile's chain with a fixed throwaway key, fixed nonce and the profile's fee caps: deterministic,
and within a few bytes of a real one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import brotli
from eth_account import Account
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from anchor.chain.profiles import ChainProfile, FeeModel, FeeParameters

#: Fjord's constants (OP specs, fjord/exec-engine): intercept and FastLZ coefficient scaled by 1e6, size in bytes.
FJORD_INTERCEPT = -42_585_600
FJORD_FASTLZ_COEF = 836_500
FJORD_MIN_TRANSACTION_SIZE = 100
#: Arbitrum: L1 calldata units per byte of the compressed transaction (EIP-2028's non-zero byte cost).
ARBITRUM_UNITS_PER_BYTE = 16
#: The sample transaction's nonce: three RLP bytes, as an issuer's account that has sent a few thousand.
SAMPLE_NONCE = 4_096
_SAMPLE_KEY = keccak(b"credanchor fee estimate: a throwaway key that never holds funds")


@dataclass(frozen=True)
class TxFee:
    """The cost of one transaction in wei: execution plus L1 data, and what they came from."""

    gas_used: int
    signed_bytes: int
    execution_wei: int
    l1_data_wei: int

    @property
    def total_wei(self) -> int:
        return self.execution_wei + self.l1_data_wei


def execution_fee(gas_used: int, fees: FeeParameters) -> int:
    """EIP-1559: every unit of gas pays the base fee (burnt) plus the priority fee (the tip)."""
    return gas_used * (fees.base_fee_wei + fees.priority_fee_wei)


def fjord_l1_fee(fastlz_size: int, fees: FeeParameters) -> int:
    """The OP Stack Fjord L1 data fee of a transaction whose signed form FastLZ-compresses to `fastlz_size` bytes."""
    blob = fees.blob_base_fee_scalar * fees.l1_blob_base_fee_wei
    l1_fee_scaled = fees.base_fee_scalar * fees.l1_base_fee_wei * 16 + blob
    estimated_size_scaled = max(FJORD_MIN_TRANSACTION_SIZE * 10**6, FJORD_INTERCEPT + FJORD_FASTLZ_COEF * fastlz_size)
    return estimated_size_scaled * l1_fee_scaled // 10**12


def calldata_gas(data: bytes) -> int:
    """Ethereum's calldata gas (EIP-2028): 4 a zero byte, 16 any other."""
    zeros = data.count(0)
    return 4 * zeros + 16 * (len(data) - zeros)


def ecotone_l1_fee(signed: bytes, fees: FeeParameters) -> int:
    """The OP Stack Ecotone L1 data fee of the signed transaction `signed`."""
    weighted = 16 * fees.base_fee_scalar * fees.l1_base_fee_wei + fees.blob_base_fee_scalar * fees.l1_blob_base_fee_wei
    return calldata_gas(signed) * weighted // (16 * 10**6)


def arbitrum_l1_fee(signed: bytes, fees: FeeParameters) -> int:
    """Arbitrum's L1 component: 16 units a byte of the Brotli-compressed signed transaction, at the L1 unit price."""
    units = ARBITRUM_UNITS_PER_BYTE * len(brotli.compress(signed, quality=fees.brotli_quality))
    return units * fees.l1_price_per_unit_wei


def transaction_fee(chosen: ChainProfile, gas_used: int, signed: bytes) -> TxFee:
    """The cost on `chosen` of a transaction that used `gas_used` gas and is `signed` when sent."""
    fees = chosen.fees
    if chosen.fee_model is FeeModel.OP_FJORD:
        l1 = fjord_l1_fee(fastlz_compressed_length(signed), fees)
    elif chosen.fee_model is FeeModel.OP_ECOTONE:
        l1 = ecotone_l1_fee(signed, fees)
    elif chosen.fee_model is FeeModel.ARBITRUM:
        l1 = arbitrum_l1_fee(signed, fees)
    else:
        l1 = 0
    return TxFee(gas_used, len(signed), execution_fee(gas_used, fees), l1)


def signed_transaction_sample(chosen: ChainProfile, to: str | None, data: bytes, gas_used: int) -> bytes:
    """The measured call `data` to `to` as a signed EIP-1559 (type 2) transaction on `chosen`'s chain
    (see the module's docstring); the gas limit is the gas used plus a quarter, as a wallet would estimate."""
    fees = chosen.fees
    tx: dict[str, Any] = {
        "type": 2, "chainId": chosen.chain_id, "nonce": SAMPLE_NONCE, "gas": gas_used + gas_used // 4,
        "maxPriorityFeePerGas": fees.priority_fee_wei, "maxFeePerGas": 2 * fees.base_fee_wei + fees.priority_fee_wei,
        "value": 0, "data": data, "accessList": [],
    }  # fmt: skip
    if to is not None:
        tx["to"] = to_checksum_address(to)
    return bytes(Account.sign_transaction(tx, _SAMPLE_KEY).raw_transaction)


# -- FastLZ (level 1) compressed length --------------------------------------------------------------
# Written from the algorithm's description in fastlz.c (LZ77 over 3-byte sequences, an 8192-entry hash
# table, a window of 8192 bytes, literal runs of at most 32 bytes with one control byte each, a match coded
# in 2 bytes, or 3 when long, 262 bytes at most a code); only the output's length is needed, so nothing is
# emitted.

_HASH_LOG = 13
_WINDOW = 8_192
_MAX_COPY = 32
_MAX_MATCH_CODE = 262  # MAX_LEN (264) - 2: a code covers its length + 2 bytes


def _u24(data: bytes, i: int) -> int:
    return data[i] | data[i + 1] << 8 | data[i + 2] << 16


def _hash(sequence: int) -> int:
    return ((sequence * 2_654_435_769) >> (32 - _HASH_LOG)) & ((1 << _HASH_LOG) - 1)


def _literals_cost(run: int) -> int:
    """Bytes to emit `run` literal bytes: runs of 32 at most, each with one control byte."""
    return (_MAX_COPY + 1) * (run // _MAX_COPY) + (run % _MAX_COPY + 1 if run % _MAX_COPY else 0)


def _match_cost(code: int) -> int:
    """Bytes to emit a match coded as `code` (its length minus 2)."""
    cost = 0
    while code > _MAX_MATCH_CODE:
        cost += 3
        code -= _MAX_MATCH_CODE
    return cost + (2 if code < 7 else 3)


def _compare(data: bytes, p: int, q: int, end: int) -> int:
    """fastlz's flz_cmp: bytes from `p` and `q` compared until one differs (counted) or `q` reaches `end`."""
    start = p
    if data[p : p + 4] == data[q : q + 4]:
        p, q = p + 4, q + 4
    while q < end:
        differ = data[p] != data[q]
        p, q = p + 1, q + 1
        if differ:
            break
    return p - start


def fastlz_compressed_length(data: bytes) -> int:
    """The length of FastLZ level 1's compression of `data` (what the OP Stack's Fjord fee counts)."""
    size = len(data)
    limit, bound = size - 13, size - 4  # the last 13 bytes are never searched
    table = [0] * (1 << _HASH_LOG)
    anchor, i, out = 0, 2, 0
    while i < limit:
        while True:  # look for the current 3 bytes earlier in the window
            sequence = _u24(data, i)
            slot = _hash(sequence)
            reference, table[slot] = table[slot], i
            distance = i - reference
            if i >= limit:
                break
            i += 1
            if distance < _WINDOW and sequence == _u24(data, reference):
                break
        if i >= limit:
            break
        i -= 1
        if i > anchor:
            out += _literals_cost(i - anchor)
        code = _compare(data, reference + 3, i + 3, bound)
        out += _match_cost(code)
        i += code
        table[_hash(_u24(data, i))] = i
        table[_hash(_u24(data, i + 1))] = i + 1
        i += 2
        anchor = i
    return out + _literals_cost(size - anchor)
