"""Verifier requests (anchor.wallets.verifier_requests): a verifier asks a wallet for credentials.

`POST /v1/presentation-requests` (no account; rate limited like verification) answers the exchange links and
QR codes for the learner and a verifier key, shown once; `GET /v1/presentation-requests/{id}` with that key
answers the state and, once a wallet answered, the full report of every check. The wallet's side is the VC
API exchange under `/workflows/present/exchanges/{id}`. CLI twins: `credanchor verifier request|report`.
"""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Request
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from anchor.credentials.qr import render_qr
from anchor.errors import ConfigurationError
from anchor.storage.database import now
from anchor.wallets import verifier_requests
from anchor.wallets.offers import WalletError

from ..problems import ApiProblem, responses
from ..security import rate_limited
from ..services import Services, ServicesDep
from .exchanges import run_exchange_step, wallet_problem

router = APIRouter(tags=["wallets"], responses=responses(422))
RequestId = Annotated[str, PathParam(min_length=1, max_length=32, pattern=r"^[0-9a-f]+$")]
ExchangeId = PathParam(min_length=20, max_length=100, pattern=r"^[A-Za-z0-9_-]+$", description="The exchange's id.")


class PresentationRequestCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"achievements": ["Data Literacy Foundations"], "accredited": True, "qr": "svg"}]})  # fmt: skip

    achievements: list[Annotated[str, Field(min_length=1, max_length=500)]] = Field(min_length=1, max_length=20)
    issuers: list[Annotated[str, Field(min_length=5, max_length=500)]] = Field(
        default_factory=list, max_length=50, description="Only these issuer DIDs."
    )
    accredited: bool = Field(default=True, description="Only from issuers accredited when they anchored.")
    reason: str | None = Field(default=None, max_length=500)
    expires_in_hours: int = Field(default=24, ge=1, le=verifier_requests.MAX_EXPIRY.days * 24)
    qr: Literal["svg", "png"] | None = None


class PresentationRequestCreated(BaseModel):
    id: str
    verifier_key: str = Field(description="Read the answer with it (Authorization: Bearer); shown once.")
    expires_at: str
    query: dict[str, Any]
    links: dict[str, str] = Field(description="For the learner's wallet (bearer links: whoever has one may answer).")
    qr: dict[str, str] | None = None


class PresentationRequestOut(BaseModel):
    id: str
    state: Literal["waiting", "answered", "expired"]
    query: dict[str, Any]
    created_at: str
    expires_at: str
    answered_at: str | None
    verified: bool | None
    holder: str | None
    report: dict[str, Any] | None = Field(description="The presentation's full report and `request_checks`.")


@router.post("/v1/presentation-requests", response_model=PresentationRequestCreated, status_code=201,
             summary="Ask a wallet for credentials: exchange links and QR codes, and a key to read the answer",
             dependencies=[Depends(rate_limited)], responses=responses(400, 429))  # fmt: skip
def create(services: ServicesDep, body: PresentationRequestCreate) -> PresentationRequestCreated:
    try:
        query = verifier_requests.make_query(body.achievements, issuers=body.issuers, accredited=body.accredited,
                                             reason=body.reason)  # fmt: skip
        record, key, links = verifier_requests.create_request(
            services.store, services.settings.public_url, query, expires_in=timedelta(hours=body.expires_in_hours)
        )
    except ConfigurationError as exc:
        raise ApiProblem(400, "bad-request", str(exc)) from None
    images = None
    if body.qr:
        images = {}
        for name in ("vcapi_interaction", "lcw_deep_link"):
            symbol = render_qr(links[name], body.qr)
            images[name] = f"data:{symbol.media_type};base64,{base64.b64encode(symbol.image).decode()}"
    return PresentationRequestCreated(id=record.id, verifier_key=key, expires_at=record.expires_at.isoformat(),
                                      query=record.query, links=links, qr=images)  # fmt: skip


@router.get("/v1/presentation-requests/{request_id}", response_model=PresentationRequestOut,
            summary="A presentation request's state and, once answered, the full report (the verifier's key)",
            responses=responses(401, 404))  # fmt: skip
def read(
    services: ServicesDep, request_id: RequestId, authorization: Annotated[str | None, Header()] = None
) -> PresentationRequestOut:
    scheme, _, key = (authorization or "").partition(" ")
    try:
        record = verifier_requests.read_request(services.store, request_id,
                                                key.strip() if scheme.lower() == "bearer" else None)  # fmt: skip
    except WalletError as exc:
        raise wallet_problem(exc) from None
    return PresentationRequestOut(**record.to_dict(now()))


@router.get("/workflows/present/exchanges/{exchange_id}/protocols", responses=responses(404, 409, 410),
            summary="A presentation request's interaction URL: the protocols it speaks")  # fmt: skip
def protocols(services: ServicesDep, exchange_id: str = ExchangeId) -> dict[str, Any]:
    try:
        return verifier_requests.protocols(services.store, services.settings.public_url, exchange_id)
    except WalletError as exc:
        raise wallet_problem(exc) from None


def _participate(services: Services, exchange_id: str, body: Any) -> dict[str, Any]:
    return verifier_requests.participate(services.store, services.verifier(), services.settings.public_url,
                                         exchange_id, body)  # fmt: skip


@router.post("/workflows/present/exchanges/{exchange_id}", responses=responses(400, 404, 409, 410),
             summary="Answer a presentation request: {} → the query; a presentation → for the verifier")  # fmt: skip
async def participate(request: Request, services: ServicesDep, exchange_id: str = ExchangeId) -> JSONResponse:
    return await run_exchange_step(request, services, exchange_id, _participate)
