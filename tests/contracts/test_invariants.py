"""Stateful invariants of the three contracts, driven by a hypothesis rule-based state machine.

One embedded eth-tester chain is deployed once for the module; every example starts from a
snapshot of it and is rolled back in ``teardown``. Each step is one random call by a random
actor (six accounts, the admin among them): body-role grants and revocations, issuer
registration / update / accreditation / de-accreditation / transfer, batch anchoring and batch
revocation (roots from a small pool, so duplicates happen), status-list revoke / suspend /
reinstate (lists 1..2, indices 0..600), NFT mints, burns, consent toggles and attempted
transfers and approvals, and clock advances.

A Python model predicts whether each call succeeds; a revert must be a
:class:`~anchor.errors.ContractRevertError` with the predicted custom error, and anything else
fails the test. After the steps the chain is compared with the model:

* a root is anchored once per (sender, root); its recorded anchor time never changes;
* revocation bits never clear; suspension bits follow suspend / reinstate;
* status changes are namespaced by sender: after A's change every actor's lists read as modelled;
* only the body of record changes an issuer's record or accreditation windows;
* anchoring is neutral (anyone may anchor), so instead ``isAccredited(sender, anchoredAt)``
  must match the model's accreditation windows at that time;
* soulbound tokens never move: the owner stays the minted holder until the minting issuer burns
  the token, transfers and approvals always revert, ``locked`` is true.

The default run is quick (25 examples of up to 30 steps). For a longer run set
``CREDANCHOR_INVARIANT_EXAMPLES``, e.g.::

    CREDANCHOR_INVARIANT_EXAMPLES=500 python -m pytest -q tests/contracts/test_invariants.py
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from anchor import Chain, Root, StatusPurpose
from anchor.chain.contracts import FOREVER, CredentialAnchorClient, CredentialNFTClient, IssuerRegistryClient
from anchor.chain.deployment import deploy_contracts
from anchor.errors import ContractRevertError
from anchor.types import TxReceipt

EXAMPLES = int(os.environ.get("CREDANCHOR_INVARIANT_EXAMPLES", "25"))
ACTORS = 6  # accounts[0..5]; accounts[0] is the registry admin
HOLDERS = 8  # accounts[0..7] receive tokens
LISTS = (1, 2)
MAX_INDEX = 600
WORDS = MAX_INDEX // 256 + 1
PURPOSES = (StatusPurpose.REVOCATION, StatusPurpose.SUSPENSION)
ZERO_ROOT = Root(bytes(32))
ROOTS = (Root(b"\x01" * 32), Root(b"\x02" * 32), Root(b"\xab" * 32), ZERO_ROOT)
DIDS = ("did:web:a.example", "did:web:b.example", "did:key:z6Mk", "web:not-a-did")
SCOPE = "EQF 4-6"
NFT = "CredentialNFT"

actor_ids = st.integers(0, ACTORS - 1)
holder_ids = st.integers(0, HOLDERS - 1)
index_sets = st.sets(st.integers(0, MAX_INDEX), min_size=1, max_size=5)


@cache
def deployed() -> tuple[Chain, IssuerRegistryClient, CredentialAnchorClient, CredentialNFTClient]:
    """The module's one chain, deployed on first use (not at collection)."""
    chain = Chain.embedded()
    deployment = deploy_contracts(chain, deployer=chain.accounts[0])
    return chain, deployment.registry(chain), deployment.anchor(chain), deployment.nft(chain)


def attempt(action: Callable[[], Any], expected_error: str | None) -> Any:
    """Run `action`; it must succeed when `expected_error` is None, else revert with that error."""
    try:
        result = action()
    except ContractRevertError as error:
        assert expected_error is not None, f"unexpected revert: {error}"
        assert error.error == expected_error, f"expected {expected_error}, got {error}"
        return None
    assert expected_error is None, f"expected a revert with {expected_error}, but the call succeeded"
    return result


def words_of(bits: set[int]) -> list[int]:
    """The status words (bit i of word w is index 256*w + i, most significant bit first)."""
    words = [0] * WORDS
    for index in bits:
        words[index >> 8] |= 1 << (255 - (index & 255))
    return words


@dataclass
class Window:
    valid_from: int
    valid_until: int
    body: str


@dataclass
class IssuerModel:
    did: str
    name: str
    body: str
    windows: list[Window] = field(default_factory=list)


class ContractInvariants(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.chain, self.registry, self.anchor, self.nft = deployed()
        self.snapshot = self.chain.snapshot()
        accounts = self.chain.accounts
        self.accounts = accounts[:HOLDERS]
        self.admin = accounts[0]
        # registry
        self.bodies: set[str] = set()
        self.issuers: dict[str, IssuerModel] = {}
        self.did_owner: dict[str, str] = {}
        # anchor: (sender, root bytes) -> (anchoredAt, anchoredBlock, revokedAt)
        self.batches: dict[tuple[str, bytes], list[int]] = {}
        self.bits: dict[tuple[str, int, StatusPurpose], set[int]] = {
            (a, lst, p): set() for a in self.accounts[:ACTORS] for lst in LISTS for p in PURPOSES
        }
        # nft: token id -> (holder, issuer); burnt ids
        self.tokens: dict[int, tuple[str, str]] = {}
        self.burnt: set[int] = set()
        self.next_token = 1
        self.consent_required: set[str] = set()
        self.steps = 0
        self.checked = 0
        self.operator_pairs: set[tuple[str, str]] = set()

    def teardown(self) -> None:
        try:
            self.check_status_lists()
            self.check_batches(ROOTS[:-1])  # the zero root is never anchored (checked by anchor_batch)
            self.check_registry()
            self.check_tokens(full=True)
        finally:
            self.chain.revert(self.snapshot)

    def actor(self, i: int) -> str:
        return self.accounts[i]

    def time_of(self, receipt: TxReceipt) -> int:
        return self.chain.block_timestamp(receipt.block_number)

    # -- registry ------------------------------------------------------------------------------

    @initialize(bodies=st.sets(st.integers(1, ACTORS - 1), max_size=2))
    def start(self, bodies: set[int]) -> None:
        """Start from zero to two bodies so registry rules do something early."""
        for i in sorted(bodies):
            self.registry.grant_body(self.actor(i), sender=self.admin)
            self.bodies.add(self.actor(i))

    @rule(sender=actor_ids, account=actor_ids, grant=st.booleans())
    def grant_or_revoke_body(self, sender: int, account: int, grant: bool) -> None:
        who, target = self.actor(sender), self.actor(account)
        call = self.registry.grant_body if grant else self.registry.revoke_body
        ok = attempt(
            lambda: call(target, sender=who), None if who == self.admin else "AccessControlUnauthorizedAccount"
        )
        if ok is not None:
            (self.bodies.add if grant else self.bodies.discard)(target)
        assert self.registry.is_body(target) is (target in self.bodies)
        assert self.registry.is_body(who) is (who in self.bodies)

    def _record_error(self, who: str, issuer: str) -> str | None:
        """What IssuerRegistry._recordOf reverts with, if anything."""
        if who not in self.bodies:
            return "AccessControlUnauthorizedAccount"
        if issuer not in self.issuers:
            return "IssuerRegistryUnknownIssuer"
        if self.issuers[issuer].body != who:
            return "IssuerRegistryNotBodyOfRecord"
        return None

    def _did_error(self, issuer: str, did: str) -> str | None:
        if len(did) < 5 or not did.startswith("did:"):
            return "IssuerRegistryInvalidDid"
        if self.did_owner.get(did, issuer) != issuer:
            return "IssuerRegistryDidTaken"
        return None

    @rule(sender=actor_ids, issuer=actor_ids, did=st.sampled_from(DIDS))
    def register_issuer(self, sender: int, issuer: int, did: str) -> None:
        who, target = self.actor(sender), self.actor(issuer)
        if who not in self.bodies:
            expected = "AccessControlUnauthorizedAccount"
        elif target in self.issuers:
            expected = "IssuerRegistryIssuerExists"
        else:
            expected = self._did_error(target, did)
        receipt = attempt(
            lambda: self.registry.register_issuer(target, did=did, name=f"issuer {issuer}", scope=SCOPE, sender=who),
            expected,
        )
        if receipt is not None:
            now = self.time_of(receipt)
            self.issuers[target] = IssuerModel(did, f"issuer {issuer}", who, [Window(now, FOREVER, who)])
            self.did_owner[did] = target
        self.check_registry(target, did)

    @rule(sender=actor_ids, issuer=actor_ids, did=st.sampled_from(DIDS))
    def update_issuer(self, sender: int, issuer: int, did: str) -> None:
        who, target = self.actor(sender), self.actor(issuer)
        expected = self._record_error(who, target)
        if expected is None and did != self.issuers[target].did:
            expected = self._did_error(target, did)
        name = f"renamed by {sender}"
        receipt = attempt(lambda: self.registry.update_issuer(target, did=did, name=name, sender=who), expected)
        if receipt is not None:
            record = self.issuers[target]
            record.did, record.name = did, name
            self.did_owner[did] = target
        self.check_registry(target, did)

    @rule(sender=actor_ids, issuer=actor_ids)
    def accredit(self, sender: int, issuer: int) -> None:
        who, target = self.actor(sender), self.actor(issuer)
        receipt = attempt(
            lambda: self.registry.accredit(target, scope=SCOPE, sender=who), self._record_error(who, target)
        )
        if receipt is not None:
            self.issuers[target].windows.append(Window(self.time_of(receipt), FOREVER, who))
        self.check_registry(target)

    @rule(sender=actor_ids, issuer=actor_ids)
    def deaccredit(self, sender: int, issuer: int) -> None:
        who, target = self.actor(sender), self.actor(issuer)
        expected = self._record_error(who, target)
        # Windows are opened "from now" and never end on their own: only open-ended ones run.
        if expected is None and not any(w.valid_until == FOREVER for w in self.issuers[target].windows):
            expected = "IssuerRegistryNotAccredited"
        receipt = attempt(lambda: self.registry.deaccredit(target, sender=who), expected)
        if receipt is not None:
            now = self.time_of(receipt)
            for window in self.issuers[target].windows:
                if window.valid_until == FOREVER:
                    assert window.valid_from <= now
                    window.valid_until = now
        self.check_registry(target)

    @rule(sender=actor_ids, issuer=actor_ids, new_body=actor_ids)
    def transfer_issuer(self, sender: int, issuer: int, new_body: int) -> None:
        who, target, body = self.actor(sender), self.actor(issuer), self.actor(new_body)
        if who != self.admin:
            expected: str | None = "AccessControlUnauthorizedAccount"
        elif target not in self.issuers:
            expected = "IssuerRegistryUnknownIssuer"
        elif body not in self.bodies:
            expected = "IssuerRegistryNotABody"
        else:
            expected = None
        receipt = attempt(lambda: self.registry.transfer_issuer(target, body, sender=who), expected)
        if receipt is not None:
            self.issuers[target].body = body
        self.check_registry(target)

    @rule(seconds=st.integers(1, 100_000))
    def advance_time(self, seconds: int) -> None:
        # eth-tester refuses to travel to before its pending block, whose timestamp follows the wall
        # clock: the snapshot's blocks fall behind it as the run goes on.
        lag = self.chain.block_timestamp("pending") - self.chain.block_timestamp()
        self.chain.advance_time(max(seconds, lag + 2))

    def model_accredited(self, issuer: str, timestamp: int) -> bool:
        record = self.issuers.get(issuer)
        return record is not None and any(w.valid_from <= timestamp < w.valid_until for w in record.windows)

    def check_registry(self, touched: str | None = None, did: str | None = None) -> None:
        """After a step on issuer `touched` (and DID `did`): every issuer's record and windows are as modelled.

        Unregistered accounts' windows, every DID and every anchor time are re-read at the end of the example
        (`touched=None`); after a step only the touched issuer's anchor times can change.
        """
        for account in self.accounts[:ACTORS]:
            record = self.registry.issuer(account)
            model = self.issuers.get(account)
            if model is None:
                assert record is None
                if touched is None or account == touched:
                    assert self.registry.accreditations(account) == []
                continue
            assert record is not None
            assert (record.did, record.name, record.body) == (model.did, model.name, model.body)
            windows = [(w.valid_from, w.valid_until, w.body) for w in self.registry.accreditations(account)]
            assert windows == [(w.valid_from, w.valid_until, w.body) for w in model.windows]
        for name in DIDS if touched is None else [did] if did else []:
            assert self.registry.issuer_by_did(name) == self.did_owner.get(name)
        # Anyone may anchor; trust is decided against the registry at the anchor time.
        for account, root in self.batches:
            if touched is not None and account != touched:
                continue
            anchored_at = self.batches[(account, root)][0]
            assert self.registry.is_accredited(account, anchored_at) == self.model_accredited(account, anchored_at)

    # -- anchoring -----------------------------------------------------------------------------

    @rule(sender=actor_ids, root=st.sampled_from(ROOTS))
    def anchor_batch(self, sender: int, root: Root) -> None:
        who = self.actor(sender)
        if root == ZERO_ROOT:
            expected: str | None = "CredentialAnchorZeroRoot"
        elif (who, root.value) in self.batches:
            expected = "CredentialAnchorRootExists"
        else:
            expected = None
        receipt = attempt(lambda: self.anchor.anchor_batch(root, sender=who), expected)
        if receipt is not None:
            anchored_at = self.time_of(receipt)
            self.batches[(who, root.value)] = [anchored_at, receipt.block_number, 0]
            assert self.registry.is_accredited(who, anchored_at) == self.model_accredited(who, anchored_at)
        self.check_batches([root])

    @rule(sender=actor_ids, root=st.sampled_from(ROOTS))
    def revoke_batch(self, sender: int, root: Root) -> None:
        who = self.actor(sender)
        record = self.batches.get((who, root.value))
        if record is None:
            expected: str | None = "CredentialAnchorUnknownBatch"
        elif record[2]:
            expected = "CredentialAnchorBatchAlreadyRevoked"
        else:
            expected = None
        receipt = attempt(lambda: self.anchor.revoke_batch(root, sender=who), expected)
        if receipt is not None:
            assert record is not None
            record[2] = self.time_of(receipt)
        self.check_batches([root])

    def check_batches(self, roots: Any) -> None:
        for root in roots:
            for account in self.accounts[:ACTORS]:
                record = self.anchor.batch(account, root)
                model = self.batches.get((account, root.value))
                assert [record.anchored_at, record.anchored_block, record.revoked_at] == (model or [0, 0, 0])

    @precondition(lambda self: bool(self.batches))
    @invariant()
    def anchored_times_never_change(self) -> None:
        # One record a step, in turn (every record is re-read after each anchoring step and at the end).
        keys = sorted(self.batches)
        account, root = keys[self.checked % len(keys)]
        self.checked += 1
        record = self.anchor.batch(account, Root(root))
        assert [record.anchored_at, record.anchored_block, record.revoked_at] == self.batches[(account, root)]

    # -- status lists --------------------------------------------------------------------------

    @rule(
        sender=actor_ids,
        list_id=st.sampled_from(LISTS),
        indices=index_sets,
        action=st.sampled_from(["revoke", "suspend", "reinstate"]),
    )
    def change_status(self, sender: int, list_id: int, indices: set[int], action: str) -> None:
        who = self.actor(sender)
        receipt = attempt(lambda: getattr(self.anchor, action)(list_id, indices, sender=who), None)
        assert receipt is not None
        if action == "revoke":
            self.bits[(who, list_id, StatusPurpose.REVOCATION)] |= indices
        elif action == "suspend":
            self.bits[(who, list_id, StatusPurpose.SUSPENSION)] |= indices
        else:
            self.bits[(who, list_id, StatusPurpose.SUSPENSION)] -= indices
        # Namespacing: every actor's lists, not only the sender's, read exactly as modelled.
        self.check_status_lists()

    def check_status_lists(self) -> None:
        for (account, list_id, purpose), bits in self.bits.items():
            words = self.anchor.status_words(account, list_id, purpose, 0, WORDS)
            # The model only ever adds revocation bits: equal words mean none was cleared on chain.
            assert words == words_of(bits), (account, list_id, purpose)

    # -- NFTs ----------------------------------------------------------------------------------

    @rule(sender=actor_ids, holder=holder_ids)
    def mint(self, sender: int, holder: int) -> None:
        who, to = self.actor(sender), self.accounts[holder]
        expected = "CredentialNFTConsentRequired" if who in self.consent_required else None
        result = attempt(lambda: self.nft.mint(to, {"step": self.steps, "by": sender}, sender=who), expected)
        self.steps += 1
        if result is not None:
            token_id, _ = result
            assert token_id == self.next_token
            self.tokens[token_id] = (to, who)
            self.next_token += 1
        self.check_tokens()

    @rule(sender=actor_ids, required=st.booleans())
    def set_consent_required(self, sender: int, required: bool) -> None:
        who = self.actor(sender)
        self.nft.set_consent_required(required, sender=who)
        (self.consent_required.add if required else self.consent_required.discard)(who)
        assert self.nft.consent_required(who) is required

    @rule(sender=actor_ids, data=st.data())
    def burn(self, sender: int, data: st.DataObject) -> None:
        who = self.actor(sender)
        token_id = data.draw(st.integers(0, self.next_token), label="token")
        if token_id not in self.tokens:
            expected: str | None = "ERC721NonexistentToken"
        elif self.tokens[token_id][1] != who:
            expected = "CredentialNFTNotIssuer"
        else:
            expected = None
        receipt = attempt(lambda: self.nft.burn(token_id, sender=who), expected)
        if receipt is not None:
            del self.tokens[token_id]
            self.burnt.add(token_id)
        self.check_tokens()

    @rule(
        sender=holder_ids,
        to=holder_ids,
        function=st.sampled_from(
            [
                "transferFrom",
                "safeTransferFrom(address,address,uint256)",
                "safeTransferFrom(address,address,uint256,bytes)",
                "approve",
                "setApprovalForAll",
            ]
        ),
        from_owner=st.booleans(),
        data=st.data(),
    )
    def try_to_move(self, sender: int, to: int, function: str, from_owner: bool, data: st.DataObject) -> None:
        who, target = self.accounts[sender], self.accounts[to]
        if self.tokens and data.draw(st.booleans(), label="live token"):
            token_id = data.draw(st.sampled_from(sorted(self.tokens)), label="token")
        else:
            token_id = data.draw(st.integers(0, self.next_token), label="token")
        owner = self.tokens[token_id][0] if token_id in self.tokens else who
        source = owner if from_owner else who
        if function == "approve":
            args: tuple[Any, ...] = (target, token_id)
        elif function == "setApprovalForAll":
            args = (target, data.draw(st.booleans(), label="approved"))
            self.operator_pairs.add((who, target))
        elif function.endswith("bytes)"):
            args = (source, target, token_id, b"credential")
        else:
            args = (source, target, token_id)
        with pytest.raises(ContractRevertError):
            self.chain.transact(NFT, self.nft.address, function, args, sender=who)
        self.check_tokens()

    def check_tokens(self, *, full: bool = False) -> None:
        for token_id, (holder, issuer) in self.tokens.items():
            assert self.nft.owner_of(token_id) == holder
            if full:
                assert self.nft.issuer_of(token_id) == issuer
                assert self.nft.locked(token_id) is True
                assert self.chain.call(NFT, self.nft.address, "getApproved", (token_id,)) == "0x" + "00" * 20
        if full:
            for token_id in self.burnt | {self.next_token}:
                with pytest.raises(ContractRevertError) as caught:
                    self.nft.owner_of(token_id)
                assert caught.value.error == "ERC721NonexistentToken"
            for account in self.accounts:
                held = sum(1 for holder, _ in self.tokens.values() if holder == account)
                assert self.chain.call(NFT, self.nft.address, "balanceOf", (account,)) == held
            for account, operator in self.operator_pairs:
                assert self.chain.call(NFT, self.nft.address, "isApprovedForAll", (account, operator)) is False

    @precondition(lambda self: bool(self.tokens))
    @invariant()
    def live_tokens_are_locked(self) -> None:
        # One cheap read per step; the full check (issuer, locked, balances, approvals) runs after each example.
        token_id = max(self.tokens)
        assert self.nft.locked(token_id) is True


@pytest.fixture(scope="module", autouse=True)
def _chain_deployed_before_hypothesis_runs() -> None:
    # Deploying imports and sets up py-evm, which changes the recursion limit: do it outside the test body.
    deployed()


ContractInvariants.TestCase.settings = settings(
    max_examples=EXAMPLES,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)
test_contract_invariants = ContractInvariants.TestCase
