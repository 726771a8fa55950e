"""Chain profiles: the networks credanchor knows by name, with what differs between them.

A profile is data only — the EIP-155 chain id that an RPC endpoint must report, how many blocks make a
transaction safe to record and how many make it final, how the chain charges a transaction (its fee
model) and the fee parameters the cost estimates assume. No profile names a block explorer or its API:
credanchor reads a chain through JSON-RPC only (Blockcerts verifiers broke when the explorer APIs they
depended on changed).

Fee parameters (:class:`FeeParameters`) are ASSUMPTIONS, each dated: they are orders of magnitude for a
workshop's "what would this cost us?", never a quote. They are read from no network; override them with a
JSON file (``credanchor compare --fee-params FILE``, :func:`load_fee_overrides`) holding current values
(docs/networks.md says which RPC call answers each).

Arbitrum's EVM ``block.number`` is the parent chain's (an approximate L1 block number), so the block a
CredentialAnchor records for a batch is not the L2 block its receipt names
(:attr:`ChainProfile.block_number_is_parent`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

from anchor.errors import ConfigurationError

#: When the fee parameters below were set (they were not looked up live: see the module's docstring).
ASSUMED_ON = "2026-12-03"
GWEI = 10**9


class FeeModel(StrEnum):
    """How a chain charges a transaction, beyond gas * gas price."""

    #: EIP-1559 execution fee only (gas used * (base fee + priority fee)).
    EIP1559 = "eip1559"
    #: OP Stack after Fjord: plus an L1 data fee from the FastLZ-compressed size of the signed transaction.
    OP_FJORD = "op-stack-fjord"
    #: OP Stack Ecotone: plus an L1 data fee from the signed transaction's calldata gas (4 a zero byte, 16 others).
    OP_ECOTONE = "op-stack-ecotone"
    #: Arbitrum Nitro: plus an L1 component, 16 units a byte of the Brotli-0-compressed signed transaction.
    ARBITRUM = "arbitrum"


@dataclass(frozen=True)
class FeeParameters:
    """What the fee estimate assumes for one chain; every amount in wei (of the chain's native coin).

    The OP Stack scalars are scaled by 1e6 as the chain's GasPriceOracle reports them.
    """

    base_fee_wei: int
    priority_fee_wei: int
    #: Price of one native coin (ETH, POL) in `currency`; 0 for a testnet or devchain coin.
    native_price: float = 0.0
    currency: str = "USD"
    #: OP Stack: the L1 base fee and blob base fee the chain last saw, and its scalars.
    l1_base_fee_wei: int = 0
    l1_blob_base_fee_wei: int = 0
    base_fee_scalar: int = 0
    blob_base_fee_scalar: int = 0
    #: Arbitrum: the L1 price per calldata unit (ArbGasInfo.getL1BaseFeeEstimate).
    l1_price_per_unit_wei: int = 0
    #: Arbitrum: the Brotli quality of the per-transaction size estimate (Nitro: "brotli-zero").
    brotli_quality: int = 0
    assumed_on: str = ASSUMED_ON
    note: str = "assumed, not a quote: override with current values (docs/networks.md)"

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
                raise ConfigurationError(f"fee parameter {item.name} must not be negative, got {value}")

    def to_dict(self) -> dict[str, Any]:
        return {item.name: getattr(self, item.name) for item in fields(self)}


@dataclass(frozen=True)
class ChainProfile:
    """One network: its chain id, depths, fee model and assumed fee parameters."""

    name: str
    title: str
    chain_id: int
    native: str
    fee_model: FeeModel
    fees: FeeParameters
    #: Blocks (the including one counted) before the anchoring worker records a batch as anchored.
    confirmations: int
    #: Blocks after which an anchored batch is final: the worker re-checks younger ones for reorgs.
    finality_blocks: int
    #: Typical seconds between blocks (to say what the depths mean in time).
    block_seconds: float
    finality_note: str
    testnet: bool = False
    devchain: bool = False
    #: The EVM's block.number is the parent chain's (Arbitrum), not the block in the receipt.
    block_number_is_parent: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "title": self.title, "chain_id": self.chain_id, "native": self.native,
            "fee_model": self.fee_model.value, "confirmations": self.confirmations,
            "finality_blocks": self.finality_blocks, "block_seconds": self.block_seconds,
            "finality_minutes": round(self.finality_blocks * self.block_seconds / 60, 1),
            "finality_note": self.finality_note, "testnet": self.testnet, "devchain": self.devchain,
            "block_number_is_parent": self.block_number_is_parent, "fees": self.fees.to_dict(),
        }  # fmt: skip


_ETH_USD = 3_000.0
_L1_NOTE = "finalized after two epochs (64 slots of 12 s, about 12.8 min)"
_OP_NOTE = "final once the L1 block holding its batch is finalized (about 20-30 min)"

PROFILES: tuple[ChainProfile, ...] = (
    ChainProfile(
        "mainnet", "Ethereum mainnet", 1, "ETH", FeeModel.EIP1559,
        FeeParameters(GWEI, GWEI // 10, native_price=_ETH_USD), 3, 64, 12.0, _L1_NOTE,
    ),
    ChainProfile(
        "sepolia", "Ethereum Sepolia (testnet)", 11155111, "ETH", FeeModel.EIP1559,
        FeeParameters(GWEI, GWEI // 10), 3, 64, 12.0, _L1_NOTE, testnet=True,
    ),
    ChainProfile(
        "optimism", "OP Mainnet (OP Stack)", 10, "ETH", FeeModel.OP_FJORD,
        FeeParameters(
            GWEI // 1_000, GWEI // 1_000, native_price=_ETH_USD, l1_base_fee_wei=GWEI, l1_blob_base_fee_wei=1,
            base_fee_scalar=5_227, blob_base_fee_scalar=1_014_213,
        ),
        1, 900, 2.0, _OP_NOTE,
    ),
    ChainProfile(
        "base", "Base (OP Stack)", 8453, "ETH", FeeModel.OP_FJORD,
        FeeParameters(
            GWEI // 100, GWEI // 1_000, native_price=_ETH_USD, l1_base_fee_wei=GWEI, l1_blob_base_fee_wei=1,
            base_fee_scalar=2_269, blob_base_fee_scalar=1_055_762,
        ),
        1, 900, 2.0, _OP_NOTE,
    ),
    ChainProfile(
        "arbitrum", "Arbitrum One", 42161, "ETH", FeeModel.ARBITRUM,
        FeeParameters(GWEI // 100, 0, native_price=_ETH_USD, l1_price_per_unit_wei=GWEI // 10),
        1, 7_200, 0.25, "final once the L1 block holding its batch is finalized (about 20-30 min)",
        block_number_is_parent=True,
    ),
    ChainProfile(
        "polygon", "Polygon PoS", 137, "POL", FeeModel.EIP1559,
        FeeParameters(30 * GWEI, 30 * GWEI, native_price=0.25), 3, 128, 2.0,
        "milestones finalize within seconds; 128 blocks kept as a conservative reorg depth",
    ),
    ChainProfile(
        "anvil", "anvil devchain (credanchor devchain up)", 31337, "ETH", FeeModel.EIP1559,
        FeeParameters(GWEI, 0), 1, 64, 1.0, "a devchain: nothing is final, 64 blocks re-checked as on mainnet",
        devchain=True,
    ),
    ChainProfile(
        "eth-tester", "embedded eth-tester (py-evm, in-process)", 131277322940537, "ETH", FeeModel.EIP1559,
        FeeParameters(GWEI, 0), 1, 64, 1.0, "an in-process chain, gone with the process", devchain=True,
    ),
)  # fmt: skip

ALIASES = {"ethereum": "mainnet", "op": "optimism", "op-mainnet": "optimism", "arbitrum-one": "arbitrum",
           "polygon-pos": "polygon", "devchain": "anvil", "embedded": "eth-tester"}  # fmt: skip


def profile_names() -> list[str]:
    return [p.name for p in PROFILES]


def profile(name: str) -> ChainProfile:
    """The profile called `name` (or an alias such as "ethereum"); ConfigurationError naming the known ones."""
    wanted = ALIASES.get(name.strip().lower(), name.strip().lower())
    for found in PROFILES:
        if found.name == wanted:
            return found
    raise ConfigurationError(f"unknown chain {name!r}: use one of {', '.join(profile_names())} (credanchor chains)")


def profile_for_chain_id(chain_id: int) -> ChainProfile | None:
    """The profile of the chain with this EIP-155 id, if credanchor knows one."""
    return next((p for p in PROFILES if p.chain_id == chain_id), None)


def check_chain_id(chosen: ChainProfile, served: int, where: str) -> None:
    """Refuse an endpoint (`where`, already redacted) that serves another chain than the profile's."""
    if served != chosen.chain_id:
        other = profile_for_chain_id(served)
        named = f" ({other.name})" if other else ""
        raise ConfigurationError(
            f"{where} serves chain {served}{named}, not {chosen.name} ({chosen.chain_id}): check --rpc and --chain"
        )


def load_fee_overrides(path: Path) -> dict[str, FeeParameters]:
    """Fee parameters by profile name from a JSON file: ``{"base": {"l1_base_fee_wei": 2000000000, ...}}``.

    Each object overrides the named profile's assumptions field by field; give `assumed_on` the date the
    values were read. Unknown profiles or fields are refused."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"cannot read fee parameters from {path}: {exc}") from exc
    if not isinstance(raw, dict):
        raise ConfigurationError(f"{path} must hold a JSON object of profile name -> fee parameters")
    known = {item.name: item.type for item in fields(FeeParameters)}
    result = {}
    for name, values in raw.items():
        chosen = profile(name)
        if not isinstance(values, dict) or not set(values) <= set(known):
            unknown = sorted(set(values) - set(known)) if isinstance(values, dict) else values
            raise ConfigurationError(f"{path}: {name}: unknown fee parameters {unknown}; known: {', '.join(known)}")
        for key, value in values.items():
            expected = str if key in ("currency", "assumed_on", "note") else float if key == "native_price" else int
            if isinstance(value, bool) or not isinstance(value, (int, float) if expected is float else expected):
                raise ConfigurationError(f"{path}: {name}.{key} must be of type {expected.__name__}, got {value!r}")
        result[chosen.name] = replace(chosen.fees, **values)
    return result


def with_fees(chosen: ChainProfile, overrides: dict[str, FeeParameters]) -> ChainProfile:
    """`chosen` with its fee parameters overridden, if `overrides` names it."""
    return replace(chosen, fees=overrides[chosen.name]) if chosen.name in overrides else chosen
