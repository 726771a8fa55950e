"""Verifying a stacked credential with whichever of its components are shown: two more named checks."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from anchor.credentials.stacking.rules import (
    ComponentSummary,
    StackRules,
    achievement_of,
    digest_matches,
    is_stack,
    is_text,
    stack_references,
)
from anchor.credentials.verify import Check, Outcome, VerificationReport, Verifier
from anchor.errors import ConfigurationError

STACK_CHECKS = ("stack_components", "stack_rules")


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
        report.rules = StackRules.from_json((achievement_of(macro) or {}).get("stackRules"))
    except ConfigurationError as exc:
        rules_error = f"the stack's stackRules are malformed: {exc}"
    malformed: list[str] = []
    seen = seen | {str(macro.get("id"))}
    for index, entry in enumerate(stack_references(macro), start=1):
        if not (is_text(entry.get("id")) and isinstance(entry.get("digestMultibase"), str)):
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


def _checks_dict(checks: Sequence[Check]) -> dict[str, dict[str, str]]:
    return {c.name: {"outcome": c.outcome.value, "reason": c.reason} for c in checks}
