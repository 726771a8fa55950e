"""Why a node refused: revert data found on web3 / eth-tester exceptions and decoded into a custom error.

A revert becomes :class:`~anchor.errors.ContractRevertError` carrying the custom error's name and
named arguments, decoded by its selector from every project contract's ABI (``Error(string)`` and
``Panic(uint256)`` too). A refused transaction whose nonce was taken is recognised by the node's
message (:func:`nonce_clash`), so the adapter can sign again.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from anchor.chain.abi import abi_type, selector_of
from anchor.chain.artifacts import CONTRACT_NAMES, load_artifact
from anchor.errors import ChainError

_ERROR_STRING = keccak(text="Error(string)")[:4]
_PANIC = keccak(text="Panic(uint256)")[:4]
_NONCE_CLASH = ("nonce too low", "invalid transaction nonce", "replacement transaction underpriced")


@dataclass(frozen=True)
class ErrorAbi:
    """One custom error: its name and its arguments' ABI types and names."""

    name: str
    types: list[str]
    names: list[str]


@cache
def error_table() -> dict[bytes, ErrorAbi]:
    """Every custom error of every project contract, by 4-byte selector."""
    table: dict[bytes, ErrorAbi] = {}
    for name in CONTRACT_NAMES:
        for item in load_artifact(name).abi:
            if item["type"] == "error":
                types = [abi_type(i) for i in item["inputs"]]
                table[selector_of(item)[:4]] = ErrorAbi(item["name"], types, [i["name"] for i in item["inputs"]])
    return table


def decode_revert_data(data: bytes, *, fallback: str = "") -> tuple[str, dict[str, Any]]:
    """The error name and named arguments encoded in revert `data` ("Reverted" with `fallback` if there is none)."""
    if len(data) < 4:
        return "Reverted", {"message": fallback}
    selector, payload = data[:4], data[4:]
    if selector == _ERROR_STRING:
        return "Error", {"reason": abi_decode(["string"], payload)[0]}
    if selector == _PANIC:
        return "Panic", {"code": abi_decode(["uint256"], payload)[0]}
    error = error_table().get(selector)
    if error is None:
        return "Unknown", {"data": data}
    values = [
        to_checksum_address(value) if kind == "address" else value
        for kind, value in zip(error.types, abi_decode(error.types, payload), strict=True)
    ]
    return error.name, dict(zip(error.names, values, strict=True))


def nonce_clash(exc: ChainError) -> bool:
    """Whether the node refused a transaction because its nonce is used (or pending) already."""
    message = str(exc).lower()
    return any(hint in message for hint in _NONCE_CLASH)


_REVERT_BYTES = re.compile(r"""(b(['"]).*\2)\s*$""", re.DOTALL)


def revert_data(exc: BaseException) -> bytes | None:
    """The raw revert data carried by a web3 or eth-tester exception or the ones it wraps.

    web3's eth-tester provider re-raises a revert whose data happens to decode as a string
    (custom errors whose first argument is a string) as text; the raw bytes stay on the
    exception it was raised from.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        data = _own_revert_data(current)
        if data is not None:
            return data
        current = current.__cause__ or current.__context__
    return None


def _own_revert_data(exc: BaseException) -> bytes | None:
    data = getattr(exc, "data", None)
    if isinstance(data, str) and data.startswith("0x"):
        return bytes.fromhex(data[2:])
    if isinstance(data, dict) and isinstance(data.get("data"), str):
        return bytes.fromhex(data["data"][2:])
    first = exc.args[0] if exc.args else None
    if isinstance(first, bytes):
        return first
    if isinstance(first, BaseException) and first.args and isinstance(first.args[0], bytes):
        return first.args[0]
    # eth-tester keeps only the repr of the revert bytes in some messages.
    match = _REVERT_BYTES.search(str(exc.args[0]) if exc.args else "")
    if match:
        try:
            value = ast.literal_eval(match.group(1))
        except (ValueError, SyntaxError):
            return None
        return value if isinstance(value, bytes) else None
    return None
