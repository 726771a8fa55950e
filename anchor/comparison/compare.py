"""`credanchor compare`: the same roster issued as anchored Verifiable Credentials and as public soulbound
NFTs (and revoked a third way, by publishing hashes), measured side by side — cost, and what a stranger
reading the chain learns.

"NFTs are publicly displayed and captured in an immutable blockchain, while VCs are privately held and
can be verified using blockchain but do not need blockchain to be implemented." (ILO/UNICEF) — this
module makes that measurable: every figure comes from transactions actually sent and from the
observer (anchor.comparison.observer), which reads only public chain data and is not told what is there.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils.crypto import keccak

from anchor.anchoring.batches import anchor_credentials
from anchor.chain.adapter import Chain
from anchor.chain.consent import sign_consent
from anchor.chain.contracts import CredentialNFTClient, deploy_hash_registry
from anchor.chain.deployment import deploy_contracts
from anchor.chain.profiles import ChainProfile
from anchor.comparison.nft import nft_metadata
from anchor.comparison.observer import MODES as MODES  # re-exported: the comparison's modes are the observer's
from anchor.comparison.observer import observe
from anchor.credentials.anchor_proofs import credential_hash
from anchor.credentials.issuance import CredentialIssuer
from anchor.credentials.model import Award, AwardingBody, Learner, MicroCredentialSpec, Skill
from anchor.credentials.status import RandomStatusAllocator, read_entry
from anchor.crypto.keys import SigningKey
from anchor.crypto.merkle import MerkleTree
from anchor.crypto.proofs import JCS
from anchor.errors import ConfigurationError
from anchor.types import Root, TxReceipt

COURSES = (
    MicroCredentialSpec(
        title="Data Literacy Essentials", description="Reading, cleaning and charting tabular data.",
        learning_outcomes=("Clean a tabular data set", "Choose a chart that answers a question"),
        assessment_type="Project assessed by two examiners", participation_form="online",
        quality_assurance="Internal QA under ISO 21001", workload_hours=75, ects_credits=3, eqf_level=5,
        skills=(Skill("http://data.europa.eu/esco/skill/1605025e-a179-421f-8f35-5b07d182a6b2", "data analytics"),),
    ),
    MicroCredentialSpec(
        title="Workplace Safety Basics", description="Risk assessment and safe work practice on site.",
        learning_outcomes=("Assess the risks of a task", "Apply the safety procedures of a site"),
        assessment_type="Practical assessment", participation_form="onsite",
        quality_assurance="External QA by the national agency", workload_hours=25, eqf_level=3,
    ),
    MicroCredentialSpec(
        title="Green Skills for Construction", description="Energy-efficient building and circular materials.",
        learning_outcomes=("Explain the energy balance of a building", "Choose circular materials"),
        assessment_type="Online examination", participation_form="blended",
        quality_assurance="Internal QA under ISO 21001", workload_hours=50, ects_credits=2, eqf_level=4,
    ),
)  # fmt: skip
FIRST_NAMES = ("Ana", "Kwame", "Li", "Maria", "Jonas", "Amira", "Tomás", "Sofia", "Yusuf", "Ingrid", "Ravi", "Chloé")
LAST_NAMES = ("Sousa", "Mensah", "Wei", "Kowalska", "Berg", "Haddad", "Silva", "Rossi", "Demir", "Larsen", "Iyer")
GRADES = ("A", "B", "C", "Pass", "Merit", "Distinction")
MODE_NAMES = {"vc": "credanchor (VC + anchored root + random status bit)", "nft": "NFT (soulbound, public metadata)",
              "hash": "hash registry (root + published hash on revocation)"}  # fmt: skip


@dataclass(frozen=True)
class Assumptions:
    """Only for the fee estimate; every other figure is measured."""

    gas_price_gwei: float = 10.0
    eth_price: float = 3_000.0
    currency: str = "USD"

    def fee(self, gas: int) -> float:
        return gas * self.gas_price_gwei * 1e-9 * self.eth_price


@dataclass
class ModeFigures:
    transactions: int = 0
    gas: int = 0
    issue_gas: int = 0
    seconds: float = 0.0
    revoke_one_gas: int = 0
    revoke_100_gas: int = 0
    revoke_100_transactions: int = 0
    revoked: int = 0

    def revocations(self, one: TxReceipt, bulk: list[TxReceipt], count: int) -> None:
        """Record revoking one credential, then `count` more with the `bulk` transactions."""
        self.add(one)
        self.revoke_one_gas = one.gas_used
        for receipt in bulk:
            self.add(receipt)
            self.revoke_100_gas += receipt.gas_used
        self.revoke_100_transactions = len(bulk)
        self.revoked = 1 + count

    def add(self, receipt: TxReceipt, *, issuing: bool = False) -> None:
        self.transactions += 1
        self.gas += receipt.gas_used
        if issuing:
            self.issue_gas += receipt.gas_used


@dataclass
class Roster:
    """N learners by K credentials: who gets what (the learner's address is used by NFT mode only)."""

    learners: list[tuple[str, str, LocalAccount]]  # name, e-mail, Ethereum account
    awards: list[tuple[int, MicroCredentialSpec, Award]]  # learner number, course, award

    @classmethod
    def generate(cls, learners: int, per_learner: int, *, issued: datetime) -> Roster:
        if learners < 1 or not 1 <= per_learner <= len(COURSES):
            raise ConfigurationError(f"use at least 1 learner and 1 to {len(COURSES)} credentials per learner")
        people = []
        for i in range(learners):
            first, last = FIRST_NAMES[i % len(FIRST_NAMES)], LAST_NAMES[(i // len(FIRST_NAMES)) % len(LAST_NAMES)]
            name = f"{first} {last}" + (f" {i // (len(FIRST_NAMES) * len(LAST_NAMES)) + 1}" if i >= 132 else "")
            account = Account.from_key(keccak(b"credanchor compare learner %d" % i))
            people.append((name, f"{first.lower()}.{last.lower()}{i}@example.org", account))
        awards = []
        for i, (name, email, _) in enumerate(people):
            for k in range(per_learner):
                when = issued + timedelta(days=30 * k)
                grade = GRADES[(i + k) % len(GRADES)]
                awards.append((i, COURSES[k], Award(Learner(name, email), when, grade=grade)))
        return cls(people, awards)


@dataclass
class Comparison:
    learners: int
    per_learner: int
    chain: str
    assumptions: Assumptions
    modes: dict[str, ModeFigures] = field(default_factory=lambda: {m: ModeFigures() for m in MODES})
    gas_by_batch: dict[str, dict[int, float]] = field(default_factory=dict)
    observer: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    bulk: int = 0  # how many credentials the bulk revocation covers (100, or all but one when fewer)
    #: The receipts by mode and action ("issue", "revoke_one", "revoke_bulk"), for the fee table.
    transactions: dict[str, dict[str, list[TxReceipt]]] = field(default_factory=dict)
    #: Fees per chain profile (anchor.comparison.fees), when profiles were asked for.
    chain_fees: dict[str, Any] = field(default_factory=dict)

    @property
    def credentials(self) -> int:
        return self.learners * self.per_learner

    def to_dict(self) -> dict[str, Any]:
        modes = {}
        for name, figures in self.modes.items():
            modes[name] = {
                "label": MODE_NAMES[name], **vars(figures),
                "gas_per_credential": round(figures.gas / self.credentials, 1),
                "issue_gas_per_credential": round(figures.issue_gas / self.credentials, 1),
                "fee": round(self.assumptions.fee(figures.gas), 4),
                "fee_per_credential": round(self.assumptions.fee(figures.issue_gas) / self.credentials, 6),
                "revoke_one_fee": round(self.assumptions.fee(figures.revoke_one_gas), 4),
                "revoke_100_fee": round(self.assumptions.fee(figures.revoke_100_gas), 4),
            }  # fmt: skip
        return {
            "learners": self.learners,
            "credentials_per_learner": self.per_learner,
            "credentials": self.credentials,
            "chain": self.chain,
            "seconds": round(self.seconds, 2),
            "bulk_revocation_size": self.bulk,
            "assumptions": vars(self.assumptions) | {"note": "assumed, only for the fee estimates"},
            "modes": modes,
            "gas_per_credential_by_batch_size": {
                m: {str(k): v for k, v in g.items()} for m, g in self.gas_by_batch.items()
            },
            "observer": self.observer,
            **({"chain_fees": self.chain_fees} if self.chain_fees else {}),
        }


def run_comparison(
    chain: Chain, *, learners: int = 100, per_learner: int = 3, assumptions: Assumptions | None = None,
    require_consent: bool = False, profiles: Sequence[ChainProfile] = (),
) -> Comparison:  # fmt: skip
    """Issue the same roster in each mode on `chain`, revoke one and 100, observe; every figure measured. With
    `profiles`, what the measured transactions would cost on each of those chains (anchor.comparison.fees)."""
    started = time.perf_counter()
    accounts = chain.accounts
    if len(accounts) < 3:
        raise ConfigurationError(f"the comparison needs 3 unlocked accounts on {chain.description}")
    admin, body_account, issuer_account = accounts[:3]
    deployment = deploy_contracts(chain, deployer=admin)
    registry, anchor, nft = deployment.registry(chain), deployment.anchor(chain), deployment.nft(chain)
    registry.grant_body(body_account, sender=admin)
    key = SigningKey.generate()
    body = AwardingBody(key.did, "Escola Profissional Exemplo", "PT", "Porto", "https://epe.example")
    registry.register_issuer(issuer_account, did=key.did, name=body.name, scope="micro-credentials",
                             sender=body_account)  # fmt: skip
    roster = Roster.generate(learners, per_learner, issued=datetime(2026, 3, 1, tzinfo=UTC))
    result = Comparison(learners, per_learner, chain.description, assumptions or Assumptions())
    count = len(roster.awards)
    revoke_many = min(100, max(0, count - 1))
    result.bulk = revoke_many

    # -- credanchor: signed credentials held privately, one root on-chain, random status bits --------
    t = time.perf_counter()
    vc = result.modes["vc"]
    allocator = RandomStatusAllocator(chain.chain_id, anchor.address, issuer_account)
    signer = CredentialIssuer(body, key, cryptosuite=JCS, status=allocator)
    signed = [signer.issue(spec, award) for _, spec, award in roster.awards]
    batch = anchor_credentials(signed, anchor, sender=issuer_account)
    vc.add(batch.receipt, issuing=True)
    locations = [read_entry(next(e for e in c["credentialStatus"] if e["statusPurpose"] == "revocation"))[1]
                 for c in batch.credentials]  # fmt: skip
    one = anchor.revoke(locations[0].list_id, [locations[0].index], sender=issuer_account)
    by_list: dict[int, list[int]] = {}
    for location in locations[1 : 1 + revoke_many]:
        by_list.setdefault(location.list_id, []).append(location.index)
    bulk = [anchor.revoke(list_id, indices, sender=issuer_account) for list_id, indices in by_list.items()]
    vc.revocations(one, bulk, revoke_many)
    vc.seconds = time.perf_counter() - t
    result.transactions["vc"] = {"issue": [batch.receipt], "revoke_one": [one], "revoke_bulk": bulk}

    # -- hash registry: one root on-chain; revoking publishes each credential's hash ---------------
    t = time.perf_counter()
    hashed = result.modes["hash"]
    registry_client = deploy_hash_registry(chain, deployer=admin)
    hashes = [credential_hash(c) for c in signed]
    issued = registry_client.issue(Root(MerkleTree.build(hashes).root), sender=issuer_account)
    hashed.add(issued, issuing=True)
    one = registry_client.revoke(hashes[0], sender=issuer_account)
    bulk = [registry_client.bulk_revoke(hashes[1 : 1 + revoke_many], sender=issuer_account)] if revoke_many else []
    hashed.revocations(one, bulk, revoke_many)
    hashed.seconds = time.perf_counter() - t
    result.transactions["hash"] = {"issue": [issued], "revoke_one": [one], "revoke_bulk": bulk}

    # -- NFT: one public soulbound token per credential, metadata on-chain; revoking burns ---------
    t = time.perf_counter()
    nfts = result.modes["nft"]
    if require_consent:
        nfts.add(nft.set_consent_required(True, sender=issuer_account), issuing=True)
    tokens, minted = [], []
    for learner_number, spec, award in roster.awards:
        holder = roster.learners[learner_number][2]
        metadata = nft_metadata(body, spec, award)
        if require_consent:
            token, receipt = _mint_with_consent(chain, nft, holder, issuer_account, metadata)
        else:
            token, receipt = nft.mint(holder.address, metadata, sender=issuer_account)
        nfts.add(receipt, issuing=True)
        tokens.append(token)
        minted.append(receipt)
    one = nft.burn(tokens[0], sender=issuer_account)
    bulk = [nft.burn(token, sender=issuer_account) for token in tokens[1 : 1 + revoke_many]]
    nfts.revocations(one, bulk, revoke_many)
    nfts.seconds = time.perf_counter() - t
    result.transactions["nft"] = {"issue": minted, "revoke_one": [one], "revoke_bulk": bulk}

    # -- cost against batch size: anchoring is per batch, minting per credential ---------------------
    sizes = sorted({1, 10, 100, 1_000, 10_000, 100_000, count})
    result.gas_by_batch = {  # one root per batch, whatever its size; one token per credential
        "vc": {n: round(vc.issue_gas / n, 2) for n in sizes},
        "hash": {n: round(hashed.issue_gas / n, 2) for n in sizes},
        "nft": {n: round(nfts.issue_gas / count, 2) for n in sizes},
    }

    if profiles:
        from anchor.comparison.fees import chain_fee_table

        result.chain_fees = chain_fee_table(chain, result.transactions, profiles, credentials=count, sizes=sizes)
    result.observer = observe(
        chain, anchor=anchor.address, nft=nft.address, registry=registry.address,
        hash_registry=registry_client.address,
    ).to_dict()  # fmt: skip
    result.seconds = time.perf_counter() - started
    return result


def _mint_with_consent(
    chain: Chain, nft: CredentialNFTClient, holder: LocalAccount, issuer: str, metadata: dict[str, Any]
) -> tuple[int, TxReceipt]:
    """The learner signs the EIP-712 consent (valid for an hour), then the issuer mints with it."""
    deadline = chain.block_timestamp() + 3_600
    typed = nft.consent_typed_data(holder.address, issuer, metadata, deadline)
    return nft.mint_with_consent(holder.address, metadata, deadline, sign_consent(holder, typed), sender=issuer)
