"""What the API's routes share: the chain, the deployment, the store, unlocked keys, cached verifiers.

One `Services` per server process (`app.state.services`); routes take it as `ServicesDep`. The chain
and the database are reached lazily, so the server starts (and says it is not ready) while either is
down, and recovers when they come back.

Routes parse, call one method here or one library function, and shape the response: the chain and
the store are called from here, and the rules themselves live in `anchor`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from eth_account.signers.local import LocalAccount
from fastapi import Depends, Request

from anchor.anchoring.status_changes import change_status
from anchor.chain import devchain
from anchor.chain.adapter import Chain
from anchor.chain.contracts import RegistryView, days_after
from anchor.chain.deployment import REPO_DEPLOYMENTS, Deployment, deploy_contracts
from anchor.chain.profiles import check_chain_id
from anchor.chain.profiles import profile as chain_profile
from anchor.chain.quorum import QuorumChainView, connect_first
from anchor.chain.view import ChainReader, signed_status_list
from anchor.comparison.nft import describe_token
from anchor.comparison.workshop import WORKSHOP_FILE, Workshop, anchor_queued, mint_token, observer_view
from anchor.credentials.chain_view import ChainView
from anchor.credentials.issuance import CredentialIssuer, issue_and_queue
from anchor.credentials.issuers import (
    PROFILE_FILE,
    issuer_account,
    issuer_did_document,
    issuer_public_url,
    issuer_status_purposes,
    issuers_dir,
    key_file,
    list_issuers,
    load_key,
    load_profile,
    sender_for,
)
from anchor.credentials.model import Award, AwardingBody, MicroCredentialSpec
from anchor.credentials.presentation import verify_presentation
from anchor.credentials.status import no_public_url_warning, status_list_base
from anchor.credentials.verify import Verifier, needs_chain
from anchor.crypto.did import DidResolutionError, DidResolver, did_web_url
from anchor.crypto.keys import KeyFileError, SigningKey
from anchor.crypto.proofs import default_loader
from anchor.crypto.rdfc_budget import canonicalization_budget
from anchor.errors import ConfigurationError, CredAnchorError, DeploymentError
from anchor.storage.store import BatchState, Store, StoredCredential, StoreStatusAllocator
from anchor.types import StatusPurpose, TxReceipt, check_address

from .chain_guard import OffLoopChainView, off_the_loop
from .config import EMBEDDED, ApiSettings

#: Signed status lists kept per worker, least recently served dropped first: each is ~2 KB and costs a chain
#: read and a signature to rebuild, and there are at most two per allocated list (issue 19, item 8).
STATUS_LIST_CACHE_SIZE = 256

RegistryAction = Literal["register_issuer", "update_issuer", "accredit", "deaccredit"]  # what a body calls

logger = logging.getLogger(__name__)


@dataclass
class Counters:
    """This worker's counters for /metrics."""

    verify: dict[str, int] = field(default_factory=lambda: {"verified": 0, "not_verified": 0})
    chain_errors: int = 0

    def verified(self, ok: bool) -> None:
        self.verify["verified" if ok else "not_verified"] += 1

    def chain_failed(self) -> None:
        self.chain_errors += 1


class Services:
    def __init__(self, settings: ApiSettings, *, chain: Chain | None = None, deployment: Deployment | None = None):
        self.settings = settings
        self._chain, self._deployment = chain, deployment
        self._store: Store | None = None
        self._keys: dict[str, tuple[tuple[int, int], SigningKey]] = {}
        self._did_documents: dict[str, tuple[tuple[int, int], dict[str, Any]]] = {}
        self._workshop: tuple[tuple[int, int], Workshop | None] | None = None
        self._issuers: dict[tuple[str, str], tuple[tuple[int, int], CredentialIssuer]] = {}
        self._verifiers: dict[str, tuple[float, Verifier]] = {}
        self._status_lists: OrderedDict[tuple[str, int, StatusPurpose], tuple[float, dict[str, Any]]] = OrderedDict()
        self.lock = threading.RLock()  # public: POST /v1/verify tries it without waiting (verify_endpoint.py)
        self.loader = default_loader()
        self.counters = Counters()
        #: The clock the caches age by (seconds, monotonic); tests swap in one they can advance.
        self.clock: Callable[[], float] = time.monotonic

    # -- chain and store --------------------------------------------------------------------------

    def connect(self) -> tuple[Chain, Deployment]:
        """The chain and the contracts on it (connecting on first use, or again after a failure)."""
        with self.lock:
            if self._chain is None or self._deployment is None:
                self._chain, self._deployment = self._open_chain()
            return self._chain, self._deployment

    def _open_chain(self) -> tuple[Chain, Deployment]:
        rpc = self.settings.rpc
        if rpc == EMBEDDED:
            chain = Chain.embedded()
            return chain, deploy_contracts(chain, deployer=chain.accounts[0])
        if rpc is None:
            chain, deployment = devchain.devchain_chain(self.settings.data)
            self._check_profile(chain)
            return chain, deployment
        chain = connect_first(self.settings.rpc_urls)
        self._check_profile(chain)
        for directory in (self.settings.data.deployments_dir, REPO_DEPLOYMENTS):
            try:
                deployment = Deployment.load(directory, chain.chain_id)
            except DeploymentError:
                continue
            deployment.check(chain)
            return chain, deployment
        raise DeploymentError(f"no credanchor contracts recorded for chain {chain.chain_id}: run `credanchor deploy`")

    def _check_profile(self, chain: Chain) -> None:
        if self.settings.chain_profile is not None:
            check_chain_id(chain_profile(self.settings.chain_profile), chain.chain_id, chain.description)

    def forget_chain(self) -> None:
        """Drop the connection (after an RPC failure): the next request connects again."""
        with self.lock:
            if self.settings.rpc != EMBEDDED:
                self._chain = self._deployment = None
            self._verifiers.clear()

    @property
    def store(self) -> Store:
        with self.lock:
            if self._store is None:
                self._store = Store.open(self.settings.database_url)
            return self._store

    def chain_head(self) -> tuple[int, int]:
        """(chain id, latest block number); a chain that does not answer is forgotten: the next call connects again."""
        try:
            chain, _ = self.connect()
            return chain.chain_id, chain.block_number()
        except CredAnchorError:
            self.forget_chain()
            raise

    # -- issuers and keys -------------------------------------------------------------------------

    def issuers(self) -> list[str]:
        return list_issuers(self.settings.data)

    def profile(self, slug: str) -> AwardingBody:
        return load_profile(self.settings.data, slug)[1]

    def account_of(self, slug: str) -> str:
        account = issuer_account(self.settings.data, slug)
        if account is None:
            raise ConfigurationError(f"issuer {slug!r} has no Ethereum account file")
        return account

    def issuer_with_account(self, account: str) -> str | None:
        """The issuer this server signs for whose Ethereum account is `account`, if any."""
        return next((slug for slug in self.issuers() if self.account_of(slug).lower() == account.lower()), None)

    def did_web_issuer(self, path: str) -> str | None:
        """The issuer whose did:web DID is published at `path` on this host (e.g. /.well-known/did.json)."""
        for slug in self.issuers():
            did = self.profile(slug).did
            if did.startswith("did:web:"):
                try:
                    served_at = urlsplit(did_web_url(did)).path
                except DidResolutionError:
                    continue
                if served_at == path:
                    return slug
        return None

    def key(self, slug: str) -> SigningKey:
        """The issuer's current signing key, loaded again when its key file changed (a key rotation)."""
        with self.lock:
            version = self._key_file_version(slug)
            cached = self._keys.get(slug)
            if cached is None or cached[0] != version:
                if self.settings.key_passphrase is None:
                    raise KeyFileError(
                        "the server holds no key passphrase: start it with CREDANCHOR_KEY_PASSPHRASE set to sign"
                    )
                cached = self._keys[slug] = (version, load_key(self.settings.data, slug, self.settings.key_passphrase))
            return cached[1]

    def use_keys(self, keys: Mapping[str, SigningKey]) -> None:
        """Keys the caller has already decrypted from the current key files (saves a slow unlock)."""
        with self.lock:
            self._keys.update({slug: (self._key_file_version(slug), key) for slug, key in keys.items()})

    def _key_file_version(self, slug: str) -> tuple[int, int]:
        return _file_version(key_file(self.settings.data, slug))  # (0, 0) when missing: load_key explains

    def unlock_all(self) -> int:
        """Decrypt every issuer key now (start-up check of the passphrase); returns how many."""
        return len([self.key(slug) for slug in self.issuers()])

    def credential_issuer(self, slug: str, cryptosuite: str, *, anchored: bool = True) -> CredentialIssuer:
        """The signer for `slug`: with on-chain status entries and store allocation when `anchored` (made
        again when the key or the profile file changed: a rotation or a new public URL shows at once)."""
        key = self.key(slug)
        version = _file_version(issuers_dir(self.settings.data) / slug / PROFILE_FILE)
        name = (slug, cryptosuite if anchored else f"plain:{cryptosuite}")
        with self.lock:
            cached = self._issuers.get(name)
            if cached is not None and cached[0] == version and cached[1].key is key:
                return cached[1]
            body = self.profile(slug)
            if not anchored:
                made = CredentialIssuer(body, key, cryptosuite=cryptosuite, loader=self.loader)
            else:
                chain, deployment = self.connect()
                account = self.account_of(slug)
                status = StoreStatusAllocator(self.store, chain.chain_id, deployment.credential_anchor, account)
                made = CredentialIssuer(body, key, cryptosuite=cryptosuite, loader=self.loader, status=status,
                                        status_base_url=self._status_base_url(slug, warn=True),
                                        status_purposes=issuer_status_purposes(self.settings.data, slug))  # fmt: skip
            self._issuers[name] = (version, made)
            return made

    def sender(self, address: str) -> LocalAccount | str:
        chain, _ = self.connect()

        def passphrase() -> str:
            if self.settings.key_passphrase is None:
                raise KeyFileError(f"the server holds no key passphrase to sign for {address}")
            return self.settings.key_passphrase

        return sender_for(self.settings.data, chain.accounts, address, passphrase)

    # -- an issuer's credentials, batches and status changes ----------------------------------------

    def own_credential(self, slug: str, credential_id: str) -> StoredCredential | None:
        """The stored credential if it is `slug`'s: another issuer's is as unknown as a missing one."""
        stored = self.store.stored_credential(credential_id)
        if stored is None or stored.issuer_account.lower() != self.account_of(slug).lower():
            return None
        return stored

    def own_batch(self, slug: str, batch_id: int) -> BatchState | None:
        """The batch if it is `slug`'s (as `own_credential`)."""
        batch = self.store.batch_state(batch_id)
        if batch is None or batch.issuer_account.lower() != self.account_of(slug).lower():
            return None
        return batch

    def change_status(self, slug: str, action: str, credentials: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Revoke, suspend or reinstate `slug`'s credentials on-chain (only its own status lists): one
        record per transaction."""
        account = self.account_of(slug)
        chain, _ = self.connect()
        done = change_status(chain, credentials, action, self.sender, issuer=account)
        self.status_changed()
        return done

    # -- the issuer registry ----------------------------------------------------------------------

    def change_registry(self, body: str, action: RegistryAction, issuer: str,
                        **arguments: Any) -> tuple[str, TxReceipt]:  # fmt: skip
        """Send the registry transaction `action` (an IssuerRegistryClient method) about `issuer` from the
        accreditation body account `body`; a `valid_days` argument becomes `valid_until`, counted from
        the chain's latest block. Returns the issuer's checksummed address and the receipt."""
        chain, deployment = self.connect()
        registry = deployment.registry(chain)
        address = check_address(issuer, "account")
        if "valid_days" in arguments:
            arguments["valid_until"] = days_after(chain.block_timestamp(), arguments.pop("valid_days"))
        receipt: TxReceipt = getattr(registry, action)(address, **arguments, sender=self.sender(body))
        self.status_changed()  # accreditation answers are cached by the verifier
        return address, receipt

    def registry_entry(self, issuer: str) -> RegistryView:
        """What the on-chain registry says of `issuer` now."""
        chain, deployment = self.connect()
        registry = deployment.registry(chain)
        address = check_address(issuer, "account")
        record = registry.issuer(address)
        if record is None:
            return RegistryView(registry.address, address, None, False, [])
        now = registry.is_accredited(address, chain.block_timestamp())
        return RegistryView(registry.address, address, record, now, registry.accreditations(address))

    # -- verification -----------------------------------------------------------------------------

    def verify(
        self, document: dict[str, Any], *, presentation: bool, profile: str, challenge: str | None = None,
        domain: str | None = None, require_proof: bool = True,
    ) -> dict[str, Any]:  # fmt: skip
        """The library's report on a credential or presentation, counted for /metrics (require_proof=False: bare VP)."""
        verifier = self.verifier(profile, offline=not needs_chain(document))
        # One canonicalization budget per request (presentation and credentials): none spends more than one's worth.
        with canonicalization_budget():
            if presentation:
                report = verify_presentation(document, verifier, challenge=challenge, domain=domain,
                                             require_proof=require_proof).to_dict()  # fmt: skip
            else:
                report = verifier.verify(document).to_dict()
        self.counters.verified(bool(report["verified"]))
        return report

    def resolver(self) -> DidResolver:
        """A resolver that knows this server's own issuers' DID documents (did:web ones included)."""
        resolver = DidResolver()
        for slug in self.issuers():
            resolver.add(self.did_document(slug))
        return resolver

    def did_document(self, slug: str) -> dict[str, Any]:
        """The issuer's DID document from its key file's public part: current and retired keys (read
        again when the key file changed, as `key` does: a rotation shows at once). Do not modify it."""
        with self.lock:
            version = self._key_file_version(slug)
            cached = self._did_documents.get(slug)
            if cached is None or cached[0] != version:
                cached = self._did_documents[slug] = (version, issuer_did_document(self.settings.data, slug))
            return cached[1]

    def verifier(self, profile: str = "microcredential", *, offline: bool = False) -> Verifier:
        """A verifier whose cached chain answers are at most `verify_cache_seconds` old (offline: reads no chain)."""
        if offline:  # what needs no chain (verify.needs_chain: a plain VC, malformed input) is answered without one
            return Verifier(None, resolver=self.resolver(), loader=self.loader, profile=profile)
        with self.lock:
            made = self._verifiers.get(profile)
            if made is not None and self.clock() - made[0] < self.settings.verify_cache_seconds:
                return made[1]
            chain, deployment = off_the_loop(self.connect)  # a new verifier may connect: api/chain_guard.py
            urls, quorum = self.settings.rpc_urls, self.settings.rpc_quorum
            view: ChainView = (
                QuorumChainView.connect(urls, deployment.issuer_registry, quorum)
                if len(urls) > 1 or quorum > 1
                else ChainReader(chain, deployment.issuer_registry)
            )
            verifier = Verifier(OffLoopChainView(view), resolver=self.resolver(), loader=self.loader, profile=profile)
            self._verifiers[profile] = (self.clock(), verifier)
            return verifier

    def status_changed(self) -> None:
        """Forget cached chain answers (after this server changed status bits or accreditations)."""
        with self.lock:
            self._verifiers.clear()
            self._status_lists.clear()

    def _status_base_url(self, slug: str, *, warn: bool = False) -> str:
        """Where `slug`'s status lists are (each at `/<list id>/<purpose>` below): under the issuer's public URL,
        else this server's (`warn`: and say so in the log — once per signer made, see credential_issuer)."""
        public, (chain, deployment) = issuer_public_url(self.settings.data, slug), self.connect()
        if public is None and warn:
            logger.warning("%s", no_public_url_warning(slug, server_url=self.settings.public_url))
        base = public or self.settings.public_url
        return status_list_base(base, chain.chain_id, deployment.credential_anchor, self.account_of(slug))

    def status_list_allocated(self, slug: str, list_id: int) -> bool:
        """Whether this server handed out entries in the issuer's status list `list_id`."""
        chain, deployment = self.connect()
        account = self.account_of(slug)
        return list_id in self.store.status_list_ids(chain.chain_id, deployment.credential_anchor, account)

    def status_list(self, slug: str, list_id: int, purpose: StatusPurpose) -> dict[str, Any]:
        """The issuer's signed BitstringStatusListCredential, rebuilt from the chain after half its TTL.

        Cached by (issuer, list id, purpose) — never by how a request spelled them — and at most
        STATUS_LIST_CACHE_SIZE lists, least recently served dropped first. Its URL is the canonical one the
        issued credentials carry."""
        ttl = self.settings.status_list_ttl_seconds
        key = (slug, list_id, purpose)
        with self.lock:
            cached = self._status_lists.get(key)
            if cached is not None:
                self._status_lists.move_to_end(key)
        if cached is not None and self.clock() - cached[0] < ttl / 2:
            return cached[1]
        built = self.clock()
        (chain, deployment), account = self.connect(), self.account_of(slug)
        url = f"{self._status_base_url(slug)}/{list_id}/{purpose.name.lower()}"
        credential = signed_status_list(chain, deployment.credential_anchor, account, list_id, purpose, url=url,
                                        key=self.key(slug), cryptosuite=self.settings.cryptosuite,
                                        ttl=timedelta(seconds=ttl))  # fmt: skip
        with self.lock:
            self._status_lists[key] = (built, credential)
            self._status_lists.move_to_end(key)
            while len(self._status_lists) > STATUS_LIST_CACHE_SIZE:
                self._status_lists.popitem(last=False)
        return credential

    @property
    def status_lists_cached(self) -> int:
        """How many signed status lists this worker keeps (at most STATUS_LIST_CACHE_SIZE)."""
        with self.lock:
            return len(self._status_lists)

    def keeps_status_lists(self, chain_id: int, contract: str) -> bool:
        """Whether this server's status lists are the ones on chain `chain_id` in the contract `contract`."""
        chain, deployment = self.connect()
        return chain_id == chain.chain_id and contract.lower() == deployment.credential_anchor.lower()

    # -- the workshop and NFT mode ----------------------------------------------------------------

    def workshop(self) -> Workshop | None:
        """The workshop this data directory records (anchor.comparison.workshop) or None; read again on a change."""
        with self.lock:
            version = _file_version(self.settings.data.data_dir / WORKSHOP_FILE)
            if self._workshop is None or self._workshop[0] != version:
                self._workshop = (version, Workshop.load(self.settings.data))
            return self._workshop[1]

    def workshop_issue(
        self, workshop: Workshop, spec: MicroCredentialSpec, award: Award, *, dated: bool, cryptosuite: str
    ) -> dict[str, Any]:
        """Issue as an anchored VC at once (a batch of one): issue_and_queue, then workshop_anchor."""
        credential, created = issue_and_queue(self.credential_issuer(workshop.issuer, cryptosuite), self.store,
                                              workshop.issuer_account, spec, award, dated=dated)  # fmt: skip
        return {"created": created, **self.workshop_anchor(workshop, str(credential["id"]))}

    def claimed(self, slug: str, credential: dict[str, Any]) -> dict[str, Any]:
        """What the wallet that claimed `slug`'s offer receives (anchor.wallets.offers.IssuerSource): in a workshop
        the credential anchored at once, a batch of its own (docs/workshop.md); elsewhere as issued."""
        workshop = self.workshop()
        if workshop is None or workshop.issuer != slug:
            return credential  # anchored in the issuer's next batch (docs/wallets.md)
        return dict(self.workshop_anchor(workshop, str(credential["id"]))["credential"])

    def workshop_anchor(self, workshop: Workshop, credential_id: str) -> dict[str, Any]:
        """Anchor the workshop issuer's queued credentials now: anchor.comparison.workshop.anchor_queued."""
        chain, deployment = self.connect()
        try:
            return anchor_queued(self.store, deployment.anchor(chain), workshop.issuer_account,
                                 self.sender(workshop.issuer_account), credential_id)  # fmt: skip
        finally:
            self.status_changed()  # a new batch on-chain: cached verifier answers are stale

    def workshop_mint(self, workshop: Workshop, spec: MicroCredentialSpec, award: Award, holder: str) -> dict[str, Any]:
        """Issue as a soulbound NFT minted to `holder`: anchor.comparison.workshop.mint_token."""
        chain, deployment = self.connect()
        sender = self.sender(workshop.issuer_account)
        return mint_token(deployment.nft(chain), self.profile(workshop.issuer), spec, award, holder, sender)

    def workshop_burn(self, workshop: Workshop, token_id: int) -> TxReceipt:
        """Burn an NFT-mode token as the workshop's issuer (ContractRevertError when it cannot be)."""
        chain, deployment = self.connect()
        return deployment.nft(chain).burn(token_id, sender=self.sender(workshop.issuer_account))

    def workshop_observer(self, workshop: Workshop) -> dict[str, Any]:
        """What a stranger reading the chain learns of the workshop's credentials."""
        return observer_view(self.connect()[0], workshop)

    def nft_token(self, token_id: int) -> dict[str, Any]:
        """An NFT-mode token's metadata with its minter and that account's accreditation (anchor.comparison.nft
        .describe_token; ContractRevertError: no such token)."""
        return describe_token(*self.connect(), token_id)


async def get_services(request: Request) -> Services:
    """The app's `Services` (set by api.app.create_app). A coroutine, though it never waits: FastAPI
    would run a plain function in a worker thread, one hop more for every request."""
    services: Services = request.app.state.services
    return services


#: What a route or dependency declares to get the app's services.
ServicesDep = Annotated[Services, Depends(get_services)]


def _file_version(path: Path) -> tuple[int, int]:
    """What changes when the file is rewritten or replaced: its inode and modification time; (0, 0) when absent."""
    try:
        status = path.stat()
    except OSError:
        return (0, 0)
    return (status.st_ino, status.st_mtime_ns)
