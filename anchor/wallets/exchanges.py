"""W3C VC API exchanges for claims: the request a wallet opens, DIDAuthentication, issuance to the holder's DID.

A Learner Credential Wallet (or any VC API wallet) opens the offer's interaction — `credentialRequestOrigin`
and `protocols.vcapi`, the exchange URL — and POSTs to the exchange:

1. an empty body (or no presentation) → a VerifiablePresentationRequest: query DIDAuthentication, a fresh
   challenge (single-use, CHALLENGE_LIFETIME, kept hashed) and the server's domain (its origin);
2. `{"verifiablePresentation": …}` signed by the wallet's DID (an authentication proof carrying that
   challenge and domain: anchor.credentials.presentation.verify_presentation) → the challenge is spent, the
   offer is claimed for that DID (anchor.wallets.offers.claim_and_issue) and the credential comes back in a
   presentation: `{"verifiablePresentation": {"verifiableCredential": [credential]}}`.

A replayed presentation finds its challenge spent (400); a presentation made for another exchange's
challenge is refused; the same DID coming back later gets the same credential, with its anchor proof once
anchored (docs/wallets.md).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from anchor.credentials.verify import Verifier
from anchor.crypto.jsonld import VC_V2
from anchor.storage.database import now
from anchor.storage.records import Offer
from anchor.storage.store import Store
from anchor.wallets import bearer
from anchor.wallets.didauth import checked_answer, failed_answer_checks
from anchor.wallets.offers import IssuerSource, WalletError, claim_and_issue, exchange_url, origin, refusal

CHALLENGE_LIFETIME = timedelta(minutes=10)


def exchange_offer(store: Store, exchange_id: str) -> Offer:
    offer = store.offer_by_secret("exchange", bearer.digest(exchange_id))
    if offer is None:
        raise WalletError(404, "not-found", "no such exchange: check the link, or ask the issuer for a new one")
    return offer


def protocols(store: Store, public_url: str, exchange_id: str) -> dict[str, Any]:
    """What the interaction URL answers a wallet (Accept: application/json)."""
    offer = exchange_offer(store, exchange_id)
    problem = refusal(offer)
    if problem is not None and offer.claimed_at is None:
        raise problem
    return {"credentialRequestOrigin": origin(public_url),
            "protocols": {"vcapi": exchange_url(public_url, exchange_id)}}  # fmt: skip


def participate(
    store: Store, source: IssuerSource, verifier: Verifier, public_url: str, exchange_id: str, body: Any
) -> dict[str, Any]:
    """One POST to the exchange: a DIDAuthentication request, or (with a presentation) the credential."""
    offer = exchange_offer(store, exchange_id)
    if not isinstance(body, dict):
        raise WalletError(400, "bad-request", "post a JSON object to the exchange ({} to start it)")
    presentation = body.get("verifiablePresentation")
    if presentation is None:
        problem = refusal(offer)
        if problem is not None and offer.claimed_at is None:
            raise problem
        return {"verifiablePresentationRequest": presentation_request(store, public_url, exchange_id, offer)}
    return {"verifiablePresentation": _answer(store, source, verifier, public_url, offer, presentation)}


def presentation_request(store: Store, public_url: str, exchange_id: str, offer: Offer) -> dict[str, Any]:
    challenge = bearer.token()
    store.add_wallet_secret("challenge", bearer.digest(challenge), now() + CHALLENGE_LIFETIME, offer.id)
    return {
        "query": [{"type": "DIDAuthentication", "acceptedMethods": [{"method": "key"}],
                   "acceptedCryptosuites": [{"cryptosuite": "eddsa-rdfc-2022"}]}],
        "challenge": challenge,
        "domain": origin(public_url),
        "interact": {"service": [{"type": "UnmediatedPresentationService2021",
                                  "serviceEndpoint": exchange_url(public_url, exchange_id)}]},
    }  # fmt: skip


def _answer(
    store: Store, source: IssuerSource, verifier: Verifier, public_url: str, offer: Offer, presentation: Any
) -> dict[str, Any]:
    answer = checked_answer(store, verifier, public_url, offer.id, presentation, what="exchange")
    report, challenge, proofs = answer.report, answer.challenge, answer.proofs
    reasons = failed_answer_checks(report)
    if reasons:
        raise WalletError(400, "invalid-presentation", f"the DIDAuthentication presentation does not verify: {reasons}")
    holder = report.holder or _signer(proofs)
    if holder is None or not holder.startswith("did:"):
        raise WalletError(400, "invalid-presentation", "the presentation names no holder DID")
    if not store.use_wallet_secret("challenge", bearer.digest(challenge), offer.id):
        raise WalletError(400, "invalid-presentation", "this challenge was answered already, or expired: a "
                          "presentation is used once; POST {} for a new challenge")  # fmt: skip
    issued = claim_and_issue(store, source, offer, holder, "vcapi")
    return {"@context": [VC_V2], "type": ["VerifiablePresentation"], "verifiableCredential": [issued]}


def _signer(proofs: list[dict[str, Any]]) -> str | None:
    method = next((p.get("verificationMethod") for p in proofs if isinstance(p.get("verificationMethod"), str)), None)
    return str(method).partition("#")[0] if method else None
