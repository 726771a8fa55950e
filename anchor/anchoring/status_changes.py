"""Revoking, suspending and reinstating credentials: one transaction per status list (and per
`MAX_INDICES_PER_TRANSACTION` credentials of it).

Shared by the CLI and the HTTP API. Every list is checked before the first transaction (right
chain, a genuine CredentialAnchor, a key for the issuer account), so a bad request changes
nothing. Setting a bit that is already set (or clearing a clear one) is harmless, so a retry
after a failure or a timeout is safe.

A caller acting for one issuer (the API, whose key names the issuer) passes `issuer=`: a server
holds several issuers' keys, so being able to sign for a list does not make it the caller's.

The status entries acted on are always those of the credential as it was stored at issuance
(`stored_credentials`), never entries read from a file someone hands in: a file edited to carry
another learner's status index would otherwise revoke that learner's credential.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from eth_account.signers.local import LocalAccount

from anchor.chain.adapter import Chain
from anchor.chain.artifacts import load_artifact
from anchor.chain.contracts import CredentialAnchorClient
from anchor.credentials.anchor_proofs import credential_hash
from anchor.credentials.status import ACTIONS as PURPOSE_OF
from anchor.credentials.status import locations_for, read_entry
from anchor.errors import ConfigurationError, CredAnchorError
from anchor.types import as_list

ACTIONS = tuple(PURPOSE_OF)
_EVENTS = {"revoke": "CredentialsRevoked", "suspend": "CredentialsSuspended", "reinstate": "CredentialsReinstated"}

#: Worst case ≈22,600 gas per index (each in its own status word): 512 of them ≈11.6M gas, under the
#: 2**24 (16,777,216) per-transaction cap of EIP-7825 and within ordinary block gas limits.
MAX_INDICES_PER_TRANSACTION = 512

#: Gives the sender for an issuer account: its local key, or the address itself when the node manages
#: it; raises ConfigurationError when there is no way to sign for it.
SignerFor = Callable[[str], "LocalAccount | str"]


class ForeignStatusListError(CredAnchorError, PermissionError):
    """A credential's status entry names another issuer's status list."""


class EditedCredentialError(CredAnchorError, ValueError):
    """A credential document handed in for a status change is not the stored credential of its id as signed."""


class CredentialLookup(Protocol):
    """Where issued credentials are kept (the Store): the document stored under an id, or None."""

    def document(self, credential_id: str) -> dict[str, Any] | None: ...


def stored_credentials(store: CredentialLookup, references: Sequence[str | Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The stored credentials that `references` name — each an id, or a credential document (a file) — once
    each, in order: what `change_status` is given, so that it acts on the entries the issuer stored.

    An id the store does not know is refused (ConfigurationError). A document is accepted only when it is
    the stored credential of its id exactly as signed — the same hash (keccak256 of its JCS form without
    anchor proofs), so the same content, status entries and issuer proof, with or without its anchor proof
    — and refused otherwise (EditedCredentialError): its signature cannot be other than the stored one's,
    and nothing it says is used. All are checked before any is returned, so a refusal changes nothing.
    """
    found: dict[str, dict[str, Any]] = {}
    for reference in references:
        if not isinstance(reference, str | Mapping):
            raise ConfigurationError("a credential is a JSON object (or its id): its status cannot be changed")
        credential_id = reference if isinstance(reference, str) else reference.get("id")
        if not isinstance(credential_id, str) or not credential_id:
            raise ConfigurationError("a credential file without an id: its status cannot be changed")
        stored = store.document(credential_id)
        if stored is None:
            raise ConfigurationError(
                f"no credential {credential_id} in the store: only credentials issued from this data directory "
                "(or this server's database) can be revoked, suspended or reinstated"
            )
        if not isinstance(reference, str):
            _require_stored_copy(dict(reference), stored)
        found.setdefault(credential_id, stored)
    return list(found.values())


def _require_stored_copy(document: dict[str, Any], stored: dict[str, Any]) -> None:
    """Refuse `document` unless it is `stored` as signed (anchor proofs aside)."""
    try:
        same = credential_hash(document) == credential_hash(stored)
    except (TypeError, ValueError):  # not plain JSON (e.g. NaN): cannot be what was signed
        same = False
    if same:
        return
    what = (
        "its status entries differ from the stored credential's"
        if document.get("credentialStatus") != stored.get("credentialStatus")
        else "its content or issuer proof differs from the stored credential's"
    )
    raise EditedCredentialError(
        f"the file given for {stored.get('id')} is not that credential as issued: {what}, so it was changed "
        "after signing; refusing it and changing nothing (give the credential id to act on the stored copy)"
    )


def require_own_lists(credentials: Sequence[dict[str, Any]], issuer: str) -> None:
    """Refuse (ForeignStatusListError) when any status entry of the credentials names a list that the
    issuer account `issuer` does not own — whatever its purpose, so nothing is half changed."""
    for credential in credentials:
        for entry in as_list(credential.get("credentialStatus")):
            if (
                isinstance(entry, dict)
                and "statusIssuer" in entry
                and read_entry(entry)[1].issuer.lower() != issuer.lower()
            ):
                raise ForeignStatusListError(f"{credential.get('id')} names a status list that is not this issuer's")


def change_status(
    chain: Chain,
    credentials: Sequence[dict[str, Any]],
    action: str,
    signer_for: SignerFor,
    *,
    issuer: str | None = None,
) -> list[dict[str, Any]]:
    """Apply `action` to the credentials' status bits; returns one record per transaction.

    With `issuer` (an account), every status entry must name that account's own lists (ForeignStatusListError).
    """
    if action not in ACTIONS:
        raise ConfigurationError(f"unknown status action {action!r}; use one of {', '.join(ACTIONS)}")
    if issuer is not None:
        require_own_lists(credentials, issuer)
    groups = locations_for(list(credentials), action)
    senders: dict[str, LocalAccount | str] = {}
    code = load_artifact("CredentialAnchor").deployed_bytecode
    for chain_id, contract, issuer, _ in groups:
        if chain_id != chain.chain_id:
            raise ConfigurationError(f"a status list is on chain {chain_id}, the RPC serves {chain.chain_id}")
        if chain.code_at(contract) != code:
            raise ConfigurationError(f"{contract} is not a CredentialAnchor contract: refusing to send to it")
        if issuer not in senders:
            senders[issuer] = signer_for(issuer)
    done = []
    for (_, contract, issuer, list_id), indices in groups.items():
        client = CredentialAnchorClient(chain, contract)
        for start in range(0, len(indices), MAX_INDICES_PER_TRANSACTION):
            chunk = indices[start : start + MAX_INDICES_PER_TRANSACTION]
            receipt = getattr(client, action)(list_id, chunk, sender=senders[issuer])
            (logged,) = receipt.events_named(_EVENTS[action])
            done.append({"list": list_id, "issuer": issuer, "credentials": logged.args["count"], **receipt.summary()})
    return done
