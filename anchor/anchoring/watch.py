"""Anchoring cycles and the watch loop: what `credanchor anchor [--watch]` runs, callable by any front end.

One cycle (`anchor_cycle`), for each issuer account: re-check the batches anchored in the last
blocks first (a reorg may have dropped one, which is reopened and anchored again, or moved one,
whose proofs are rewritten: `recheck_anchored`), then finish and close due batches and anchor them
(`anchor_due`), and write every anchored credential to its file. The re-check comes first so that a
dropped batch is anchored again in the same cycle.

The watch loop (`watch`) runs cycles until stopped. It tells errors apart: the chain, the devchain
or the database being unreachable is transient — reported through a callback and waited out, since
the worker's restart safety makes the next cycle finish whatever the failed one left — while any
other error (a wrong passphrase, a missing deployment, a store whose batch no longer hashes to its
root) ends it, as another cycle would only meet it again.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

from eth_account.signers.local import LocalAccount

from anchor.anchoring.worker import anchor_due, recheck_anchored
from anchor.chain.contracts import CredentialAnchorClient
from anchor.chain.profiles import ChainProfile
from anchor.credentials.issuers import write_json
from anchor.errors import ChainError, CredAnchorError, DevchainError
from anchor.storage.store import Store, StoreError

T = TypeVar("T")

#: Errors a later cycle may not meet: the chain, the devchain or the database unreachable.
TRANSIENT_ERRORS: tuple[type[CredAnchorError], ...] = (ChainError, DevchainError, StoreError)


@dataclass(frozen=True)
class AnchorPolicy:
    """When a batch closes and when it counts as anchored (the options of `credanchor anchor`)."""

    max_size: int = 10_000
    #: Only close batches whose oldest credential waited this long (or that are full); None: close
    #: everything queued now.
    max_age: timedelta | None = None
    #: Re-check the batches anchored in this many recent blocks; a batch older than that is final.
    reorg_depth: int = 64
    #: Blocks (the anchoring one included) before a batch is recorded as anchored.
    confirmations: int = 1
    #: Seconds to wait for them in this cycle (else a later cycle records it).
    wait_seconds: int = 0
    #: The contract records the parent chain's block number (Arbitrum): the re-check cannot compare blocks.
    block_number_is_parent: bool = False

    def for_profile(
        self, chosen: ChainProfile | None, *, confirmations: int | None = None, reorg_depth: int | None = None
    ) -> AnchorPolicy:
        """This policy on `chosen`'s chain: its confirmations and finality depth unless given here."""
        if chosen is None:
            return replace(self, confirmations=confirmations or self.confirmations,
                           reorg_depth=self.reorg_depth if reorg_depth is None else reorg_depth)  # fmt: skip
        return replace(
            self, confirmations=confirmations or chosen.confirmations,
            reorg_depth=chosen.finality_blocks if reorg_depth is None else reorg_depth,
            block_number_is_parent=chosen.block_number_is_parent,
        )  # fmt: skip

    def is_final(self, block: int, latest: int) -> bool:
        """Whether a batch anchored in `block` is past the re-check depth at block `latest`: final."""
        return latest - block > self.reorg_depth


@dataclass(frozen=True)
class BatchOutcome:
    """One batch a cycle anchored, or sent and left waiting for confirmations."""

    account: str
    batch: int
    root: str
    #: The confirmations asked for, when the transaction does not have them yet (not recorded).
    waiting_for_confirmations: int | None = None
    credentials: int = 0
    tx: str = ""
    block: int = 0
    gas_used: int = 0
    #: The batch was closed (or sent) by an earlier, interrupted run and finished by this one.
    resumed: bool = False
    #: Past the policy's finality depth (AnchorPolicy.is_final); until then reorgs are re-checked.
    final: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The `credanchor anchor --json` shape of one batch."""
        head = {"account": self.account, "batch": self.batch, "root": self.root}
        if self.waiting_for_confirmations is not None:
            return {**head, "waiting_for_confirmations": self.waiting_for_confirmations}
        return {**head, "credentials": self.credentials, "tx": self.tx, "block": self.block,
                "gas_used": self.gas_used, "resumed": self.resumed, "final": self.final}  # fmt: skip


def anchor_cycle(
    store: Store,
    anchor: CredentialAnchorClient,
    accounts: Sequence[str],
    signer: Callable[[str], LocalAccount | None],
    out: Path | None = None,
    policy: AnchorPolicy | None = None,
) -> list[BatchOutcome]:
    """One cycle for each of `accounts` (see the module's docstring); with `out`, every credential
    anchored (or whose proof a reorg rewrote) is written to `out/<its file name>`.

    `signer(account)` is the account's local key, which signs (and owns the nonces of) its anchoring
    transactions, or None when the node manages the account; it is asked once per account, before
    anything is sent for it.
    """
    policy = policy or AnchorPolicy()
    outcomes = []
    for account in accounts:
        key = signer(account)
        moved_batches = recheck_anchored(store, anchor, account, depth=policy.reorg_depth,
                                         block_number_is_parent=policy.block_number_is_parent)  # fmt: skip
        for moved in moved_batches:
            for credential_id in moved.credential_ids:  # re-included elsewhere: proofs rewritten
                state, document, file_name = store.credential(credential_id)
                if out is not None and state == "anchored" and file_name:
                    write_json(out / file_name, document)
        runs = anchor_due(
            store, anchor, account, max_size=policy.max_size, max_age=policy.max_age, force=policy.max_age is None,
            confirmations=policy.confirmations, wait_seconds=policy.wait_seconds, account=key,
        )  # fmt: skip
        latest = anchor.chain.block_number() if any(run.recorded for run in runs) else 0
        for run in runs:
            if not run.recorded:
                outcomes.append(BatchOutcome(account, run.batch.id, run.batch.root, policy.confirmations))
                continue
            for credential in run.anchored.credentials:
                if out is not None:
                    _, _, file_name = store.credential(credential["id"])
                    write_json(out / (file_name or f"{credential['id'].rsplit(':', 1)[-1]}.json"), credential)
            receipt = run.anchored.receipt
            outcome = BatchOutcome(
                account, run.batch.id, run.batch.root, credentials=len(run.anchored.credentials),
                tx="0x" + receipt.tx_hash.hex(), block=receipt.block_number, gas_used=receipt.gas_used,
                resumed=run.resumed, final=policy.is_final(receipt.block_number, latest),
            )  # fmt: skip
            outcomes.append(outcome)
    return outcomes


def is_transient(exc: BaseException) -> bool:
    """Whether a later cycle may not meet `exc` (see TRANSIENT_ERRORS)."""
    return isinstance(exc, TRANSIENT_ERRORS)


def watch(
    cycle: Callable[[], list[T]],
    *,
    every: float,
    until_idle: bool = False,
    on_waiting: Callable[[CredAnchorError], None] = lambda exc: None,
    sleep: Callable[[float], None] = time.sleep,
) -> list[T]:
    """Run `cycle()` every `every` seconds; what the cycles returned, in order.

    A transient error is passed to `on_waiting` and waited out; any other exception (KeyboardInterrupt
    included) ends the loop and propagates. Runs until then, or with `until_idle` until a cycle
    that succeeded found nothing to do.
    """
    done: list[T] = []
    while True:
        try:
            found = cycle()
        except TRANSIENT_ERRORS as exc:
            on_waiting(exc)
        else:
            done.extend(found)
            if until_idle and not found:
                return done
        sleep(every)
