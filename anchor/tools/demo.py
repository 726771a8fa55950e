"""`credanchor demo`: the whole story in one process — issue, anchor, verify, revoke — with the gas of each step."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from anchor.anchoring.batches import anchor_credentials
from anchor.chain.adapter import Chain
from anchor.chain.contracts import IssuerRegistryClient
from anchor.chain.deployment import Deployment, deploy_contracts
from anchor.chain.view import ChainReader
from anchor.credentials.issuance import CredentialIssuer
from anchor.credentials.model import AwardingBody
from anchor.credentials.roster import SAMPLE_ROSTER, read_roster
from anchor.credentials.status import RandomStatusAllocator, read_entry
from anchor.credentials.verify import Outcome, Verifier
from anchor.crypto.keys import SigningKey
from anchor.errors import CredAnchorError, DeploymentError
from anchor.settings import Settings
from anchor.types import TxReceipt

#: Size of a status list: 2**17 entries, the W3C Bitstring Status List minimum for herd privacy.
STATUS_LIST_ENTRIES = 131_072


@dataclass
class DemoStep:
    action: str
    gas_used: int
    tx_hash: str
    block: int


@dataclass
class DemoResult:
    chain: str
    chain_id: int
    contracts: dict[str, str]
    accounts: dict[str, str]
    steps: list[DemoStep] = field(default_factory=list)
    checks: dict[str, bool] = field(default_factory=dict)
    reports: dict[str, Any] = field(default_factory=dict)
    credentials: list[dict[str, Any]] = field(default_factory=list)

    def record(self, action: str, receipt: TxReceipt) -> int:
        self.steps.append(DemoStep(action, receipt.gas_used, "0x" + receipt.tx_hash.hex(), receipt.block_number))
        return receipt.gas_used

    def gas(self, action: str) -> int:
        return next(step.gas_used for step in self.steps if step.action == action)

    def to_dict(self) -> dict[str, Any]:
        return {
            "chain": self.chain,
            "chain_id": self.chain_id,
            "contracts": self.contracts,
            "accounts": self.accounts,
            "steps": [vars(step) for step in self.steps],
            "checks": self.checks,
            "reports": self.reports,
            "credentials_issued": len(self.credentials),
            "anchor_batch_gas": self.gas("anchor batch"),
            "revoke_gas": self.gas("revoke credential"),
            "revoke_batch_gas": self.gas("revoke batch"),
            "nft_mint_gas": self.gas("mint NFT"),
            "nft_burn_gas": self.gas("burn NFT"),
        }


def recorded_deployment(chain: Chain, settings: Settings) -> Deployment:
    """The deployment recorded for `chain` in the data directory if its code is there (a devchain's, after
    `credanchor devchain up`), else a new one, recorded, so that `credanchor verify` trusts the registry
    the demo accredits its issuer in without --registry."""
    try:
        deployment = Deployment.load(settings.deployments_dir, chain.chain_id)
        deployment.check(chain)
        return deployment
    except DeploymentError:
        pass
    deployment = deploy_contracts(chain, deployer=chain.accounts[0])
    deployment.save(settings.deployments_dir)
    return deployment


def run_demo(chain: Chain, deployment: Deployment | None = None) -> DemoResult:
    """Deploy (or use `deployment`), accredit an issuer, issue the sample roster, anchor it, verify, revoke,
    verify again; NFT contrast. On a given deployment it runs again and again: the body is granted its role
    and the issuer registered only once, later runs bind the issuer's new DID (the old ones stay bound)."""
    accounts = chain.accounts
    if len(accounts) < 4:
        raise CredAnchorError(f"the demo needs 4 unlocked accounts on {chain.description}; it has {len(accounts)}")
    body, issuer, learner = accounts[1:4]
    admin = deployment.admin if deployment is not None else accounts[0]
    if deployment is None:
        deployment = deploy_contracts(chain, deployer=admin)
    registry, anchor, nft = deployment.registry(chain), deployment.anchor(chain), deployment.nft(chain)
    result = DemoResult(
        chain=chain.description,
        chain_id=chain.chain_id,
        contracts={
            "IssuerRegistry": registry.address,
            "CredentialAnchor": anchor.address,
            "CredentialNFT": nft.address,
        },
        accounts={"admin": admin, "accreditation_body": body, "issuer": issuer, "learner": learner},
    )

    key = SigningKey.generate()  # the issuer's signing key: did:key, held by the issuer only
    profile = AwardingBody(key.did, "Universidade Exemplo", "PT", "Lisboa", "https://uni.example")
    _accredit(result, chain, registry, admin=admin, body=body, issuer=issuer, did=key.did, name=profile.name)

    allocator = RandomStatusAllocator(chain.chain_id, anchor.address, issuer, list_size=STATUS_LIST_ENTRIES)
    credential_issuer = CredentialIssuer(profile, key, status=allocator)
    rows = read_roster(SAMPLE_ROSTER)
    signed = [credential_issuer.issue(row.spec, row.award) for row in rows if row.spec and row.award]
    batch = anchor_credentials(signed, anchor, sender=issuer)
    result.record("anchor batch", batch.receipt)
    result.credentials = batch.credentials

    verifier = Verifier(ChainReader(chain, registry.address))
    first = batch.credentials[0]
    report = verifier.verify(first)
    result.reports["before revocation"] = report.to_dict()
    result.checks["credential verifies after anchoring"] = report.verified
    result.checks["issuer accredited at anchor time"] = report.check("issuer_accredited").outcome is Outcome.PASS

    _, location = read_entry(next(e for e in first["credentialStatus"] if e["statusPurpose"] == "revocation"))
    result.record("revoke credential", anchor.revoke(location.list_id, [location.index], sender=issuer))
    verifier = Verifier(ChainReader(chain, registry.address))  # a fresh one: verifiers cache chain reads
    report = verifier.verify(first)
    result.reports["after revocation"] = report.to_dict()
    result.checks["revoked credential fails verification"] = (
        not report.verified and report.check("revocation").outcome is Outcome.FAIL
    )
    result.checks["the others still verify"] = all(verifier.verify(c).verified for c in batch.credentials[1:])

    metadata = {
        "name": "Data Literacy Essentials (micro-credential)",
        "description": "The same credential minted as a public soulbound token.",
        "attributes": [{"trait_type": "ECTS", "value": 3}, {"trait_type": "EQF level", "value": 5}],
    }
    token_id, minted = nft.mint(learner, metadata, sender=issuer)
    result.record("mint NFT", minted)
    result.checks["NFT locked (soulbound)"] = nft.locked(token_id) and nft.owner_of(token_id) == learner
    result.checks["NFT metadata public on-chain"] = nft.metadata(token_id) == metadata
    result.record("burn NFT", nft.burn(token_id, sender=issuer))

    # Whole-batch revocation, shown on a second batch (a re-issue) so the files above stay verifiable.
    last = rows[-1]
    assert last.spec is not None and last.award is not None
    reissued = credential_issuer.issue(
        last.spec, replace(last.award, issued_on=last.award.issued_on + timedelta(days=1))
    )
    second = anchor_credentials([reissued], anchor, sender=issuer)
    result.record("revoke batch", anchor.revoke_batch(second.root, sender=issuer))
    result.checks["revoking a batch revokes every credential in it"] = (
        Verifier(ChainReader(chain, registry.address)).verify(second.credentials[0]).check("revocation").outcome
        is Outcome.FAIL
    )
    return result


def _accredit(
    result: DemoResult,
    chain: Chain,
    registry: IssuerRegistryClient,
    *,
    admin: str,
    body: str,
    issuer: str,
    did: str,
    name: str,
) -> None:
    """Make `body` an accreditation body and `issuer` an accredited issuer bound to `did`, doing only what
    is not done yet (a devchain's registry remembers earlier demos)."""
    if not registry.is_body(body):
        if admin.lower() not in {account.lower() for account in chain.accounts}:
            raise CredAnchorError(
                f"the registry's admin {admin} is not an unlocked account of {chain.description}: the demo "
                f"cannot make {body} an accreditation body"
            )
        result.record("grant accreditation-body role", registry.grant_body(body, sender=admin))
    record = registry.issuer(issuer)
    if record is None:
        scope = "EQF 4-6 micro-credentials"
        result.record("register and accredit issuer", registry.register_issuer(issuer, did=did, name=name,
                                                                               scope=scope, sender=body))  # fmt: skip
        return
    if record.body.lower() != body.lower():
        raise CredAnchorError(
            f"{issuer} is registered by the body {record.body}, not by {body} as the demo would be: "
            "run the demo on a fresh chain"
        )
    result.record("bind the issuer's new DID", registry.update_issuer(issuer, did=did, name=name, sender=body))
    if not registry.is_accredited(issuer, chain.block_timestamp()):
        result.record("accredit issuer", registry.accredit(issuer, scope="EQF 4-6 micro-credentials", sender=body))
