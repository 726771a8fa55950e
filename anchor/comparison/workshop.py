"""The workshop world behind `credanchor workshop` and the page at `/`: one accredited issuer on a fresh
set of contracts, and the steps a facilitator shows — issue as a Verifiable Credential (anchored at
once, a batch of one) or as a public NFT, send the VC to the learner's wallet (an offer; the claimed copy is
anchored at once too), look at the chain as a stranger, run a small comparison.

No batch worker runs in a workshop: what is queued is anchored right away (`anchor_queued`), both when the
page issues and when a wallet claims (the API's Services.claimed, the hook anchor.wallets.offers leaves).

The world is recorded in `<data dir>/workshop.json`; the workshop routes answer only where that file
exists, so a normal server never offers them.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils.crypto import keccak

from anchor.anchoring.worker import anchor_due
from anchor.chain.adapter import Chain
from anchor.chain.contracts import CredentialAnchorClient, CredentialNFTClient, Sender
from anchor.chain.deployment import Deployment, deploy_contracts
from anchor.comparison.compare import COURSES, run_comparison
from anchor.comparison.nft import nft_metadata
from anchor.comparison.observer import observe
from anchor.comparison.report import figure_rows, plots
from anchor.credentials.issuance import CredentialIssuer
from anchor.credentials.issuers import create_issuer, issuer_account, list_issuers, write_json
from anchor.credentials.model import Award, AwardingBody, MicroCredentialSpec
from anchor.credentials.roster import parse_json_roster
from anchor.errors import ConfigurationError
from anchor.settings import Settings
from anchor.storage.store import Store
from anchor.types import check_address
from anchor.wallets.offers import CreatedOffer, create_offer, request_errors

log = logging.getLogger(__name__)

WORKSHOP_FILE = "workshop.json"
ISSUER_SLUG = "workshop-academy"
ISSUER = AwardingBody("", "Workshop Academy", "BE", "Brussels", "https://academy.example")
#: Ether sent to the issuer's own account for its transactions.
FUNDING_WEI = 10**19
#: Bounds of the comparison run from the page (it takes a few seconds at the upper end).
MAX_COMPARISON_LEARNERS = 50
#: How long an offer to a learner's wallet made from the page lasts: the workshop's day.
OFFER_LIFETIME = timedelta(days=1)


@dataclass(frozen=True)
class Workshop:
    """What `prepare_workshop` set up: the issuer, its account, and where the workshop's chain history starts."""

    issuer: str
    issuer_name: str
    issuer_did: str
    issuer_account: str
    chain_id: int
    start_block: int
    contracts: dict[str, str]

    def save(self, settings: Settings) -> Path:
        path = settings.data_dir / WORKSHOP_FILE
        write_json(path, asdict(self))
        return path

    @classmethod
    def load(cls, settings: Settings) -> Workshop | None:
        """The workshop of this data directory, or None when it is not a workshop's."""
        path = settings.data_dir / WORKSHOP_FILE
        if not path.is_file():
            return None
        try:
            return cls(**json.loads(path.read_text(encoding="utf-8")))
        except (ValueError, TypeError) as exc:
            raise ConfigurationError(f"{path} is not a workshop record ({exc}): start a new workshop") from None


def prepare_workshop(settings: Settings, chain: Chain, passphrase: str) -> tuple[Deployment, Workshop]:
    """Deploy fresh contracts, make an accreditation body, and create, fund, register and accredit the
    "Workshop Academy" issuer (keys encrypted with `passphrase` in the data directory)."""
    if (settings.data_dir / WORKSHOP_FILE).exists() or list_issuers(settings):
        raise ConfigurationError(
            f"{settings.data_dir} already holds issuers: a workshop starts from an empty or new folder "
            "(leave out --data to use a throwaway one)"
        )
    accounts = chain.accounts
    if len(accounts) < 2:
        raise ConfigurationError(f"a workshop needs 2 unlocked accounts on {chain.description}; it has {len(accounts)}")
    admin, body = accounts[:2]
    start_block = chain.block_number() + 1
    deployment = deploy_contracts(chain, deployer=admin)
    deployment.save(settings.deployments_dir)
    registry = deployment.registry(chain)
    registry.grant_body(body, sender=admin)
    key = create_issuer(settings, ISSUER_SLUG, ISSUER, passphrase)
    account = issuer_account(settings, ISSUER_SLUG)
    if account is None:  # create_issuer writes it; a missing file means the folder is being changed under us
        raise ConfigurationError(f"issuer {ISSUER_SLUG!r} has no Ethereum account file in {settings.data_dir}")
    chain.send_value(admin, account, FUNDING_WEI)
    registry.register_issuer(account, did=key.did, name=ISSUER.name, scope="micro-credentials (workshop)", sender=body)
    workshop = Workshop(
        ISSUER_SLUG, ISSUER.name, key.did, account, chain.chain_id, start_block,
        {"IssuerRegistry": deployment.issuer_registry, "CredentialAnchor": deployment.credential_anchor,
         "CredentialNFT": deployment.credential_nft},
    )  # fmt: skip
    workshop.save(settings)
    log.info("workshop prepared on chain %d: issuer %s at %s", chain.chain_id, ISSUER_SLUG, account)
    return deployment, workshop


def course_presets() -> list[dict[str, Any]]:
    """The sample micro-credentials, shaped as the API's `achievement` object (the page's picker)."""
    return [achievement_request(spec) for spec in COURSES]


def achievement_request(spec: MicroCredentialSpec) -> dict[str, Any]:
    fields = {
        "title": spec.title, "description": spec.description, "learning_outcomes": list(spec.learning_outcomes),
        "assessment_type": spec.assessment_type, "participation_form": spec.participation_form,
        "quality_assurance": spec.quality_assurance, "workload_hours": spec.workload_hours,
        "ects_credits": spec.ects_credits, "eqf_level": spec.eqf_level, "nqf_level": spec.nqf_level,
        "skills": [{"uri": s.uri, "label": s.name} for s in spec.skills],
    }  # fmt: skip
    return {name: value for name, value in fields.items() if value not in (None, [])}


def learner_address(name: str) -> str:
    """A stand-in wallet address for a learner who has none: the same name always gets the same one
    (as a real learner keeps one wallet), so the observer can link a learner's tokens."""
    account: LocalAccount = Account.from_key(keccak(b"credanchor workshop learner " + name.casefold().encode()))
    return str(account.address)


def anchor_queued(
    store: Store, anchor: CredentialAnchorClient, account: str, sender: Sender, credential_id: str
) -> dict[str, Any]:
    """Anchor every credential `account` has queued, now — in a workshop the one just signed (issued, or
    claimed by a wallet), so a batch of its own — and return `credential_id` as stored: the credential with
    its anchor proof, its state, its batch and the gas of its anchoring. Safe to retry: a batch a failed
    run left closed is finished first (anchor_due), and an anchored credential is only read back."""
    runs = anchor_due(store, anchor, account, force=True, account=sender if isinstance(sender, LocalAccount) else None)
    stored = store.stored_credential(credential_id)
    if stored is None or stored.batch_id is None:
        raise ConfigurationError(f"credential {credential_id} was not anchored: run `credanchor anchor` and retry")
    batch = store.batch_state(stored.batch_id)
    gas = next((run.anchored.receipt.gas_used for run in runs if run.batch.id == stored.batch_id), None)
    return {
        "id": stored.id, "state": stored.state, "credential": stored.document,
        "batch": batch.to_dict() if batch else None, "gas_used": gas,
    }  # fmt: skip


def offer_to_wallet(
    store: Store,
    issuer: CredentialIssuer,
    slug: str,
    credential_id: str,
    request: dict[str, Any],
    public_url: str,
    *,
    tx_code: bool = False,
) -> CreatedOffer:
    """An offer of the learner's credential `credential_id` to the learner's wallet, from `request` — the
    credential request it was issued from (the API's shape, no DID): anchor.wallets.offers.create_offer,
    for a workshop's day. The wallet that claims it gets the same achievement signed for the wallet's own DID
    (and anchored at once: the API's Services.claimed). ConfigurationError when `request` is not the one
    `credential_id` was issued from (the id covers the issuer, title, learner and date) or cannot be offered."""
    problems = request_errors(request)
    rows = [] if problems else list(parse_json_roster(request))
    row = rows[0] if len(rows) == 1 else None
    if row is None or row.spec is None or row.award is None:
        problems = problems or (list(row.errors) if row else ["one credential request"])
        raise ConfigurationError("cannot offer this credential: " + "; ".join(problems))
    made_from = issuer.credential_id(row.spec, row.award, dated=row.dated)
    if made_from != credential_id:
        raise ConfigurationError(
            f"this request is not the one credential {credential_id} was issued from (it makes {made_from}): send "
            "the learner and achievement it was issued with"
        )
    return create_offer(store, slug, request, public_url, cryptosuite=issuer.cryptosuite, tx_code=tx_code,
                        expires_in=OFFER_LIFETIME)  # fmt: skip


def mint_token(
    nft: CredentialNFTClient, body: AwardingBody, spec: MicroCredentialSpec, award: Award, holder: str, sender: Sender
) -> dict[str, Any]:
    """Mint the credential as a public soulbound token to `holder`: its id, transaction and on-chain metadata."""
    holder = check_address(holder, "the learner's address")
    token_id, receipt = nft.mint(holder, nft_metadata(body, spec, award), sender=sender)
    return {
        "token_id": token_id, "holder": holder, **receipt.summary(), "metadata": nft.metadata(token_id),
    }  # fmt: skip


def observer_view(chain: Chain, workshop: Workshop) -> dict[str, Any]:
    """What a stranger reading the chain learns of this workshop's credentials, VC and NFT mode."""
    contracts = workshop.contracts
    report = observe(
        chain, anchor=contracts["CredentialAnchor"], nft=contracts["CredentialNFT"],
        registry=contracts["IssuerRegistry"], from_block=workshop.start_block,
    )  # fmt: skip
    return report.to_dict()


def comparison_with_plots(learners: int, per_learner: int) -> tuple[dict[str, Any], dict[str, bytes]]:
    """`credanchor compare` at a small size, on its own throwaway in-process chain: the figures, a
    table of them with one-sentence explanations, and the two plots as PNG bytes. The caller bounds
    `learners` (1 to MAX_COMPARISON_LEARNERS: the route's `ComparisonRequest`)."""
    comparison = run_comparison(Chain.embedded(), learners=learners, per_learner=per_learner).to_dict()
    images = plots(comparison)
    comparison["table"] = figure_rows(comparison)
    return comparison, images
