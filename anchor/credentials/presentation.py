"""Verifying W3C Verifiable Presentations: the holder's proof, challenge, domain, holder binding,
and every credential inside (each with the full credential report).

Checks of the presentation itself, each `pass`, `fail` or `not_applicable` with a reason:

- `presentation_schema` VC Data Model 2.0 presentation: context, type, credentials as objects;
- `presentation_proof`  every proof is a Data Integrity proof with proofPurpose `authentication`, by
                        a key of the `holder` (when the presentation names one), verified — and its
                        JSON says what was signed (anchor.credentials.signed_view). Required when
                        asked for, and whenever a challenge or domain is asked for;
- `challenge`           ONE such verified proof carries the challenge the verifier asked for (a
                        replayed presentation made for another challenge fails) ...
- `domain`              ... and the same proof carries the domain asked for: two proofs, each
                        meeting one condition, do not make one that meets both;
- `holder_binding`      every credential whose subject has an id was issued to the holder, and the
                        holder proved it is the holder (a verified authentication proof by its key):
                        a holder named by an unsigned presentation binds nothing.

A presentation verifies when none of these fails and every credential verifies. A stacked
credential in it (anchor.credentials.stacking) is also verified as a stack, with whichever of its components
the same presentation holds: `stacks` reports, per stack, which components were shown and
verified and which were not shown (the stack's issuer vouched for those when issuing).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from anchor.credentials.signed_view import mismatch_reason, plain_json_problems, unsigned_fields
from anchor.credentials.stacking import StackReport, is_stack, verify_stack
from anchor.credentials.verify import Check, Outcome, VerificationReport, Verifier, vc_data_model_errors
from anchor.crypto.proofs import RDFC, ProofCheck, default_loader, proofs_of, verify_proofs
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
    required = require_proof or challenge is not None or domain is not None
    proof_check, authenticated = _authenticate(presentation, verifier, holder, required)
    add(proof_check)
    add(_option_check("challenge", challenge, authenticated, ("domain", domain)))
    add(_option_check("domain", domain, authenticated, ("challenge", challenge)))
    add(_holder_binding(holder, [c for c in credentials if isinstance(c, dict)], bool(authenticated)))
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


def _authenticate(
    presentation: dict[str, Any], verifier: Verifier, holder: str | None, required: bool
) -> tuple[Check, list[dict[str, Any]]]:
    """The `presentation_proof` check, and the proofs that verified as the holder's authentication.

    Every proof must verify, be for `authentication` and (when the presentation names a holder) be
    made with a key of the holder; the second value lists them (empty when any check failed before
    their signatures were verified). The challenge and domain are judged on those proofs only.
    """
    name = "presentation_proof"
    proofs = proofs_of(presentation)
    if not proofs:
        if required:
            return Check(name, Outcome.FAIL, "the presentation carries no proof: the holder did not sign it"), []
        return Check(name, Outcome.NOT_APPLICABLE, "a presentation without proof (none was required)"), []
    unsecured = {k: v for k, v in presentation.items() if k != "proof"}
    hidden = plain_json_problems(unsecured)
    if hidden:
        return Check(name, Outcome.FAIL, mismatch_reason(hidden)), []
    checks = verify_proofs(
        presentation, verifier.resolver, loader=verifier.loader, controller=holder, purpose="authentication"
    )
    verified = [p for p, c in zip(proofs, checks, strict=True) if c.verified and isinstance(p, dict)]
    failed = [c for c in checks if not c.verified]
    if failed:
        return Check(name, Outcome.FAIL, _holder_reason(failed[0], holder)), verified
    if any(c.cryptosuite == RDFC for c in checks):
        hidden = unsigned_fields(unsecured, verifier.loader or default_loader())
        if hidden:
            return Check(name, Outcome.FAIL, mismatch_reason(hidden)), []
    signer = holder or checks[0].controller
    return Check(name, Outcome.PASS, f"authenticated by {signer}"), verified


def _holder_reason(check: ProofCheck, holder: str | None) -> str:
    if holder is not None and check.controller is not None and check.controller != holder:
        return f"no proof was made by a key of the holder {holder} ({check.reason})"
    return check.reason


def _option_check(
    name: str, expected: str | None, proofs: list[dict[str, Any]], other: tuple[str, str | None]
) -> Check:
    """`expected` (what the verifier asked for) must be in a verified authentication proof by the holder
    — the same one that answers the other option, if that was asked for too."""
    if expected is None:
        return Check(name, Outcome.NOT_APPLICABLE, f"no {name} was asked for")
    if not proofs:
        return Check(name, Outcome.FAIL, f"the {name} {expected!r} was asked for, but no verified authentication "
                     "proof by the holder answers it")  # fmt: skip
    answering = [p for p in proofs if p.get(name) == expected]
    if not answering:
        found = next((p.get(name) for p in proofs if p.get(name) is not None), None)
        if found is None:
            return Check(name, Outcome.FAIL, f"the {name} {expected!r} was asked for, but no authentication proof "
                         "has one")  # fmt: skip
        return Check(name, Outcome.FAIL, f"the proof was made for the {name} {found!r}, not {expected!r}: a replay?")
    other_name, other_expected = other
    answered_elsewhere = other_expected is not None and any(p.get(other_name) == other_expected for p in proofs)
    if answered_elsewhere and not any(p.get(other_name) == other_expected for p in answering):
        return Check(name, Outcome.FAIL, f"the {name} and the {other_name} are answered by different proofs: "
                     "one proof by the holder must carry both")  # fmt: skip
    return Check(name, Outcome.PASS, f"the proof answers the {name} {expected!r}")


def _holder_binding(holder: str | None, credentials: list[dict[str, Any]], authenticated: bool) -> Check:
    name = "holder_binding"
    bound = []
    for credential in credentials:
        subjects = [s for s in as_list(credential.get("credentialSubject")) if isinstance(s, dict)]
        # "@id" is the subject's id to a JSON-LD reader: it binds as much as "id" does.
        subject_ids = {v for s in subjects for v in (s.get("id"), s.get("@id")) if isinstance(v, str)}
        if subject_ids:
            bound.append((credential.get("id"), subject_ids))
    if not bound:
        return Check(name, Outcome.NOT_APPLICABLE, "no credential names its subject by an id")
    if holder is None:
        return Check(name, Outcome.FAIL, "the credentials name their subject, but the presentation names no holder")
    if not authenticated:
        return Check(name, Outcome.FAIL, f"no verified authentication proof by the holder {holder}: naming a holder "
                     "proves nothing, so the credentials are bound to no one who presents them")  # fmt: skip
    strangers = [str(cid) for cid, ids in bound if holder not in ids]
    if strangers:
        return Check(name, Outcome.FAIL, f"{', '.join(strangers)} was not issued to the holder {holder}")
    return Check(name, Outcome.PASS, f"{len(bound)} credential(s) issued to the holder {holder}")
