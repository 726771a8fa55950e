"""OpenID for Verifiable Credential Issuance 1.0, pre-authorized code flow, for Open Badges 3.0 `ldp_vc`.

- issuer metadata (`/.well-known/openid-credential-issuer`): one credential configuration per cryptosuite,
  format `ldp_vc`, did:key and jwk binding, JWT proofs by EdDSA (Ed25519) or ES256 keys;
- authorization server metadata (`/.well-known/oauth-authorization-server`): the credential issuer is its
  own authorization server, with only the pre-authorized code grant (anonymous: no client authentication);
- token: the pre-authorized code (used once) and the transaction code, when the offer has one (a few wrong
  tries lock it), give an access token (kept hashed, ACCESS_TOKEN_LIFETIME) and a refresh token
  (REFRESH_TOKEN_LIFETIME): the `refresh_token` grant turns it into a new pair, once — a refresh token used
  twice ends every token of that claim (rotation with reuse detection, RFC 9700 §4.14), as a stolen copy
  would be. With a fresh access token the holder's key asks the credential endpoint again and gets the
  credential as stored — with its anchor proof once its batch is anchored (the specification's
  "Refreshing Issued Credentials");
- nonce: a c_nonce, single-use, NONCE_LIFETIME;
- credential: the access token, one JWT proof of possession (anchor.wallets.holder_proofs) whose nonce is
  spent here, then the offer's one claim (anchor.wallets.offers.claim_and_issue) → the credential bound to
  the proof's key, and a `notification_id` (the offer's id);
- notification (§11): with the same access token, the wallet says whether it stored the credential
  (`credential_accepted`), failed to (`credential_failure`) or its user declined or deleted it
  (`credential_deleted`); the offer keeps the last event, the audit log each one.

Errors are WalletErrors with the protocol's codes (invalid_grant, invalid_token, invalid_proof,
invalid_nonce, unknown_credential_configuration, …); api/routes/oid4vci.py shapes them as OAuth 2 errors.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from anchor.crypto.jsonld import OB_V3, VC_V2
from anchor.storage.database import now
from anchor.storage.records import Offer
from anchor.storage.store import Store
from anchor.wallets import bearer
from anchor.wallets.bearer import OfferSecrets
from anchor.wallets.holder_proofs import ALGORITHMS, verify_proof_jwt
from anchor.wallets.offers import (
    CONFIGURATIONS,
    PRE_AUTHORIZED_GRANT,
    IssuerSource,
    WalletError,
    claim_and_issue,
    credential_offer,
    issuer_identifier,
    refusal,
)

#: The Notification Request's events (OpenID4VCI 1.0 §11.1).
NOTIFICATION_EVENTS = ("credential_accepted", "credential_failure", "credential_deleted")
#: event_description: "MUST NOT include characters outside the set %x20-21 / %x23-5B / %x5D-7E" (no `"`, no `\`).
_DESCRIPTION = re.compile(r"[\x20-\x21\x23-\x5B\x5D-\x7E]{0,500}")
ACCESS_TOKEN_LIFETIME = timedelta(minutes=10)
REFRESH_TOKEN_LIFETIME = timedelta(days=30)
REFRESH_GRANT = "refresh_token"
NONCE_LIFETIME = timedelta(minutes=5)
MAX_TX_CODE_FAILURES = 5


def issuer_metadata(public_url: str, name: str = "credanchor") -> dict[str, Any]:
    base = issuer_identifier(public_url)
    configurations = {
        configuration: {
            "format": "ldp_vc",
            "scope": configuration,
            "cryptographic_binding_methods_supported": ["did:key", "jwk"],
            "credential_signing_alg_values_supported": [suite],
            "proof_types_supported": {"jwt": {"proof_signing_alg_values_supported": list(ALGORITHMS)}},
            "credential_definition": {
                "@context": [VC_V2, OB_V3],
                "type": ["VerifiableCredential", "OpenBadgeCredential"],
            },
            "credential_metadata": {
                "display": [{"name": f"Micro-credential (Open Badges 3.0, {suite})", "locale": "en"}],
            },
        }
        for suite, configuration in CONFIGURATIONS.items()
    }
    return {
        "credential_issuer": base,
        "credential_endpoint": f"{base}/oid4vci/credential",
        "nonce_endpoint": f"{base}/oid4vci/nonce",
        "notification_endpoint": f"{base}/oid4vci/notification",
        "display": [{"name": name, "locale": "en"}],
        "credential_configurations_supported": configurations,
    }


def authorization_server_metadata(public_url: str) -> dict[str, Any]:
    base = issuer_identifier(public_url)
    return {
        "issuer": base,
        "token_endpoint": f"{base}/oid4vci/token",
        "grant_types_supported": [PRE_AUTHORIZED_GRANT, REFRESH_GRANT],
        "response_types_supported": [],
        "token_endpoint_auth_methods_supported": ["none"],
        "pre-authorized_grant_anonymous_access_supported": True,
    }


def offer_by_reference(store: Store, public_url: str, reference: str) -> dict[str, Any]:
    """The credential offer behind `credential_offer_uri` (404 when unknown; 410 when no longer claimable)."""
    offer = store.offer_by_secret("reference", bearer.digest(reference))
    if offer is None:
        raise WalletError(404, "not-found", "no such credential offer: check the link, or ask the issuer for a new one")
    problem = refusal(offer) or _used(offer)
    if problem is not None:
        raise problem
    # The tx_code itself is never stored; the offer only says one is needed (its length is fixed).
    drawn = OfferSecrets(reference, "0" * bearer.TX_CODE_LENGTH if offer.has_tx_code else None)
    return credential_offer(public_url, drawn, offer.cryptosuite)


def _used(offer: Offer) -> WalletError | None:
    if offer.code_used_at is not None:
        return WalletError(400, "invalid_grant", "this offer's pre-authorized code was used already: an offer is "
                           "used once")  # fmt: skip
    return None


def token(store: Store, form: dict[str, str]) -> dict[str, Any]:
    """The token endpoint: the pre-authorized code grant, and the refresh token grant."""
    grant = form.get("grant_type")
    if grant == REFRESH_GRANT:
        return _refreshed(store, form.get("refresh_token") or "")
    if grant != PRE_AUTHORIZED_GRANT:
        raise WalletError(400, "unsupported_grant_type", f"this issuer supports the {PRE_AUTHORIZED_GRANT} and "
                          f"{REFRESH_GRANT} grants")  # fmt: skip
    code = form.get("pre-authorized_code") or ""
    offer = store.offer_by_secret("code", bearer.digest(code)) if code else None
    if offer is None:
        raise WalletError(400, "invalid_grant", "the pre-authorized code is unknown: scan the offer again")
    problem = refusal(offer)
    if problem is not None:
        raise WalletError(400, "invalid_grant", problem.detail)
    tx_code = form.get("tx_code")
    if offer.has_tx_code and offer.tx_code_failures >= MAX_TX_CODE_FAILURES:
        raise WalletError(400, "invalid_grant", "too many wrong transaction codes: the offer is locked; ask the "
                          "issuer for a new one")  # fmt: skip
    if offer.has_tx_code and not tx_code:
        raise WalletError(
            400, "invalid_request", "this offer needs the transaction code your issuer sent you (tx_code)"
        )
    tx_hash = bearer.tx_code_digest(code, tx_code) if offer.has_tx_code and tx_code else None
    if not store.use_offer_code(offer.id, tx_hash, MAX_TX_CODE_FAILURES):
        current = store.offer(offer.id) or offer
        problem = _used(current) or refusal(current)
        if problem is not None:
            raise WalletError(400, "invalid_grant", problem.detail)
        failures = store.add_tx_code_failure(offer.id)
        left = max(0, MAX_TX_CODE_FAILURES - failures)
        raise WalletError(400, "invalid_grant", f"wrong transaction code ({left} tries left)")
    return _tokens(store, offer.id)


def _tokens(store: Store, offer_id: str) -> dict[str, Any]:
    """A new access token and refresh token for the offer's claim (the store keeps their hashes)."""
    access_token, refresh_token = bearer.token(), bearer.token()
    store.add_wallet_secret("token", bearer.digest(access_token), now() + ACCESS_TOKEN_LIFETIME, offer_id)
    store.add_wallet_secret("refresh", bearer.digest(refresh_token), now() + REFRESH_TOKEN_LIFETIME, offer_id)
    return {"access_token": access_token, "token_type": "Bearer", "refresh_token": refresh_token,
            "expires_in": int(ACCESS_TOKEN_LIFETIME.total_seconds())}  # fmt: skip


def _refreshed(store: Store, refresh_token: str) -> dict[str, Any]:
    """The refresh token grant: a used, unknown or expired refresh token is an invalid_grant; one used before
    ends every live token of its claim first (its first use may have been a thief's, or this one is)."""
    if not refresh_token:
        raise WalletError(400, "invalid_request", "the refresh_token grant needs the refresh_token")
    digest = bearer.digest(refresh_token)
    secret = store.wallet_secret("refresh", digest)
    if secret is None or secret.owner is None:
        raise WalletError(400, "invalid_grant", "the refresh token is unknown")
    if not store.use_wallet_secret("refresh", digest):
        if (store.wallet_secret("refresh", digest) or secret).used_at is not None:
            store.expire_wallet_secrets(secret.owner, ("token", "refresh"), "a refresh token was used twice")
            raise WalletError(400, "invalid_grant", "this refresh token was used already, so every token of this "
                              "claim is now revoked: use the offer's VC API link, or ask the issuer")  # fmt: skip
        raise WalletError(400, "invalid_grant", "the refresh token expired (or its claim's tokens were revoked)")
    return _tokens(store, secret.owner)


def nonce(store: Store) -> dict[str, Any]:
    """A fresh c_nonce; expired wallet secrets are deleted on the way (anyone may ask for nonces, so their
    table holds at most NONCE_LIFETIME's worth, and the route is rate limited)."""
    store.forget_expired_wallet_secrets()
    value = bearer.token()
    store.add_wallet_secret("nonce", bearer.digest(value), now() + NONCE_LIFETIME)
    return {"c_nonce": value, "c_nonce_expires_in": int(NONCE_LIFETIME.total_seconds())}


def authorized_offer(store: Store, authorization: str | None) -> Offer:
    """The offer an `Authorization: Bearer <access token>` header was issued for (401 invalid_token otherwise)."""
    scheme, _, value = (authorization or "").partition(" ")
    challenge = {"WWW-Authenticate": 'Bearer error="invalid_token"'}
    if scheme.lower() != "bearer" or not value.strip():
        raise WalletError(401, "invalid_token", "send the access token from the token endpoint as "
                          "Authorization: Bearer <token>", headers={"WWW-Authenticate": "Bearer"})  # fmt: skip
    secret = store.wallet_secret("token", bearer.digest(value.strip()))
    if secret is None or secret.owner is None:
        raise WalletError(401, "invalid_token", "the access token is unknown", headers=challenge)
    if now() >= secret.expires_at:
        raise WalletError(401, "invalid_token", "the access token expired: redeem a new offer", headers=challenge)
    offer = store.offer(secret.owner)
    if offer is None:
        raise WalletError(401, "invalid_token", "the access token's offer is gone", headers=challenge)
    return offer


def credential(
    store: Store, source: IssuerSource, public_url: str, authorization: str | None, body: Any
) -> dict[str, Any]:
    """The credential endpoint: access token, proof of possession, then the claim and the credential."""
    offer = authorized_offer(store, authorization)
    if not isinstance(body, dict):
        raise WalletError(400, "invalid_credential_request", "the credential request is a JSON object")
    configuration = body.get("credential_configuration_id")
    if configuration is None and "credential_identifier" in body:
        raise WalletError(400, "invalid_credential_request", "this issuer hands out no credential_identifier: ask by "
                          "credential_configuration_id")  # fmt: skip
    if configuration != CONFIGURATIONS[offer.cryptosuite]:
        raise WalletError(400, "unknown_credential_configuration", f"this offer is for the credential configuration "
                          f"{CONFIGURATIONS[offer.cryptosuite]!r}, not {configuration!r}")  # fmt: skip
    proof = _one_jwt_proof(body)
    checked = verify_proof_jwt(proof, audience=issuer_identifier(public_url), moment=now())
    if not store.use_wallet_secret("nonce", bearer.digest(checked.nonce)):
        raise WalletError(400, "invalid_nonce", "the proof's nonce is unknown, used or expired: get a fresh c_nonce "
                          "from the nonce endpoint and sign a new proof")  # fmt: skip
    issued = claim_and_issue(store, source, offer, checked.holder, "oid4vci")
    return {"credentials": [{"credential": issued}], "notification_id": offer.id}


def notification(store: Store, authorization: str | None, body: Any) -> None:
    """The notification endpoint: the wallet's word on the credential of the access token's offer. Sending the
    same event again succeeds and changes nothing (§11: notifications are idempotent)."""
    offer = authorized_offer(store, authorization)
    if not isinstance(body, dict):
        raise WalletError(400, "invalid_notification_request", "the notification request is a JSON object")
    notification_id, event, description = (body.get(k) for k in ("notification_id", "event", "event_description"))
    if not isinstance(notification_id, str) or not notification_id:
        raise WalletError(400, "invalid_notification_request", "notification_id is required: the one the credential "
                          "response carried")  # fmt: skip
    if event not in NOTIFICATION_EVENTS:
        raise WalletError(400, "invalid_notification_request", f"event must be one of {', '.join(NOTIFICATION_EVENTS)}")
    if description is not None and not (isinstance(description, str) and _DESCRIPTION.fullmatch(description)):
        raise WalletError(400, "invalid_notification_request", "event_description is at most 500 printable ASCII "
                          "characters, without double quotes or backslashes")  # fmt: skip
    if notification_id != offer.id or offer.credential_id is None:
        raise WalletError(400, "invalid_notification_id", "no credential was issued with this notification_id for "
                          "this access token")  # fmt: skip
    store.record_wallet_event(offer.id, str(event), description)


def _one_jwt_proof(body: dict[str, Any]) -> str:
    proofs, proof = body.get("proofs"), body.get("proof")
    if proofs is not None and proof is not None:
        raise WalletError(400, "invalid_credential_request", "send proofs or proof, not both")
    if isinstance(proofs, dict):
        jwts = proofs.get("jwt")
        if set(proofs) != {"jwt"} or not isinstance(jwts, list) or len(jwts) != 1:
            raise WalletError(400, "invalid_proof", "send one proof of possession: proofs = {jwt: [<one JWT>]}")
        return str(jwts[0])
    if isinstance(proof, dict) and proof.get("proof_type") == "jwt" and isinstance(proof.get("jwt"), str):
        return str(proof["jwt"])
    raise WalletError(400, "invalid_proof", "the credential request has no JWT proof of possession (proofs.jwt); "
                      "the credential is bound to the key that signs it")  # fmt: skip
