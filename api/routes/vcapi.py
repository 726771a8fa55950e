"""The W3C CCG VC API issuer and verifier endpoints, in that specification's shapes.

- `POST /credentials/issue` (and `/instances/{name}/credentials/issue`): `{"credential", "options"}` →
  201 `{"verifiableCredential"}`. Any VC 2.0 or VC 1.1 credential is signed (JSON-LD safe mode: every
  term must be defined by its contexts); a VC 1.1 one (`https://www.w3.org/2018/credentials/v1`) gets
  `issuanceDate` when it has none and the Data Integrity context after its own. The instance decides
  which issuer's key signs and the default cryptosuite (`CREDANCHOR_VC_API_ENDPOINTS`);
  `options.cryptosuite` may ask for the other one. An issuer API key for that issuer is required.
- `POST /credentials/verify`, `POST /presentations/verify`: 200 with `{"verified": true, …}`, or 400
  `application/problem+json` with `verified: false` and one `problemDetails` entry per failed check.
  Proof sets and proof chains (`previousProof`) verify per VC Data Integrity 1.0. The chain is read
  only for a credential with an anchor proof or on-chain status: a plain VC, or malformed input, is
  answered with no chain configured or reachable.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from anchor.credentials.issuance import sign_credential

from ..config import VcApiEndpoint
from ..models import Document, VerifyOptions
from ..problems import PROBLEM_CONTENT, PROBLEM_JSON, TYPE_BASE, ApiProblem, responses
from ..security import IssuerKey, rate_limited
from ..services import Services, ServicesDep

router = APIRouter(tags=["W3C VC API"])


class IssueOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    credentialId: str | None = Field(default=None, max_length=500)
    cryptosuite: Literal["eddsa-rdfc-2022", "eddsa-jcs-2022"] | None = Field(
        default=None, description="credanchor extension: the cryptosuite to sign with (default: the instance's)."
    )


class IssueRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"credential": {
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
        "type": ["VerifiableCredential"], "issuer": "did:key:z6Mk…",
        "credentialSubject": {"id": "did:example:learner", "name": "Ana"}}, "options": {}}, {"credential": {
        "@context": ["https://www.w3.org/2018/credentials/v1"], "type": ["VerifiableCredential"],
        "issuer": "did:key:z6Mk…", "issuanceDate": "2025-01-01T00:00:00Z", "credentialSubject": {
            "id": "did:example:learner"}}, "options": {"cryptosuite": "eddsa-jcs-2022"}}]})  # fmt: skip
    credential: Document
    options: IssueOptions | None = None


class IssueResponse(BaseModel):
    verifiableCredential: Document


class VcApiResult(BaseModel):
    verified: bool
    problemDetails: list[dict[str, Any]]
    results: dict[str, Any] = Field(description="Every check by name: outcome and reason (credentials inside a "
                                    "presentation under `credentials`).")  # fmt: skip


def _endpoint(services: Services, name: str) -> VcApiEndpoint:
    configured = services.settings.vc_api.get(name)
    if configured is not None:
        return configured
    issuers = services.issuers()
    if name == "default" and len(issuers) == 1:
        return VcApiEndpoint(issuers[0], services.settings.cryptosuite)
    raise ApiProblem(
        404, "not-found", f"no VC API issuer instance {name!r} is configured (CREDANCHOR_VC_API_ENDPOINTS)"
    )


def _issue(services: Services, key: IssuerKey, name: str, body: IssueRequest) -> IssueResponse:
    endpoint = _endpoint(services, name)
    if key.subject != endpoint.issuer:
        raise ApiProblem(403, "forbidden", f"this instance signs for issuer {endpoint.issuer!r}; the key is another's")
    suite = (body.options.cryptosuite if body.options else None) or endpoint.cryptosuite
    signed = sign_credential(body.credential, services.key(endpoint.issuer), cryptosuite=suite, loader=services.loader)
    return IssueResponse(verifiableCredential=signed)


ISSUE = {"response_model": IssueResponse, "status_code": 201, "summary": "Issue (sign) a VC 2.0 or VC 1.1 credential",
         "responses": responses(400, 401, 403, 404, 413, 422, 503)}  # fmt: skip


@router.post("/credentials/issue", **ISSUE)  # type: ignore[arg-type]
def issue_default(services: ServicesDep, key: IssuerKey, body: IssueRequest) -> IssueResponse:
    return _issue(services, key, "default", body)


@router.post("/instances/{name}/credentials/issue", **ISSUE)  # type: ignore[arg-type]
def issue_instance(
    services: ServicesDep, key: IssuerKey, name: Annotated[str, Path(min_length=1, max_length=100)], body: IssueRequest
) -> IssueResponse:
    return _issue(services, key, name, body)


def _answer(kind: str, report: dict[str, Any]) -> JSONResponse:
    """200 with the VC API's result when verified, else a 400 problem document that also carries it."""
    failed = {name: check for name, check in report["checks"].items() if check["outcome"] == "fail"}
    problem_details = [
        {"type": f"{TYPE_BASE}check-{name}", "title": f"{name} failed", "detail": check["reason"]}
        for name, check in failed.items()
    ]
    for inner in report.get("credentials", []):
        problem_details += [
            {"type": f"{TYPE_BASE}check-{name}", "title": f"{name} failed for credential {inner['credential']}",
             "detail": check["reason"]}
            for name, check in inner["checks"].items() if check["outcome"] == "fail"
        ]  # fmt: skip
    results = {
        "checks": report["checks"],
        **({"credentials": report["credentials"]} if "credentials" in report else {}),
    }
    body = VcApiResult(verified=report["verified"], problemDetails=problem_details, results=results).model_dump()
    if report["verified"]:
        return JSONResponse(body)
    detail = f"the {kind} did not verify: " + "; ".join(f"{p['title']}: {p['detail']}" for p in problem_details)
    problem = {"type": TYPE_BASE + "verification-failed", "title": "Bad Request", "status": 400, "detail": detail}
    return JSONResponse({**problem, **body}, status_code=400, media_type=PROBLEM_JSON)


VERIFIED: dict[int | str, dict[str, Any]] = {200: {"description": "Verified", "model": VcApiResult},
            400: {"description": "Not verified (each failed check in problemDetails), or malformed input",
                  "content": PROBLEM_CONTENT}}  # fmt: skip


class VerifyCredentialRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    verifiableCredential: Document
    options: dict[str, Any] | None = None


class VerifyPresentationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    verifiablePresentation: Document | None = None
    presentation: Document | None = Field(default=None, description="A presentation without proof.")
    options: VerifyOptions | None = None


@router.post(
    "/credentials/verify",
    summary="Verify a credential (VC API): 200 when verified, 400 with the failed checks otherwise",
    dependencies=[Depends(rate_limited)],
    responses={**VERIFIED, **responses(413, 422, 429, 503)},
    response_model=VcApiResult,
)
def verify_credential(services: ServicesDep, body: VerifyCredentialRequest) -> JSONResponse:
    report = services.verify(body.verifiableCredential, presentation=False, profile="vc")
    return _answer("credential", report)


@router.post(
    "/presentations/verify",
    summary="Verify a presentation and the credentials in it (VC API)",
    dependencies=[Depends(rate_limited)],
    responses={**VERIFIED, **responses(413, 422, 429, 503)},
    response_model=VcApiResult,
)
def verify_presentation_route(services: ServicesDep, body: VerifyPresentationRequest) -> JSONResponse:
    # The options apply to both members: a challenge or domain asked of a presentation without proof fails.
    options = body.options or VerifyOptions()
    if body.verifiablePresentation is None:
        if body.presentation is None:
            raise ApiProblem(400, "nothing-to-verify", "send verifiablePresentation (or presentation, without proof)")
        report = services.verify(body.presentation, presentation=True, profile="vc", require_proof=False,
                                 challenge=options.challenge, domain=options.domain)  # fmt: skip
        return _answer("presentation", report)
    report = services.verify(body.verifiablePresentation, presentation=True, profile="vc",
                             challenge=options.challenge, domain=options.domain)  # fmt: skip
    return _answer("presentation", report)
