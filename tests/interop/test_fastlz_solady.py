"""credanchor's FastLZ length (anchor.chain.fees, which prices OP Stack Fjord's L1 data fee) against the code
the chain runs: Solady's `LibZip.flzCompress` — the FastLZ level 1 that OP Stack's GasPriceOracle embeds —
compiled from the npm package `solady` as it ships, deployed on anvil and called with the same bytes.

The harness is three lines of ours around the library; nothing of Solady is changed. The inputs are the
signed transaction samples the comparison prices, the cases the algorithm treats apart (tiny inputs, literal
runs of 32, matches longer than 262 bytes, matches beyond the 8 KiB window) and random bytes with repeats.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from web3 import Web3

from anchor.chain.fees import fastlz_compressed_length, signed_transaction_sample
from anchor.chain.profiles import profile

ROOT = Path(__file__).resolve().parents[2]
LIBZIP = "solady/src/utils/LibZip.sol"
HARNESS = """// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;
import {LibZip} from "solady/src/utils/LibZip.sol";
contract FastLzLength {
    function compressedLength(bytes memory data) external pure returns (uint256) {
        return LibZip.flzCompress(data).length;
    }
}
"""


@pytest.fixture(scope="module")
def solady(anvil) -> Any:
    """Solady's flzCompress, compiled with the pinned solc and deployed on anvil."""
    spec = importlib.util.spec_from_file_location("compile_contracts", ROOT / "scripts" / "compile_contracts.py")
    assert spec is not None and spec.loader is not None
    compile_contracts = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(compile_contracts)
    library = compile_contracts.NODE_MODULES / LIBZIP
    assert library.is_file(), "npm ci installs solady (package.json)"
    compiled, _ = compile_contracts.run_compiler({
        "language": "Solidity",
        "sources": {"FastLzLength.sol": {"content": HARNESS}, LIBZIP: {"content": library.read_text()}},
        "settings": {"evmVersion": "cancun", "optimizer": {"enabled": True, "runs": 200},
                     "outputSelection": {"FastLzLength.sol": {"FastLzLength": ["abi", "evm.bytecode.object"]}}},
    })  # fmt: skip
    harness = compiled["contracts"]["FastLzLength.sol"]["FastLzLength"]
    w3 = Web3(Web3.HTTPProvider(anvil.url))
    factory = w3.eth.contract(abi=harness["abi"], bytecode=harness["evm"]["bytecode"]["object"])
    receipt = w3.eth.wait_for_transaction_receipt(factory.constructor().transact({"from": w3.eth.accounts[9]}))
    return w3.eth.contract(address=receipt["contractAddress"], abi=harness["abi"])


def repeat_at(distance: int) -> bytes:
    """b"QRS" at offset 2 and again `distance` bytes later, with nothing in between that FastLZ's hash table
    would file under the same slot (so the second finds the first, if it is within the window)."""
    target = _slot(b"QRS")
    data = bytearray(b"abQRS")
    state = 1
    while len(data) < 2 + distance:
        state = state * 1_103_515_245 + 12_345 & 0x7FFF_FFFF  # any bytes will do: these are reproducible
        byte = state >> 16 & 0xFF
        while _slot(bytes(data[-2:]) + bytes([byte])) == target:
            byte = (byte + 1) & 0xFF
        data.append(byte)
    return bytes(data) + b"QRS" + b"-and-a-tail-to-search"


def _slot(sequence: bytes) -> int:
    value = sequence[0] | sequence[1] << 8 | sequence[2] << 16
    return (value * 2_654_435_769 >> 19) & 8191


def solady_length(solady: Any, data: bytes) -> int:
    return int(solady.functions.compressedLength(data).call({"gas": 30_000_000}))


def test_the_fee_samples_and_the_edge_cases_compress_to_soladys_lengths(solady):
    window = bytes(range(256)) * 40  # 10,240 bytes: a repeat 256 bytes back, and the start 10 KiB back
    cases = {
        "empty": b"",
        "one byte": b"\x01",
        "three bytes": b"abc",
        "under the 13 bytes never searched": b"abcabcabcabca",
        "literal runs of 32 and more": b"".join(i.to_bytes(2, "big") for i in range(500)),
        "a match over 262 bytes": bytes(1000),
        "a long match then literals": bytes(700) + bytes(range(1, 200)),
        "beyond the window": window + b"\xff" * 9000 + window[:600],
        "a match of exactly 262 + 2": b"xyz" + b"\x07" * 264 + b"tail-of-literals",
        "a repeat 8,191 bytes back (the farthest a match reaches)": repeat_at(8_191),
        "a repeat 8,192 bytes back (out of reach)": repeat_at(8_192),
    }
    optimism = profile("optimism")
    for size in (0, 4, 36, 100, 1_000):  # calldata of the sizes the comparison's transactions carry
        data = bytes(range(7, 7 + size % 250)) * (size // 250 + 1)
        cases[f"a signed transaction with {size} bytes of calldata"] = signed_transaction_sample(
            optimism, "0x" + "22" * 20, data[:size], 60_000
        )
    ours = {name: fastlz_compressed_length(data) for name, data in cases.items()}
    assert ours == {name: solady_length(solady, data) for name, data in cases.items()}


_chunks = st.sampled_from([b"\x00" * 40, b"\xff" * 5, b"abc", b"0123456789abcdef" * 3, bytes(range(32))])
_pieces = st.one_of(st.binary(min_size=1, max_size=64), _chunks)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.one_of(st.binary(max_size=400), st.lists(_pieces, max_size=60).map(b"".join)))
def test_random_bytes_with_repeats_compress_to_soladys_lengths(solady, data):
    assert fastlz_compressed_length(data) == solady_length(solady, data)
