"""NFT mode: the same micro-credential issued as a public soulbound token (ERC-721 + ERC-5192) to the
learner's address, its public face stored on-chain as the token's metadata; revoking burns it.

This is the contrast to credanchor's anchored credentials (see docs/comparison.md): everything in the
metadata — the learner's name included — is readable by anyone, forever (a burnt token's metadata stays
in its mint transaction).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from anchor.chain.adapter import Chain
from anchor.chain.contracts import CredentialNFTClient, Sender
from anchor.chain.deployment import Deployment
from anchor.credentials.model import Award, AwardingBody, MicroCredentialSpec, xsd_datetime
from anchor.credentials.roster import RosterRow


def nft_metadata(body: AwardingBody, spec: MicroCredentialSpec, award: Award) -> dict[str, Any]:
    """What NFT credential platforms put on-chain: the credential's public face, learner included."""
    attributes: list[dict[str, Any]] = [
        {"trait_type": "Learner", "value": award.learner.name},
        {"trait_type": "Awarding body", "value": body.name},
        {"trait_type": "Issued on", "value": xsd_datetime(award.issued_on)[:10]},
        {"trait_type": "Grade", "value": award.grade or ""},
    ]
    if spec.ects_credits is not None:
        attributes.append({"trait_type": "ECTS", "value": spec.ects_credits})
    if spec.eqf_level is not None:
        attributes.append({"trait_type": "EQF level", "value": spec.eqf_level})
    return {"name": spec.title, "description": spec.description, "attributes": attributes}


@dataclass(frozen=True)
class MintOutcome:
    line: int
    learner: str
    status: str  # minted | already_minted (by an earlier run: the same metadata to the same holder) | failed
    token_id: int | None = None
    holder: str | None = None
    tx: str | None = None
    gas_used: int | None = None
    error: str | None = None


def mint_roster(
    rows: list[RosterRow], nft: CredentialNFTClient, body: AwardingBody, *, sender: Sender, from_block: int = 0
) -> list[MintOutcome]:
    """Mint one token per valid roster row that names a `learner_address`; every row gets an outcome.

    Safe to run again (after a crash, a refused row fixed, a lost connection): a row whose token the issuer
    already minted since `from_block` — the same metadata to the same holder, not burned — is reported
    `already_minted` with that token, not minted twice. A token the issuer burned is minted anew."""
    issuer = sender if isinstance(sender, str) else str(sender.address)
    live = {holder.lower(): tokens for holder, tokens in nft.live_tokens(issuer, from_block).items()}
    outcomes = []
    for row in rows:
        if row.spec is None or row.award is None:
            outcomes.append(MintOutcome(row.line, row.learner_name, "failed", error="; ".join(row.errors)))
            continue
        if row.address is None:
            missing = "learner_address: required in NFT mode (the token goes to it)"
            outcomes.append(MintOutcome(row.line, row.learner_name, "failed", error=missing))
            continue
        metadata = nft_metadata(body, row.spec, row.award)
        earlier = next((t for t in live.get(row.address.lower(), []) if nft.metadata(t) == metadata), None)
        if earlier is not None:
            outcomes.append(MintOutcome(row.line, row.learner_name, "already_minted", earlier, row.address))
            continue
        token_id, receipt = nft.mint(row.address, metadata, sender=sender)
        live.setdefault(row.address.lower(), []).append(token_id)  # the same row twice in a roster: once
        outcomes.append(MintOutcome(row.line, row.learner_name, "minted", token_id, row.address,
                                    "0x" + receipt.tx_hash.hex(), receipt.gas_used))  # fmt: skip
    return outcomes


def describe_token(chain: Chain, deployment: Deployment, token_id: int) -> dict[str, Any]:
    """An NFT-mode token: its metadata as its tokenURI holds it, and who minted it — with what the deployment's
    trusted IssuerRegistry says of that account, at mint time and now (ContractRevertError: no such token).

    Anyone may mint on the CredentialNFT contract: metadata alone proves nothing, so the answer says plainly
    whether an accredited issuer stands behind the token (issue 19, item 7). The minter is the contract's
    record (`issuerOf`), never anything the metadata claims, and it is kept apart from the metadata.
    """
    nft, registry = deployment.nft(chain), deployment.registry(chain)
    metadata = nft.metadata(token_id)
    minter = nft.issuer_of(token_id)
    record = registry.issuer(minter)
    block = nft.minted_block(token_id, deployment.deployed_block)
    minted_at = chain.block_timestamp(block) if block is not None else None
    at_mint = record is not None and minted_at is not None and registry.is_accredited(minter, minted_at)
    now = record is not None and registry.is_accredited(minter, chain.block_timestamp())
    if record is None:
        verdict = (f"minted by {minter}, an account the trusted issuer registry ({registry.address}) does not "
                   "list: anyone can mint on this contract, so nothing vouches for this metadata")  # fmt: skip
    elif not at_mint:
        verdict = (f"minted by {minter}, registered as {record.name!r} ({record.did}) but not accredited when it "
                   "minted this token: do not treat the metadata as an accredited credential")  # fmt: skip
    else:
        later = "" if now else "; no longer accredited now"
        verdict = (f"minted by {record.name!r} ({record.did}, account {minter}), accredited in the trusted "
                   f"issuer registry when it minted this token{later}")  # fmt: skip
    return {
        "tokenId": str(token_id),
        "metadata": metadata,
        "minter": {
            "account": minter,
            "registry": registry.address,
            "registered": record is not None,
            "name": None if record is None else record.name,
            "did": None if record is None else record.did,
            "mintedInBlock": block,
            "accreditedAtMint": at_mint,
            "accreditedNow": now,
        },
        "accreditedIssuer": at_mint,
        "summary": verdict,
    }
