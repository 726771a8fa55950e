"""Claim offers (an issuer API key): offer learners credentials to claim into their wallets; list and withdraw.

`POST /v1/offers` records one offer per credential request and answers each with its links — OpenID4VCI by
value and by reference, the VC API exchange and its interaction URL, the Learner Credential Wallet's deep
link — its transaction code when asked for, and, with `qr`, a QR code of each short link. Links and codes are
shown once: the store keeps only hashes of their secrets (anchor.wallets.bearer). CLI twins: `credanchor
offer create|list|show|revoke`.
"""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from anchor.credentials.qr import render_qr
from anchor.errors import ConfigurationError
from anchor.storage.database import now
from anchor.storage.records import Offer
from anchor.wallets.offers import MAX_EXPIRY, CreatedOffer, create_offer

from ..models import EXAMPLE_REQUEST, CredentialRequest
from ..problems import ApiProblem, responses
from ..security import IssuerKey
from ..services import Services, ServicesDep

router = APIRouter(prefix="/v1", tags=["issuers"], responses=responses(401, 403, 413, 422, 503))
OfferId = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[0-9a-f]+$", description="The offer's id.")]
#: The links worth a QR code: short ones (the offer by value holds a whole JSON object).
QR_LINKS = ("openid_credential_offer_uri", "vcapi_interaction", "lcw_deep_link")


class OfferCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"credentials": [{k: v for k, v in EXAMPLE_REQUEST.items() if k != "learner"}
                         | {"learner": {"name": "Ana Silva", "email": "ana@example.org"}}],
         "tx_code": True}]})  # fmt: skip

    credentials: list[CredentialRequest] = Field(
        min_length=1, description="One offer per credential request (learner.did left out: the claiming wallet's DID)."
    )
    tx_code: bool = Field(default=False, description="Also require a 6-digit code, delivered out of band.")
    expires_in_hours: int = Field(default=168, ge=1, le=MAX_EXPIRY.days * 24, description="Default 7 days.")
    qr: Literal["svg", "png"] | None = Field(default=None, description="Add a QR code (data: URI) of each short link.")


class OfferOut(BaseModel):
    id: str
    issuer: str
    state: Literal["open", "claimed", "revoked", "expired"]
    learner: str
    achievement: str
    cryptosuite: str
    tx_code_required: bool
    created_at: str
    expires_at: str
    revoked_at: str | None
    claimed_at: str | None
    protocol: str | None = Field(description="How it was claimed: oid4vci | vcapi.")
    holder: str | None = Field(description="The DID the credential was issued to.")
    credential_id: str | None
    wallet_event: Literal["credential_accepted", "credential_failure", "credential_deleted"] | None = Field(
        default=None, description="What the wallet last said of the credential (OpenID4VCI notification), if anything."
    )
    wallet_event_at: str | None = None


class OfferCreated(OfferOut):
    tx_code: str | None = Field(description="Give it to the learner apart from the links (shown once).")
    links: dict[str, str] = Field(description="Shown once: each carries a bearer secret of the offer.")
    qr: dict[str, str] | None = None


class OfferFailure(BaseModel):
    row: int
    learner: str
    errors: list[str]


class OffersCreated(BaseModel):
    offers: list[OfferCreated]
    failed: list[OfferFailure]


class OfferPage(BaseModel):
    total: int
    items: list[OfferOut]


def qr_images(links: dict[str, str], image_format: str) -> dict[str, str]:
    """A QR code of each short link (QR_LINKS) as a data: URI."""
    images = {}
    for name in QR_LINKS:
        symbol = render_qr(links[name], "svg" if image_format == "svg" else "png")
        images[name] = f"data:{symbol.media_type};base64,{base64.b64encode(symbol.image).decode()}"
    return images


def _created(made: CreatedOffer, image_format: str | None) -> OfferCreated:
    data: dict[str, Any] = made.to_dict(now())
    return OfferCreated(**data, qr=qr_images(made.links, image_format) if image_format else None)


@router.post("/offers", response_model=OffersCreated, status_code=201,
             summary="Offer credentials to learners' wallets: one offer (and its links) per credential")  # fmt: skip
def create_offers(services: ServicesDep, key: IssuerKey, body: OfferCreate) -> OffersCreated:
    limit = services.settings.max_bulk_credentials
    if len(body.credentials) > limit:
        raise ApiProblem(413, "too-many", f"{len(body.credentials):,} offers in one request; at most {limit:,}")
    made, failed = [], []
    for position, item in enumerate(body.credentials, 1):
        request = item.model_dump(mode="json", exclude_none=True, exclude={"cryptosuite"})
        try:
            offer = create_offer(
                services.store, key.subject, request, services.settings.public_url,
                cryptosuite=item.cryptosuite or services.settings.cryptosuite, tx_code=body.tx_code,
                expires_in=timedelta(hours=body.expires_in_hours),
            )  # fmt: skip
        except ConfigurationError as exc:
            failed.append(OfferFailure(row=position, learner=item.learner.name, errors=[str(exc)]))
            continue
        made.append(_created(offer, body.qr))
    return OffersCreated(offers=made, failed=failed)


def _out(offer: Offer) -> OfferOut:
    return OfferOut(**offer.to_dict(now()))


def _own_offer(services: Services, slug: str, offer_id: str) -> Offer:
    offer = services.store.offer(offer_id)
    if offer is None or offer.issuer != slug:  # another issuer's offer is as unknown as a missing one
        raise ApiProblem(404, "not-found", f"this issuer has no offer {offer_id}")
    return offer


@router.get("/offers", response_model=OfferPage, summary="This issuer's offers, newest first")
def list_offers(
    services: ServicesDep,
    key: IssuerKey,
    state: Annotated[Literal["open", "claimed", "revoked", "expired"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=1_000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> OfferPage:
    total, offers = services.store.offers(key.subject, state=state, limit=limit, offset=offset)
    return OfferPage(total=total, items=[_out(o) for o in offers])


@router.get("/offers/{offer_id}", response_model=OfferOut, summary="One offer", responses=responses(404))
def get_offer(services: ServicesDep, key: IssuerKey, offer_id: OfferId) -> OfferOut:
    return _out(_own_offer(services, key.subject, offer_id))


@router.post("/offers/{offer_id}/revoke", response_model=OfferOut, responses=responses(404),
             summary="Withdraw an offer not yet claimed (a claimed credential is revoked as a credential)")  # fmt: skip
def revoke_offer(services: ServicesDep, key: IssuerKey, offer_id: OfferId) -> OfferOut:
    _own_offer(services, key.subject, offer_id)
    return _out(services.store.revoke_offer(offer_id))
