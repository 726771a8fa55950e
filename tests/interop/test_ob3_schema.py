"""Every kind of credential credanchor issues validates against 1EdTech's Open Badges 3.0 JSON Schema.

The schema is 1EdTech's `ob_v3p0_achievementcredential_schema.json` (JSON Schema 2019-09, the VC 2.0 data
model: AchievementCredential with its Profile and Achievement definitions). No package on the registries
this project installs from ships it, and a fetched copy is not committed here, so the test reads it from
`$CREDANCHOR_OB3_SCHEMA` or from `../shared/schemas/` beside the checkout, and is skipped, saying so,
when neither has it. It never fetches anything.

What the schema checks and the VC/Data Integrity specs leave open: collections are JSON arrays (OB 3.0
§ Serialization, JSON), so credanchor writes an Open Badge's `proof` as an array even when it holds one
proof; `credentialStatus` is 0..1 in OB 3.0, so a credential carrying both a revocation and a suspension
entry (as Digital Credentials Consortium issuers also write them, for stock status checkers to see both)
departs from the schema on that property alone, which the anchored-credential test asserts exactly; an
issuer that chooses revocation alone (`--status-purposes revocation`) gets credentials that validate in full.
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft201909Validator

from anchor.credentials.issuance import CredentialIssuer
from anchor.credentials.model import Award, AwardingBody, Learner, MicroCredentialSpec
from anchor.credentials.roster import read_roster
from anchor.crypto.proofs import JCS, RDFC

from .documents import ISSUED as ISSUED_ON
from .documents import anchored_credential, issuer, key, micro_credential, stacked_certificate

SAMPLE_ROSTER = Path(__file__).resolve().parents[2] / "anchor" / "credentials" / "samples" / "roster.csv"

SCHEMA_NAME = "ob_v3p0_achievementcredential_schema.json"
SHARED_SCHEMAS = Path(__file__).resolve().parents[3] / "shared" / "schemas"


def schema_path() -> Path | None:
    configured = os.environ.get("CREDANCHOR_OB3_SCHEMA")
    if configured:
        if not Path(configured).is_file():
            pytest.fail(f"CREDANCHOR_OB3_SCHEMA names {configured}, which is not a file")
        return Path(configured)
    shared = SHARED_SCHEMAS / SCHEMA_NAME
    return shared if shared.is_file() else None


@cache
def validator() -> Draft201909Validator:
    path = schema_path()
    if path is None:
        pytest.skip(
            f"1EdTech's {SCHEMA_NAME} is not here: set CREDANCHOR_OB3_SCHEMA to a copy or put it in {SHARED_SCHEMAS}"
        )
    schema = json.loads(path.read_text(encoding="utf-8"))
    Draft201909Validator.check_schema(schema)
    assert "date-time" in Draft201909Validator.FORMAT_CHECKER.checkers, "dates go unchecked: install rfc3339-validator"
    return Draft201909Validator(schema, format_checker=Draft201909Validator.FORMAT_CHECKER)


def problems(credential: dict[str, Any]) -> list[str]:
    errors = sorted(validator().iter_errors(credential), key=lambda error: list(error.absolute_path))
    return [f"{'/'.join(map(str, error.absolute_path)) or '(root)'}: {error.message[:200]}" for error in errors]


def without_status(credential: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in credential.items() if name != "credentialStatus"}


ISSUED = {
    "micro-credential, eddsa-rdfc-2022": micro_credential,
    "micro-credential, eddsa-jcs-2022": lambda: micro_credential("eddsa-jcs-2022"),
    "stacked certificate": stacked_certificate,
}


@pytest.mark.parametrize("kind", ISSUED)
def test_issued_credentials_validate(kind: str) -> None:
    assert problems(ISSUED[kind]()) == []


@pytest.mark.parametrize("cryptosuite", [RDFC, JCS])
def test_every_row_of_the_sample_roster_validates(cryptosuite: str) -> None:
    """What `credanchor issue` makes of its sample roster: graded and not, with and without optional elements."""
    rows = [row for row in read_roster(SAMPLE_ROSTER) if row.spec and row.award]
    assert rows
    signer = issuer(cryptosuite=cryptosuite)
    for row in rows:
        assert row.spec is not None and row.award is not None
        assert problems(signer.issue(row.spec, row.award)) == [], row.award.learner.name


def test_the_least_a_credential_can_carry_validates() -> None:
    """Only the mandatory EU elements; a learner known by name alone; an issuer with no region or URL."""
    spec = MicroCredentialSpec(
        title="Safety Induction",
        description="Site safety basics.",
        learning_outcomes=("State the site rules",),
        assessment_type="Multiple-choice test",
        participation_form="onsite",
        quality_assurance="Internal review",
        workload_hours=4,
        nqf_level="Nível 2",
    )
    body = AwardingBody(key("minimal").did, "Escola Mínima", "PT")
    signer = CredentialIssuer(body, key("minimal"), cryptosuite=RDFC)
    assert problems(signer.issue(spec, Award(Learner("Ana"), ISSUED_ON))) == []
    assert problems(signer.issue(spec, Award(Learner("Ana", did=key("holder").did), ISSUED_ON, grade="Pass"))) == []


def test_anchored_credential_validates_but_for_its_two_status_entries() -> None:
    credential = anchored_credential()
    assert problems(without_status(credential)) == []
    assert [entry["statusPurpose"] for entry in credential["credentialStatus"]] == ["revocation", "suspension"]
    assert problems(credential) == [
        problem for problem in problems(credential) if problem.startswith("credentialStatus")
    ]


def test_an_issuer_choosing_revocation_alone_gets_credentials_that_validate_in_full() -> None:
    """`issuer create|update --status-purposes revocation`: the one entry OB 3.0 allows, as an object."""
    credential = anchored_credential(purposes=("revocation",))
    assert credential["credentialStatus"]["statusPurpose"] == "revocation"
    assert problems(credential) == []


def test_the_schema_sees_each_entry_alone_as_a_valid_status() -> None:
    credential = anchored_credential()
    for entry in credential["credentialStatus"]:
        assert problems({**credential, "credentialStatus": entry}) == []


def test_the_schema_is_really_applied() -> None:
    """A credential missing what OB 3.0 requires fails: the validator is not vacuous."""
    credential = micro_credential()
    broken = {name: value for name, value in credential.items() if name != "validFrom"}
    broken["credentialSubject"] = {**credential["credentialSubject"], "achievement": {"id": "urn:x"}}
    found = problems(broken)
    assert any("validFrom" in problem for problem in found)
    assert any(problem.startswith("credentialSubject/achievement") for problem in found)
