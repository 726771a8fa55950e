"""Issuing a stacked credential: its achievement derived from the components, checked, then signed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from anchor.credentials.model import (
    PARTICIPATION_FORMS,
    Award,
    CredentialValidationError,
    Learner,
    MicroCredentialSpec,
    achievement_errors,
    build_achievement,
    build_credential,
    graded,
    proof_as_array,
    validate_credential,
)
from anchor.credentials.stacking.rules import (
    ComponentSummary,
    StackRules,
    StackRulesError,
    achievement_of,
    component_digest,
    fold,
    is_text,
)
from anchor.credentials.verify import Outcome, Verifier
from anchor.crypto.proofs import add_proof
from anchor.types import as_list

if TYPE_CHECKING:
    from anchor.credentials.issuance import CredentialIssuer

DEFAULT_ASSESSMENT = "Assessed through its component micro-credentials"
DEFAULT_QUALITY_ASSURANCE = (
    "Composed of micro-credentials quality-assured by their awarding bodies; the stack's rules checked at issuing"
)


def stack_spec(
    title: str,
    description: str,
    components: Sequence[Mapping[str, Any]],
    *,
    rules: StackRules | None = None,
    eqf_level: int | None = None,
    nqf_level: str | None = None,
    learning_outcomes: Sequence[str] = (),
    assessment_type: str = DEFAULT_ASSESSMENT,
    participation_form: str | None = None,
    quality_assurance: str = DEFAULT_QUALITY_ASSURANCE,
    achievement_id: str | None = None,
) -> MicroCredentialSpec:
    """The macro-credential's achievement, with what is not given derived from the components.

    Workload: the sum of the components' hours and of their ECTS credits (of those that state them).
    Level: as given; with neither EQF nor NQF level given, the highest EQF level of the components.
    Learning outcomes: as given, else every component's, in order, once. Form of participation: as
    given, else the components' own when they share one, else "blended".
    """
    summaries = [ComponentSummary.of_credential(c) for c in components]
    achievements = [a for a in (achievement_of(c) for c in components) if a is not None]
    hours = [s.hours for s in summaries if s.hours is not None]
    ects = [s.ects for s in summaries if s.ects is not None]
    if eqf_level is None and nqf_level is None:
        levels = [s.eqf_level for s in summaries if s.eqf_level is not None]
        eqf_level = max(levels) if levels else None
    if not learning_outcomes:
        outcomes = [o for a in achievements for o in as_list(a.get("learningOutcomes")) if is_text(o)]
        learning_outcomes = list(dict.fromkeys(outcomes))
    if participation_form is None:
        forms = {str(a.get("participationForm")) for a in achievements}
        participation_form = forms.pop() if len(forms) == 1 and forms <= set(PARTICIPATION_FORMS) else "blended"
    titles = "; ".join(s.title or s.credential_id for s in summaries)
    criteria = f"Awarded for holding the micro-credentials: {titles}."
    if rules is not None:
        criteria += f" Rules: {rules.describe()}."
    return MicroCredentialSpec(
        title=title,
        description=description,
        learning_outcomes=tuple(learning_outcomes),
        assessment_type=assessment_type,
        participation_form=participation_form,
        quality_assurance=quality_assurance,
        workload_hours=sum(hours) if hours else None,
        ects_credits=sum(ects) if ects else None,
        eqf_level=eqf_level,
        nqf_level=nqf_level,
        criteria=criteria,
        achievement_id=achievement_id,
    )


def component_problems(components: Sequence[Any], learner: Learner, verifier: Verifier, *, on_chain: bool) -> list[str]:
    """Why `components` cannot be stacked for `learner` (empty when they can): each must verify —
    in full when `on_chain`, else its schema and issuer signature — be the learner's, and appear once."""
    problems: list[str] = []
    seen_ids: set[str] = set()
    seen_achievements: dict[str, str] = {}
    if not components:
        problems.append("no components: a stack is composed of at least one micro-credential")
    for index, component in enumerate(components, start=1):
        if not isinstance(component, dict):
            problems.append(f"component {index} is not a credential (a JSON object)")
            continue
        summary = ComponentSummary.of_credential(component)
        label = summary.label()
        report = verifier.verify(component)
        counted = [c for c in report.checks if on_chain or c.name in ("schema", "signature")]
        problems.extend(
            f"component {label} does not verify: {c.name}: {c.reason}" for c in counted if c.outcome is Outcome.FAIL
        )
        if summary.credential_id in seen_ids:
            problems.append(f"component {label} is listed twice")
        seen_ids.add(summary.credential_id)
        if summary.achievement_id is not None:
            earlier = seen_achievements.setdefault(summary.achievement_id, label)
            if earlier != label:
                problems.append(f"components {earlier} and {label} attest the same achievement: count it once")
        problems.extend(_learner_problems(component, label, learner))
    return problems


def issue_stack(
    issuer: CredentialIssuer,
    spec: MicroCredentialSpec,
    award: Award,
    components: Sequence[dict[str, Any]],
    rules: StackRules,
    *,
    verifier: Verifier | None = None,
    created: str | None = None,
) -> dict[str, Any]:
    """Sign the macro-credential that stacks `components` for `award.learner`.

    Checked before anything is signed (StackRulesError names every problem): each component verifies
    — in full with `verifier` (a chain and trusted registry: anchoring, status, accreditation at its
    anchoring time), else its schema and issuer signature offline — is awarded to this learner, is
    listed once, and together they meet `rules`. The result is a micro-credential like any other:
    anchor it as usual (queue it, or `anchor_credentials`). Status entries come from the issuer's
    allocator, as for `CredentialIssuer.issue`.
    """
    loader = issuer.loader  # the issuer's own contexts: the stack is signed as its credentials are
    checker = verifier if verifier is not None else Verifier(None, loader=loader)
    problems = component_problems(components, award.learner, checker, on_chain=verifier is not None)
    summaries = [ComponentSummary.of_credential(c) for c in components if isinstance(c, dict)]
    problems.extend(rules.problems(summaries))
    if problems:
        raise StackRulesError(problems)
    achievement = build_achievement(issuer.body, spec)
    achievement = graded(achievement) if award.grade else achievement
    achievement["stackRules"] = rules.to_json()
    errors = achievement_errors(achievement)
    if errors:
        raise CredentialValidationError(errors)
    if award.credential_id is None:
        award = replace(award, credential_id=issuer.credential_id(spec, award))
    if issuer.status is not None:
        entries = issuer.status.allocate().entries(issuer.status_base_url, issuer.status_purposes)
        award = replace(award, extra_status=(*award.extra_status, *entries))
    credential = build_credential(issuer.body, spec, award, achievement=achievement)
    credential["evidence"] = [
        summary.reference(component_digest(component)) for summary, component in zip(summaries, components, strict=True)
    ]
    validate_credential(credential, validated_achievement=achievement)
    return proof_as_array(
        add_proof(credential, issuer.key, cryptosuite=issuer.cryptosuite, created=created, loader=loader)
    )


def _learner_problems(component: Mapping[str, Any], label: str, learner: Learner) -> list[str]:
    """A component must be the learner's: the same DID when it names one, else the same name."""
    subjects = [s for s in as_list(component.get("credentialSubject")) if isinstance(s, dict)]
    subject_ids = {s["id"] for s in subjects if isinstance(s.get("id"), str)}
    if subject_ids:
        if learner.did is None:
            return [f"component {label} was issued to {', '.join(sorted(subject_ids))}: give the learner's DID"]
        if subject_ids != {learner.did}:
            return [f"component {label} was issued to {', '.join(sorted(subject_ids))}, not to {learner.did}"]
        return []
    names = {
        str(identity.get("identityHash"))
        for subject in subjects
        for identity in as_list(subject.get("identifier"))
        if isinstance(identity, dict) and identity.get("identityType") == "name" and identity.get("hashed") is False
    }
    strangers = sorted(n for n in names if fold(n) != fold(learner.name))
    if strangers:
        return [f"component {label} was awarded to {strangers[0]!r}, not to {learner.name!r}"]
    return []
