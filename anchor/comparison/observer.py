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

The observer is split by concern: this module reads the chain once and hands each contract's logs to
its mode — anchor.comparison.observer_reader (the public-chain reader, the IssuerRegistry),
observer_vc, observer_nft and observer_hash (each mode's inferences); observer_report holds the
report's shape. Its names are re-exported here, the module callers import.
"""

from __future__ import annotations

import logging

from anchor.chain.abi import RawLog
from anchor.chain.adapter import Chain
from anchor.comparison.observer_hash import DOCUMENT_ISSUED, DOCUMENT_REVOKED, observe_hashes
from anchor.comparison.observer_nft import observe_nft
from anchor.comparison.observer_reader import PublicChainReader
from anchor.comparison.observer_report import (
    ExposedField,
    Figure,
    HeldCredential,
    HolderProfile,
    ModeReport,
    ObserverReport,
    PublicIssuer,
    RegistryReport,
)
from anchor.comparison.observer_vc import observe_anchor
from anchor.types import check_address

__all__ = [
    "DOCUMENT_ISSUED",
    "DOCUMENT_REVOKED",
    "MODES",
    "ExposedField",
    "Figure",
    "HeldCredential",
    "HolderProfile",
    "ModeReport",
    "ObserverReport",
    "PublicIssuer",
    "RegistryReport",
    "observe",
]

log = logging.getLogger(__name__)

#: The modes, in report order: anchored VCs, public NFTs, a hash registry.
MODES = ("vc", "nft", "hash")


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
    reader = PublicChainReader(chain, txs, examples)

    registry_report = None
    if "registry" in roles:
        address = roles["registry"]
        registry_report = reader.registry(address, deployed[address], by_address[address])
    modes: dict[str, ModeReport] = {}
    if "vc" in roles:
        address = roles["vc"]
        modes["vc"] = observe_anchor(reader, address, deployed[address], by_address[address], registry_report)
    if "nft" in roles:
        address = roles["nft"]
        modes["nft"] = observe_nft(
            reader, address, deployed[address], by_address[address], registry_report, max_profiles, read_token_uris
        )
    if "hash" in roles:
        address = roles["hash"]
        modes["hash"] = observe_hashes(reader, address, deployed[address], by_address[address], registry_report)
    report = ObserverReport(chain.chain_id, from_block, last, modes, registry_report)
    log.info(
        "observed chain %d blocks %d..%d: %s",
        report.chain_id,
        from_block,
        last,
        ", ".join(f"{m}: {r.events.value} events, {r.holders_identified.value} holders" for m, r in modes.items()),
    )
    return report
