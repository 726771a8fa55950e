"""Public routes (no key): verification, issuer DID documents, status lists, NFT metadata, health.

Verification is rate limited per client address (429 with Retry-After when over the limit).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path
from fastapi.responses import JSONResponse

from anchor.credentials.presentation import is_presentation
from anchor.credentials.status import PURPOSES
from anchor.errors import ContractRevertError, CredAnchorError

from ..models import (
    CredentialReport,
    Health,
    IssuerList,
    IssuerSummary,
    PresentationReportOut,
    Readiness,
    VerifyOptions,
    VerifyRequest,
)
from ..problems import ApiProblem, responses
from ..security import rate_limited
from ..services import Services, ServicesDep

router = APIRouter(tags=["public"], responses=responses(422))
Address = Annotated[str, Path(pattern=r"^0x[0-9a-fA-F]{40}$")]


def document_to_verify(body: VerifyRequest) -> tuple[str, dict[str, Any]]:
    """("credential" | "presentation", document) from a wrapped or a bare request body.

    A body with a `type` (or `@context`) is the document itself — a bare presentation's own
    `verifiableCredential` member is part of it, not the wrapper's field.
    """
    extra = body.model_extra or {}  # the members set that are not the wrapper's fields (their set values)
    raw = {**extra, **{name: getattr(body, name) for name in body.model_fields_set if name not in extra}}
    if "type" in raw or "@context" in raw:
        if "options" in body.model_fields_set:
            raw.pop("options")  # the wrapper's options, not a property of the document
        return ("presentation" if is_presentation(raw) else "credential"), raw
    if body.verifiablePresentation is not None:
        return "presentation", body.verifiablePresentation
    if isinstance(body.verifiableCredential, dict):
        return "credential", body.verifiableCredential
    if body.verifiableCredential is not None:
        raise ApiProblem(400, "one-credential", "verifiableCredential must be one credential (an object); "
                         "to verify several, send a presentation")  # fmt: skip
    raise ApiProblem(
        400, "nothing-to-verify",
        "send a credential or presentation: as the body, or as verifiableCredential / verifiablePresentation",
    )  # fmt: skip


@router.post(
    "/v1/verify",
    response_model=CredentialReport | PresentationReportOut,
    summary="Verify a credential or a presentation: the library's report of named checks",
    description="Answers 200 with `verified` true or false and every check's outcome and reason. The body is "
    "a credential or presentation, bare or wrapped as `verifiableCredential` / `verifiablePresentation` "
    "(with `options.challenge` and `options.domain` for presentations).",
    dependencies=[Depends(rate_limited)],
    responses=responses(400, 413, 422, 429, 503),
)
def verify(services: ServicesDep, body: VerifyRequest) -> JSONResponse:
    # The hot path to this route is api/verify_endpoint.py (outside the router); it comes here only for
    # bodies it leaves to FastAPI's validation (422s) and shares verification_report with it.
    # Returned as is (the report is built by the library in the documented shape): no second validation.
    return JSONResponse(verification_report(services, body))


def verification_report(services: Services, body: VerifyRequest) -> dict[str, Any]:
    """The library's report on the credential or presentation in a `POST /v1/verify` body."""
    kind, document = document_to_verify(body)
    options = body.options or VerifyOptions()
    return services.verify(document, presentation=kind == "presentation", profile="microcredential",
                           challenge=options.challenge, domain=options.domain)  # fmt: skip


# -- issuers' DID documents -----------------------------------------------------------------------


@router.get("/v1/issuers", response_model=IssuerList, summary="The issuers this server signs for, with their DIDs")
def issuers(services: ServicesDep) -> IssuerList:
    profiles = {slug: services.profile(slug) for slug in services.issuers()}
    return IssuerList(issuers=[IssuerSummary(issuer=slug, did=p.did, name=p.name) for slug, p in profiles.items()])


@router.get(
    "/v1/issuers/{name}/did.json",
    summary="An issuer's DID document (whatever its DID method)",
    responses=responses(404),
)
def issuer_did_document(services: ServicesDep, name: Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]) -> Any:
    if name not in services.issuers():
        raise ApiProblem(404, "not-found", f"no issuer {name!r} here (GET /v1/issuers lists them)")
    return services.did_document(name)


def _did_web_document(services: Services, path: str) -> Any:
    slug = services.did_web_issuer(path)
    if slug is None:
        raise ApiProblem(404, "not-found", f"no did:web issuer here is published at {path}")
    return services.did_document(slug)


@router.get("/.well-known/did.json", summary="The did:web document of this host's issuer", responses=responses(404))
def well_known_did(services: ServicesDep) -> Any:
    return _did_web_document(services, "/.well-known/did.json")


@router.get("/{did_path:path}/did.json", summary="did:web documents of issuers with a path", responses=responses(404))
def path_did(services: ServicesDep, did_path: str) -> Any:
    return _did_web_document(services, f"/{did_path}/did.json")


# -- status lists ---------------------------------------------------------------------------------


@router.get(
    "/v1/status/{chain_id}/{contract}/{issuer}/{list_id}/{purpose}",
    summary="A BitstringStatusListCredential built from the on-chain list, signed by its issuer",
    description="The URL in each credential's `statusListCredential` (below the issuer's public URL, "
    "`credanchor issuer update --public-url`, else the server's): what stock verifiers fetch (W3C Bitstring Status "
    "List v1.0). Signed by the issuer's key, from the on-chain bits as read when `validFrom` says; valid for the "
    "server's status-list TTL (`validUntil`, `ttl` in ms), rebuilt after half of it (`Cache-Control: max-age`). "
    "Verifiers with a chain RPC read the same bits on-chain.",
    dependencies=[Depends(rate_limited)],
    responses=responses(404, 422, 429, 503),
)
def status_list(
    services: ServicesDep,
    chain_id: Annotated[int, Path(ge=1, le=2**63)],
    contract: Address,
    issuer: Address,
    list_id: Annotated[int, Path(ge=1, le=2**24)],
    purpose: Literal["revocation", "suspension"],
) -> JSONResponse:
    if not services.keeps_status_lists(chain_id, contract):
        raise ApiProblem(404, "not-found", f"this server keeps no status lists on chain {chain_id} at {contract}")
    slug = services.issuer_with_account(issuer)
    if slug is None:
        raise ApiProblem(404, "not-found", f"{issuer} is not the account of an issuer this server signs for")
    if not services.status_list_allocated(slug, list_id):
        raise ApiProblem(404, "not-found", f"{issuer} has no status list {list_id} here: no credential was given "
                         "an entry in it")  # fmt: skip
    credential = services.status_list(slug, list_id, PURPOSES[purpose])
    max_age = services.settings.status_list_ttl_seconds // 2
    return JSONResponse(credential, headers={"Cache-Control": f"max-age={max_age}"})


# -- NFT mode -------------------------------------------------------------------------------------


@router.get(
    "/v1/nft/{token_id}",
    summary="An NFT-mode token's metadata (as its tokenURI holds it), its minter and whether it is accredited",
    description="`metadata` is what the token's tokenURI holds, written by whoever minted it: anyone can mint on "
    "the contract. `minter` is the minting account read from the contract, with what the trusted issuer "
    "registry says of it; `accreditedIssuer` is true only when that account was an accredited issuer when it "
    "minted the token, and `summary` says so in words.",
    dependencies=[Depends(rate_limited)],
    responses=responses(404, 422, 429, 503),
)
def nft_metadata(services: ServicesDep, token_id: Annotated[int, Path(ge=0, le=2**256 - 1)]) -> Any:
    try:
        return services.nft_token(token_id)
    except ContractRevertError:
        raise ApiProblem(404, "not-found", f"no token {token_id} (never minted, or burnt)") from None


# -- health ---------------------------------------------------------------------------------------


@router.get("/health", response_model=Health, summary="Liveness: the process answers")
def health() -> Health:
    return Health(status="ok")


@router.get("/ready", response_model=Readiness, summary="Readiness: the chain and the database answer",
            responses=responses(503))  # fmt: skip
def ready(services: ServicesDep) -> Readiness:
    try:
        chain_id, block = services.chain_head()
    except CredAnchorError as exc:
        raise ApiProblem(503, "chain-unavailable", f"not ready: the chain does not answer ({exc})") from None
    try:
        services.store.ping()
    except CredAnchorError as exc:
        raise ApiProblem(503, "database-unavailable", f"not ready: {exc}") from None
    return Readiness(status="ready", chain_id=chain_id, block=block, database="ok")
