"""Typed clients for the credanchor contracts, on top of the :class:`~anchor.chain.adapter.Chain` adapter.

The three of a deployment (IssuerRegistry, CredentialAnchor, CredentialNFT) and the comparison's
HashRevocationRegistry (revocation by published hash, as OpenAttestation's DocumentStore does).

Arguments and results are plain Python values and the small types of :mod:`anchor.types`;
reverts surface as :class:`~anchor.errors.ContractRevertError` with the custom error's name.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from eth_account.signers.local import LocalAccount

from anchor import jsonsafe
from anchor.chain.adapter import Chain
from anchor.chain.consent import consent_typed_data, serialize_metadata
from anchor.errors import ConfigurationError
from anchor.types import BatchRecord, Root, StatusPurpose, TxReceipt

log = logging.getLogger(__name__)

#: Status-list indices travel as 3-byte big-endian integers: a list holds up to 2**24 entries.
INDEX_BYTES = 3
MAX_LIST_ENTRIES = 1 << (8 * INDEX_BYTES)
#: The end of an open-ended accreditation window.
FOREVER = 2**64 - 1


#: Who sends a transaction: an address the node signs for, or a local account.
Sender = str | LocalAccount


def pack_indices(indices: Iterable[int]) -> bytes:
    """Encode status-list indices as the contract expects: sorted, de-duplicated, 3 bytes each.

    Sorting puts indices of the same storage word next to each other (the second write to a
    word is warm, hence cheap); duplicates would only cost gas.
    """
    unique = sorted(set(indices))
    if not unique:
        raise ConfigurationError("no status-list indices given: name at least one credential")
    for index in (unique[0], unique[-1]):
        if not 0 <= index < MAX_LIST_ENTRIES:
            raise ConfigurationError(f"status-list index {index} is outside 0..{MAX_LIST_ENTRIES - 1}")
    return b"".join(index.to_bytes(INDEX_BYTES, "big") for index in unique)


@dataclass(frozen=True, slots=True)
class IssuerRecord:
    did: str
    name: str
    body: str
    registered_at: int


@dataclass(frozen=True, slots=True)
class Accreditation:
    valid_from: int
    valid_until: int
    body: str
    scope: str


@dataclass(frozen=True)
class RegistryView:
    """What the on-chain registry at `registry` says of the issuer account `issuer` (record None: not registered)."""

    registry: str
    issuer: str
    record: IssuerRecord | None
    accredited_now: bool
    windows: list[Accreditation]


def days_after(now: int, days: int | None) -> int | None:
    """The end of an accreditation window `days` from `now` (a Unix time), or None for open-ended."""
    return now + days * 86_400 if days else None


def _until(valid_until: int | None) -> int:
    return FOREVER if valid_until is None else valid_until


class _Client:
    NAME = ""

    def __init__(self, chain: Chain, address: str) -> None:
        self.chain = chain
        self.address = chain.contract(self.NAME, address).address

    def _call(self, function: str, *args: Any) -> Any:
        return self.chain.call(self.NAME, self.address, function, args)

    def _transact(
        self, function: str, *args: Any, sender: Sender, on_sent: Callable[[bytes], None] | None = None
    ) -> TxReceipt:
        return self.chain.transact(self.NAME, self.address, function, args, sender=sender, on_sent=on_sent)


class CredentialAnchorClient(_Client):
    """Batch roots and status lists, each written under the sending address."""

    NAME = "CredentialAnchor"

    def anchor_batch(self, root: Root, *, sender: Sender, on_sent: Callable[[bytes], None] | None = None) -> TxReceipt:
        """Anchor `root`; `on_sent(tx_hash)` runs once the node accepted the transaction (see Chain.transact)."""
        return self._transact("anchorBatch", root.value, sender=sender, on_sent=on_sent)

    def sent_anchoring(self, issuer: str, root: Root, tx_hash: bytes) -> TxReceipt | None:
        """The receipt of the transaction `tx_hash`, sent earlier to anchor `root` for `issuer`, found by its
        hash — not by the block the contract recorded, which on Arbitrum is the parent chain's. None when
        that transaction is unknown, reverted, or anchored something else."""
        receipt = self.chain.sent_receipt(self.NAME, self.address, tx_hash)
        if receipt is None:
            return None
        anchored = any(
            event.name == "BatchAnchored"
            and bytes(event.args["root"]) == root.value
            and str(event.args["issuer"]).lower() == issuer.lower()
            for event in receipt.events
        )
        return receipt if anchored else None

    def anchoring_receipt(self, issuer: str, root: Root) -> TxReceipt | None:
        """The receipt of the transaction that anchored `root` for `issuer` (None if it never was), looked
        up in the block the contract recorded: on a chain whose `block.number` is the parent chain's
        (Arbitrum) it is not found there — recovery then relies on :meth:`sent_anchoring`."""
        record = self.batch(issuer, root)
        if not record.anchored:
            return None
        return self.chain.find_event(
            self.NAME, self.address, "BatchAnchored", record.anchored_block, issuer=issuer, root=root.value
        )

    def revoke_batch(self, root: Root, *, sender: Sender) -> TxReceipt:
        return self._transact("revokeBatch", root.value, sender=sender)

    def revoke(self, list_id: int, indices: Iterable[int], *, sender: Sender) -> TxReceipt:
        return self._transact("revoke", list_id, pack_indices(indices), sender=sender)

    def suspend(self, list_id: int, indices: Iterable[int], *, sender: Sender) -> TxReceipt:
        return self._transact("suspend", list_id, pack_indices(indices), sender=sender)

    def reinstate(self, list_id: int, indices: Iterable[int], *, sender: Sender) -> TxReceipt:
        return self._transact("reinstate", list_id, pack_indices(indices), sender=sender)

    def batch(self, issuer: str, root: Root) -> BatchRecord:
        anchored_at, anchored_block, revoked_at = self._call("batch", issuer, root.value)
        return BatchRecord(anchored_at, anchored_block, revoked_at)

    def verify_credential(
        self, issuer: str, root: Root, credential_hash: bytes, proof: Sequence[bytes]
    ) -> tuple[bool, BatchRecord]:
        """On-chain check (OpenZeppelin MerkleProof) that a credential is in `issuer`'s batch `root`."""
        included, record = self._call("verifyCredential", issuer, root.value, credential_hash, list(proof))
        return bool(included), BatchRecord(*record)

    def status(self, issuer: str, list_id: int, purpose: StatusPurpose, index: int) -> bool:
        return bool(self._call("statusOf", issuer, list_id, int(purpose), index))

    def status_words(self, issuer: str, list_id: int, purpose: StatusPurpose, first_word: int, count: int) -> list[int]:
        return list(self._call("statusWords", issuer, list_id, int(purpose), first_word, count))


class IssuerRegistryClient(_Client):
    """The trust registry of accredited issuers."""

    NAME = "IssuerRegistry"

    @property
    def body_role(self) -> bytes:
        return bytes(self._call("ACCREDITATION_BODY_ROLE"))

    def grant_body(self, body: str, *, sender: Sender) -> TxReceipt:
        """Admin only: make `body` an accreditation body."""
        return self._transact("grantRole", self.body_role, body, sender=sender)

    def revoke_body(self, body: str, *, sender: Sender) -> TxReceipt:
        """Admin only: take the accreditation-body role away from `body`."""
        return self._transact("revokeRole", self.body_role, body, sender=sender)

    def is_body(self, account: str) -> bool:
        return bool(self._call("hasRole", self.body_role, account))

    def register_issuer(
        self,
        issuer: str,
        *,
        did: str,
        name: str,
        scope: str,
        valid_from: int | None = None,
        valid_until: int | None = None,
        sender: Sender,
    ) -> TxReceipt:
        """Register and accredit `issuer`; `valid_from=None` means now, `valid_until=None` never ends."""
        return self._transact(
            "registerIssuer", issuer, did, name, scope, valid_from or 0, _until(valid_until), sender=sender
        )

    def update_issuer(self, issuer: str, *, did: str, name: str, sender: Sender) -> TxReceipt:
        return self._transact("updateIssuer", issuer, did, name, sender=sender)

    def accredit(
        self, issuer: str, *, scope: str, valid_from: int | None = None, valid_until: int | None = None, sender: Sender
    ) -> TxReceipt:
        return self._transact("accredit", issuer, valid_from or 0, _until(valid_until), scope, sender=sender)

    def transfer_issuer(self, issuer: str, new_body: str, *, sender: Sender) -> TxReceipt:
        """Admin only: make `new_body` the body of record of `issuer`."""
        return self._transact("transferIssuer", issuer, new_body, sender=sender)

    def deaccredit(self, issuer: str, *, sender: Sender) -> TxReceipt:
        return self._transact("deaccredit", issuer, sender=sender)

    def issuer(self, issuer: str) -> IssuerRecord | None:
        did, name, body, registered_at = self._call("getIssuer", issuer)
        return IssuerRecord(did, name, body, registered_at) if registered_at else None

    def issuer_by_did(self, did: str) -> str | None:
        address: str = self._call("issuerByDid", did)
        return None if int(address, 16) == 0 else address

    def accreditations(self, issuer: str) -> list[Accreditation]:
        return [Accreditation(*window) for window in self._call("getAccreditations", issuer)]

    def is_accredited(self, issuer: str, timestamp: int) -> bool:
        return bool(self._call("isAccredited", issuer, timestamp))


class CredentialNFTClient(_Client):
    """NFT mode: one public soulbound token per credential, metadata on-chain."""

    NAME = "CredentialNFT"

    def mint(self, holder: str, metadata: Mapping[str, Any] | str, *, sender: Sender) -> tuple[int, TxReceipt]:
        """Mint to `holder` (metadata serialized by :func:`~anchor.chain.consent.serialize_metadata`).

        Reverts with `CredentialNFTConsentRequired` if the sender requires holder consent.
        """
        receipt = self._transact("mint", holder, serialize_metadata(metadata), sender=sender)
        return self._minted(receipt), receipt

    def mint_with_consent(
        self, holder: str, metadata: Mapping[str, Any] | str, deadline: int, signature: bytes, *, sender: Sender
    ) -> tuple[int, TxReceipt]:
        """Mint with the holder's signed consent (see :meth:`consent_typed_data` and
        :func:`~anchor.chain.consent.sign_consent`); the sender must be the issuer the consent names."""
        receipt = self._transact(
            "mintWithConsent", holder, serialize_metadata(metadata), deadline, bytes(signature), sender=sender
        )
        return self._minted(receipt), receipt

    def consent_typed_data(
        self, holder: str, issuer: str, metadata: Mapping[str, Any] | str, deadline: int
    ) -> dict[str, Any]:
        """The EIP-712 consent `holder` signs for `issuer` to mint `metadata`, at the holder's current nonce."""
        return consent_typed_data(
            self.chain.chain_id, self.address, holder, issuer, metadata, self.consent_nonce(holder), deadline
        )

    def set_consent_required(self, required: bool, *, sender: Sender) -> TxReceipt:
        """The sender (as issuer) mints only with holder consent from now on, or no longer."""
        return self._transact("setConsentRequired", required, sender=sender)

    def consent_required(self, issuer: str) -> bool:
        return bool(self._call("consentRequired", issuer))

    def consent_nonce(self, holder: str) -> int:
        return int(self._call("consentNonce", holder))

    @staticmethod
    def _minted(receipt: TxReceipt) -> int:
        (minted,) = receipt.events_named("CredentialMinted")
        return int(minted.args["tokenId"])

    def burn(self, token_id: int, *, sender: Sender) -> TxReceipt:
        return self._transact("burn", token_id, sender=sender)

    def owner_of(self, token_id: int) -> str:
        return str(self._call("ownerOf", token_id))

    def issuer_of(self, token_id: int) -> str:
        return str(self._call("issuerOf", token_id))

    def minted_block(self, token_id: int, from_block: int = 0) -> int | None:
        """The block of `token_id`'s CredentialMinted event (None: none since `from_block`)."""
        for event in self.chain.events(self.NAME, self.address, from_block):
            if event.event == "CredentialMinted" and int(event.args["tokenId"]) == token_id:
                return event.log.block_number
        return None

    def live_tokens(self, issuer: str, from_block: int = 0) -> dict[str, list[int]]:
        """The tokens `issuer` minted since `from_block` and has not burned, by holder (checksummed), in order."""
        minted, burned = self._mints_and_burns(issuer, from_block)
        live: dict[str, list[int]] = {}
        for token_id, holder in minted:
            if token_id not in burned:
                live.setdefault(holder, []).append(token_id)
        return live

    def burnt_tokens(self, issuer: str, from_block: int = 0) -> set[int]:
        """The tokens `issuer` burnt since `from_block`."""
        return self._mints_and_burns(issuer, from_block)[1]

    def _mints_and_burns(self, issuer: str, from_block: int) -> tuple[list[tuple[int, str]], set[int]]:
        """`issuer`'s CredentialMinted (token, holder) and CredentialBurned tokens since `from_block`, in order."""
        minted, burned, mine = [], set(), issuer.lower()
        for event in self.chain.events(self.NAME, self.address, from_block):
            if str(event.args.get("issuer", "")).lower() != mine:
                continue
            if event.event == "CredentialMinted":
                minted.append((int(event.args["tokenId"]), str(event.args["holder"])))
            elif event.event == "CredentialBurned":
                burned.add(int(event.args["tokenId"]))
        return minted, burned

    def locked(self, token_id: int) -> bool:
        return bool(self._call("locked", token_id))

    def token_uri(self, token_id: int) -> str:
        return str(self._call("tokenURI", token_id))

    def metadata(self, token_id: int) -> Any:
        """The token's metadata, decoded from its `data:application/json;base64,` URI."""
        uri = self.token_uri(token_id)
        prefix = "data:application/json;base64,"
        if not uri.startswith(prefix):
            raise ConfigurationError(f"token {token_id} has an unexpected tokenURI scheme: {uri[:40]!r}")
        return jsonsafe.loads(base64.b64decode(uri[len(prefix) :]), what=f"token {token_id}'s metadata")

    def supports_interface(self, interface_id: bytes) -> bool:
        return bool(self._call("supportsInterface", interface_id))


def _document_hash(value: bytes) -> bytes:
    if not isinstance(value, bytes) or len(value) != 32:
        raise ConfigurationError(f"a document hash is 32 bytes, got {value!r}")
    return value


class HashRevocationRegistryClient(_Client):
    """The comparison's revocation-by-hash registry (DocumentStore style), namespaced by sender.

    Revoking publishes the credential's hash: anyone who holds the credential can link it to its
    revocation.
    """

    NAME = "HashRevocationRegistry"

    def issue(self, root: Root, *, sender: Sender) -> TxReceipt:
        return self._transact("issue", root.value, sender=sender)

    def revoke(self, document_hash: bytes, *, sender: Sender) -> TxReceipt:
        return self._transact("revoke", _document_hash(document_hash), sender=sender)

    def bulk_revoke(self, document_hashes: Iterable[bytes], *, sender: Sender) -> TxReceipt:
        """Revoke every hash in one transaction, all or nothing (one event per hash)."""
        hashes = [_document_hash(h) for h in document_hashes]
        if not hashes:
            raise ConfigurationError("no document hashes given: name at least one credential to revoke")
        return self._transact("bulkRevoke", hashes, sender=sender)

    def is_issued(self, issuer: str, root: Root) -> bool:
        return bool(self._call("isIssued", issuer, root.value))

    def is_revoked(self, issuer: str, document_hash: bytes) -> bool:
        return bool(self._call("isRevoked", issuer, _document_hash(document_hash)))

    def issued_block(self, issuer: str, root: Root) -> int:
        """The block in which `issuer` issued `root` (0 if it never did)."""
        return int(self._call("issuedBlock", issuer, root.value))

    def revoked_block(self, issuer: str, document_hash: bytes) -> int:
        """The block in which `issuer` revoked `document_hash` (0 if it never did)."""
        return int(self._call("revokedBlock", issuer, _document_hash(document_hash)))


def deploy_hash_registry(chain: Chain, deployer: str) -> HashRevocationRegistryClient:
    """Deploy a HashRevocationRegistry for the NFT-vs-VC comparison.

    It is not part of a :class:`~anchor.chain.deployment.Deployment`: the comparison deploys its own on
    the chain it measures.
    """
    address, receipt = chain.deploy(HashRevocationRegistryClient.NAME, sender=deployer)
    log.info(
        "deployed HashRevocationRegistry at %s (chain %d, block %d)", address, chain.chain_id, receipt.block_number
    )
    return HashRevocationRegistryClient(chain, address)
