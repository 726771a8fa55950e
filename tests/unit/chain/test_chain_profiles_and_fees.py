"""Chain profiles (anchor.chain.profiles) and fee arithmetic (anchor.chain.fees) against hand-computed answers,
exact integers in wei; and the anchoring policy's depths per profile."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from anchor.anchoring.watch import AnchorPolicy
from anchor.chain.fees import (
    arbitrum_l1_fee,
    calldata_gas,
    ecotone_l1_fee,
    execution_fee,
    fastlz_compressed_length,
    fjord_l1_fee,
    signed_transaction_sample,
    transaction_fee,
)
from anchor.chain.profiles import (
    PROFILES,
    FeeModel,
    FeeParameters,
    check_chain_id,
    load_fee_overrides,
    profile,
    profile_for_chain_id,
    with_fees,
)
from anchor.errors import ConfigurationError

GWEI = 10**9
#: OP Mainnet's Ecotone scalars as assumed by its profile; an L1 base fee of 1 gwei and a blob base fee of 1 wei.
OP = FeeParameters(GWEI // 1000, GWEI // 1000, l1_base_fee_wei=GWEI, l1_blob_base_fee_wei=1, base_fee_scalar=5_227,
                   blob_base_fee_scalar=1_014_213)  # fmt: skip


def test_the_profiles_name_the_public_chains_by_their_eip155_ids():
    ids = {p.name: p.chain_id for p in PROFILES}
    assert ids == {"mainnet": 1, "sepolia": 11155111, "optimism": 10, "base": 8453, "arbitrum": 42161,
                   "polygon": 137, "anvil": 31337, "eth-tester": 131277322940537}  # fmt: skip
    assert profile("Ethereum").name == "mainnet" and profile("arbitrum-one").block_number_is_parent
    assert {profile(n).fee_model for n in ("optimism", "base")} == {FeeModel.OP_FJORD}
    assert profile_for_chain_id(8453) is profile("base") and profile_for_chain_id(5) is None
    with pytest.raises(ConfigurationError, match="unknown chain 'goerli': use one of mainnet, sepolia"):
        profile("goerli")


def test_an_rpc_serving_another_chain_is_refused():
    check_chain_id(profile("sepolia"), 11155111, "https://rpc.example")
    with pytest.raises(ConfigurationError, match=r"serves chain 10 \(optimism\), not base \(8453\)"):
        check_chain_id(profile("base"), 10, "https://rpc.example")


def test_the_execution_fee_is_gas_times_base_plus_priority_fee():
    # 45,646 gas (an anchorBatch) at 1 gwei + 0.1 gwei = 45,646 * 1,100,000,000 wei
    assert execution_fee(45_646, profile("mainnet").fees) == 50_210_600_000_000


def test_the_fjord_l1_fee_known_answers():
    # l1FeeScaled = 5227 * 1e9 * 16 + 1014213 * 1 = 83,632,001,014,213
    # size 200: -42,585,600 + 836,500 * 200 = 124,714,400 (above the floor of 100e6)
    # fee = 124,714,400 * 83,632,001,014,213 // 1e12 = 10,430,114,827
    assert fjord_l1_fee(200, OP) == 10_430_114_827
    # size 100: -42,585,600 + 83,650,000 = 41,064,400 -> the floor 100 * 1e6: 8,363,200,101.4213 -> 8,363,200,101
    assert fjord_l1_fee(100, OP) == 8_363_200_101
    assert fjord_l1_fee(0, OP) == 8_363_200_101
    assert fjord_l1_fee(200, replace(OP, l1_base_fee_wei=0, l1_blob_base_fee_wei=0)) == 0


def test_the_ecotone_l1_fee_known_answer():
    signed = bytes(10) + b"\x01" * 10
    assert calldata_gas(signed) == 10 * 4 + 10 * 16 == 200
    # 200 * (16 * 5227 * 1e9 + 1014213 * 1) // 16e6 = 16,726,400,202,842,600 // 16,000,000 = 1,045,400,012
    assert ecotone_l1_fee(signed, OP) == 1_045_400_012


def test_the_arbitrum_l1_component_is_16_units_a_compressed_byte():
    fees = FeeParameters(GWEI // 100, 0, l1_price_per_unit_wei=GWEI // 10)
    # Brotli at quality 0 writes the empty input as one byte: 16 units at 0.1 gwei
    assert arbitrum_l1_fee(b"", fees) == 16 * 1 * 100_000_000 == 1_600_000_000
    assert arbitrum_l1_fee(bytes(1000), fees) < arbitrum_l1_fee(bytes(range(256)) * 4, fees)  # zeros compress


def test_fastlz_lengths_known_answers():
    assert fastlz_compressed_length(b"") == 0
    assert fastlz_compressed_length(b"abc") == 4  # one literal run: a control byte and 3 bytes
    # no 3-byte sequence repeats: literals only, runs of 32 with a control byte each: 31 * 33 + (8 + 1)
    distinct = b"".join(i.to_bytes(2, "big") for i in range(500))
    assert fastlz_compressed_length(distinct) == 1032
    # 1000 zero bytes: 2 literals (3 bytes), one match of 993 bytes coded as 991 = 3 * 262 + 205 (3 * 3 + 3 bytes),
    # then the last 5 bytes as literals (6 bytes): 3 + 12 + 6
    assert fastlz_compressed_length(bytes(1000)) == 21


def test_a_transaction_fee_adds_the_l1_data_fee_of_the_signed_sample():
    chosen = profile("optimism")
    data = bytes.fromhex("a9059cbb") + bytes(12) + b"\x11" * 20 + (1000).to_bytes(32, "big")
    signed = signed_transaction_sample(chosen, "0x" + "22" * 20, data, 50_000)
    assert signed == signed_transaction_sample(chosen, "0x" + "22" * 20, data, 50_000)  # deterministic
    assert signed[0] == 2  # an EIP-1559 (type 2) transaction
    fee = transaction_fee(chosen, 50_000, signed)
    assert fee.execution_wei == 50_000 * (1_000_000 + 1_000_000) == 100_000_000_000
    assert fee.l1_data_wei == fjord_l1_fee(fastlz_compressed_length(signed), chosen.fees) > 0
    assert fee.total_wei == fee.execution_wei + fee.l1_data_wei
    assert transaction_fee(profile("polygon"), 50_000, signed).l1_data_wei == 0


def test_fee_parameters_can_be_overridden_from_a_file(tmp_path):
    path = tmp_path / "fees.json"
    path.write_text(json.dumps({"base": {"l1_base_fee_wei": 3 * GWEI, "assumed_on": "2027-01-15"}}))
    overrides = load_fee_overrides(path)
    base = with_fees(profile("base"), overrides)
    assert base.fees.l1_base_fee_wei == 3 * GWEI and base.fees.assumed_on == "2027-01-15"
    assert base.fees.base_fee_scalar == profile("base").fees.base_fee_scalar  # the rest kept
    assert with_fees(profile("optimism"), overrides) == profile("optimism")
    path.write_text(json.dumps({"base": {"l1_gas_price": 1}}))
    with pytest.raises(ConfigurationError, match=r"unknown fee parameters \['l1_gas_price'\]"):
        load_fee_overrides(path)
    path.write_text(json.dumps({"base": {"l1_base_fee_wei": "lots"}}))
    with pytest.raises(ConfigurationError, match="l1_base_fee_wei must be of type int"):
        load_fee_overrides(path)
    path.write_text(json.dumps({"base": {"l1_base_fee_wei": -1}}))
    with pytest.raises(ConfigurationError, match="must not be negative"):
        load_fee_overrides(path)


def test_the_anchoring_policy_takes_the_profiles_depths():
    default = AnchorPolicy()
    mainnet = default.for_profile(profile("mainnet"))
    assert (mainnet.confirmations, mainnet.reorg_depth) == (3, 64)
    arbitrum = default.for_profile(profile("arbitrum"))
    assert (arbitrum.reorg_depth, arbitrum.block_number_is_parent) == (7_200, True)
    given = default.for_profile(profile("base"), confirmations=5, reorg_depth=10)
    assert (given.confirmations, given.reorg_depth) == (5, 10)
    assert default.for_profile(None) == default
    # final only past the depth: anchored in block 100, re-checked while the chain is at 100..164
    assert not mainnet.is_final(100, 164) and mainnet.is_final(100, 165)
