"""W3C VC API exchanges for claims (public: wallets call these; anchor.wallets.exchanges is the logic).

`GET /workflows/claim/exchanges/{id}/protocols` is the interaction URL (JSON: `credentialRequestOrigin` and
`protocols.vcapi`); `POST /workflows/claim/exchanges/{id}` runs the exchange: `{}` → a DIDAuthentication
VerifiablePresentationRequest, `{"verifiablePresentation"}` → the credential issued to the holder's DID.
Errors are RFC 9457 problems.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from anchor import jsonsafe
from anchor.wallets import exchanges
from anchor.wallets.offers import WalletError

from ..problems import ApiProblem, responses
from ..services import Services, ServicesDep

router = APIRouter(prefix="/workflows/claim/exchanges", tags=["wallets"], responses=responses(400, 404, 409, 410))
ExchangeId = Path(min_length=20, max_length=100, pattern=r"^[A-Za-z0-9_-]+$", description="The exchange's id.")


def wallet_problem(exc: WalletError) -> ApiProblem:
    return ApiProblem(exc.status, exc.code, exc.detail, headers=exc.headers or None)


@router.get("/{exchange_id}/protocols", summary="The interaction URL: which protocols this exchange speaks")
def protocols(services: ServicesDep, exchange_id: str = ExchangeId) -> dict[str, Any]:
    try:
        return exchanges.protocols(services.store, services.settings.public_url, exchange_id)
    except WalletError as exc:
        raise wallet_problem(exc) from None


def _participate(services: Services, exchange_id: str, body: Any) -> dict[str, Any]:
    return exchanges.participate(services.store, services, services.verifier(), services.settings.public_url,
                                 exchange_id, body)  # fmt: skip


@router.post("/{exchange_id}", summary="Run the exchange: {} → DIDAuthentication request; a presentation → the "
             "credential")  # fmt: skip
async def participate(request: Request, services: ServicesDep, exchange_id: str = ExchangeId) -> JSONResponse:
    return await run_exchange_step(request, services, exchange_id, _participate)


async def run_exchange_step(
    request: Request, services: Services, exchange_id: str, step: Callable[[Services, str, Any], dict[str, Any]]
) -> JSONResponse:
    """One POST to an exchange (claims and verifier requests alike): an empty body or a JSON object (depth-
    limited) → `step` in a worker thread → the answer, never cached."""
    raw = await request.body()
    try:
        body = jsonsafe.loads(raw, what="the exchange request") if raw.strip() else {}
    except ValueError as exc:
        raise ApiProblem(400, "bad-request", str(exc)) from None
    try:
        answer = await run_in_threadpool(step, services, exchange_id, body)
    except WalletError as exc:
        raise wallet_problem(exc) from None
    return JSONResponse(answer, headers={"Cache-Control": "no-store"})
