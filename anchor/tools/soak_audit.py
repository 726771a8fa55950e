"""The soak's audit: at the end of a run, check from the store and the chain — trusting nothing the soak
counted beyond the ids it was handed — that every issued credential was anchored exactly once, that its
Merkle proof leads to a root anchored on-chain by its issuer, and that every revocation shows.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from anchor.chain.abi import DecodedLog
from anchor.chain.contracts import CredentialAnchorClient
from anchor.chain.view import ChainReader
from anchor.credentials.anchor_proofs import anchor_proofs_of, credential_hash
from anchor.credentials.verify import Outcome, Verifier
from anchor.crypto.merkle import MerkleTree, process_proof
from anchor.errors import ConfigurationError
from anchor.storage.store import BatchState, Store, StoredCredential
from anchor.types import Root, merkle_path_from_hex


@dataclass
class Audit:
    """What the store and the chain show at the end; `problems` lists every discrepancy found."""

    counts: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def audit(
    store: Store,
    anchor: CredentialAnchorClient,
    account: str,
    issued: list[str],
    revoked: list[str],
    *,
    registry: str,
    revocation_txs: int,
) -> Audit:
    """Check, from the store and the chain, that every issued credential was anchored exactly once.

    `issued` are the ids the producer was handed back, `revoked` the ids the verifier revoked (in
    `revocation_txs` transactions). Nothing here trusts the soak's own counters beyond those lists.
    """
    result = Audit()
    problems = result.problems
    total, stored_list = store.credentials(account, limit=None)
    stored = {c.id: c for c in stored_list}
    for credential_id in sorted(set(issued) - stored.keys()):
        problems.append(f"lost: {credential_id} was issued but is not in the store")
    for credential_id in sorted(stored.keys() - set(issued)):
        problems.append(f"unexpected: {credential_id} is in the store but was never issued")
    if len(issued) != len(set(issued)):
        problems.append(f"{len(issued) - len(set(issued))} credential id(s) were handed out twice")

    _, batches = store.batch_states(account, limit=None)
    by_batch: dict[int, list[StoredCredential]] = {}
    for credential in stored.values():
        if credential.state != "anchored" or credential.batch_id is None:
            problems.append(f"not anchored: {credential.id} is {credential.state}")
        else:
            by_batch.setdefault(credential.batch_id, []).append(credential)
    for root, times in Counter(b.root for b in batches).items():
        if times > 1:
            problems.append(f"root {root} belongs to {times} batches")

    events = _issuer_events(anchor, account)
    on_chain = Counter("0x" + bytes(e.args["root"]).hex() for e in events if e.event == "BatchAnchored")
    for root, times in on_chain.items():
        if times > 1:
            problems.append(f"root {root} was anchored {times} times")
    recorded = {b.root for b in batches if b.state == "anchored"}
    for root in sorted(on_chain.keys() - recorded):
        problems.append(f"root {root} was anchored on-chain but no anchored batch in the store has it")

    proofs_checked = 0
    for batch in batches:
        members = by_batch.get(batch.id, [])
        problems.extend(_audit_batch(anchor, account, batch, members, root_on_chain=batch.root in on_chain))
        proofs_checked += len(members)

    revoked_confirmed = 0
    verifier = Verifier(ChainReader(anchor.chain, registry))
    for credential_id in revoked:
        revoked_one = stored.get(credential_id)
        if revoked_one is None:
            continue  # reported as lost above
        report = verifier.verify(revoked_one.document)
        failed = {c.name for c in report.checks if c.outcome is Outcome.FAIL}
        if failed == {"revocation"}:
            revoked_confirmed += 1
        else:
            problems.append(f"revoked {credential_id} fails {sorted(failed) or 'nothing'}, not just revocation")
    revocation_events = sum(1 for e in events if e.event == "CredentialsRevoked")
    if revocation_events != revocation_txs:
        problems.append(f"{revocation_txs} revocation transaction(s) sent, {revocation_events} on-chain")

    result.counts = {
        "issued": len(issued),
        "stored": total,
        "anchored": sum(len(m) for m in by_batch.values()),
        "merkle_proofs_checked": proofs_checked,
        "batches": len(batches),
        "roots_on_chain": len(on_chain),
        "revoked": len(revoked),
        "revoked_verify_as_revoked": revoked_confirmed,
        "anchoring_txs": sum(on_chain.values()),
        "revocation_txs": revocation_events,
        "lost": len(set(issued) - stored.keys()),
        "problems": len(problems),
    }
    return result


def _audit_batch(
    anchor: CredentialAnchorClient,
    account: str,
    batch: BatchState,
    members: list[StoredCredential],
    *,
    root_on_chain: bool,
) -> list[str]:
    problems = []
    name = f"batch {batch.id}"
    if batch.state != "anchored":
        return [f"{name} is still {batch.state}"]
    if not root_on_chain:
        problems.append(f"{name}: its root {batch.root} has no BatchAnchored event")
    record = anchor.batch(account, Root.from_hex(batch.root))
    if not record.anchored or record.anchored_block != batch.block_number:
        problems.append(f"{name}: on-chain the root is anchored in block {record.anchored_block}, "
                        f"the store says {batch.block_number}")  # fmt: skip
    if len(members) != batch.size:
        problems.append(f"{name} was closed with {batch.size} credentials and holds {len(members)}")
    hashes = []
    for credential in members:
        hashed = credential_hash(credential.document)
        hashes.append(hashed)
        proofs = anchor_proofs_of(credential.document)
        if len(proofs) != 1:
            problems.append(f"{credential.id} carries {len(proofs)} anchor proofs")
            continue
        proof = proofs[0]
        try:
            path = merkle_path_from_hex(proof.get("merklePath", []))
        except ConfigurationError:  # not 32-byte hex nodes
            path = []
        if proof.get("merkleRoot") != batch.root or process_proof(hashed, path) != Root.from_hex(batch.root).value:
            problems.append(f"{credential.id}: its Merkle proof does not lead to its batch's root {batch.root}")
        where = (str(proof.get("anchoredBy")).lower(), str(proof.get("anchorContract")).lower(),
                 proof.get("transactionHash"), proof.get("blockNumber"))  # fmt: skip
        if where != (account.lower(), anchor.address.lower(), batch.tx_hash, batch.block_number):
            problems.append(f"{credential.id}: its anchor proof names another account, contract or transaction "
                            f"than {name}'s")  # fmt: skip
    if len(set(hashes)) != len(hashes):
        problems.append(f"{name} holds the same credential twice")
    elif hashes and MerkleTree.build(hashes).root != Root.from_hex(batch.root).value:
        problems.append(f"{name}: its credentials do not make its root {batch.root}")
    return problems


def _issuer_events(anchor: CredentialAnchorClient, account: str) -> list[DecodedLog]:
    """Every CredentialAnchor event `account` caused (each event names its issuer)."""
    return [e for e in anchor.chain.events(anchor.NAME, anchor.address) if e.args["issuer"].lower() == account.lower()]
