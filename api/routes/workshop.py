"""Workshop routes (an issuer API key, and only on a server started by `credanchor workshop`): issue a
credential as an anchored VC or as an NFT in one step, send an issued VC to the learner's wallet (an offer
whose claimed copy is anchored at once), burn a token, see what the chain shows, and run a small comparison.
Revoking a VC and verifying use the ordinary routes.

Elsewhere these routes answer 404: their data directory has no workshop record (anchor.comparison.workshop).
"""

from __future__ import annotations

import base64
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, ConfigDict, Field

from anchor.comparison.workshop import (
    MAX_COMPARISON_LEARNERS,
    Workshop,
    comparison_with_plots,
    course_presets,
    learner_address,
    offer_to_wallet,
)
from anchor.errors import ConfigurationError, ContractRevertError
from anchor.storage.database import now

from ..models import EXAMPLE_REQUEST, CredentialRequest
from ..problems import ApiProblem, responses
from ..security import IssuerKey
from ..services import ServicesDep
from .issuers import CredentialId, parse_credential
from .offers import OfferCreated, qr_images

router = APIRouter(prefix="/v1/workshop", tags=["workshop"], responses=responses(400, 401, 403, 404, 413, 422, 503))


class WorkshopIssueRequest(CredentialRequest):
    """A micro-credential to issue now, as an anchored Verifiable Credential or as a public NFT."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{**EXAMPLE_REQUEST, "mode": "vc"}]})

    mode: Literal["vc", "nft"] = Field(description="vc: signed, anchored at once; nft: minted as a soulbound token.")
    learner_address: str | None = Field(
        default=None, pattern=r"^0x[0-9a-fA-F]{40}$",
        description="NFT mode: the learner's wallet. Default: a stand-in address derived from the learner's name.",
    )  # fmt: skip


class WorkshopOfferRequest(CredentialRequest):
    """The request an issued VC was made from (as sent to POST /v1/workshop/credentials, without `mode`; no
    learner DID): the wallet that claims the offer gets the same achievement signed for its own DID."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {k: v for k, v in EXAMPLE_REQUEST.items() if k != "learner"} | {"learner": {"name": "Ana Silva"}}
    ]})  # fmt: skip

    tx_code: bool = Field(default=False, description="Also require a 6-digit code, given to the learner apart.")


class ComparisonRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    learners: int = Field(default=10, ge=1, le=MAX_COMPARISON_LEARNERS)
    credentials_per_learner: int = Field(default=3, ge=1, le=3)


def workshop_of(services: ServicesDep, key: IssuerKey) -> Workshop:
    """The workshop this server runs, for its own issuer's key; 404 on a server that runs none."""
    workshop = services.workshop()
    if workshop is None:
        raise ApiProblem(404, "not-a-workshop", "this server is not running a workshop: start one with "
                         "`credanchor workshop` and open the link it prints")  # fmt: skip
    if key.subject != workshop.issuer:
        raise ApiProblem(403, "forbidden", f"workshop routes are for the workshop's issuer {workshop.issuer!r}, "
                         f"not {key.subject!r}")  # fmt: skip
    return workshop


WorkshopOf = Annotated[Workshop, Depends(workshop_of)]


@router.get("", summary="The workshop: its issuer, chain, contracts and sample micro-credentials")
def workshop_info(workshop: WorkshopOf) -> dict[str, Any]:
    return {**vars(workshop), "courses": course_presets()}


@router.post(
    "/credentials",
    status_code=201,
    summary="Issue one micro-credential now: an anchored VC (a batch of one) or a minted NFT",
    responses=responses(409),
)
def workshop_issue(services: ServicesDep, workshop: WorkshopOf, item: WorkshopIssueRequest) -> dict[str, Any]:
    spec, award, dated, suite = parse_credential(services, item)
    if item.mode == "nft":
        holder = item.learner_address or learner_address(award.learner.name)
        return {"mode": "nft", **services.workshop_mint(workshop, spec, award, holder)}
    return {"mode": "vc", **services.workshop_issue(workshop, spec, award, dated=dated, cryptosuite=suite)}


@router.post(
    "/credentials/{credential_id}/offer",
    response_model=OfferCreated,
    status_code=201,
    summary="Send an issued VC to the learner's wallet: an offer, its links and QR codes (the claimed copy is "
    "anchored at once)",
)
def workshop_offer(
    services: ServicesDep, workshop: WorkshopOf, credential_id: CredentialId, item: WorkshopOfferRequest
) -> OfferCreated:
    if services.own_credential(workshop.issuer, credential_id) is None:
        raise ApiProblem(404, "not-found", f"the workshop issued no Verifiable Credential {credential_id}: issue "
                         "one as a VC first (an NFT goes to no wallet of this kind)")  # fmt: skip
    issuer = services.credential_issuer(workshop.issuer, item.cryptosuite or services.settings.cryptosuite)
    request = item.model_dump(mode="json", exclude_none=True, exclude={"cryptosuite", "tx_code"})
    try:
        made = offer_to_wallet(services.store, issuer, workshop.issuer, credential_id, request,
                               services.settings.public_url, tx_code=item.tx_code)  # fmt: skip
    except ConfigurationError as exc:
        raise ApiProblem(422, "invalid-credential", str(exc)) from None
    return OfferCreated(**made.to_dict(now()), qr=qr_images(made.links, "svg"))


@router.post(
    "/tokens/{token_id}/burn",
    summary="Revoke an NFT-mode credential by burning its token (its metadata stays in the mint transaction)",
    responses=responses(409),
)
def workshop_burn(
    services: ServicesDep, workshop: WorkshopOf, token_id: Annotated[int, Path(ge=0, le=2**256 - 1)]
) -> dict[str, Any]:
    try:
        receipt = services.workshop_burn(workshop, token_id)
    except ContractRevertError as exc:
        raise ApiProblem(409, "contract-refused", f"token {token_id} cannot be burnt ({exc}): it does not exist, "
                         "is burnt already, or another issuer minted it") from None  # fmt: skip
    return {"token_id": token_id, **receipt.summary()}


@router.get("/observer", summary="What a stranger reading the chain learns of this workshop's credentials")
def workshop_observer(services: ServicesDep, workshop: WorkshopOf) -> dict[str, Any]:
    return services.workshop_observer(workshop)


@router.post(
    "/comparison",
    summary="The NFT-vs-VC comparison at a small size (its own throwaway chain): figures and PNG plots",
    dependencies=[Depends(workshop_of)],
)
def workshop_comparison(size: ComparisonRequest) -> dict[str, Any]:
    comparison, plots = comparison_with_plots(size.learners, size.credentials_per_learner)
    images = {name: "data:image/png;base64," + base64.b64encode(png).decode() for name, png in plots.items()}
    return {"comparison": comparison, "plots": images}
