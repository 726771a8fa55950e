"""Accreditation-body routes (a body API key): register, update, accredit and de-accredit issuers on-chain.

The contract enforces who may do what (only a body; only the issuer's body of record changes it):
a refusal comes back as 409 with the contract's reason.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Path

from ..models import AccreditRequest, RegisterIssuerRequest, RegistryEntry, TxOut, UpdateIssuerRequest, Window
from ..problems import ApiProblem, responses
from ..security import BodyKey
from ..services import RegistryAction, Services, ServicesDep

router = APIRouter(prefix="/v1/accreditation", tags=["accreditation bodies"],
                   responses=responses(400, 401, 403, 409, 413, 422, 503))  # fmt: skip
public = APIRouter(prefix="/v1/registry", tags=["public"], responses=responses(400, 404, 422, 503))
Account = Annotated[str, Path(pattern=r"^0x[0-9a-fA-F]{40}$", description="The issuer's Ethereum account.")]


def _registry_call(services: Services, key: BodyKey, action: RegistryAction, issuer: str, **arguments: Any) -> TxOut:
    address, receipt = services.change_registry(key.subject, action, issuer, **arguments)
    return TxOut(issuer=address, **receipt.summary())


@router.post("/issuers", response_model=TxOut, status_code=201, summary="Register and accredit an issuer")
def register(services: ServicesDep, key: BodyKey, entry: RegisterIssuerRequest) -> TxOut:
    return _registry_call(services, key, "register_issuer", entry.account, did=entry.did, name=entry.name,
                          scope=entry.scope, valid_days=entry.valid_days)  # fmt: skip


@router.put("/issuers/{account}", response_model=TxOut, summary="Change an issuer's DID or name")
def update(services: ServicesDep, key: BodyKey, account: Account, entry: UpdateIssuerRequest) -> TxOut:
    return _registry_call(services, key, "update_issuer", account, did=entry.did, name=entry.name)


@router.post("/issuers/{account}/accreditations", response_model=TxOut, status_code=201,
             summary="Accredit a registered issuer again (a new window from now)")  # fmt: skip
def accredit(services: ServicesDep, key: BodyKey, account: Account, window: AccreditRequest | None = None) -> TxOut:
    window = window or AccreditRequest()
    return _registry_call(services, key, "accredit", account, scope=window.scope, valid_days=window.valid_days)


@router.post("/issuers/{account}/deaccreditation", response_model=TxOut,
             summary="End an issuer's accreditation now (credentials anchored before stay valid)")  # fmt: skip
def deaccredit(services: ServicesDep, key: BodyKey, account: Account) -> TxOut:
    return _registry_call(services, key, "deaccredit", account)


@public.get("/issuers/{account}", response_model=RegistryEntry, summary="What the on-chain registry says of an issuer")
def registry_entry(services: ServicesDep, account: Account) -> RegistryEntry:
    entry = services.registry_entry(account)
    if entry.record is None:
        raise ApiProblem(404, "not-found", f"{entry.issuer} is not registered in {entry.registry}")
    return RegistryEntry(issuer=entry.issuer, **asdict(entry.record), accredited_now=entry.accredited_now,
                         windows=[Window(**asdict(w)) for w in entry.windows])  # fmt: skip
