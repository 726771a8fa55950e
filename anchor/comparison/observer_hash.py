"""Hash mode as the observer sees it: a HashRevocationRegistry records one hash per issued document
(or batch root) and one per revoked document — decoded by event signature, no artifact needed.
"""

from __future__ import annotations

from collections.abc import Sequence

from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from anchor.chain.abi import RawLog
from anchor.comparison.observer_reader import PublicChainReader, base_notes, calldata_figure
from anchor.comparison.observer_report import Figure, ModeReport, RegistryReport

#: The HashRevocationRegistry's events, by topic0 (both arguments indexed, so the data is empty).
DOCUMENT_ISSUED = keccak(text="DocumentIssued(address,bytes32)")
DOCUMENT_REVOKED = keccak(text="DocumentRevoked(address,bytes32)")


def observe_hashes(
    reader: PublicChainReader, address: str, deployed: bool, logs: Sequence[RawLog], registry: RegistryReport | None
) -> ModeReport:
    """What the HashRevocationRegistry at `address` shows, from its `logs` and their transactions."""
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
    calldata = sum(len(reader.txs[h].input) for h in {e.tx_hash for e in ours} if h in reader.txs)
    payload = 32 * len(ours)  # each event records one 32-byte hash, which its call carried
    notes = base_notes(address, deployed, 0)
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
        issuer_fields=tuple(reader.issuer_fields([i for i, _ in [*issued, *revoked]], registry, "issuing")),
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
        calldata_bytes=calldata_figure(calldata),
        transactions=Figure(len({e.tx_hash for e in ours}), "Transactions that recorded or revoked hashes."),
        events=Figure(len(ours), "DocumentIssued and DocumentRevoked event logs."),
        details={
            "documents_issued": len(issued),
            "documents_revoked": len(revoked),
            "issued_examples": ["0x" + h.hex() for _, h in list(issued)[: reader.examples]],
            "revoked_examples": ["0x" + h.hex() for _, h in list(revoked)[: reader.examples]],
            "issuers": sorted({i for i, _ in [*issued, *revoked]}),
        },
        notes=tuple(notes),
    )
