"""The project contracts' ABIs, read from the committed artifacts: event logs and calldata decoded.

Also the raw shapes a node serves them in (:class:`RawLog`, :class:`RawTransaction`).

Plain functions over bytes (no connection): the adapter decodes the events of its receipts and
logs with them, and a chain observer decodes what anyone can read (:mod:`anchor.comparison.observer`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_abi.exceptions import DecodingError
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from anchor.chain.artifacts import load_artifact


@dataclass(frozen=True, slots=True)
class RawLog:
    """One event log as any node serves it (``eth_getLogs``), before ABI decoding."""

    address: str
    topics: tuple[bytes, ...]
    data: bytes
    block_number: int
    tx_hash: bytes
    #: Position of the log in its block.
    log_index: int

    @classmethod
    def from_rpc(cls, entry: Any) -> RawLog:
        """A log as web3 returns an ``eth_getLogs`` entry."""
        return cls(
            address=to_checksum_address(entry["address"]),
            topics=tuple(bytes(topic) for topic in entry["topics"]),
            data=bytes(entry["data"]),
            block_number=int(entry["blockNumber"]),
            tx_hash=bytes(entry["transactionHash"]),
            log_index=int(entry["logIndex"]),
        )


@dataclass(frozen=True, slots=True)
class RawTransaction:
    """The public part of a mined transaction that matters to a reader: who, to what, with which calldata."""

    tx_hash: bytes
    #: None for a contract creation.
    to: str | None
    input: bytes
    block_number: int
    #: The sending address; None when it was not asked for (see :meth:`anchor.chain.adapter.Chain.transactions`).
    sender: str | None


@dataclass(frozen=True, slots=True)
class DecodedLog:
    """A log decoded with a contract's ABI: the event's name and its arguments by name."""

    event: str
    args: dict[str, Any]
    log: RawLog


@dataclass(frozen=True, slots=True)
class DecodedCall:
    """Calldata decoded with a contract's ABI: the function, its arguments and their ABI types by name."""

    function: str
    args: dict[str, Any]
    types: dict[str, str]


def abi_type(item: Any) -> str:
    """The canonical type of an ABI input (tuples spelled out), as it appears in a signature."""
    kind: str = item["type"]
    if kind.startswith("tuple"):
        return "(" + ",".join(abi_type(c) for c in item["components"]) + ")" + kind[5:]
    return kind


def selector_of(item: Any) -> bytes:
    """keccak256 of an ABI item's signature, e.g. ``Transfer(address,address,uint256)``: an event's topic0;
    its first 4 bytes are a function's or a custom error's selector."""
    types = ",".join(abi_type(i) for i in item["inputs"])
    return bytes(keccak(text=f"{item['name']}({types})"))


@dataclass(frozen=True)
class _Signature:
    name: str
    names: list[str]
    types: list[str]
    indexed: list[bool]


@cache
def _events_of(name: str) -> dict[bytes, _Signature]:
    """The events of contract `name`, by topic0 (the keccak of the event signature)."""
    table = {}
    for item in load_artifact(name).abi:
        if item["type"] == "event" and not item.get("anonymous"):
            types = [abi_type(i) for i in item["inputs"]]
            table[selector_of(item)] = _Signature(
                item["name"], [i["name"] for i in item["inputs"]], types, [bool(i["indexed"]) for i in item["inputs"]]
            )
    return table


@cache
def _functions_of(name: str) -> dict[bytes, _Signature]:
    """The functions of contract `name`, by 4-byte selector."""
    table = {}
    for item in load_artifact(name).abi:
        if item["type"] == "function":
            types = [abi_type(i) for i in item["inputs"]]
            table[selector_of(item)[:4]] = _Signature(
                item["name"], [i["name"] for i in item["inputs"]], types, [False] * len(types)
            )
    return table


def _as_checksum(kind: str, value: Any) -> Any:
    return to_checksum_address(value) if kind == "address" else value


def _is_dynamic(kind: str) -> bool:
    return kind in ("string", "bytes") or kind.endswith("]") or kind.startswith("(")


def decode_logs(name: str, logs: Sequence[RawLog]) -> list[DecodedLog]:
    """The logs that are events of contract `name`, decoded by its ABI (others are left out).

    Indexed arguments of dynamic types (strings, bytes, arrays) are only their 32-byte keccak in a
    topic, and are returned as that hash. A log whose topics or data do not fit the event's ABI
    (another contract's event with the same signature, say) is left out too.
    """
    events = _events_of(name)
    decoded = []
    for entry in logs:
        signature = events.get(entry.topics[0]) if entry.topics else None
        if signature is None or len(entry.topics) != 1 + sum(signature.indexed):
            continue
        topics = iter(entry.topics[1:])
        data_types = [kind for kind, indexed in zip(signature.types, signature.indexed, strict=True) if not indexed]
        try:
            data = iter(abi_decode(data_types, entry.data))
            args = {}
            for field, kind, indexed in zip(signature.names, signature.types, signature.indexed, strict=True):
                if not indexed:
                    args[field] = _as_checksum(kind, next(data))
                elif _is_dynamic(kind):
                    args[field] = next(topics)
                else:
                    args[field] = _as_checksum(kind, abi_decode([kind], next(topics))[0])
        except (DecodingError, ValueError):
            continue
        decoded.append(DecodedLog(signature.name, args, entry))
    return decoded


def decode_call(name: str, data: bytes) -> DecodedCall | None:
    """`data` decoded as a call of a function of contract `name`; None if it is not one.

    A string argument that is not valid UTF-8 is decoded with replacement characters, as a
    reader would see it, rather than refused.
    """
    signature = _functions_of(name).get(bytes(data[:4]))
    if signature is None:
        return None
    try:
        try:
            values = list(abi_decode(signature.types, data[4:]))
        except UnicodeDecodeError:
            raw_types = ["bytes" if kind == "string" else kind for kind in signature.types]
            values = [
                value.decode("utf-8", errors="replace") if kind == "string" else value
                for kind, value in zip(signature.types, abi_decode(raw_types, data[4:]), strict=True)
            ]
    except (DecodingError, ValueError):
        return None
    fields = zip(signature.names, signature.types, values, strict=True)
    return DecodedCall(
        signature.name,
        {field: _as_checksum(kind, value) for field, kind, value in fields},
        dict(zip(signature.names, signature.types, strict=True)),
    )
