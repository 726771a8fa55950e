"""The observer's reader of public chain data: one contract's logs and the calldata of the
transactions that emitted them, decoded as anyone could; the IssuerRegistry's public record of issuers;
and the helpers every mode shares (sizes of call arguments, capped example lists, notes).

The modes' inferences live beside it: anchor.comparison.observer_vc, observer_nft and observer_hash.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from eth_abi.grammar import ABIType, BasicType, TupleType, parse

from anchor.chain.abi import DecodedCall, RawLog, RawTransaction, decode_call, decode_logs
from anchor.chain.adapter import Chain
from anchor.comparison.observer_report import ExposedField, Figure, PublicIssuer, RegistryReport

ZERO_ADDRESS = "0x" + "00" * 20
#: Examples are shortened to this many characters (a value is anyone's input).
_EXAMPLE_CHARS = 60


class PublicChainReader:
    """Decodes one contract's logs and calldata into a report; `txs` holds every transaction seen."""

    def __init__(self, chain: Chain, txs: Mapping[bytes, RawTransaction], examples: int) -> None:
        self.chain = chain
        self.txs = txs
        self.examples = examples

    def calls(self, name: str, address: str, logs: Sequence[RawLog]) -> tuple[dict[bytes, DecodedCall], int, int]:
        """The decodable direct calls to `address` among the transactions of `logs`, by hash; the raw
        calldata bytes of those transactions; and how many could not be decoded (sent through
        another contract, or not a function of `name`)."""
        calls: dict[bytes, DecodedCall] = {}
        calldata = undecoded = 0
        for tx_hash in dict.fromkeys(entry.tx_hash for entry in logs):
            tx = self.txs.get(tx_hash)
            if tx is None:
                undecoded += 1
                continue
            calldata += len(tx.input)
            call = decode_call(name, tx.input) if tx.to == address else None
            if call is None:
                undecoded += 1
            else:
                calls[tx_hash] = call
        return calls, calldata, undecoded

    def tx_count(self, logs: Sequence[RawLog]) -> int:
        return len({entry.tx_hash for entry in logs})

    def issuer_fields(self, acting: Iterable[str], registry: RegistryReport | None, role: str) -> list[ExposedField]:
        addresses = sorted(set(acting))
        if not addresses:
            return []
        fields = [ExposedField(f"{role} address", "issuer", len(addresses), self.cap(addresses))]
        known = [i for i in (registry.issuer(a) for a in addresses) if i is not None] if registry else []
        for label, values in (
            ("issuer DID (registry)", [d for i in known for d in i.dids]),
            ("issuer name (registry)", [n for i in known for n in i.names]),
            ("accreditation scope (registry)", [s for i in known for s in i.scopes]),
        ):
            if values:
                fields.append(ExposedField(label, "issuer", len(known), self.cap(dict.fromkeys(values))))
        return fields

    def cap(self, values: Iterable[Any]) -> tuple[str, ...]:
        out: list[str] = []
        for value in values:
            if len(out) >= self.examples:
                break
            out.append(short(value))
        return tuple(out)

    # -- the IssuerRegistry: the issuers' public record ---------------------------------------------

    def registry(self, address: str, deployed: bool, logs: Sequence[RawLog]) -> RegistryReport:
        records: dict[str, dict[str, Any]] = {}

        def record(issuer: str) -> dict[str, Any]:
            return records.setdefault(
                issuer, {"dids": [], "names": [], "body": ZERO_ADDRESS, "scopes": [], "windows": 0, "ended": False}
            )

        for event in decode_logs("IssuerRegistry", logs):
            args = event.args
            if event.event in ("IssuerRegistered", "IssuerUpdated"):
                entry = record(args["issuer"])
                entry["body"] = args["body"]
                append_new(entry["dids"], args["did"])
                append_new(entry["names"], args["name"])
            elif event.event == "IssuerAccredited":
                entry = record(args["issuer"])
                entry["windows"] += 1
                entry["ended"] = False
                append_new(entry["scopes"], args["scope"])
            elif event.event == "IssuerDeaccredited":
                record(args["issuer"])["ended"] = True
            elif event.event == "IssuerTransferred":
                record(args["issuer"])["body"] = args["newBody"]
        calls, _, _ = self.calls("IssuerRegistry", address, logs)
        issuers = tuple(
            PublicIssuer(
                address=issuer,
                dids=tuple(entry["dids"]),
                names=tuple(entry["names"]),
                body=entry["body"],
                scopes=tuple(entry["scopes"]),
                accreditations=entry["windows"],
                deaccredited=entry["ended"],
            )
            for issuer, entry in records.items()
        )
        return RegistryReport(
            address=address,
            deployed=deployed,
            issuers=issuers,
            transactions=self.tx_count(logs),
            events=len(logs),
            bytes_on_chain=sum(call_size(call) for call in calls.values()),
        )


# -- shared helpers ------------------------------------------------------------------------------


def append_new(values: list[Any], value: Any) -> None:
    if value not in values:
        values.append(value)


def short(value: Any, limit: int = _EXAMPLE_CHARS) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def base_notes(address: str, deployed: bool, undecoded: int) -> list[str]:
    notes = [] if deployed else [f"no contract code at {address}: nothing to observe"]
    if undecoded:
        notes.append(
            f"{undecoded} transaction(s) reached the contract through another contract (or could not be read): "
            "their arguments are not decoded, nor counted in bytes_on_chain"
        )
    return notes


def calldata_figure(calldata: int) -> Figure:
    return Figure(calldata, f"{calldata} bytes of raw calldata in these transactions, ABI padding included.")


def call_size(call: DecodedCall) -> int:
    """The bytes of a call's arguments at their natural size, without ABI padding."""
    return sum(_value_size(parse(call.types[name]), value) for name, value in call.args.items())


def _value_size(kind: ABIType, value: Any) -> int:
    if kind.arrlist:
        return sum(_value_size(kind.item_type, item) for item in value)
    if isinstance(kind, TupleType):
        return sum(_value_size(component, item) for component, item in zip(kind.components, value, strict=True))
    assert isinstance(kind, BasicType)
    if kind.base == "address":
        return 20
    if kind.base == "bool":
        return 1
    if kind.base == "string":
        return len(str(value).encode())
    if kind.base == "bytes":
        return len(value) if kind.sub is None else int(kind.sub)
    if kind.base in ("uint", "int") and isinstance(kind.sub, int):
        return kind.sub // 8
    return 32
