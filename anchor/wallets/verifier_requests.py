"""Verifier requests: a verifier asks a wallet for credentials through a VC API exchange and reads the report.

The verifier makes a request — which achievements (by name), from issuers accredited in the registry at the
time they anchored (by default), optionally from named issuer DIDs only — and gets an exchange link and QR
code for the learner, and a verifier key (shown once, kept hashed) to read the answer with. The wallet opens
the exchange:

1. `POST {}` → a VerifiablePresentationRequest: a QueryByExample per achievement (OB 3.0 credentials whose
   achievement has that name), a fresh single-use challenge and the server's domain;
2. `POST {"verifiablePresentation"}` → the presentation is verified in full (anchor.credentials.presentation:
   the holder's proof, challenge, domain, holder binding, and every credential's report — signature, Merkle
   inclusion, anchoring, accreditation at anchoring time, revocation, suspension, validity), then judged
   against the request (REQUEST_CHECKS), and the first such answer is recorded with its report. A
   presentation that is not the holder's answer to this challenge and domain is refused (400) and recorded
   nowhere; one whose credentials fail is recorded, verified false, so the verifier sees why.

The verifier reads `GET /v1/presentation-requests/{id}` with its key: the state, the verdict, every check.
"""

from __future__ import annotations

import json
import secrets
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from anchor.credentials.presentation import PresentationReport
from anchor.credentials.verify import Verifier
from anchor.crypto.jsonld import OB_V3, VC_V2
from anchor.errors import ConfigurationError
from anchor.storage.database import now
from anchor.storage.records import PresentationRequest
from anchor.storage.store import Store
from anchor.types import as_list
from anchor.wallets import bearer
from anchor.wallets.didauth import checked_answer, failed_answer_checks
from anchor.wallets.offers import LCW_REQUEST, WalletError, issuer_identifier, origin

DEFAULT_EXPIRY = timedelta(hours=24)
MAX_EXPIRY = timedelta(days=30)
CHALLENGE_LIFETIME = timedelta(minutes=10)
REQUEST_CHECKS = ("requested_achievements", "accredited_issuers", "named_issuers")


def exchange_url(public_url: str, exchange_id: str) -> str:
    return f"{issuer_identifier(public_url)}/workflows/present/exchanges/{exchange_id}"


def make_query(
    achievements: list[str], *, issuers: list[str] | None = None, accredited: bool = True, reason: str | None = None
) -> dict[str, Any]:
    names = [a.strip() for a in achievements if a.strip()]
    if not names:
        raise ConfigurationError("name at least one achievement to ask for")
    if any(not i.startswith("did:") for i in issuers or []):
        raise ConfigurationError("issuers are named by their DIDs (did:key:…, did:web:…)")
    return {"achievements": names, "issuers": list(issuers or []), "accredited": accredited,
            "reason": reason or f"Please present your {', '.join(names)} credential(s)."}  # fmt: skip


def create_request(
    store: Store, public_url: str, query: dict[str, Any], *, expires_in: timedelta = DEFAULT_EXPIRY
) -> tuple[PresentationRequest, str, dict[str, str]]:
    """Record a request: (the record, the verifier's key — shown once —, the links for the wallet)."""
    if not timedelta(minutes=5) <= expires_in <= MAX_EXPIRY:
        raise ConfigurationError(f"a request lasts from 5 minutes to {MAX_EXPIRY.days} days, not {expires_in}")
    key, exchange = bearer.token(), bearer.token()
    record = store.create_presentation_request(secrets.token_hex(8), bearer.digest(key), bearer.digest(exchange),
                                               query, now() + expires_in)  # fmt: skip
    url = exchange_url(public_url, exchange)
    interaction = json.dumps({"credentialRequestOrigin": origin(public_url), "protocols": {"vcapi": url}},
                             separators=(",", ":"))  # fmt: skip
    links = {"vcapi_exchange": url, "vcapi_interaction": f"{url}/protocols",
             "lcw_deep_link": LCW_REQUEST + quote(interaction, safe="")}  # fmt: skip
    return record, key, links


def read_request(store: Store, request_id: str, key: str | None) -> PresentationRequest:
    """The request, for the verifier holding its key (401 without a key, 404 for an unknown id or wrong key)."""
    if not key:
        raise WalletError(401, "unauthenticated", "send the verifier key given with the request as "
                          "Authorization: Bearer <key>", headers={"WWW-Authenticate": "Bearer"})  # fmt: skip
    request = store.presentation_request(request_id)
    if request is None or not bearer.same(request.key_hash, bearer.digest(key)):
        raise WalletError(404, "not-found", f"no presentation request {request_id} for this key")
    return request


def _request_of(store: Store, exchange_id: str) -> PresentationRequest:
    request = store.presentation_request_by_exchange(bearer.digest(exchange_id))
    if request is None:
        raise WalletError(404, "not-found", "no such presentation request: check the link")
    if request.answered_at is not None:
        raise WalletError(409, "already-answered", "this request was answered already: a request is answered once")
    if now() >= request.expires_at:
        raise WalletError(410, "request-expired", "this presentation request expired: ask the verifier for a new one")
    return request


def protocols(store: Store, public_url: str, exchange_id: str) -> dict[str, Any]:
    _request_of(store, exchange_id)
    return {"credentialRequestOrigin": origin(public_url),
            "protocols": {"vcapi": exchange_url(public_url, exchange_id)}}  # fmt: skip


def participate(store: Store, verifier: Verifier, public_url: str, exchange_id: str, body: Any) -> dict[str, Any]:
    request = _request_of(store, exchange_id)
    if not isinstance(body, dict):
        raise WalletError(400, "bad-request", "post a JSON object to the exchange ({} to start it)")
    presentation = body.get("verifiablePresentation")
    if presentation is None:
        return {"verifiablePresentationRequest": _presentation_request(store, public_url, exchange_id, request)}
    _answer(store, verifier, public_url, request, presentation)
    return {}


def _presentation_request(store: Store, public_url: str, exchange_id: str, request: PresentationRequest) -> Any:
    challenge = bearer.token()
    store.add_wallet_secret("challenge", bearer.digest(challenge), now() + CHALLENGE_LIFETIME, request.id)
    examples = [{"reason": request.query["reason"], "example": {
        "@context": [VC_V2, OB_V3], "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "credentialSubject": {"achievement": {"name": name}}}} for name in request.query["achievements"]]  # fmt: skip
    return {
        "query": [{"type": "QueryByExample", "credentialQuery": examples}],
        "challenge": challenge,
        "domain": origin(public_url),
        "interact": {"service": [{"type": "UnmediatedPresentationService2021",
                                  "serviceEndpoint": exchange_url(public_url, exchange_id)}]},
    }  # fmt: skip


def _answer(store: Store, verifier: Verifier, public_url: str, request: PresentationRequest, presentation: Any) -> None:
    answer = checked_answer(store, verifier, public_url, request.id, presentation, what="request")
    report, challenge = answer.report, answer.challenge
    reasons = failed_answer_checks(report)
    if reasons or report.holder is None:
        reasons = reasons or "the presentation names no holder"
        raise WalletError(400, "invalid-presentation", f"the presentation is not the holder's answer: {reasons}")
    if not store.use_wallet_secret("challenge", bearer.digest(challenge), request.id):
        raise WalletError(400, "invalid-presentation", "this challenge was answered already, or expired: POST {} "
                          "for a new one")  # fmt: skip
    checks = request_checks(request.query, presentation, report)
    verified = report.verified and all(c["outcome"] != "fail" for c in checks.values())
    full = {**report.to_dict(), "request_checks": checks, "verified": verified}
    if not store.record_presentation(request.id, report.holder, verified, full):
        raise WalletError(409, "already-answered", "this request was answered already: a request is answered once")


def request_checks(query: dict[str, Any], presentation: dict[str, Any], report: PresentationReport) -> dict[str, Any]:
    """Does the presentation give what was asked: each achievement, in a credential that verified, from an
    issuer accredited when it anchored (if asked), and from a named issuer (if any were named)."""
    shown = [c for c in as_list(presentation.get("verifiableCredential")) if isinstance(c, dict)]
    matches: dict[str, list[tuple[dict[str, Any], Any]]] = {}
    for credential, credential_report in zip(shown, report.credentials, strict=True):
        for subject in as_list(credential.get("credentialSubject")):
            achievement = subject.get("achievement") if isinstance(subject, dict) else None
            name = achievement.get("name") if isinstance(achievement, dict) else None
            if isinstance(name, str):
                matches.setdefault(name, []).append((credential, credential_report))
    wanted = list(query.get("achievements", []))
    missing = [n for n in wanted if not any(r.verified for _, r in matches.get(n, []))]
    checks: dict[str, Any] = {"requested_achievements": _check(
        not missing, f"every requested achievement is in a credential that verified: {', '.join(wanted)}",
        f"no credential that verified holds {', '.join(missing)}")}  # fmt: skip
    given = [(c, r) for n in wanted for c, r in matches.get(n, [])]
    if query.get("accredited", True):
        unaccredited = [str(c.get("id")) for c, r in given if _outcome(r, "issuer_accredited") != "pass"]
        checks["accredited_issuers"] = _check(
            bool(given) and not unaccredited, "each was anchored by an issuer accredited in the registry at the time",
            f"not shown as anchored by an accredited issuer: {', '.join(unaccredited) or 'no credential'}")  # fmt: skip
    else:
        checks["accredited_issuers"] = {"outcome": "not_applicable", "reason": "accreditation was not asked for"}
    named = list(query.get("issuers", []))
    if named:
        strangers = [str(c.get("id")) for c, _ in given if _issuer(c) not in named]
        checks["named_issuers"] = _check(
            bool(given) and not strangers, "each is from an issuer named in the request",
            f"from an issuer not named in the request: {', '.join(strangers)}")  # fmt: skip
    else:
        checks["named_issuers"] = {"outcome": "not_applicable", "reason": "no issuer was named"}
    return checks


def _check(ok: bool, passed: str, failed: str) -> dict[str, str]:
    return {"outcome": "pass", "reason": passed} if ok else {"outcome": "fail", "reason": failed}


def _outcome(report: Any, name: str) -> str | None:
    return next((c.outcome.value for c in report.checks if c.name == name), None)


def _issuer(credential: dict[str, Any]) -> str | None:
    issuer = credential.get("issuer")
    value = issuer.get("id") if isinstance(issuer, dict) else issuer
    return value if isinstance(value, str) else None
