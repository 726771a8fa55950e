"""NFT mode as the observer sees it: a CredentialNFT's mints and burns, each token's public metadata
(from `tokenURI`, as a wallet or marketplace reads it, and from the mint calldata, which keeps a burnt
token's metadata forever), and per holder address the profile anyone can put together.

Token metadata is anyone's input: it is read with bounds (fields per token, depth) and every field is
given a kind — personal, credential, result, date, issuer or other — guessed from its name.
"""

from __future__ import annotations

import base64
import binascii
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_to_bytes

from anchor import jsonsafe
from anchor.chain.abi import RawLog, decode_logs
from anchor.chain.adapter import Chain
from anchor.comparison.observer_reader import (
    ZERO_ADDRESS,
    PublicChainReader,
    append_new,
    base_notes,
    call_size,
    calldata_figure,
    short,
)
from anchor.comparison.observer_report import (
    ExposedField,
    Figure,
    HeldCredential,
    HolderProfile,
    ModeReport,
    RegistryReport,
)
from anchor.errors import ContractRevertError

#: Bounds on what is taken from one token's metadata (it is anyone's input).
_MAX_FIELDS_PER_TOKEN = 200
_MAX_DEPTH = 8


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


def observe_nft(
    reader: PublicChainReader,
    address: str,
    deployed: bool,
    logs: Sequence[RawLog],
    registry: RegistryReport | None,
    max_profiles: int,
    read_token_uris: bool,
) -> ModeReport:
    """What the CredentialNFT at `address` shows, from its `logs`, their transactions and (with
    `read_token_uris`) every live token's `tokenURI`."""
    tokens: dict[int, _Token] = {}
    for event in decode_logs("CredentialNFT", logs):
        args = event.args
        if event.event == "CredentialMinted":
            token = tokens.setdefault(int(args["tokenId"]), _Token(int(args["tokenId"])))
            append_new(token.holders, args["holder"])
            token.issuer, token.mint_tx = args["issuer"], event.log.tx_hash
        elif event.event == "Transfer":
            token = tokens.setdefault(int(args["tokenId"]), _Token(int(args["tokenId"])))
            if args["to"] == ZERO_ADDRESS:
                token.burnt = True
            else:
                append_new(token.holders, args["to"])
                if args["from"] == ZERO_ADDRESS:
                    token.mint_tx = token.mint_tx or event.log.tx_hash
        elif event.event == "CredentialBurned":
            tokens.setdefault(int(args["tokenId"]), _Token(int(args["tokenId"]))).burnt = True
    calls, calldata, undecoded = reader.calls("CredentialNFT", address, logs)
    for token in tokens.values():
        call = calls.get(token.mint_tx) if token.mint_tx else None
        # mint(holder, metadata), mintWithConsent(holder, metadata, deadline, signature), …
        if call is not None and call.args.get("holder") in token.holders and "metadata" in call.args:
            token.metadata, token.source = str(call.args["metadata"]), "mint calldata"
    if read_token_uris:
        for token in tokens.values():
            if not token.burnt:
                text = _token_uri_metadata(reader.chain, address, token.token_id)
                if text is not None:
                    token.metadata, token.source = text, "tokenURI"

    parsed = {t.token_id: _fields_of(_parse_metadata(t.metadata)) for t in tokens.values() if t.metadata}
    exposed = _exposed(parsed.values(), reader.examples)
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
    payload = sum(call_size(call) for call in calls.values())
    minted_by = [t.issuer for t in tokens.values() if t.issuer]
    profiles = sorted(by_holder.items(), key=lambda item: (-len(item[1]), item[0]))[:max_profiles]
    notes = base_notes(address, deployed, undecoded)
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
        issuer_fields=tuple(reader.issuer_fields(minted_by, registry, "minting")),
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
        calldata_bytes=calldata_figure(calldata),
        transactions=Figure(reader.tx_count(logs), "Transactions to the NFT contract: mints, burns, settings."),
        events=Figure(len(logs), "Event logs the NFT contract emitted (Transfer, Locked, minted, burnt)."),
        profiles=tuple(_profile(holder, held, parsed, reader.examples) for holder, held in profiles),
        details={
            "tokens_minted": len(tokens),
            "tokens_live": len(tokens) - len(burnt),
            "tokens_burnt": len(burnt),
            "holders_seen": len(by_holder),
            "holders_with_several_credentials": several,
            "metadata_sources": dict(Counter(t.source or "unreadable" for t in tokens.values())),
            "burnt_metadata_from_calldata": len(from_calldata),
            "burnt_examples": [
                {"token_id": t.token_id, "holder": t.holder, "metadata": short(t.metadata, 200)}
                for t in from_calldata[: reader.examples]
            ],
            "minting_issuers": sorted(set(minted_by)),
        },
        notes=tuple(notes),
    )


def _token_uri_metadata(chain: Chain, address: str, token_id: int) -> str | None:
    try:
        uri = chain.call("CredentialNFT", address, "tokenURI", [token_id])
    except ContractRevertError:
        return None  # burnt after all, or not minted here
    return _metadata_from_uri(str(uri))


def _exposed(tokens: Iterable[list[tuple[str, str, str]]], examples: int) -> list[ExposedField]:
    counts: Counter[str] = Counter()
    kinds: dict[str, str] = {}
    values: dict[str, list[str]] = {}
    for fields in tokens:
        for path in dict.fromkeys(path for path, _, _ in fields):
            counts[path] += 1
        for path, kind, value in fields:
            kinds.setdefault(path, kind)
            seen = values.setdefault(path, [])
            if len(seen) < examples and value not in seen:
                seen.append(value)
    return [ExposedField(path, kinds[path], count, tuple(values[path])) for path, count in counts.most_common()]


def _profile(
    holder: str, held: Sequence[_Token], parsed: Mapping[int, list[tuple[str, str, str]]], examples: int
) -> HolderProfile:
    names: list[str] = []
    credentials = []
    for token in sorted(held, key=lambda t: t.token_id):
        fields = parsed.get(token.token_id, [])
        first = _first_by_kind(fields)
        if "personal" in first:
            append_new(names, first["personal"])
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
    return HolderProfile(holder, tuple(names), tuple(credentials[:examples]))


# -- reading token metadata ----------------------------------------------------------------------


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
        return jsonsafe.loads(text, what="a token's metadata")
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
    return [(path, _kind(path, has_title), short(value)) for path, value in leaves]


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
