"""Stacked credentials: a macro-credential (e.g. a certificate) composed of micro-credentials.

The macro-credential is an ordinary micro-credential — the same Open Badges 3.0 shape and EU
elements, signed, anchored, revoked and verified like any other — with two additions, both
defined by a JSON-LD context so that eddsa-rdfc-2022 signs them (format: docs/stacking.md):

- `credentialSubject.achievement.stackRules` (project context): the rules, as data, that the
  components must meet — required achievements, minimum ECTS credits / hours, minimum EQF level,
  minimum number of components. Shared by every learner of the certificate, like the achievement.
- one OB 3.0 / VC 2.0 `evidence` entry per component, typed `["Evidence", "StackComponent"]`:
  `id` is the component credential's id and `digestMultibase` (VC 2.0) the sha2-256 multihash,
  multibase base64url (`u…`), of the component *as its issuer signed it*: its JCS serialization
  with the anchor proofs removed — the very bytes whose keccak256 is its Merkle leaf, so anchoring
  a component never changes its digest. The entry also records what the stack's issuer saw (title,
  achievement, issuer DID, ECTS, hours, EQF level), so a stack can be judged without its parts.

`verify_stack` adds two named checks to the macro-credential's own report:

- `stack_components` every component shown matches its digest and verifies in full (schema,
  signature, anchoring, status, its issuer accredited at *its own* anchoring time; a component
  that is itself a stack is verified as one). A component not shown is reported "not shown": the
  stack's issuer vouched for it when issuing. With none shown the check is `not_applicable`;
  a shown component that fails makes it fail, naming the component (title and id) and why.
- `stack_rules` the rules hold over the shown components that verified (their own data) and, for
  components not shown, what the stack's issuer recorded. A component that failed does not count.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from anchor.anchoring.batches import without_anchor_proofs
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
    validate_credential,
)
from anchor.credentials.verify import Check, Outcome, VerificationReport, Verifier
from anchor.crypto.jcs import canonicalize
from anchor.crypto.multibase import base58_decode
from anchor.crypto.proofs import add_proof
from anchor.errors import ConfigurationError, CredAnchorError
from anchor.types import as_list

if TYPE_CHECKING:
    from anchor.credentials.issuance import CredentialIssuer

STACK_COMPONENT = "StackComponent"
STACK_CHECKS = ("stack_components", "stack_rules")
#: Multihash header of a 32-byte sha2-256 digest.
SHA2_256 = bytes([0x12, 0x20])
DEFAULT_ASSESSMENT = "Assessed through its component micro-credentials"
DEFAULT_QUALITY_ASSURANCE = (
    "Composed of micro-credentials quality-assured by their awarding bodies; the stack's rules checked at issuing"
)

_BASE64URL = re.compile(r"^[A-Za-z0-9_-]+$")
_RULE_KEYS = ("requiredAchievements", "minEctsCredits", "minWorkloadHours", "minEqfLevel", "minComponents")


class StackRulesError(CredAnchorError, ValueError):
    """The components cannot be stacked; `problems` names each unmet rule and each unfit component."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("the stack was not issued: " + "; ".join(self.problems))


# -- rules ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ComponentSummary:
    """What the rules look at in one component: its achievement, issuer, workload and level."""

    credential_id: str
    title: str | None = None
    achievement_id: str | None = None
    issuer: str | None = None
    ects: float | None = None
    hours: float | None = None
    eqf_level: int | None = None

    @classmethod
    def of_credential(cls, credential: Mapping[str, Any]) -> ComponentSummary:
        """Read from the component credential itself."""
        achievement = _achievement(credential) or {}
        issuer = credential.get("issuer")
        return cls(
            credential_id=str(credential.get("id")),
            title=_string(achievement.get("name")),
            achievement_id=_string(achievement.get("id")),
            issuer=_string(issuer.get("id") if isinstance(issuer, dict) else issuer),
            ects=_positive(achievement.get("ectsCredits")),
            hours=_positive(achievement.get("workloadHours")),
            eqf_level=_level(achievement.get("eqfLevel")),
        )

    @classmethod
    def of_reference(cls, entry: Mapping[str, Any]) -> ComponentSummary:
        """Read from the stack's evidence entry: what the stack's issuer recorded."""
        return cls(
            credential_id=str(entry.get("id")),
            title=_string(entry.get("name")),
            achievement_id=_string(entry.get("componentAchievement")),
            issuer=_string(entry.get("componentIssuer")),
            ects=_positive(entry.get("ectsCredits")),
            hours=_positive(entry.get("workloadHours")),
            eqf_level=_level(entry.get("eqfLevel")),
        )

    def label(self) -> str:
        return f"{self.title!r} ({self.credential_id})" if self.title else self.credential_id

    def reference(self, digest: str) -> dict[str, Any]:
        """The stack's evidence entry for this component."""
        entry: dict[str, Any] = {"id": self.credential_id, "type": ["Evidence", STACK_COMPONENT]}
        if self.title:
            entry["name"] = self.title
        entry["digestMultibase"] = digest
        if self.achievement_id:
            entry["componentAchievement"] = self.achievement_id
        if self.issuer:
            entry["componentIssuer"] = self.issuer
        if self.ects is not None:
            entry["ectsCredits"] = _number(self.ects)
        if self.hours is not None:
            entry["workloadHours"] = _number(self.hours)
        if self.eqf_level is not None:
            entry["eqfLevel"] = self.eqf_level
        return entry


@dataclass(frozen=True)
class StackRules:
    """What the components of a stack must meet, as data (JSON keys in brackets; docs/stacking.md).

    - `required` (requiredAchievements): achievements that must be among the components, each
      named by its achievement id or by its title (titles compare case-insensitively);
    - `min_ects` (minEctsCredits), `min_hours` (minWorkloadHours): the least total workload, the sum
      of what the components state;
    - `min_eqf_level` (minEqfLevel): every component at least at this EQF level;
    - `min_components` (minComponents): the least number of components.
    """

    required: tuple[str, ...] = ()
    min_ects: float | None = None
    min_hours: float | None = None
    min_eqf_level: int | None = None
    min_components: int | None = None

    def __post_init__(self) -> None:
        problems = []
        if not isinstance(self.required, tuple) or not all(_text(r) for r in self.required):
            problems.append("requiredAchievements: a list of achievement ids or titles (non-empty strings)")
        elif len({_fold(r) for r in self.required}) != len(self.required):
            problems.append("requiredAchievements: an achievement is listed twice")
        for name, value in (("minEctsCredits", self.min_ects), ("minWorkloadHours", self.min_hours)):
            if value is not None and not (_is_number(value) and 0 < value <= 10_000):
                problems.append(f"{name}: a positive number")
        if self.min_eqf_level is not None and _level(self.min_eqf_level) is None:
            problems.append("minEqfLevel: an integer from 1 to 8")
        count = self.min_components
        if count is not None and not (isinstance(count, int) and not isinstance(count, bool) and count >= 1):
            problems.append("minComponents: a whole number, at least 1")
        if problems:
            raise ConfigurationError("invalid stack rules: " + "; ".join(problems))

    @classmethod
    def from_json(cls, data: Any) -> StackRules:
        """Rules from their JSON object, e.g. {"requiredAchievements": ["Data Literacy"], "minEctsCredits": 6}."""
        if not isinstance(data, Mapping):
            raise ConfigurationError('stack rules are a JSON object, e.g. {"minEctsCredits": 6, "minEqfLevel": 5}')
        unknown = sorted(str(key) for key in data if key not in _RULE_KEYS)
        if unknown:
            raise ConfigurationError(
                f"unknown stack rule(s) {', '.join(unknown)}; the rules are {', '.join(_RULE_KEYS)}"
            )
        required = data.get("requiredAchievements", [])
        if not isinstance(required, list):
            raise ConfigurationError("invalid stack rules: requiredAchievements: a list of achievement ids or titles")
        return cls(
            tuple(required),
            data.get("minEctsCredits"),
            data.get("minWorkloadHours"),
            data.get("minEqfLevel"),
            data.get("minComponents"),
        )

    @classmethod
    def read(cls, path: Path) -> StackRules:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigurationError(f"cannot read stack rules from {path}: {exc}") from exc
        return cls.from_json(data)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        if self.required:
            data["requiredAchievements"] = list(self.required)
        if self.min_ects is not None:
            data["minEctsCredits"] = _number(self.min_ects)
        if self.min_hours is not None:
            data["minWorkloadHours"] = _number(self.min_hours)
        if self.min_eqf_level is not None:
            data["minEqfLevel"] = self.min_eqf_level
        if self.min_components is not None:
            data["minComponents"] = self.min_components
        return data

    def describe(self) -> str:
        """The rules in words, e.g. "at least 6 ECTS credits; every component at EQF level 5 or above"."""
        parts = []
        if self.required:
            parts.append("including " + ", ".join(repr(r) for r in self.required))
        if self.min_components is not None:
            parts.append(f"at least {self.min_components} component(s)")
        if self.min_ects is not None:
            parts.append(f"at least {_number(self.min_ects)} ECTS credits")
        if self.min_hours is not None:
            parts.append(f"at least {_number(self.min_hours)} hours")
        if self.min_eqf_level is not None:
            parts.append(f"every component at EQF level {self.min_eqf_level} or above")
        return "; ".join(parts) or "no rules"

    def problems(self, components: Sequence[ComponentSummary]) -> list[str]:
        """Every rule `components` do not meet, each named by its JSON key (empty when all are met)."""
        problems = []
        for wanted in self.required:
            if not any(_attests(c, wanted) for c in components):
                problems.append(f"requiredAchievements: no component attests {wanted!r}")
        if self.min_components is not None and len(components) < self.min_components:
            problems.append(
                f"minComponents: {len(components)} component(s), the stack needs at least {self.min_components}"
            )
        for key, minimum, unit, attribute in (
            ("minEctsCredits", self.min_ects, "ECTS credits", "ects"),
            ("minWorkloadHours", self.min_hours, "hours", "hours"),
        ):
            if minimum is None:
                continue
            values = [getattr(c, attribute) for c in components]
            total = round(sum(v for v in values if v is not None), 6)
            if total < minimum:
                silent = [c.label() for c, v in zip(components, values, strict=True) if v is None]
                unstated = f" ({', '.join(silent)} state(s) none)" if silent else ""
                problems.append(
                    f"{key}: the components total {_number(total)} {unit}{unstated}, the stack needs at least "
                    f"{_number(minimum)}"
                )
        if self.min_eqf_level is not None:
            for component in components:
                if component.eqf_level is None:
                    problems.append(
                        f"minEqfLevel: {component.label()} states no EQF level (needs {self.min_eqf_level})"
                    )
                elif component.eqf_level < self.min_eqf_level:
                    problems.append(
                        f"minEqfLevel: {component.label()} is at EQF level {component.eqf_level}, "
                        f"below {self.min_eqf_level}"
                    )
        return problems


# -- digests ----------------------------------------------------------------------------------


def component_digest(credential: Mapping[str, Any]) -> str:
    """The `digestMultibase` of a component: 'u' + base64url (no padding) of the sha2-256 multihash of
    its JCS serialization without anchor proofs (so the same before and after it is anchored)."""
    digest = hashlib.sha256(canonicalize(without_anchor_proofs(dict(credential)))).digest()
    return "u" + base64.urlsafe_b64encode(SHA2_256 + digest).decode().rstrip("=")


def decode_digest(value: Any) -> bytes | None:
    """The 32-byte sha2-256 digest of a multibase multihash ('u' base64url or 'z' base58-btc), or None."""
    if not isinstance(value, str) or len(value) < 2:
        return None
    try:
        if value[0] == "u" and _BASE64URL.match(value[1:]):
            raw = base64.urlsafe_b64decode(value[1:] + "=" * (-len(value[1:]) % 4))
        elif value[0] == "z":
            raw = base58_decode(value[1:])
        else:
            return None
    except (ConfigurationError, binascii.Error, ValueError):
        return None
    if raw[:2] != SHA2_256 or len(raw) != 34:
        return None
    return raw[2:]


def digest_matches(credential: Mapping[str, Any], digest_multibase: Any) -> bool:
    expected = decode_digest(digest_multibase)
    if expected is None:
        return False
    try:
        return decode_digest(component_digest(credential)) == expected
    except ConfigurationError:  # not canonicalizable JSON: it is not what was stacked
        return False


# -- reading a stack --------------------------------------------------------------------------


def is_stack(credential: Any) -> bool:
    """Whether `credential` is a stacked credential (its achievement carries stackRules)."""
    achievement = _achievement(credential) if isinstance(credential, Mapping) else None
    return achievement is not None and "stackRules" in achievement


def stack_references(credential: Mapping[str, Any]) -> list[Any]:
    """The stack's component entries (evidence typed StackComponent), as found."""
    return [
        entry
        for entry in as_list(credential.get("evidence"))
        if isinstance(entry, dict) and STACK_COMPONENT in as_list(entry.get("type"))
    ]


# -- issuing ----------------------------------------------------------------------------------


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
    achievements = [a for a in (_achievement(c) for c in components) if a is not None]
    hours = [s.hours for s in summaries if s.hours is not None]
    ects = [s.ects for s in summaries if s.ects is not None]
    if eqf_level is None and nqf_level is None:
        levels = [s.eqf_level for s in summaries if s.eqf_level is not None]
        eqf_level = max(levels) if levels else None
    if not learning_outcomes:
        outcomes = [o for a in achievements for o in as_list(a.get("learningOutcomes")) if _text(o)]
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
        entries = issuer.status.allocate().entries(issuer.status_base_url)
        award = replace(award, extra_status=(*award.extra_status, *entries))
    credential = build_credential(issuer.body, spec, award, achievement=achievement)
    credential["evidence"] = [
        summary.reference(component_digest(component)) for summary, component in zip(summaries, components, strict=True)
    ]
    validate_credential(credential, validated_achievement=achievement)
    return add_proof(credential, issuer.key, cryptosuite=issuer.cryptosuite, created=created, loader=loader)


# -- verifying --------------------------------------------------------------------------------


@dataclass
class ComponentResult:
    """One listed component: shown or not, its digest, its full report (and its own stack, if it is one)."""

    listed: ComponentSummary
    shown: bool = False
    digest_matches: bool | None = None
    report: VerificationReport | None = None
    stack: StackReport | None = None
    actual: ComponentSummary | None = None
    problem: str | None = None

    @property
    def credential_id(self) -> str:
        return self.listed.credential_id

    @property
    def verified(self) -> bool | None:
        """None when not shown."""
        if not self.shown:
            return None
        return (
            self.problem is None
            and bool(self.digest_matches)
            and (self.report is None or self.report.verified)
            and (self.stack is None or self.stack.verified)
        )

    def failure(self) -> str:
        """Why a shown component fails (empty if it does not)."""
        if self.problem is not None:
            return self.problem
        if not self.digest_matches:
            return (
                "is not the one stacked: its digest differs from the stack's digestMultibase (it was changed, "
                "or is another credential with the same id)"
            )
        if self.stack is not None and not self.stack.verified:
            failed = [c for c in self.stack.all_checks() if c.outcome is Outcome.FAIL]
            return "failed " + "; ".join(f"{c.name}: {c.reason}" for c in failed)
        if self.report is not None and not self.report.verified:
            failed = [c for c in self.report.checks if c.outcome is Outcome.FAIL]
            return "failed " + "; ".join(f"{c.name}: {c.reason}" for c in failed)
        return ""

    def to_dict(self) -> dict[str, Any]:
        listed = self.listed
        data: dict[str, Any] = {
            "credential": listed.credential_id,
            "title": listed.title,
            "achievement": listed.achievement_id,
            "issuer": listed.issuer,
            "shown": self.shown,
            "digest": "not_checked" if not self.shown else ("match" if self.digest_matches else "mismatch"),
            "verified": self.verified,
        }
        if self.shown and not self.verified:
            data["reason"] = self.failure()
        if self.report is not None:
            data["checks"] = _checks_dict(self.report.checks)
        if self.stack is not None:
            data["stack"] = self.stack.to_dict()
        return data


@dataclass
class StackReport:
    """The macro-credential's own report, the stack checks, and every listed component."""

    credential: VerificationReport
    checks: list[Check] = field(default_factory=list)
    components: list[ComponentResult] = field(default_factory=list)
    rules: StackRules | None = None
    title: str | None = None

    @property
    def credential_id(self) -> str | None:
        return self.credential.credential_id

    @property
    def verified(self) -> bool:
        return self.credential.verified and all(c.outcome is not Outcome.FAIL for c in self.checks)

    def all_checks(self) -> list[Check]:
        return [*self.credential.checks, *self.checks]

    def check(self, name: str) -> Check:
        return next(c for c in self.all_checks() if c.name == name)

    @property
    def shown(self) -> list[str]:
        return [c.credential_id for c in self.components if c.shown]

    @property
    def verified_components(self) -> list[str]:
        return [c.credential_id for c in self.components if c.verified]

    @property
    def not_shown(self) -> list[str]:
        return [c.credential_id for c in self.components if not c.shown]

    def listed_ids(self) -> set[str]:
        """Every component id this stack lists, and the ids its shown sub-stacks list."""
        ids = {c.credential_id for c in self.components}
        for component in self.components:
            if component.stack is not None:
                ids |= component.stack.listed_ids()
        return ids

    def to_dict(self) -> dict[str, Any]:
        return {
            "credential": self.credential_id,
            "title": self.title,
            "verified": self.verified,
            "checks": _checks_dict(self.all_checks()),
            "rules": self.rules.to_json() if self.rules is not None else None,
            "components": [c.to_dict() for c in self.components],
            "components_shown": self.shown,
            "components_verified": self.verified_components,
            "components_not_shown": self.not_shown,
        }


def verify_stack(
    macro: Any,
    components: Sequence[Any],
    verifier: Verifier,
    *,
    verify: Callable[[dict[str, Any]], VerificationReport] | None = None,
) -> StackReport:
    """Verify a stacked credential with whichever of its components are given (others are "not shown").

    `verify` verifies one credential (default `verifier.verify`; a presentation passes the reports it
    already has). Credentials in `components` that the stack does not list are ignored.
    """
    check = verify if verify is not None else verifier.verify
    pool = [c for c in components if isinstance(c, dict)]
    own = check(macro) if isinstance(macro, dict) else verifier.verify(macro)
    return _verify_stack(macro, own, pool, check, frozenset())


def _verify_stack(
    macro: Any,
    own: VerificationReport,
    pool: list[dict[str, Any]],
    verify: Callable[[dict[str, Any]], VerificationReport],
    seen: frozenset[str],
) -> StackReport:
    report = StackReport(own)
    if not isinstance(macro, dict) or not is_stack(macro):
        reason = "not a stacked credential: its achievement has no stackRules"
        report.checks = [Check(name, Outcome.FAIL, reason) for name in STACK_CHECKS]
        return report
    title = macro.get("name")
    report.title = title if isinstance(title, str) else None
    rules_error = None
    try:
        report.rules = StackRules.from_json((_achievement(macro) or {}).get("stackRules"))
    except ConfigurationError as exc:
        rules_error = f"the stack's stackRules are malformed: {exc}"
    malformed: list[str] = []
    seen = seen | {str(macro.get("id"))}
    for index, entry in enumerate(stack_references(macro), start=1):
        if not (_text(entry.get("id")) and isinstance(entry.get("digestMultibase"), str)):
            malformed.append(f"component entry {index} has no id or no digestMultibase")
            continue
        report.components.append(_component(ComponentSummary.of_reference(entry), entry, pool, verify, seen))
    report.checks = [_components_check(report.components, malformed), _rules_check(report, rules_error)]
    return report


def _component(
    listed: ComponentSummary,
    entry: Mapping[str, Any],
    pool: list[dict[str, Any]],
    verify: Callable[[dict[str, Any]], VerificationReport],
    seen: frozenset[str],
) -> ComponentResult:
    candidates = [c for c in pool if c.get("id") == listed.credential_id]
    if not candidates:
        return ComponentResult(listed)
    matching = [c for c in candidates if digest_matches(c, entry["digestMultibase"])]
    shown = matching[0] if matching else candidates[0]
    result = ComponentResult(listed, True, bool(matching), verify(shown), actual=ComponentSummary.of_credential(shown))
    if is_stack(shown):
        if listed.credential_id in seen:
            result.problem = "lists itself among its own components (a cycle): it cannot be stacked"
        else:
            assert result.report is not None
            result.stack = _verify_stack(shown, result.report, pool, verify, seen)
    return result


def _components_check(components: list[ComponentResult], malformed: list[str]) -> Check:
    name = "stack_components"
    if malformed:
        return Check(name, Outcome.FAIL, "the stack's component list is malformed: " + "; ".join(malformed))
    if not components:
        return Check(name, Outcome.FAIL, "the stack lists no components")
    failed = [c for c in components if c.shown and not c.verified]
    if failed:
        return Check(name, Outcome.FAIL, "; ".join(f"component {c.listed.label()} {c.failure()}" for c in failed))
    shown = [c for c in components if c.shown]
    absent = ", ".join(c.listed.label() for c in components if not c.shown)
    if not shown:
        return Check(
            name,
            Outcome.NOT_APPLICABLE,
            f"none of its {len(components)} component(s) was shown: the stack's issuer vouched for them when issuing "
            f"({absent}); show them to verify each",
        )
    if absent:
        return Check(
            name,
            Outcome.PASS,
            f"{len(shown)} of {len(components)} components shown and verified; not shown (vouched for by the "
            f"stack's issuer): {absent}",
        )
    return Check(name, Outcome.PASS, f"all {len(components)} components shown and verified")


def _rules_check(report: StackReport, rules_error: str | None) -> Check:
    name = "stack_rules"
    if rules_error is not None or report.rules is None:
        return Check(name, Outcome.FAIL, rules_error or "the stack has no rules")
    counted = [c.actual or c.listed for c in report.components if c.verified] + [
        c.listed for c in report.components if not c.shown
    ]
    excluded = [c.listed.label() for c in report.components if c.shown and not c.verified]
    problems = report.rules.problems(counted)
    if problems:
        left_out = f" (not counted, as they failed verification: {', '.join(excluded)})" if excluded else ""
        return Check(name, Outcome.FAIL, "; ".join(problems) + left_out)
    shown = sum(1 for c in report.components if c.verified)
    return Check(
        name,
        Outcome.PASS,
        f"met ({report.rules.describe()}) by {len(counted)} component(s): {shown} shown and verified, "
        f"{len(counted) - shown} as recorded by the stack's issuer",
    )


# -- helpers ----------------------------------------------------------------------------------


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
    strangers = sorted(n for n in names if _fold(n) != _fold(learner.name))
    if strangers:
        return [f"component {label} was awarded to {strangers[0]!r}, not to {learner.name!r}"]
    return []


def _attests(component: ComponentSummary, wanted: str) -> bool:
    return component.achievement_id == wanted or (
        component.title is not None and _fold(component.title) == _fold(wanted)
    )


def _achievement(credential: Mapping[str, Any]) -> dict[str, Any] | None:
    for subject in as_list(credential.get("credentialSubject")):
        if isinstance(subject, dict) and isinstance(subject.get("achievement"), dict):
            achievement: dict[str, Any] = subject["achievement"]
            return achievement
    return None


def _checks_dict(checks: Sequence[Check]) -> dict[str, dict[str, str]]:
    return {c.name: {"outcome": c.outcome.value, "reason": c.reason} for c in checks}


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _string(value: Any) -> str | None:
    return value if _text(value) else None


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _positive(value: Any) -> float | None:
    return float(value) if _is_number(value) and value > 0 else None


def _level(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 8 else None


def _number(value: float) -> int | float:
    """Whole numbers as JSON integers (one canonical form in JCS and RDF)."""
    return int(value) if float(value).is_integer() else float(value)
