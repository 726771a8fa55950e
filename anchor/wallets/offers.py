"""Claim offers: an issuer offers a learner a credential that is not yet bound to a holder; the learner's wallet
claims it (OpenID4VCI or a VC API exchange) and the credential is signed then, for the wallet's DID.

An offer holds what to issue (the API's credential request, without a DID), the issuer and cryptosuite, an
expiry (default 7 days) and the hashes of its bearer secrets (anchor.wallets.bearer). Its links are made once,
at creation, for the issuer to hand over: they carry secrets but no personal data — the learner's name and
the achievement stay in the store until a wallet claims.

`claim_and_issue` is the one claim step both protocols share: the store binds the offer to one holder with a
conditional UPDATE (one winner across API workers), then the credential is issued through the one
issue-and-queue path (anchor.credentials.issuance.issue_and_queue) with the holder's DID as its subject, so
it is anchored in the issuer's next batch (in a workshop, at once: IssuerSource.claimed). The same holder
asking again gets the same credential — as stored, with its anchor proof once anchored (how a wallet
refreshes its copy: docs/wallets.md); nothing is issued twice, and anyone else is refused.
"""

from __future__ import annotations

import csv
import io
import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote, urlsplit

from anchor import jsonsafe
from anchor.credentials.issuance import CredentialIssuer, issue_and_queue
from anchor.credentials.roster import ACHIEVEMENT_COLUMNS, parse_json_roster
from anchor.crypto.proofs import CRYPTOSUITES, JCS, RDFC
from anchor.errors import ConfigurationError, CredAnchorError
from anchor.storage.database import now
from anchor.storage.records import Offer
from anchor.storage.store import Store
from anchor.wallets.bearer import OfferSecrets

DEFAULT_EXPIRY = timedelta(days=7)
MAX_EXPIRY = timedelta(days=90)
PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
#: The OpenID4VCI credential configuration offered for each cryptosuite.
CONFIGURATIONS = {RDFC: "OpenBadgeCredential_ldp_vc", JCS: "OpenBadgeCredential_ldp_vc_jcs"}
#: A claim whose credential is not yet recorded is being issued by another request for this long; after it,
#: the holder's retry issues it (a crash between the claim and the issuance): issue_and_queue is idempotent.
CLAIM_IN_PROGRESS = timedelta(seconds=30)
LCW_REQUEST = "https://lcw.app/request.html?request="
OFFER_SCHEME = "openid-credential-offer://"


class WalletError(CredAnchorError, ValueError):
    """A wallet's (or an issuer's) request about an offer is refused: `status` (HTTP), `code` (the OAuth 2 /
    OpenID4VCI error code, or a problem kind) and a message saying what to do."""

    def __init__(self, status: int, code: str, detail: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail, self.headers = status, code, detail, headers or {}


class IssuerSource(Protocol):
    """Where the claim gets an issuer's signer and anchoring account, and what the wallet then receives (the
    API's Services)."""

    def credential_issuer(self, slug: str, cryptosuite: str) -> CredentialIssuer: ...

    def account_of(self, slug: str) -> str: ...

    def claimed(self, slug: str, credential: dict[str, Any]) -> dict[str, Any]:
        """The credential to hand the wallet once `slug`'s offer is issued: as it is (queued for the issuer's
        next batch), or — in a workshop, where no batch worker runs — anchored at once, a batch of its own."""
        ...


@dataclass(frozen=True)
class CreatedOffer:
    """A new offer with its links (and transaction code): shown once, to the issuer."""

    offer: Offer
    secrets: OfferSecrets = field(repr=False)
    links: dict[str, str] = field(repr=False)

    def to_dict(self, moment: datetime) -> dict[str, Any]:
        return {**self.offer.to_dict(moment), "tx_code": self.secrets.tx_code, "links": self.links}


def request_errors(request: dict[str, Any]) -> list[str]:
    """Why `request` (the API's credential request) cannot be offered; [] when it can."""
    learner = request.get("learner")
    if isinstance(learner, dict) and learner.get("did"):
        return ["learner.did: leave it out — the credential is bound to the DID of the wallet that claims it"]
    rows = list(parse_json_roster({**request, "learner": {**(learner or {}), "did": "did:key:offer"}}))
    return list(rows[0].errors) if rows else ["an offer is for one credential request"]


def roster_requests(path: Path) -> list[tuple[int, str, dict[str, Any]]]:
    """A roster file's rows as credential requests (the API's shape): a JSON roster as it is, a CSV roster's
    columns (docs/credentials.md) regrouped. (line, learner name, request); request_errors judges each."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ConfigurationError(f"cannot read the roster {path}: {exc.strerror or exc}") from None
    if path.suffix.lower() == ".json":
        data = jsonsafe.loads(text, what=f"the roster {path}")
        items = data if isinstance(data, list) else [data]
        return [(n, str((i.get("learner") or {}).get("name", "")) if isinstance(i, dict) else "",
                 i if isinstance(i, dict) else {}) for n, i in enumerate(items, 1)]  # fmt: skip
    requests: list[tuple[int, str, dict[str, Any]]] = []
    for row in csv.DictReader(io.StringIO(text)):
        cells = {k.strip(): (v or "").strip() for k, v in row.items() if isinstance(k, str)}
        achievement: dict[str, Any] = {k: cells[k] for k in ACHIEVEMENT_COLUMNS if cells.get(k)}
        for listed in ("learning_outcomes", "prerequisites"):
            if listed in achievement:
                achievement[listed] = [p.strip() for p in achievement[listed].split("|") if p.strip()]
        uris, labels = cells.get("skill_uris", "").split("|"), cells.get("skill_labels", "").split("|")
        skills = [{"uri": u.strip(), "label": lb.strip()} for u, lb in zip(uris, labels, strict=False) if u.strip()]
        if skills:
            achievement["skills"] = skills
        learner: dict[str, str] = {k: cells[f"learner_{k}"] for k in ("name", "email") if cells.get(f"learner_{k}")}
        request = {"learner": learner, "achievement": achievement,
                   **{k: cells[k] for k in ("grade", "issued_on", "valid_until") if cells.get(k)}}  # fmt: skip
        if cells.get("learner_did"):
            learner["did"] = cells["learner_did"]
        requests.append((len(requests) + 2, learner.get("name", ""), request))  # line 1 is the header
    return requests


def create_offer(
    store: Store,
    issuer: str,
    request: dict[str, Any],
    public_url: str,
    *,
    cryptosuite: str = RDFC,
    tx_code: bool = False,
    expires_in: timedelta = DEFAULT_EXPIRY,
) -> CreatedOffer:
    """Record an offer of `request` by `issuer` and make its links (ConfigurationError: not offerable)."""
    if cryptosuite not in CRYPTOSUITES:
        raise ConfigurationError(f"unknown cryptosuite {cryptosuite!r}; use one of {', '.join(CRYPTOSUITES)}")
    if not timedelta(minutes=5) <= expires_in <= MAX_EXPIRY:
        raise ConfigurationError(f"an offer lasts from 5 minutes to {MAX_EXPIRY.days} days, not {expires_in}")
    problems = request_errors(request)
    if problems:
        raise ConfigurationError("cannot offer this credential: " + "; ".join(problems))
    drawn = OfferSecrets.fresh(tx_code=tx_code)
    offer = store.create_offer(secrets.token_hex(8), issuer, request, cryptosuite, drawn.hashes(), drawn.tx_code_hash,
                               now() + expires_in)  # fmt: skip
    return CreatedOffer(offer, drawn, offer_links(public_url, drawn, cryptosuite))


def credential_offer(public_url: str, drawn: OfferSecrets, cryptosuite: str) -> dict[str, Any]:
    """The OpenID4VCI credential offer object (what the offer by value carries, and the offer URI returns)."""
    grant: dict[str, Any] = {"pre-authorized_code": drawn.code}
    if drawn.tx_code is not None:
        grant["tx_code"] = {"input_mode": "numeric", "length": len(drawn.tx_code),
                            "description": "The code your issuer sent you separately"}  # fmt: skip
    return {
        "credential_issuer": issuer_identifier(public_url),
        "credential_configuration_ids": [CONFIGURATIONS[cryptosuite]],
        "grants": {PRE_AUTHORIZED_GRANT: grant},
    }


def offer_links(public_url: str, drawn: OfferSecrets, cryptosuite: str) -> dict[str, str]:
    """Every way to hand the offer to a wallet: OpenID4VCI by value and by reference, the VC API exchange (its
    URL, its interaction URL, and the Learner Credential Wallet's deep link)."""
    base = issuer_identifier(public_url)
    offer = json.dumps(credential_offer(public_url, drawn, cryptosuite), separators=(",", ":"))
    exchange = exchange_url(public_url, drawn.exchange)
    request = json.dumps({"credentialRequestOrigin": origin(public_url), "protocols": {"vcapi": exchange}},
                         separators=(",", ":"))  # fmt: skip
    return {
        "openid_credential_offer": f"{OFFER_SCHEME}?credential_offer={quote(offer, safe='')}",
        "openid_credential_offer_uri": f"{OFFER_SCHEME}?credential_offer_uri="
        + quote(f"{base}/oid4vci/offers/{drawn.reference}", safe=""),
        "vcapi_exchange": exchange,
        "vcapi_interaction": f"{exchange}/protocols",
        "lcw_deep_link": LCW_REQUEST + quote(request, safe=""),
    }


def issuer_identifier(public_url: str) -> str:
    """The OpenID4VCI credential issuer identifier: the server's public URL."""
    return public_url.rstrip("/")


def origin(public_url: str) -> str:
    parts = urlsplit(public_url)
    return f"{parts.scheme}://{parts.netloc}"


def exchange_url(public_url: str, exchange_id: str) -> str:
    return f"{issuer_identifier(public_url)}/workflows/claim/exchanges/{exchange_id}"


def refusal(offer: Offer, holder: str | None = None) -> WalletError | None:
    """Why `offer` cannot be claimed (by `holder`), or None."""
    moment = now()
    if offer.claimed_at is not None and offer.holder != holder:
        by = "by another wallet" if holder is not None else "already"
        return WalletError(409, "already-claimed", f"this offer was claimed {by}: an offer is used once; ask the "
                           "issuer for a new one if it was not you")  # fmt: skip
    if offer.claimed_at is None and offer.revoked_at is not None:
        return WalletError(410, "offer-withdrawn", "the issuer withdrew this offer: ask them for a new one")
    if offer.claimed_at is None and moment >= offer.expires_at:
        return WalletError(410, "offer-expired", f"the offer expired at {offer.expires_at.isoformat()}: "
                           "ask the issuer for a new one")  # fmt: skip
    return None


def claim_and_issue(store: Store, source: IssuerSource, offer: Offer, holder: str, protocol: str) -> dict[str, Any]:
    """Bind `offer` to `holder` (once) and issue its credential to that DID: the credential as stored.

    The holder who claimed it gets the same credential again on a later claim (with its anchor proof once
    anchored); another holder gets a 409 WalletError. `source.claimed` has the last word on what the wallet
    receives (a workshop anchors the credential first): if that fails, the holder's retry gets here again."""
    if not store.claim_offer(offer.id, holder, protocol):
        current = store.offer(offer.id) or offer
        problem = refusal(current, holder)
        if problem is not None:
            raise problem
        if current.claimed_at is None:  # neither claimed nor refused: the UPDATE lost to a change in between
            raise WalletError(409, "conflict", "the offer changed while it was being claimed: try again")
        if current.credential_id is None and now() - current.claimed_at < CLAIM_IN_PROGRESS:
            raise WalletError(409, "claim-in-progress", "this claim is being issued by another request: retry in a "
                              "few seconds", headers={"Retry-After": "5"})  # fmt: skip
        offer = current
    credential = issue_offer(store, source, offer, holder)
    store.record_offer_credential(offer.id, str(credential["id"]))
    return source.claimed(offer.issuer, credential)


def issue_offer(store: Store, source: IssuerSource, offer: Offer, holder: str) -> dict[str, Any]:
    """Sign the offered credential for `holder` and queue it (issue_and_queue: the stored one if issued before)."""
    given = offer.request.get("learner")
    learner = given if isinstance(given, dict) else {}
    rows = list(parse_json_roster({**offer.request, "learner": {**learner, "did": holder}}))
    if len(rows) != 1 or rows[0].spec is None or rows[0].award is None:
        problems = "; ".join(rows[0].errors) if rows else "no credential request"
        raise WalletError(422, "invalid-credential", f"the offered credential cannot be issued: {problems}")
    row = rows[0]
    assert row.spec is not None and row.award is not None
    issuer = source.credential_issuer(offer.issuer, offer.cryptosuite)
    credential, _ = issue_and_queue(issuer, store, source.account_of(offer.issuer), row.spec, row.award,
                                    dated=row.dated)  # fmt: skip
    return credential
