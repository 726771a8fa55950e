"""`credanchor demo`: the whole on-chain story, in one process, with the gas each step used."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from eth_utils.crypto import keccak

from .chain import Chain
from .deployment import deploy_contracts
from .errors import CredAnchorError
from .types import Root, StatusPurpose, TxReceipt

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
            "anchor_batch_gas": self.gas("anchor batch"),
            "revoke_gas": self.gas("revoke credential"),
            "revoke_batch_gas": self.gas("revoke batch"),
            "nft_mint_gas": self.gas("mint NFT"),
            "nft_burn_gas": self.gas("burn NFT"),
        }


def run_demo(chain: Chain) -> DemoResult:
    """Deploy, accredit an issuer, anchor a sample root, revoke, and mint and burn one NFT."""
    accounts = chain.accounts
    if len(accounts) < 4:
        raise CredAnchorError(f"the demo needs 4 unlocked accounts on {chain.description}; it has {len(accounts)}")
    admin, body, issuer, learner = accounts[:4]
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

    result.record("grant accreditation-body role", registry.grant_body(body, sender=admin))
    did = "did:web:demo-university.example"
    result.record(
        "register and accredit issuer",
        registry.register_issuer(
            issuer, did=did, name="Demo University", scope="EQF 4-6 micro-credentials", sender=body
        ),
    )

    # A sample root: the hash of a random batch label stands in for a Merkle root here.
    root = Root(keccak(b"credanchor demo batch " + secrets.token_bytes(16)))
    anchored = anchor.anchor_batch(root, sender=issuer)
    result.record("anchor batch", anchored)
    record = anchor.batch(issuer, root)
    result.checks["batch anchored"] = record.anchored and record.anchored_block == anchored.block_number
    result.checks["issuer accredited at anchor time"] = registry.is_accredited(issuer, record.anchored_at)

    list_id, index = 1, secrets.randbelow(STATUS_LIST_ENTRIES)
    result.record("revoke credential", anchor.revoke(list_id, [index], sender=issuer))
    result.checks["credential revoked on-chain"] = anchor.status(issuer, list_id, StatusPurpose.REVOCATION, index)
    result.record("revoke batch", anchor.revoke_batch(root, sender=issuer))
    result.checks["batch revoked on-chain"] = anchor.batch(issuer, root).revoked

    metadata = {
        "name": "Data Literacy Essentials (micro-credential)",
        "description": "Demo credential minted as a public soulbound token.",
        "attributes": [{"trait_type": "ECTS", "value": 3}, {"trait_type": "EQF level", "value": 5}],
    }
    token_id, minted = nft.mint(learner, metadata, sender=issuer)
    result.record("mint NFT", minted)
    result.checks["NFT locked (soulbound)"] = nft.locked(token_id) and nft.owner_of(token_id) == learner
    result.checks["NFT metadata public on-chain"] = nft.metadata(token_id) == metadata
    result.record("burn NFT", nft.burn(token_id, sender=issuer))
    return result
