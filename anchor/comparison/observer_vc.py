"""VC mode as the observer sees it: a CredentialAnchor's Merkle roots of batches and its packed
status lists — what a stranger learns of privately held Verifiable Credentials (nothing of a learner).

Status changes are decoded from their calls' packed indices and confirmed from the contract's storage
(`statusWords`), read in few calls: near words share a read.

What can still be inferred is counted too (`details["inferences"]`, docs/security.md "Adversarial review
(issue 19)"): each batch is a moment of issuing (a batch per credential shows the issue count); k status
lists of one issuer mean at least (k - 1) * CREDENTIALS_PER_LIST credentials; a position changed more than
once, or in both lists of one list id, ties those events to one credential (not to a person).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from anchor.chain.abi import RawLog, decode_logs
from anchor.chain.adapter import Chain
from anchor.chain.contracts import INDEX_BYTES
from anchor.comparison.observer_reader import PublicChainReader, base_notes, call_size, calldata_figure
from anchor.comparison.observer_report import Figure, ModeReport, RegistryReport
from anchor.credentials.status import CREDENTIALS_PER_LIST
from anchor.types import StatusPurpose

#: Status words read per `statusWords` call, and the gap below which two words share a call.
_WORDS_PER_CALL = 256
_WORD_GAP = 32


def observe_anchor(
    reader: PublicChainReader, address: str, deployed: bool, logs: Sequence[RawLog], registry: RegistryReport | None
) -> ModeReport:
    """What the CredentialAnchor at `address` shows, from its `logs` and their transactions."""
    events = decode_logs("CredentialAnchor", logs)
    calls, calldata, undecoded = reader.calls("CredentialAnchor", address, logs)
    roots: list[dict[str, Any]] = []
    revoked_batches: set[tuple[str, bytes]] = set()
    revoked: dict[tuple[str, int], set[int]] = {}
    suspended: dict[tuple[str, int], set[int]] = {}
    hidden_changes = 0  # status changes whose indices the calldata does not show
    changes: Counter[tuple[str, int, str, int]] = Counter()  # (issuer, list, purpose, index) → status events
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
            function = {"CredentialsRevoked": "revoke", "CredentialsSuspended": "suspend"}.get(event.event, "reinstate")
            if call is None or call.function != function or call.args["listId"] != args["listId"]:
                hidden_changes += int(args["count"])
                continue
            key = (args["issuer"], int(args["listId"]))
            indices = _unpack_indices(call.args["indices"])
            purpose = "revocation" if function == "revoke" else "suspension"
            changes.update((*key, purpose, index) for index in set(indices))
            if function == "revoke":
                revoked.setdefault(key, set()).update(indices)
            elif function == "suspend":
                suspended.setdefault(key, set()).update(indices)
            else:
                suspended.setdefault(key, set()).difference_update(indices)
    for entry in roots:
        entry["revoked"] = (entry["issuer"], bytes.fromhex(entry["root"][2:])) in revoked_batches
    revocation_bits = _bits_in_storage(reader.chain, address, revoked, StatusPurpose.REVOCATION)
    suspension_bits = _bits_in_storage(reader.chain, address, suspended, StatusPurpose.SUSPENSION)
    revoked_indices = sum(len(v) for v in revoked.values())
    anchoring = [entry["issuer"] for entry in roots]
    batches = len(roots)
    revocations = revoked_indices + len(revoked_batches)
    payload = sum(call_size(call) for call in calls.values())
    notes = base_notes(address, deployed, undecoded)
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
        issuer_fields=tuple(reader.issuer_fields(anchoring, registry, "anchoring")),
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
        calldata_bytes=calldata_figure(calldata),
        transactions=Figure(reader.tx_count(logs), "Transactions that changed the anchor (found by their events)."),
        events=Figure(len(logs), "Event logs the anchor contract emitted."),
        details={
            "batches_anchored": batches,
            "batches_revoked": len(revoked_batches),
            "roots": roots[: reader.examples],
            "anchoring_issuers": sorted(set(anchoring)),
            "status_lists": len(revoked.keys() | suspended.keys()),
            "revoked_indices": revoked_indices,
            "revoked_index_examples": list(
                reader.cap(
                    f"list {list_id} #{index}"
                    for (_, list_id), indices in sorted(revoked.items())
                    for index in sorted(indices)
                )
            ),
            "suspended_indices": sum(len(v) for v in suspended.values()),
            "status_bits_set": revocation_bits,
            "suspension_bits_set": suspension_bits,
            "status_changes_hidden": hidden_changes,
            **_inferences(roots, changes),
        },
        notes=tuple(notes),
    )


def _inferences(roots: Sequence[dict[str, Any]], changes: Counter[tuple[str, int, str, int]]) -> dict[str, Any]:
    """What the batches and status changes let a stranger infer of issuing volumes and of one credential's
    history (issue 19 item 11): the figures, each with its sentence, and the per-issuer numbers behind them."""
    batches = Counter(entry["issuer"] for entry in roots)
    lists: dict[str, set[int]] = {}
    for issuer, list_id, _, _ in changes:
        lists.setdefault(issuer, set()).add(list_id)
    at_least = {issuer: (len(ids) - 1) * CREDENTIALS_PER_LIST for issuer, ids in sorted(lists.items())}
    with_history = sum(1 for count in changes.values() if count > 1)
    positions = Counter((issuer, list_id, index) for issuer, list_id, _, index in changes)
    in_both = sum(1 for count in positions.values() if count > 1)
    return {
        "inferences": {
            "issuing_moments": Figure(
                len(roots),
                f"{len(roots)} anchored batch(es): each is a moment an issuer issued at least one credential. An "
                "issuer that anchors every credential as its own batch (the workshop does, to anchor at once) "
                "shows its issue count; batching hides it.",
            ).to_dict(),
            "issued_at_least": Figure(
                sum(at_least.values()),
                f"An issuer whose status changes touch k of its lists issued at least (k - 1) x "
                f"{CREDENTIALS_PER_LIST:,} credentials: a list is opened only when the last one holds that many "
                "(its random id alone says nothing).",
            ).to_dict(),
            "linked_status_changes": Figure(
                with_history + in_both,
                f"{with_history} position(s) changed more than once (e.g. suspended, then reinstated) and "
                f"{in_both} changed in both lists of one list id: their events belong to one credential — "
                "which, and whose, stays unknown. Credentials issued before issue 19 use one index in both "
                "lists, so their suspension and revocation are linked; newer ones draw the two apart.",
            ).to_dict(),
        },
        "batches_by_issuer": dict(sorted(batches.items())),
        "status_lists_by_issuer": {issuer: sorted(ids) for issuer, ids in sorted(lists.items())},
        "issued_at_least_by_issuer": at_least,
        "positions_changed_more_than_once": with_history,
        "positions_in_both_lists": in_both,
    }


def _bits_in_storage(
    chain: Chain, address: str, lists: Mapping[tuple[str, int], set[int]], purpose: StatusPurpose
) -> int:
    """How many bits are set, read from contract storage, in the words that hold `lists`' indices."""
    total = 0
    for (issuer, list_id), indices in sorted(lists.items()):
        for first, count in _spans(sorted({index >> 8 for index in indices})):
            words = chain.call(
                "CredentialAnchor", address, "statusWords", [issuer, list_id, int(purpose), first, count]
            )
            total += sum(int(word).bit_count() for word in words)
    return total


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
