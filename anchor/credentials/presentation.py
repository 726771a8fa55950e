"""Verifying W3C Verifiable Presentations: the holder's proof, challenge, domain, holder binding,
and every credential inside (each with the full credential report).

Checks of the presentation itself, each `pass`, `fail` or `not_applicable` with a reason:

- `presentation_schema` VC Data Model 2.0 presentation: context, type, credentials as objects;
- `presentation_proof`  a Data Integrity proof with proofPurpose `authentication`, by a key of the
                        `holder` (when the presentation names one), verified;
- `challenge`           the proof's challenge is the one the verifier asked for (a replayed
                        presentation made for another challenge fails);
- `domain`              likewise for the domain;
- `holder_binding`      every credential whose subject has an id was issued to the holder.

A presentation verifies when none of these fails and every credential verifies. A stacked
credential in it (anchor.credentials.stacking) is also verified as a stack, with whichever of its components
the same presentation holds: `stacks` reports, per stack, which components were shown and
verified and which were not shown (the stack's issuer vouched for those when issuing).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from anchor.credentials.stacking import StackReport, is_stack, verify_stack
from anchor.credentials.verify import Check, Outcome, VerificationReport, Verifier, vc_data_model_errors
from anchor.crypto.proofs import proofs_of, verify_proofs
from anchor.types import as_list

PRESENTATION_CHECKS = ("presentation_schema", "presentation_proof", "challenge", "domain", "holder_binding")


@dataclass
class PresentationReport:
    presentation_id: str | None
    holder: str | None
    checks: list[Check] = field(default_factory=list)
    credentials: list[VerificationReport] = field(default_factory=list)
    stacks: list[StackReport] = field(default_factory=list)

    @property
    def verified(self) -> bool:
        return (
            all(c.outcome is not Outcome.FAIL for c in self.checks)
            and all(r.verified for r in self.credentials)
            and all(s.verified for s in self.stacks)
        )

    def check(self, name: str) -> Check:
        return next(c for c in self.checks if c.name == name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "presentation": self.presentation_id,
            "holder": self.holder,
            "verified": self.verified,
            "checks": {c.name: {"outcome": c.outcome.value, "reason": c.reason} for c in self.checks},
            "credentials": [r.to_dict() for r in self.credentials],
            "stacks": [s.to_dict() for s in self.stacks],
        }


def is_presentation(document: Any) -> bool:
    return isinstance(document, dict) and "VerifiablePresentation" in as_list(document.get("type"))


def verify_presentation(
    presentation: Any,
    verifier: Verifier,
    *,
    challenge: str | None = None,
    domain: str | None = None,
    require_proof: bool = True,
) -> PresentationReport:
    """Verify a presentation and the credentials in it; `challenge`/`domain` are what the verifier asked for."""
    if not isinstance(presentation, dict):
        report = PresentationReport(None, None)
        report.checks.append(Check("presentation_schema", Outcome.FAIL, "a presentation is a JSON object"))
        return report
    holder_value = presentation.get("holder")
    holder = holder_value.get("id") if isinstance(holder_value, dict) else holder_value
    holder = holder if isinstance(holder, str) else None
    identifier = presentation.get("id")
    report = PresentationReport(identifier if isinstance(identifier, str) else None, holder)
    add = report.checks.append
    problems = vc_data_model_errors(presentation, "VerifiablePresentation")
    credentials = as_list(presentation.get("verifiableCredential"))
    if not all(isinstance(c, dict) for c in credentials):
        problems.append("verifiableCredential must hold credentials as JSON objects (enveloped ones are not supported)")
    add(
        Check("presentation_schema", Outcome.FAIL, "; ".join(problems))
        if problems
        else Check("presentation_schema", Outcome.PASS, f"a presentation of {len(credentials)} credential(s)")
    )
    proofs = [p for p in proofs_of(presentation) if isinstance(p, dict)]
    add(_proof_check(presentation, verifier, holder, require_proof))
    add(_option_check("challenge", challenge, proofs))
    add(_option_check("domain", domain, proofs))
    add(_holder_binding(holder, [c for c in credentials if isinstance(c, dict)]))
    shown = [c for c in credentials if isinstance(c, dict)]
    report.credentials = [verifier.verify(c) for c in shown]
    known = {id(c): r for c, r in zip(shown, report.credentials, strict=True)}

    def verify_once(credential: dict[str, Any]) -> VerificationReport:
        return known[id(credential)] if id(credential) in known else verifier.verify(credential)

    report.stacks = [
        verify_stack(stack, [c for c in shown if c is not stack], verifier, verify=verify_once)
        for stack in shown
        if is_stack(stack)
    ]
    return report


def _proof_check(presentation: dict[str, Any], verifier: Verifier, holder: str | None, required: bool) -> Check:
    name = "presentation_proof"
    if "proof" not in presentation:
        if required:
            return Check(name, Outcome.FAIL, "the presentation carries no proof: the holder did not sign it")
        return Check(name, Outcome.NOT_APPLICABLE, "a presentation without proof (none was required)")
    checks = verify_proofs(presentation, verifier.resolver, loader=verifier.loader)
    failed = [c for c in checks if not c.verified]
    if failed:
        return Check(name, Outcome.FAIL, failed[0].reason)
    if not any(c.proof_purpose == "authentication" for c in checks):
        return Check(name, Outcome.FAIL, "no proof has proofPurpose authentication")
    if holder is not None and not any(c.controller == holder for c in checks):
        return Check(name, Outcome.FAIL, f"no proof was made by a key of the holder {holder}")
    signer = holder or checks[0].controller
    return Check(name, Outcome.PASS, f"authenticated by {signer}")


def _option_check(name: str, expected: str | None, proofs: list[dict[str, Any]]) -> Check:
    given = [p.get(name) for p in proofs if p.get("proofPurpose") == "authentication"]
    if expected is None:
        return Check(name, Outcome.NOT_APPLICABLE, f"no {name} was asked for")
    if not given:
        return Check(name, Outcome.FAIL, f"the {name} {expected!r} was asked for, but no authentication proof has one")
    if all(value == expected for value in given):
        return Check(name, Outcome.PASS, f"the proof answers the {name} {expected!r}")
    found = next(value for value in given if value != expected)
    return Check(name, Outcome.FAIL, f"the proof was made for the {name} {found!r}, not {expected!r}: a replay?")


def _holder_binding(holder: str | None, credentials: list[dict[str, Any]]) -> Check:
    name = "holder_binding"
    bound = []
    for credential in credentials:
        subjects = as_list(credential.get("credentialSubject"))
        subject_ids = {s["id"] for s in subjects if isinstance(s, dict) and isinstance(s.get("id"), str)}
        if subject_ids:
            bound.append((credential.get("id"), subject_ids))
    if not bound:
        return Check(name, Outcome.NOT_APPLICABLE, "no credential names its subject by an id")
    if holder is None:
        return Check(name, Outcome.FAIL, "the credentials name their subject, but the presentation names no holder")
    strangers = [str(cid) for cid, ids in bound if holder not in ids]
    if strangers:
        return Check(name, Outcome.FAIL, f"{', '.join(strangers)} was not issued to the holder {holder}")
    return Check(name, Outcome.PASS, f"{len(bound)} credential(s) issued to the holder {holder}")
