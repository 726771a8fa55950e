"""Request and response bodies, with the examples shown in the OpenAPI document."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from anchor.credentials.roster import RosterRow, parse_json_roster

Text = Field(min_length=1, max_length=2_000)
Cryptosuite = Literal["eddsa-rdfc-2022", "eddsa-jcs-2022"]
Document = dict[str, Any]

EXAMPLE_REQUEST: dict[str, Any] = {
    "learner": {"name": "Ana Silva", "email": "ana@example.org",
                "did": "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"},
    "achievement": {
        "title": "Data Literacy Foundations",
        "description": "Reading, questioning and presenting data for everyday decisions.",
        "learning_outcomes": ["Read and critique charts", "Clean a small data set"],
        "workload_hours": 50, "ects_credits": 2, "eqf_level": 5,
        "assessment_type": "Online examination", "participation_form": "online",
        "quality_assurance": "Internal quality assurance by the awarding body",
        "skills": [{"uri": "http://data.europa.eu/esco/skill/aeecc330-0be9-419f-bddb-5218de926004",
                    "label": "data analytics"}],
    },
    "grade": "A",
    "issued_on": "2026-11-20T00:00:00Z",
}  # fmt: skip


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SkillIn(Strict):
    uri: str = Field(min_length=1, max_length=500, description="ESCO skill URI.")
    label: str = Field(min_length=1, max_length=500)


class LearnerIn(Strict):
    name: str = Field(min_length=1, max_length=300, description="Kept in the private credential only.")
    email: str | None = Field(default=None, max_length=300, description="Stored salted and hashed.")
    did: str | None = Field(default=None, max_length=500, description="The learner's DID (holder binding).")


class AchievementIn(Strict):
    title: str = Field(min_length=1, max_length=500)
    description: str = Text
    learning_outcomes: list[str] = Field(min_length=1, max_length=100)
    assessment_type: str = Field(min_length=1, max_length=500)
    participation_form: str = Field(min_length=1, max_length=50, examples=["online"])
    quality_assurance: str = Field(min_length=1, max_length=2_000)
    workload_hours: float | None = Field(default=None, ge=0, le=100_000)
    ects_credits: float | None = Field(default=None, ge=0, le=1_000)
    eqf_level: int | None = Field(default=None, ge=1, le=8)
    nqf_level: str | None = Field(default=None, max_length=100)
    prerequisites: list[str] = Field(default_factory=list, max_length=100)
    skills: list[SkillIn] = Field(default_factory=list, max_length=100)
    stackability: str | None = Field(default=None, max_length=2_000)


class CredentialRequest(Strict):
    """One micro-credential to issue (the same elements as a roster row)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE_REQUEST]})

    learner: LearnerIn
    achievement: AchievementIn
    grade: str | None = Field(default=None, max_length=100)
    issued_on: datetime | None = Field(default=None, description="Default: now (then the id is not tied to a date).")
    valid_until: datetime | None = None
    cryptosuite: Cryptosuite | None = Field(default=None, description="Default: the server's.")

    def to_row(self, position: int = 1) -> RosterRow:
        """The same parsing as a JSON roster file given to `credanchor issue`."""
        data = self.model_dump(mode="json", exclude_none=True, exclude={"cryptosuite"})
        return replace(next(parse_json_roster(data, now=datetime.now(UTC))), line=position)


class BulkRequest(Strict):
    credentials: list[CredentialRequest] = Field(min_length=1, description="At most the server's bulk limit.")


class IssuedCredential(BaseModel):
    id: str
    state: str = Field(description="queued | batched | anchored", examples=["queued"])
    created: bool = Field(description="False when the same credential had been issued before (a retry).")
    credential: Document


class RowResult(BaseModel):
    row: int = Field(description="1-based position in the request (the line number for CSV).")
    learner: str
    status: Literal["issued", "already-issued", "failed"]
    id: str | None = None
    errors: list[str] = Field(default_factory=list)


class BulkResult(BaseModel):
    issued: int
    already_issued: int
    failed: int
    rows: list[RowResult]


class CredentialSummary(BaseModel):
    id: str
    state: str
    batch_id: int | None
    queued_at: datetime


class CredentialPage(BaseModel):
    total: int
    items: list[CredentialSummary]


class StoredCredentialOut(BaseModel):
    id: str
    state: str
    batch_id: int | None
    queued_at: datetime
    credential: Document


class BatchOut(BaseModel):
    id: int
    issuer_account: str
    root: str
    size: int
    state: str = Field(description="closed (waiting for its anchoring transaction) | anchored")
    chain_id: int | None
    contract: str | None
    tx_hash: str | None
    block_number: int | None
    closed_at: str
    anchored_at: str | None


class BatchPage(BaseModel):
    total: int
    items: list[BatchOut]


StatusAction = Literal["revoke", "suspend", "reinstate"]


class StatusChangeRequest(Strict):
    action: StatusAction
    credential_ids: list[str] = Field(min_length=1, max_length=10_000, examples=[["urn:uuid:0f5e…"]])


class Transaction(BaseModel):
    list: int
    issuer: str
    credentials: int
    tx: str
    block: int
    gas_used: int


class StatusChangeResult(BaseModel):
    action: StatusAction
    transactions: list[Transaction]


class IssuerOut(BaseModel):
    issuer: str
    did: str
    name: str
    country_code: str
    region: str | None
    url: str | None
    ethereum_account: str
    did_document: Document | None


class IssuerSummary(BaseModel):
    issuer: str = Field(description="The issuer's name on this server (its path in /v1/issuers/{name}/did.json).")
    did: str
    name: str


class IssuerList(BaseModel):
    issuers: list[IssuerSummary]


class RegisterIssuerRequest(Strict):
    account: str = Field(pattern=r"^0x[0-9a-fA-F]{40}$", description="The issuer's Ethereum account.")
    did: str = Field(min_length=8, max_length=500, examples=["did:web:training.example"])
    name: str = Field(min_length=1, max_length=300)
    scope: str = Field(default="micro-credentials", min_length=1, max_length=300)
    valid_days: int | None = Field(default=None, ge=1, le=36_500, description="Default: open-ended.")


class UpdateIssuerRequest(Strict):
    did: str = Field(min_length=8, max_length=500)
    name: str = Field(min_length=1, max_length=300)


class AccreditRequest(Strict):
    scope: str = Field(default="micro-credentials", min_length=1, max_length=300)
    valid_days: int | None = Field(default=None, ge=1, le=36_500)


class TxOut(BaseModel):
    issuer: str
    tx: str
    block: int
    gas_used: int


class Window(BaseModel):
    valid_from: int = Field(description="Unix time the accreditation starts.")
    valid_until: int = Field(description="Unix time it ends (2^64-1: open-ended).")
    body: str
    scope: str


class RegistryEntry(BaseModel):
    issuer: str
    did: str
    name: str
    body: str
    registered_at: int
    accredited_now: bool
    windows: list[Window]


class VerifyOptions(BaseModel):
    challenge: str | None = Field(default=None, max_length=500)
    domain: str | None = Field(default=None, max_length=500)


class VerifyRequest(BaseModel):
    """A credential or a presentation (also accepted bare, as the request body itself)."""

    model_config = ConfigDict(extra="allow")

    verifiableCredential: Document | list[Any] | None = None
    verifiablePresentation: Document | None = None
    options: VerifyOptions | None = None


class CheckOut(BaseModel):
    outcome: Literal["pass", "fail", "not_applicable"]
    reason: str


class CredentialReport(BaseModel):
    credential: str | None
    verified: bool
    checks: dict[str, CheckOut]


class PresentationReportOut(BaseModel):
    presentation: str | None
    holder: str | None
    verified: bool
    checks: dict[str, CheckOut]
    credentials: list[CredentialReport]
    stacks: list[dict[str, Any]] = Field(
        default_factory=list, description="Stacked credentials in the presentation: each component shown or not."
    )


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    status: Literal["ready"]
    chain_id: int
    block: int
    database: Literal["ok"]
