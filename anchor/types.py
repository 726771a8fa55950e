"""Small value types that validate themselves. Hex appears only at the edges (JSON, ABI)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import IntEnum
from functools import lru_cache
from typing import Any

from eth_utils.address import to_checksum_address

from anchor.errors import ConfigurationError


def _from_hex(text: str, *, size: int, what: str) -> bytes:
    digits = text[2:] if text[:2].lower() == "0x" else text
    try:
        raw = bytes.fromhex(digits)
    except ValueError:
        raise ConfigurationError(f"{what} must be hexadecimal, got {text!r}") from None
    if len(raw) != size:
        raise ConfigurationError(f"{what} must be {size} bytes ({2 * size} hex digits), got {len(raw)} bytes")
    return raw


@dataclass(frozen=True, slots=True)
class Root:
    """A 32-byte Merkle root of a credential batch."""

    value: bytes

    def __post_init__(self) -> None:
        if not isinstance(self.value, bytes) or len(self.value) != 32:
            raise ConfigurationError(f"a Merkle root is 32 bytes, got {self.value!r}")

    @classmethod
    def from_hex(cls, text: str) -> Root:
        return cls(_from_hex(text, size=32, what="a Merkle root"))

    def hex(self) -> str:
        return "0x" + self.value.hex()

    def __str__(self) -> str:
        return self.hex()


def merkle_path_from_hex(nodes: Any) -> list[bytes]:
    """A Merkle path written as hex hashes (a verifier's hot loop: the common 0x form is read directly)."""
    if not isinstance(nodes, list):
        raise ConfigurationError(f"a Merkle path is a list of 32-byte hex hashes, got {nodes!r}")
    path = []
    for node in nodes:
        if type(node) is str and len(node) == 66 and node[:2] == "0x":
            try:
                raw = bytes.fromhex(node[2:])
            except ValueError:
                raw = b""
            if len(raw) == 32:  # fromhex skips whitespace: a node with spaces is shorter
                path.append(raw)
                continue
        path.append(Root.from_hex(str(node)).value)  # other spellings, or the precise error
    return path


_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")


@lru_cache(maxsize=4096)
def _checksummed(address: str) -> str:
    return str(to_checksum_address(address))  # a keccak hash: worth remembering for the addresses in use


def check_address(value: object, what: str) -> str:
    """An Ethereum address (0x + 40 hex digits) in its EIP-55 checksummed form, or ConfigurationError
    naming `what`. Mixed-case input must carry a valid checksum (a wrong one is likely a typo)."""
    if not isinstance(value, str) or not _ADDRESS.match(value):
        raise ConfigurationError(f"{what} must be an Ethereum address (0x and 40 hex digits), got {value!r}")
    digits = value[2:]
    checksummed = _checksummed(value.lower())
    if digits != digits.lower() and digits != digits.upper() and value != checksummed:
        raise ConfigurationError(f"{what} {value} has a wrong EIP-55 checksum (a typo?); it would read {checksummed}")
    return checksummed


def as_list(value: Any) -> list[Any]:
    """A JSON-LD style "one or many" value as a list (None is none)."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def xsd_timestamp(seconds: int | float) -> str:
    """A Unix time as an XML Schema dateTime in UTC, to the second (as credentials and proofs carry)."""
    return _xsd_second(math.floor(seconds))


@lru_cache(maxsize=1024)
def _xsd_second(second: int) -> str:
    # Issuing at a few thousand credentials a second writes the same `created` time again and again.
    return datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class StatusPurpose(IntEnum):
    """What a status-list bit means (mirrors `ICredentialAnchor.StatusPurpose`)."""

    REVOCATION = 0
    SUSPENSION = 1


@dataclass(frozen=True, slots=True)
class BatchRecord:
    """A batch as recorded on-chain for the address that anchored it (0 for a time or block it has not got)."""

    anchored_at: int
    anchored_block: int
    revoked_at: int

    @property
    def anchored(self) -> bool:
        return self.anchored_at != 0

    @property
    def revoked(self) -> bool:
        return self.revoked_at != 0


@dataclass(frozen=True, slots=True)
class Event:
    """A decoded contract event."""

    name: str
    args: dict[str, Any]
    address: str


@dataclass(frozen=True, slots=True)
class TxReceipt:
    """What a mined transaction did."""

    tx_hash: bytes
    block_number: int
    gas_used: int
    events: tuple[Event, ...] = field(default=())

    def events_named(self, name: str) -> list[Event]:
        return [event for event in self.events if event.name == name]

    def summary(self) -> dict[str, Any]:
        """The transaction hash, block and gas used, as the CLI and the API report them."""
        return {"tx": "0x" + self.tx_hash.hex(), "block": self.block_number, "gas_used": self.gas_used}
