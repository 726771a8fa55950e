"""Issuer routes (an issuer API key): issue, list and read its own credentials, batches, status changes."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from anchor.credentials.issuance import AlreadyIssuedError, issue_and_queue
from anchor.credentials.model import Award, CredentialValidationError, MicroCredentialSpec
from anchor.credentials.roster import parse_roster
from anchor.storage.store import StoredCredential

from ..models import (
    BatchOut,
    BatchPage,
    BulkRequest,
    BulkResult,
    CredentialPage,
    CredentialRequest,
    CredentialSummary,
    IssuedCredential,
    IssuerOut,
    RowResult,
    StatusAction,
    StatusChangeRequest,
    StatusChangeResult,
    StoredCredentialOut,
    Transaction,
)
from ..problems import ApiProblem, responses
from ..security import IssuerKey
from ..services import Services, ServicesDep

router = APIRouter(prefix="/v1", tags=["issuers"], responses=responses(401, 403, 413, 422, 503))
CredentialId = Annotated[str, Path(min_length=1, max_length=200, description="The credential's id (urn:uuid:…).")]


@router.get("/issuer", response_model=IssuerOut, summary="The issuer this key belongs to")
def whoami(services: ServicesDep, key: IssuerKey) -> IssuerOut:
    profile = services.profile(key.subject)
    return IssuerOut(issuer=key.subject, **asdict(profile), ethereum_account=services.account_of(key.subject),
                     did_document=services.did_document(key.subject))  # fmt: skip


Parsed = tuple[MicroCredentialSpec, Award, bool, str]  # spec, award, dated, cryptosuite
Row = tuple[int, str, Parsed | None, list[str]]  # position, learner, what to issue (None: invalid), errors


def _row(services: Services, item: CredentialRequest, position: int = 1) -> Row:
    row = item.to_row(position)
    suite = item.cryptosuite or services.settings.cryptosuite
    parsed = (row.spec, row.award, row.dated, suite) if row.spec is not None and row.award is not None else None
    return position, item.learner.name, parsed, list(row.errors)


def parse_credential(services: Services, item: CredentialRequest) -> Parsed:
    """What `item` asks to issue (spec, award, dated, cryptosuite: the server's unless it names one);
    a 422 `invalid-credential` problem listing its errors when it is not a valid credential."""
    _, _, parsed, problems = _row(services, item)
    if parsed is None:
        raise ApiProblem(422, "invalid-credential", "; ".join(problems), errors=[{"detail": p} for p in problems])
    return parsed


def _issue_one(services: Services, slug: str, parsed: Parsed) -> tuple[dict[str, Any], bool]:
    spec, award, dated, suite = parsed
    issuer = services.credential_issuer(slug, suite)
    return issue_and_queue(issuer, services.store, services.account_of(slug), spec, award, dated=dated)


@router.post(
    "/credentials",
    response_model=IssuedCredential,
    status_code=201,
    summary="Issue one micro-credential (signed, queued for anchoring)",
    responses={
        **responses(409),
        200: {"description": "Issued before: the same credential again (safe retry)", "model": IssuedCredential},
        **responses(400),
    },
)
def issue_credential(
    services: ServicesDep, response: Response, key: IssuerKey, item: CredentialRequest
) -> IssuedCredential:
    credential, created = _issue_one(services, key.subject, parse_credential(services, item))
    if not created:
        response.status_code = 200
    stored = services.store.stored_credential(credential["id"])
    return IssuedCredential(id=credential["id"], state=stored.state if stored else "queued", created=created,
                            credential=credential)  # fmt: skip


def _issue_rows(services: Services, slug: str, rows: list[Row]) -> BulkResult:
    """Issue every row; each gets an outcome (one bad row never stops the others)."""
    limit = services.settings.max_bulk_credentials
    if len(rows) > limit:
        raise ApiProblem(413, "too-many", f"{len(rows):,} credentials in one request; send at most {limit:,} at once")
    results = []
    for position, learner, parsed, problems in rows:
        if parsed is None:
            results.append(RowResult(row=position, learner=learner, status="failed", errors=problems))
            continue
        try:
            credential, created = _issue_one(services, slug, parsed)
        except CredentialValidationError as exc:
            errors = [str(e) for e in exc.errors]
            results.append(RowResult(row=position, learner=learner, status="failed", errors=errors))
            continue
        except AlreadyIssuedError as exc:
            results.append(RowResult(row=position, learner=learner, status="failed", errors=[str(exc)]))
            continue
        outcome: Literal["issued", "already-issued"] = "issued" if created else "already-issued"
        results.append(RowResult(row=position, learner=learner, status=outcome, id=credential["id"]))
    count = {s: sum(r.status == s for r in results) for s in ("issued", "already-issued", "failed")}
    return BulkResult(issued=count["issued"], already_issued=count["already-issued"], failed=count["failed"],
                      rows=results)  # fmt: skip


@router.post(
    "/credentials/bulk",
    response_model=BulkResult,
    summary="Issue many micro-credentials; every row gets an outcome",
    responses=responses(400),
)
def issue_bulk(services: ServicesDep, key: IssuerKey, bulk: BulkRequest) -> BulkResult:
    rows = [_row(services, c, i) for i, c in enumerate(bulk.credentials, 1)]
    return _issue_rows(services, key.subject, rows)


CSV_EXAMPLE = (
    "learner_name,title,description,learning_outcomes,assessment_type,participation_form,quality_assurance,"
    "workload_hours,eqf_level\nAna Silva,Data Literacy,Reading data,Read charts|Clean data,Online exam,online,"
    "Internal QA,50,5\n"
)


@router.post(
    "/credentials/csv",
    response_model=BulkResult,
    summary="Issue a roster uploaded as CSV (the columns of `credanchor issue`); rows are CSV line numbers",
    responses=responses(400, 415),
    openapi_extra={"requestBody": {"required": True, "content": {
        "text/csv": {"schema": {"type": "string"}, "example": CSV_EXAMPLE}}}},
)  # fmt: skip
async def issue_csv(request: Request, services: ServicesDep, key: IssuerKey) -> BulkResult:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in ("text/csv", "application/csv", "text/plain"):
        raise ApiProblem(415, "unsupported-media-type", f"send the roster as text/csv, not {kind or 'no type'}")
    try:
        text = (await request.body()).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ApiProblem(400, "bad-csv", f"the roster is not UTF-8 text ({exc}): save the CSV as UTF-8") from None
    suite = services.settings.cryptosuite
    rows: list[Row] = [
        (r.line, r.learner_name, (r.spec, r.award, r.dated, suite) if r.spec and r.award else None, list(r.errors))
        for r in parse_roster(text, source="the uploaded roster")
    ]
    return await run_in_threadpool(_issue_rows, services, key.subject, rows)


@router.get("/credentials", response_model=CredentialPage, summary="This issuer's credentials, oldest first")
def list_credentials(
    services: ServicesDep,
    key: IssuerKey,
    state: Annotated[Literal["queued", "batched", "anchored"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=1_000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> CredentialPage:
    total, items = services.store.credentials(services.account_of(key.subject), state=state, limit=limit,
                                              offset=offset)  # fmt: skip
    return CredentialPage(total=total, items=[CredentialSummary(id=c.id, state=c.state, batch_id=c.batch_id,
                                                                queued_at=c.queued_at) for c in items])  # fmt: skip


def _own_credential(services: Services, slug: str, credential_id: str) -> StoredCredential:
    """The stored credential, if this issuer's: another issuer's is as unknown as a missing one (404)."""
    stored = services.own_credential(slug, credential_id)
    if stored is None:
        raise ApiProblem(404, "not-found", f"this issuer has no credential {credential_id}")
    return stored


@router.get(
    "/credentials/{credential_id}",
    response_model=StoredCredentialOut,
    summary="One of this issuer's credentials, with its anchor proof once anchored",
    responses=responses(404),
)
def get_credential(services: ServicesDep, key: IssuerKey, credential_id: CredentialId) -> StoredCredentialOut:
    stored = _own_credential(services, key.subject, credential_id)
    return StoredCredentialOut(id=stored.id, state=stored.state, batch_id=stored.batch_id,
                               queued_at=stored.queued_at, credential=stored.document)  # fmt: skip


@router.get("/batches", response_model=BatchPage, summary="This issuer's batches, newest first")
def list_batches(
    services: ServicesDep,
    key: IssuerKey,
    limit: Annotated[int, Query(ge=1, le=1_000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> BatchPage:
    total, batches = services.store.batch_states(services.account_of(key.subject), limit=limit, offset=offset)
    return BatchPage(total=total, items=[BatchOut(**b.to_dict()) for b in batches])


@router.get("/batches/{batch_id}", response_model=BatchOut, summary="One batch", responses=responses(404))
def get_batch(services: ServicesDep, key: IssuerKey, batch_id: Annotated[int, Path(ge=1, le=2**31 - 1)]) -> BatchOut:
    batch = services.own_batch(key.subject, batch_id)
    if batch is None:
        raise ApiProblem(404, "not-found", f"this issuer has no batch {batch_id}")
    return BatchOut(**batch.to_dict())


def _change(services: Services, slug: str, action: StatusAction, credential_ids: list[str]) -> StatusChangeResult:
    documents = [_own_credential(services, slug, cid).document for cid in dict.fromkeys(credential_ids)]
    transactions = services.change_status(slug, action, documents)
    return StatusChangeResult(action=action, transactions=[Transaction(**t) for t in transactions])


@router.post(
    "/status-changes",
    response_model=StatusChangeResult,
    summary="Revoke, suspend or reinstate credentials: one transaction per status list",
    responses=responses(400, 404, 409),
)
def change_statuses(services: ServicesDep, key: IssuerKey, change: StatusChangeRequest) -> StatusChangeResult:
    return _change(services, key.subject, change.action, change.credential_ids)


@router.post(
    "/credentials/{credential_id}/{action}",
    response_model=StatusChangeResult,
    summary="Revoke, suspend or reinstate one credential",
    responses=responses(400, 404, 409),
)
def change_one(
    services: ServicesDep, key: IssuerKey, credential_id: CredentialId, action: StatusAction
) -> StatusChangeResult:
    return _change(services, key.subject, action, [credential_id])
