"""The Observer: what a stranger learns about credentials from public chain data alone.

Given a chain and contract addresses — and nothing else — it reads what anyone can read: the
contracts' event logs, the calldata of the transactions that emitted them, contract views
(``tokenURI``, status-list words) and the issuer registry's records. It is not told what was
issued: every figure is found by decoding. One report per mode:

- ``"vc"``: :class:`CredentialAnchor` — Merkle roots of batches and packed status lists of
  privately held Verifiable Credentials (the issuer's public record comes from the IssuerRegistry);
- ``"nft"``: :class:`CredentialNFT` — one public soulbound token per credential, metadata on-chain;
- ``"hash"``: a HashRevocationRegistry, if one is given — one hash per issued document (or batch)
  and one per revoked document, decoded by event signature (no artifact needed).

Each mode answers the same questions — holders identified, fields exposed, credentials linkable
to one person, revocations attributable to a person, bytes written — as a :class:`Figure` with a
one-sentence explanation for a workshop report (docs/observer.md).
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_to_bytes

from eth_abi.grammar import ABIType, BasicType, TupleType, parse
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from anchor.chain.adapter import Chain, DecodedCall, RawLog, RawTransaction, decode_call, decode_logs
from anchor.chain.contracts import INDEX_BYTES
from anchor.errors import ContractRevertError
from anchor.types import StatusPurpose, check_address

log = logging.getLogger(__name__)

MODES = ("vc", "nft", "hash")
ZERO_ADDRESS = "0x" + "00" * 20

#: The HashRevocationRegistry's events, by topic0 (both arguments indexed, so the data is empty).
DOCUMENT_ISSUED = keccak(text="DocumentIssued(address,bytes32)")
DOCUMENT_REVOKED = keccak(text="DocumentRevoked(address,bytes32)")

#: Status words read per `statusWords` call, and the gap below which two words share a call.
_WORDS_PER_CALL = 256
_WORD_GAP = 32
#: Bounds on what is taken from one token's metadata (it is anyone's input).
_MAX_FIELDS_PER_TOKEN = 200
_MAX_DEPTH = 8
_EXAMPLE_CHARS = 60


# -- the report ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """One number a stranger can establish, and a plain sentence saying what it means."""

    value: int
    explanation: str

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "explanation": self.explanation}


@dataclass(frozen=True)
class ExposedField:
    """A field readable on-chain: how many credentials expose it, and a few of its values.

    `kind` is a guess from the field's name — personal, credential, result, date, issuer or other —
    to help a reader; the field name and examples are what the chain really holds.
    """

    field: str
    kind: str
    count: int
    examples: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "kind": self.kind, "count": self.count, "examples": list(self.examples)}


@dataclass(frozen=True)
class HeldCredential:
    """One NFT credential in a holder's profile, as a stranger reads it."""

    token_id: int
    title: str | None
    grade: str | None
    date: str | None
    issuer: str | None
    burnt: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "token_id": self.token_id,
            "title": self.title,
            "grade": self.grade,
            "date": self.date,
            "issuer": self.issuer,
            "burnt": self.burnt,
        }


@dataclass(frozen=True)
class HolderProfile:
    """Everything tied to one holder address: the names seen in its tokens and its credentials."""

    holder: str
    names: tuple[str, ...]
    credentials: tuple[HeldCredential, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "holder": self.holder,
            "names": list(self.names),
            "credentials": [credential.to_dict() for credential in self.credentials],
        }


@dataclass(frozen=True)
class PublicIssuer:
    """An issuer as the IssuerRegistry's events show it — public by design, not a learner's data."""

    address: str
    dids: tuple[str, ...]
    names: tuple[str, ...]
    body: str
    scopes: tuple[str, ...]
    accreditations: int
    deaccredited: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "address": self.address,
            "dids": list(self.dids),
            "names": list(self.names),
            "body": self.body,
            "scopes": list(self.scopes),
            "accreditations": self.accreditations,
            "deaccredited": self.deaccredited,
        }


@dataclass(frozen=True)
class RegistryReport:
    """What the IssuerRegistry shows: the accredited issuers, and what writing it took."""

    address: str
    deployed: bool
    issuers: tuple[PublicIssuer, ...]
    transactions: int
    events: int
    bytes_on_chain: int

    def issuer(self, address: str) -> PublicIssuer | None:
        return next((i for i in self.issuers if i.address == address), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "address": self.address,
            "deployed": self.deployed,
            "issuers": [issuer.to_dict() for issuer in self.issuers],
            "transactions": self.transactions,
            "events": self.events,
            "bytes_on_chain": self.bytes_on_chain,
        }


@dataclass(frozen=True)
class ModeReport:
    """What a stranger learns about the credentials of one mode."""

    mode: str
    #: Contract role → address.
    contracts: dict[str, str]
    #: Whether every address has contract code (an address without code is observed as empty).
    deployed: bool
    credentials_seen: Figure
    holders_identified: Figure
    #: `value`: how many distinct learner or credential fields are readable; they are in `fields`.
    fields_exposed: Figure
    fields: tuple[ExposedField, ...]
    #: The issuers' own public data (registry records, issuing addresses) — by design, not a leak.
    issuer_fields: tuple[ExposedField, ...]
    linkable_credentials: Figure
    revocations: Figure
    revocations_attributable: Figure
    bytes_on_chain: Figure
    calldata_bytes: Figure
    transactions: Figure
    events: Figure
    #: NFT mode: per holder address, what its tokens say (capped; `details["holders_seen"]` counts all).
    profiles: tuple[HolderProfile, ...] = ()
    #: Mode-specific findings (JSON-able): roots, status bits, burnt tokens' metadata, hashes…
    details: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    FIGURES = (
        "credentials_seen",
        "holders_identified",
        "fields_exposed",
        "linkable_credentials",
        "revocations",
        "revocations_attributable",
        "bytes_on_chain",
        "calldata_bytes",
        "transactions",
        "events",
    )

    def to_dict(self) -> dict[str, Any]:
        figures: dict[str, Any] = {name: getattr(self, name).to_dict() for name in self.FIGURES}
        return {
            "mode": self.mode,
            "contracts": self.contracts,
            "deployed": self.deployed,
            **figures,
            "fields": [f.to_dict() for f in self.fields],
            "issuer_fields": [f.to_dict() for f in self.issuer_fields],
            "profiles": [p.to_dict() for p in self.profiles],
            "details": self.details,
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class ObserverReport:
    """What a stranger learns from the chain, per mode ("vc", "nft", "hash": those whose address was given)."""

    chain_id: int
    from_block: int
    to_block: int
    modes: dict[str, ModeReport]
    registry: RegistryReport | None

    def mode(self, name: str) -> ModeReport:
        try:
            return self.modes[name]
        except KeyError:
            raise KeyError(
                f"mode {name!r} was not observed (no address given); observed: {sorted(self.modes)}"
            ) from None

    def to_dict(self) -> dict[str, Any]:
        return {
            "chain_id": self.chain_id,
            "from_block": self.from_block,
            "to_block": self.to_block,
            "modes": {name: report.to_dict() for name, report in self.modes.items()},
            "registry": self.registry.to_dict() if self.registry else None,
        }


# -- observing -----------------------------------------------------------------------------------


def observe(
    chain: Chain,
    *,
    anchor: str | None,
    nft: str | None,
    registry: str | None,
    hash_registry: str | None = None,
    from_block: int = 0,
    to_block: int | None = None,
    examples: int = 5,
    max_profiles: int = 20,
    read_token_uris: bool = True,
) -> ObserverReport:
    """Read the public data of the given contracts in blocks `from_block`..`to_block` (default: the
    latest) and report what a stranger learns in each mode.

    `examples` caps every example list and `max_profiles` the NFT holder profiles. With
    `read_token_uris`, every live token's `tokenURI` is read (one call each), as a wallet or
    marketplace would; without, token metadata comes from the mint calldata alone (the same bytes:
    the contract stores what the mint call carried).
    """
    last = chain.block_number() if to_block is None else to_block
    roles = {
        role: check_address(address, f"the {role} address")
        for role, address in (("vc", anchor), ("nft", nft), ("registry", registry), ("hash", hash_registry))
        if address is not None
    }
    deployed = {address: bool(chain.code_at(address)) for address in set(roles.values())}
    live = sorted(address for address, has_code in deployed.items() if has_code)
    logs = chain.logs(live, from_block, last) if live else []
    by_address: dict[str, list[RawLog]] = {address: [] for address in roles.values()}
    for entry in logs:
        by_address.setdefault(entry.address, []).append(entry)
    txs = chain.transactions({entry.tx_hash: entry.block_number for entry in logs}) if logs else {}
    reader = _Reader(chain, txs, examples)

    registry_report = None
    if "registry" in roles:
        address = roles["registry"]
        registry_report = reader.registry(address, deployed[address], by_address[address])
    modes: dict[str, ModeReport] = {}
    if "vc" in roles:
        address = roles["vc"]
        modes["vc"] = reader.anchor(address, deployed[address], by_address[address], registry_report)
    if "nft" in roles:
        address = roles["nft"]
        modes["nft"] = reader.nft(
            address, deployed[address], by_address[address], registry_report, max_profiles, read_token_uris
        )
    if "hash" in roles:
        address = roles["hash"]
        modes["hash"] = reader.hashes(address, deployed[address], by_address[address], registry_report)
    report = ObserverReport(chain.chain_id, from_block, last, modes, registry_report)
    log.info(
        "observed chain %d blocks %d..%d: %s",
        report.chain_id,
        from_block,
        last,
        ", ".join(f"{m}: {r.events.value} events, {r.holders_identified.value} holders" for m, r in modes.items()),
    )
    return report


@dataclass
class _Token:
    token_id: int
    holders: list[str] = field(default_factory=list)
    issuer: str | None = None
    mint_tx: bytes | None = None
    burnt: bool = False
    metadata: str | None = None
    source: str | None = None

    @property
    def holder(self) -> str | None:
        return self.holders[0] if self.holders else None


class _Reader:
    """Decodes one contract's logs and calldata into a report; `txs` holds every transaction seen."""

    def __init__(self, chain: Chain, txs: Mapping[bytes, RawTransaction], examples: int) -> None:
        self.chain = chain
        self.txs = txs
        self.examples = examples

    # -- shared -------------------------------------------------------------------------------

    def _calls(self, name: str, address: str, logs: Sequence[RawLog]) -> tuple[dict[bytes, DecodedCall], int, int]:
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

    def _tx_count(self, logs: Sequence[RawLog]) -> int:
        return len({entry.tx_hash for entry in logs})

    def _issuer_fields(self, acting: Iterable[str], registry: RegistryReport | None, role: str) -> list[ExposedField]:
        addresses = sorted(set(acting))
        if not addresses:
            return []
        fields = [ExposedField(f"{role} address", "issuer", len(addresses), self._cap(addresses))]
        known = [i for i in (registry.issuer(a) for a in addresses) if i is not None] if registry else []
        for label, values in (
            ("issuer DID (registry)", [d for i in known for d in i.dids]),
            ("issuer name (registry)", [n for i in known for n in i.names]),
            ("accreditation scope (registry)", [s for i in known for s in i.scopes]),
        ):
            if values:
                fields.append(ExposedField(label, "issuer", len(known), self._cap(dict.fromkeys(values))))
        return fields

    def _cap(self, values: Iterable[Any]) -> tuple[str, ...]:
        out: list[str] = []
        for value in values:
            if len(out) >= self.examples:
                break
            out.append(_short(value))
        return tuple(out)

    # -- registry -----------------------------------------------------------------------------

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
                _append_new(entry["dids"], args["did"])
                _append_new(entry["names"], args["name"])
            elif event.event == "IssuerAccredited":
                entry = record(args["issuer"])
                entry["windows"] += 1
                entry["ended"] = False
                _append_new(entry["scopes"], args["scope"])
            elif event.event == "IssuerDeaccredited":
                record(args["issuer"])["ended"] = True
            elif event.event == "IssuerTransferred":
                record(args["issuer"])["body"] = args["newBody"]
        calls, _, _ = self._calls("IssuerRegistry", address, logs)
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
            transactions=self._tx_count(logs),
            events=len(logs),
            bytes_on_chain=sum(_call_size(call) for call in calls.values()),
        )

    # -- VC mode: CredentialAnchor --------------------------------------------------------------

    def anchor(
        self, address: str, deployed: bool, logs: Sequence[RawLog], registry: RegistryReport | None
    ) -> ModeReport:
        events = decode_logs("CredentialAnchor", logs)
        calls, calldata, undecoded = self._calls("CredentialAnchor", address, logs)
        roots: list[dict[str, Any]] = []
        revoked_batches: set[tuple[str, bytes]] = set()
        revoked: dict[tuple[str, int], set[int]] = {}
        suspended: dict[tuple[str, int], set[int]] = {}
        hidden_changes = 0  # status changes whose indices the calldata does not show
        for event in events:
            args, tx_hash = event.args, event.log.tx_hash
            if event.event == "BatchAnchored":
                roots.append({
                    "issuer": args["issuer"],
                    "root": "0x" + args["root"].hex(),
                    "block": event.log.block_number,
                    "tx": "0x" + tx_hash.hex(),
                })  # fmt: skip
            elif event.event == "BatchRevoked":
                revoked_batches.add((args["issuer"], args["root"]))
            elif event.event in ("CredentialsRevoked", "CredentialsSuspended", "CredentialsReinstated"):
                call = calls.get(tx_hash)
                function = {"CredentialsRevoked": "revoke", "CredentialsSuspended": "suspend"}.get(
                    event.event, "reinstate"
                )
                if call is None or call.function != function or call.args["listId"] != args["listId"]:
                    hidden_changes += int(args["count"])
                    continue
                key = (args["issuer"], int(args["listId"]))
                indices = _unpack_indices(call.args["indices"])
                if function == "revoke":
                    revoked.setdefault(key, set()).update(indices)
                elif function == "suspend":
                    suspended.setdefault(key, set()).update(indices)
                else:
                    suspended.setdefault(key, set()).difference_update(indices)
        for entry in roots:
            entry["revoked"] = (entry["issuer"], bytes.fromhex(entry["root"][2:])) in revoked_batches
        revocation_bits = self._bits_in_storage(address, revoked, StatusPurpose.REVOCATION)
        suspension_bits = self._bits_in_storage(address, suspended, StatusPurpose.SUSPENSION)
        revoked_indices = sum(len(v) for v in revoked.values())
        anchoring = [entry["issuer"] for entry in roots]
        batches = len(roots)
        revocations = revoked_indices + len(revoked_batches)
        payload = sum(_call_size(call) for call in calls.values())
        notes = _base_notes(address, deployed, undecoded)
        if hidden_changes:
            notes.append(
                f"{hidden_changes} status change(s) were sent through another contract: their indices are "
                "in that contract's calldata, which this observer does not decode"
            )
        return ModeReport(
            mode="vc",
            contracts={"CredentialAnchor": address, **({"IssuerRegistry": registry.address} if registry else {})},
            deployed=deployed,
            credentials_seen=Figure(
                batches,
                f"{batches} batch root(s) were anchored; how many credentials each batch holds is not on-chain.",
            ),
            holders_identified=Figure(
                0,
                "No holder can be identified: the anchor holds only Merkle roots (hashes of whole batches) and "
                "status bits at random positions — no address, name or credential field of a learner.",
            ),
            fields_exposed=Figure(
                0,
                "No learner or credential field is on-chain; what is public is the issuer's own record "
                "(address, DID, name, accreditation) and when it anchored or revoked.",
            ),
            fields=(),
            issuer_fields=tuple(self._issuer_fields(anchoring, registry, "anchoring")),
            linkable_credentials=Figure(
                0,
                "No two credentials can be linked to one person: each is a hidden leaf under a batch root, and "
                "its status index is random, so nothing on-chain connects the credentials of one learner.",
            ),
            revocations=Figure(
                revocations,
                f"{revoked_indices} revocation bit(s) are set and {len(revoked_batches)} whole batch(es) revoked; "
                "anyone can see that revocations happened, and when.",
            ),
            revocations_attributable=Figure(
                0,
                "None can be tied to a person: a set bit is a random position in a list of at least 131,072, and "
                "only a holder of the credential file knows which position is theirs.",
            ),
            bytes_on_chain=Figure(
                payload,
                f"{payload} bytes of call arguments were written: 32 per anchored or revoked root and 3 per "
                "status index (plus a 4-byte list number) — hashes and positions, no personal data.",
            ),
            calldata_bytes=_calldata_figure(calldata),
            transactions=Figure(self._tx_count(logs), "Transactions that changed the anchor (found by their events)."),
            events=Figure(len(logs), "Event logs the anchor contract emitted."),
            details={
                "batches_anchored": batches,
                "batches_revoked": len(revoked_batches),
                "roots": roots[: self.examples],
                "anchoring_issuers": sorted(set(anchoring)),
                "status_lists": len(revoked.keys() | suspended.keys()),
                "revoked_indices": revoked_indices,
                "revoked_index_examples": list(
                    self._cap(
                        f"list {list_id} #{index}"
                        for (_, list_id), indices in sorted(revoked.items())
                        for index in sorted(indices)
                    )
                ),
                "suspended_indices": sum(len(v) for v in suspended.values()),
                "status_bits_set": revocation_bits,
                "suspension_bits_set": suspension_bits,
                "status_changes_hidden": hidden_changes,
            },
            notes=tuple(notes),
        )

    def _bits_in_storage(self, address: str, lists: Mapping[tuple[str, int], set[int]], purpose: StatusPurpose) -> int:
        """How many bits are set, read from contract storage, in the words that hold `lists`' indices."""
        total = 0
        for (issuer, list_id), indices in sorted(lists.items()):
            for first, count in _spans(sorted({index >> 8 for index in indices})):
                words = self.chain.call(
                    "CredentialAnchor", address, "statusWords", [issuer, list_id, int(purpose), first, count]
                )
                total += sum(int(word).bit_count() for word in words)
        return total

    # -- NFT mode: CredentialNFT ----------------------------------------------------------------

    def nft(
        self,
        address: str,
        deployed: bool,
        logs: Sequence[RawLog],
        registry: RegistryReport | None,
        max_profiles: int,
        read_token_uris: bool,
    ) -> ModeReport:
        tokens: dict[int, _Token] = {}
        for event in decode_logs("CredentialNFT", logs):
            args = event.args
            if event.event == "CredentialMinted":
                token = tokens.setdefault(int(args["tokenId"]), _Token(int(args["tokenId"])))
                _append_new(token.holders, args["holder"])
                token.issuer, token.mint_tx = args["issuer"], event.log.tx_hash
            elif event.event == "Transfer":
                token = tokens.setdefault(int(args["tokenId"]), _Token(int(args["tokenId"])))
                if args["to"] == ZERO_ADDRESS:
                    token.burnt = True
                else:
                    _append_new(token.holders, args["to"])
                    if args["from"] == ZERO_ADDRESS:
                        token.mint_tx = token.mint_tx or event.log.tx_hash
            elif event.event == "CredentialBurned":
                tokens.setdefault(int(args["tokenId"]), _Token(int(args["tokenId"]))).burnt = True
        calls, calldata, undecoded = self._calls("CredentialNFT", address, logs)
        for token in tokens.values():
            call = calls.get(token.mint_tx) if token.mint_tx else None
            # mint(holder, metadata), mintWithConsent(holder, metadata, deadline, signature), …
            if call is not None and call.args.get("holder") in token.holders and "metadata" in call.args:
                token.metadata, token.source = str(call.args["metadata"]), "mint calldata"
        if read_token_uris:
            for token in tokens.values():
                if not token.burnt:
                    text = self._token_uri_metadata(address, token.token_id)
                    if text is not None:
                        token.metadata, token.source = text, "tokenURI"

        parsed = {t.token_id: _fields_of(_parse_metadata(t.metadata)) for t in tokens.values() if t.metadata}
        exposed = self._exposed(parsed.values())
        by_holder: dict[str, list[_Token]] = {}
        for token in tokens.values():
            for holder in token.holders:
                by_holder.setdefault(holder, []).append(token)
        identified = sorted(h for h, held in by_holder.items() if any(parsed.get(t.token_id) for t in held))
        linked = [t for t in tokens.values() if any(len(by_holder[h]) > 1 for h in t.holders)]
        several = sum(1 for held in by_holder.values() if len(held) > 1)
        burnt = [t for t in tokens.values() if t.burnt]
        attributable = [t for t in burnt if t.holders]
        from_calldata = [t for t in burnt if t.source == "mint calldata"]
        payload = sum(_call_size(call) for call in calls.values())
        minted_by = [t.issuer for t in tokens.values() if t.issuer]
        profiles = sorted(by_holder.items(), key=lambda item: (-len(item[1]), item[0]))[:max_profiles]
        notes = _base_notes(address, deployed, undecoded)
        unread = [t.token_id for t in tokens.values() if not t.metadata]
        if unread:
            notes.append(
                f"{len(unread)} token(s) have no metadata this observer could read (minted before the observed "
                "blocks, or through another contract)"
            )
        return ModeReport(
            mode="nft",
            contracts={"CredentialNFT": address, **({"IssuerRegistry": registry.address} if registry else {})},
            deployed=deployed,
            credentials_seen=Figure(
                len(tokens), f"{len(tokens)} credential token(s) were minted, {len(burnt)} of them since burnt."
            ),
            holders_identified=Figure(
                len(identified),
                f"{len(identified)} holder address(es) are tied to named credentials: each mint event names the "
                "holder's address and the token's public metadata says what the credential is.",
            ),
            fields_exposed=Figure(
                len(exposed),
                f"{len(exposed)} distinct field(s) of learner and credential data can be read by anyone from the "
                "token metadata (tokenURI, and the mint calldata, which keeps burnt tokens' metadata forever).",
            ),
            fields=tuple(exposed),
            issuer_fields=tuple(self._issuer_fields(minted_by, registry, "minting")),
            linkable_credentials=Figure(
                len(linked),
                f"{len(linked)} credential(s) share a holder address with another one ({several} holder(s) have "
                "several), so anyone can put together that person's record of achievements.",
            ),
            revocations=Figure(len(burnt), f"{len(burnt)} token(s) were burnt (revoked)."),
            revocations_attributable=Figure(
                len(attributable),
                f"{len(attributable)} revocation(s) can be tied to a person: the burnt token's holder address, and "
                f"for {len(from_calldata)} of them the full metadata, stay readable in the mint transaction.",
            ),
            bytes_on_chain=Figure(
                payload,
                f"{payload} bytes of call arguments were written, almost all of it the metadata JSON of each token "
                "(plus the 20-byte holder address per mint and 32-byte token id per burn).",
            ),
            calldata_bytes=_calldata_figure(calldata),
            transactions=Figure(self._tx_count(logs), "Transactions to the NFT contract: mints, burns, settings."),
            events=Figure(len(logs), "Event logs the NFT contract emitted (Transfer, Locked, minted, burnt)."),
            profiles=tuple(self._profile(holder, held, parsed) for holder, held in profiles),
            details={
                "tokens_minted": len(tokens),
                "tokens_live": len(tokens) - len(burnt),
                "tokens_burnt": len(burnt),
                "holders_seen": len(by_holder),
                "holders_with_several_credentials": several,
                "metadata_sources": dict(Counter(t.source or "unreadable" for t in tokens.values())),
                "burnt_metadata_from_calldata": len(from_calldata),
                "burnt_examples": [
                    {"token_id": t.token_id, "holder": t.holder, "metadata": _short(t.metadata, 200)}
                    for t in from_calldata[: self.examples]
                ],
                "minting_issuers": sorted(set(minted_by)),
            },
            notes=tuple(notes),
        )

    def _token_uri_metadata(self, address: str, token_id: int) -> str | None:
        try:
            uri = self.chain.call("CredentialNFT", address, "tokenURI", [token_id])
        except ContractRevertError:
            return None  # burnt after all, or not minted here
        return _metadata_from_uri(str(uri))

    def _exposed(self, tokens: Iterable[list[tuple[str, str, str]]]) -> list[ExposedField]:
        counts: Counter[str] = Counter()
        kinds: dict[str, str] = {}
        values: dict[str, list[str]] = {}
        for fields in tokens:
            for path in dict.fromkeys(path for path, _, _ in fields):
                counts[path] += 1
            for path, kind, value in fields:
                kinds.setdefault(path, kind)
                seen = values.setdefault(path, [])
                if len(seen) < self.examples and value not in seen:
                    seen.append(value)
        return [ExposedField(path, kinds[path], count, tuple(values[path])) for path, count in counts.most_common()]

    def _profile(
        self, holder: str, held: Sequence[_Token], parsed: Mapping[int, list[tuple[str, str, str]]]
    ) -> HolderProfile:
        names: list[str] = []
        credentials = []
        for token in sorted(held, key=lambda t: t.token_id):
            fields = parsed.get(token.token_id, [])
            first = _first_by_kind(fields)
            if "personal" in first:
                _append_new(names, first["personal"])
            credentials.append(
                HeldCredential(
                    token_id=token.token_id,
                    title=first.get("credential"),
                    grade=first.get("result"),
                    date=first.get("date"),
                    issuer=first.get("issuer"),
                    burnt=token.burnt,
                )
            )
        return HolderProfile(holder, tuple(names), tuple(credentials[: self.examples]))

    # -- hash mode: a HashRevocationRegistry ----------------------------------------------------

    def hashes(
        self, address: str, deployed: bool, logs: Sequence[RawLog], registry: RegistryReport | None
    ) -> ModeReport:
        # (issuer, hash) pairs, in order: the registry namespaces hashes by issuer.
        issued: dict[tuple[str, bytes], None] = {}
        revoked: dict[tuple[str, bytes], None] = {}
        ours: list[RawLog] = []
        for entry in logs:
            if len(entry.topics) != 3 or entry.topics[0] not in (DOCUMENT_ISSUED, DOCUMENT_REVOKED):
                continue
            ours.append(entry)
            key = (to_checksum_address(entry.topics[1][12:]), entry.topics[2])
            (issued if entry.topics[0] == DOCUMENT_ISSUED else revoked)[key] = None
        calldata = sum(len(self.txs[h].input) for h in {e.tx_hash for e in ours} if h in self.txs)
        payload = 32 * len(ours)  # each event records one 32-byte hash, which its call carried
        notes = _base_notes(address, deployed, 0)
        if len(ours) != len(logs):
            notes.append(f"{len(logs) - len(ours)} other event(s) at this address were not recognised")
        return ModeReport(
            mode="hash",
            contracts={"HashRevocationRegistry": address},
            deployed=deployed,
            credentials_seen=Figure(
                len(issued), f"{len(issued)} document hash(es) or batch root(s) were recorded as issued."
            ),
            holders_identified=Figure(
                0, "No holder can be identified: only hashes of documents are recorded, never who holds them."
            ),
            fields_exposed=Figure(
                0, "No learner or credential field is on-chain: a hash reveals nothing of the document it hashes."
            ),
            fields=(),
            issuer_fields=tuple(self._issuer_fields([i for i, _ in [*issued, *revoked]], registry, "issuing")),
            linkable_credentials=Figure(
                0, "No two credentials can be linked to one person: unrelated hashes share nothing visible."
            ),
            revocations=Figure(len(revoked), f"{len(revoked)} document hash(es) were recorded as revoked."),
            revocations_attributable=Figure(
                0,
                "None can be tied to a person by a stranger: only whoever holds a credential can hash it and find "
                "its hash among the revoked ones.",
            ),
            bytes_on_chain=Figure(payload, f"{payload} bytes of hashes were written: 32 per issued or revoked hash."),
            calldata_bytes=_calldata_figure(calldata),
            transactions=Figure(len({e.tx_hash for e in ours}), "Transactions that recorded or revoked hashes."),
            events=Figure(len(ours), "DocumentIssued and DocumentRevoked event logs."),
            details={
                "documents_issued": len(issued),
                "documents_revoked": len(revoked),
                "issued_examples": ["0x" + h.hex() for _, h in list(issued)[: self.examples]],
                "revoked_examples": ["0x" + h.hex() for _, h in list(revoked)[: self.examples]],
                "issuers": sorted({i for i, _ in [*issued, *revoked]}),
            },
            notes=tuple(notes),
        )


# -- decoding helpers ----------------------------------------------------------------------------


def _append_new(values: list[Any], value: Any) -> None:
    if value not in values:
        values.append(value)


def _short(value: Any, limit: int = _EXAMPLE_CHARS) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _base_notes(address: str, deployed: bool, undecoded: int) -> list[str]:
    notes = [] if deployed else [f"no contract code at {address}: nothing to observe"]
    if undecoded:
        notes.append(
            f"{undecoded} transaction(s) reached the contract through another contract (or could not be read): "
            "their arguments are not decoded, nor counted in bytes_on_chain"
        )
    return notes


def _calldata_figure(calldata: int) -> Figure:
    return Figure(calldata, f"{calldata} bytes of raw calldata in these transactions, ABI padding included.")


def _unpack_indices(packed: bytes) -> list[int]:
    return [int.from_bytes(packed[i : i + INDEX_BYTES], "big") for i in range(0, len(packed), INDEX_BYTES)]


def _spans(words: Sequence[int]) -> list[tuple[int, int]]:
    """(first word, count) ranges covering sorted `words`: near words share a read, no read is too long."""
    spans: list[tuple[int, int]] = []
    for word in words:
        if spans and word - (sum(spans[-1]) - 1) <= _WORD_GAP and word - spans[-1][0] < _WORDS_PER_CALL:
            spans[-1] = (spans[-1][0], word - spans[-1][0] + 1)
        else:
            spans.append((word, 1))
    return spans


def _call_size(call: DecodedCall) -> int:
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


def _metadata_from_uri(uri: str) -> str | None:
    """The JSON text of a `data:` token URI (base64 or percent-encoded); other URIs as they are."""
    if not uri.startswith("data:"):
        return uri or None  # an off-chain pointer: reading it is one fetch away, not done here
    header, _, body = uri.partition(",")
    try:
        raw = base64.b64decode(body, validate=True) if header.endswith(";base64") else unquote_to_bytes(body)
    except (binascii.Error, ValueError):
        return None
    return raw.decode("utf-8", errors="replace")


def _parse_metadata(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text  # plain text metadata is still readable


#: Words in a field's name that suggest what it is, checked in this order (a guess, for the reader).
_KIND_WORDS = tuple(
    (kind, tuple(words.split()))
    for kind, words in (
        ("issuer", "issuer awarding provider institution university school organi publisher"),
        ("date", "date issued awarded valid expir time year"),
        ("result", "grade score result mark classification honours gpa"),
        ("personal", "learner holder recipient student email birth phone person given family surname firstname "
         "lastname nationality"),
        ("credential", "title course achievement credential qualification programme program badge skill "
         "description ects eqf level workload hours outcome image"),
    )
)  # fmt: skip
_TITLE_WORDS = ("title", "course", "achievement", "credential", "qualification")


def _kind(path: str, has_title: bool) -> str:
    lowered = path.lower()
    for kind, words in _KIND_WORDS:
        if any(word in lowered for word in words):
            return kind
    if lowered.rsplit(".", 1)[-1] == "name":
        # Next to a title, "name" is the person's; alone it is the token's name (ERC-721 convention).
        return "personal" if has_title else "credential"
    return "other"


def _fields_of(metadata: Any) -> list[tuple[str, str, str]]:
    """(path, kind, shortened value) of every leaf of a token's metadata."""
    leaves = list(_leaves(metadata, "", 0))[:_MAX_FIELDS_PER_TOKEN]
    has_title = any(any(word in path.lower() for word in _TITLE_WORDS) for path, _ in leaves)
    return [(path, _kind(path, has_title), _short(value)) for path, value in leaves]


def _leaves(value: Any, path: str, depth: int) -> Iterator[tuple[str, Any]]:
    if depth > _MAX_DEPTH:
        yield path or "(metadata)", value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, f"{path}.{key}" if path else str(key), depth + 1)
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict) and "trait_type" in item and "value" in item:
                # ERC-721 metadata attributes: {"trait_type": "Grade", "value": "B"} reads as a field.
                yield f"{path}.{item['trait_type']}", item["value"]
            else:
                yield from _leaves(item, f"{path}[]", depth + 1)
    elif value is not None:
        yield path or "(metadata)", value


def _first_by_kind(fields: Sequence[tuple[str, str, str]]) -> dict[str, str]:
    first: dict[str, str] = {}
    for path, kind, value in fields:
        if kind == "credential" and not any(word in path.lower() for word in (*_TITLE_WORDS, "name")):
            continue  # a description or a level is not the credential's title
        first.setdefault(kind, value)
    return first
