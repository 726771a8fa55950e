"""Accreditation-body routes (a body API key): register, update, accredit and de-accredit issuers on-chain.

The contract enforces who may do what (only a body; only the issuer's body of record changes it):
a refusal comes back as 409 with the contract's reason.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request

from anchor.chain.contracts import days_after
from anchor.types import TxReceipt, check_address

from ..models import AccreditRequest, RegisterIssuerRequest, RegistryEntry, TxOut, UpdateIssuerRequest
from ..problems import ApiProblem, responses
from ..security import BodyKey
from ..services import Services

router = APIRouter(prefix="/v1/accreditation", tags=["accreditation bodies"],
                   responses=responses(400, 401, 403, 409, 413, 422, 503))  # fmt: skip
public = APIRouter(prefix="/v1/registry", tags=["public"], responses=responses(400, 404, 422, 503))
Account = Annotated[str, Path(pattern=r"^0x[0-9a-fA-F]{40}$", description="The issuer's Ethereum account.")]


def _tx(issuer: str, receipt: TxReceipt) -> dict[str, Any]:
    return {"issuer": issuer, **receipt.summary()}


def _registry_call(request: Request, key: BodyKey, action: str, issuer: str, **arguments: Any) -> dict[str, Any]:
    services: Services = request.app.state.services
    chain, deployment = services.connect()
    registry = deployment.registry(chain)
    address = check_address(issuer, "account")
    if "valid_days" in arguments:
        days = arguments.pop("valid_days")
        arguments["valid_until"] = days_after(chain.block_timestamp(), days)
    receipt = getattr(registry, action)(address, **arguments, sender=services.sender(key.subject))
    services.status_changed()  # accreditation answers are cached by the verifier
    return _tx(address, receipt)


@router.post("/issuers", response_model=TxOut, status_code=201, summary="Register and accredit an issuer")
def register(request: Request, key: BodyKey, entry: RegisterIssuerRequest) -> dict[str, Any]:
    return _registry_call(request, key, "register_issuer", entry.account, did=entry.did, name=entry.name,
                          scope=entry.scope, valid_days=entry.valid_days)  # fmt: skip


@router.put("/issuers/{account}", response_model=TxOut, summary="Change an issuer's DID or name")
def update(request: Request, key: BodyKey, account: Account, entry: UpdateIssuerRequest) -> dict[str, Any]:
    return _registry_call(request, key, "update_issuer", account, did=entry.did, name=entry.name)


@router.post("/issuers/{account}/accreditations", response_model=TxOut, status_code=201,
             summary="Accredit a registered issuer again (a new window from now)")  # fmt: skip
def accredit(request: Request, key: BodyKey, account: Account, window: AccreditRequest | None = None) -> dict[str, Any]:
    window = window or AccreditRequest()
    return _registry_call(request, key, "accredit", account, scope=window.scope, valid_days=window.valid_days)


@router.post("/issuers/{account}/deaccreditation", response_model=TxOut,
             summary="End an issuer's accreditation now (credentials anchored before stay valid)")  # fmt: skip
def deaccredit(request: Request, key: BodyKey, account: Account) -> dict[str, Any]:
    return _registry_call(request, key, "deaccredit", account)


@public.get("/issuers/{account}", response_model=RegistryEntry, summary="What the on-chain registry says of an issuer")
def registry_entry(request: Request, account: Account) -> dict[str, Any]:
    services: Services = request.app.state.services
    chain, deployment = services.connect()
    registry = deployment.registry(chain)
    address = check_address(account, "account")
    record = registry.issuer(address)
    if record is None:
        raise ApiProblem(404, "not-found", f"{address} is not registered in {registry.address}")
    now = registry.is_accredited(address, chain.block_timestamp())
    return {"issuer": address, **asdict(record), "accredited_now": now,
            "windows": [asdict(w) for w in registry.accreditations(address)]}  # fmt: skip
