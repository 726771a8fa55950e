"""Stack rules as data, the components they look at, and component digests (format: docs/stacking.md).

What a stack *is* — the rules, the summary of a component, the digest that ties an evidence entry
to the component as its issuer signed it, and reading those entries back — shared by issuing
(:mod:`.issuing`) and verifying (:mod:`.verifying`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from anchor.credentials.anchor_proofs import without_anchor_proofs
from anchor.crypto.jcs import canonicalize
from anchor.crypto.multibase import base58_decode
from anchor.errors import ConfigurationError, CredAnchorError
from anchor.types import as_list

STACK_COMPONENT = "StackComponent"
#: Multihash header of a 32-byte sha2-256 digest.
SHA2_256 = bytes([0x12, 0x20])

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
        achievement = achievement_of(credential) or {}
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
        if not isinstance(self.required, tuple) or not all(is_text(r) for r in self.required):
            problems.append("requiredAchievements: a list of achievement ids or titles (non-empty strings)")
        elif len({fold(r) for r in self.required}) != len(self.required):
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
    achievement = achievement_of(credential) if isinstance(credential, Mapping) else None
    return achievement is not None and "stackRules" in achievement


def stack_references(credential: Mapping[str, Any]) -> list[Any]:
    """The stack's component entries (evidence typed StackComponent), as found."""
    return [
        entry
        for entry in as_list(credential.get("evidence"))
        if isinstance(entry, dict) and STACK_COMPONENT in as_list(entry.get("type"))
    ]


# -- helpers ----------------------------------------------------------------------------------


def _attests(component: ComponentSummary, wanted: str) -> bool:
    return component.achievement_id == wanted or (component.title is not None and fold(component.title) == fold(wanted))


def achievement_of(credential: Mapping[str, Any]) -> dict[str, Any] | None:
    """The achievement of the credential's (first) subject that has one, or None."""
    for subject in as_list(credential.get("credentialSubject")):
        if isinstance(subject, dict) and isinstance(subject.get("achievement"), dict):
            achievement: dict[str, Any] = subject["achievement"]
            return achievement
    return None


def fold(text: str) -> str:
    """`text` for comparing titles: whitespace collapsed, case folded."""
    return " ".join(text.split()).casefold()


def is_text(value: Any) -> bool:
    """Whether `value` is a string with something other than whitespace in it."""
    return isinstance(value, str) and bool(value.strip())


def _string(value: Any) -> str | None:
    return value if is_text(value) else None


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _positive(value: Any) -> float | None:
    return float(value) if _is_number(value) and value > 0 else None


def _level(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 8 else None


def _number(value: float) -> int | float:
    """Whole numbers as JSON integers (one canonical form in JCS and RDF)."""
    return int(value) if float(value).is_integer() else float(value)
