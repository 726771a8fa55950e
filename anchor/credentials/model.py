"""Open Badges 3.0 micro-credentials carrying the EU micro-credential elements.

Council Recommendation 2022/C 243/02, Annex I, lists eleven mandatory elements. Each maps onto an
Open Badges 3.0 field where OB 3.0 has one; the rest are terms of credanchor's *inline* context
(:data:`anchor.crypto.jsonld.CREDANCHOR_TERMS`, the third `@context` entry, after VC 2.0 and OB 3.0.3),
whose IRIs are `https://w3id.org/credanchor/microcredential#<term>` — names, never fetched. A stock
verifier needs no context but the published ones (docs/credentials.md, "Contexts"):

| EU element                          | where it lives in the credential                                  |
|-------------------------------------|-------------------------------------------------------------------|
| identification of the learner       | credentialSubject.identifier (OB3 IdentityObject; e-mail hashed)  |
| title of the micro-credential       | credentialSubject.achievement.name (and the credential's name)    |
| country/region of the issuer        | issuer.address.addressCountryCode / addressRegion (OB3 Address)   |
| awarding body                       | issuer (OB3 Profile: id = DID, name, url)                         |
| date of issue                       | validFrom and awardedDate (OB3)                                   |
| learning outcomes                   | achievement.learningOutcomes (inline) + OB3 criteria.narrative    |
| notional workload                   | achievement.workloadHours / ectsCredits (inline) + OB3 creditsAvailable |
| level (EQF and/or NQF)              | achievement.eqfLevel / nqfLevel (inline) + OB3 alignment to EQF IRI |
| type of assessment                  | achievement.assessmentType (inline)                               |
| form of participation               | achievement.participationForm (inline)                            |
| type of quality assurance           | achievement.qualityAssurance (inline)                             |

Optional: prerequisites, stackability (inline), grade (OB3 Result + ResultDescription), skills
aligned to ESCO URIs (OB3 Alignment), `achievementType: "MicroCredential"` always. Credentials
issued before issue 15 name the unpublished context `https://w3id.org/credanchor/microcredential/v1`
(same terms, same IRIs) instead of the inline object; they still validate and verify here.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from anchor.crypto.jsonld import CREDANCHOR_TERMS, MICROCREDENTIAL_V1, OB_V3, VC_V2, is_known_inline_context
from anchor.errors import CredAnchorError
from anchor.types import xsd_timestamp

#: Published contexts, then credanchor's inline terms (shared object: copy the list, never mutate the terms).
CONTEXT: list[str | dict[str, Any]] = [VC_V2, OB_V3, CREDANCHOR_TERMS]
PARTICIPATION_FORMS = ("online", "onsite", "blended", "volunteering", "work-experience")
ESCO_PREFIX = "http://data.europa.eu/esco/"
EQF_PREFIX = "http://data.europa.eu/snb/eqf/"
EU_ELEMENTS = {
    "learner": "identification of the learner",
    "title": "title of the micro-credential",
    "country": "country/region of the issuer",
    "awarding_body": "awarding body",
    "date_of_issue": "date of issue",
    "learning_outcomes": "learning outcomes",
    "workload": "notional workload",
    "level": "level (EQF/NQF)",
    "assessment": "type of assessment",
    "participation": "form of participation",
    "quality_assurance": "type of quality assurance",
}

_XSD_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_URI = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$")


@dataclass(frozen=True)
class FieldError:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class CredentialValidationError(CredAnchorError, ValueError):
    """A credential misses or malforms required elements; `errors` names each one."""

    def __init__(self, errors: Sequence[FieldError]) -> None:
        self.errors = list(errors)
        super().__init__("invalid micro-credential: " + "; ".join(str(e) for e in self.errors))


# -- what an issuer fills in ------------------------------------------------------------------


@dataclass(frozen=True)
class AwardingBody:
    """The issuer profile: its DID, name and country (ISO 3166-1 alpha-2), optionally region and web site."""

    did: str
    name: str
    country_code: str
    region: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class Skill:
    """A skill or competence the micro-credential attests, aligned to an ESCO URI."""

    uri: str
    name: str


@dataclass(frozen=True)
class MicroCredentialSpec:
    """The achievement: what every learner of one course or badge gets."""

    title: str
    description: str
    learning_outcomes: tuple[str, ...]
    assessment_type: str
    participation_form: str
    quality_assurance: str
    workload_hours: float | None = None
    ects_credits: float | None = None
    eqf_level: int | None = None
    nqf_level: str | None = None
    criteria: str | None = None
    prerequisites: tuple[str, ...] = ()
    skills: tuple[Skill, ...] = ()
    stackability: str | None = None
    achievement_id: str | None = None


@dataclass(frozen=True)
class Learner:
    """Who the credential is awarded to: a name, and an e-mail address and/or a DID."""

    name: str
    email: str | None = None
    did: str | None = None


@dataclass(frozen=True)
class Award:
    learner: Learner
    issued_on: datetime
    grade: str | None = None
    valid_until: datetime | None = None
    credential_id: str | None = None
    extra_status: tuple[dict[str, Any], ...] = field(default=())


def xsd_datetime(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise CredentialValidationError([FieldError("date", f"{moment.isoformat()} has no time zone")])
    return xsd_timestamp(moment.timestamp())


def _number(value: float) -> int | float:
    """Whole numbers as JSON integers: canonical in both JCS and RDF (no double lexical form)."""
    return int(value) if float(value).is_integer() else value


def hashed_identity(kind: str, value: str, salt: str | None = None) -> dict[str, Any]:
    """An OB3 IdentityObject holding sha256$hex(value + salt), as the OB 3.0 spec describes."""
    salt = salt if salt is not None else secrets.token_hex(8)
    digest = hashlib.sha256((value + salt).encode()).hexdigest()
    return {
        "type": "IdentityObject",
        "identityType": kind,
        "hashed": True,
        "identityHash": f"sha256${digest}",
        "salt": salt,
    }


def achievement_id(issuer: AwardingBody, spec: MicroCredentialSpec) -> str:
    if spec.achievement_id:
        return spec.achievement_id
    return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"{issuer.did}/achievements/{spec.title}"))


def build_achievement(issuer: AwardingBody, spec: MicroCredentialSpec) -> dict[str, Any]:
    """The OB3 Achievement with the EU elements (shared by every learner of a course)."""
    achievement: dict[str, Any] = {
        "id": achievement_id(issuer, spec),
        "type": ["Achievement"],
        "achievementType": "MicroCredential",
        "name": spec.title,
        "description": spec.description,
        "criteria": {"narrative": spec.criteria or "; ".join(spec.learning_outcomes)},
        "learningOutcomes": list(spec.learning_outcomes),
        "assessmentType": spec.assessment_type,
        "participationForm": spec.participation_form,
        "qualityAssurance": spec.quality_assurance,
    }
    if spec.workload_hours is not None:
        achievement["workloadHours"] = _number(spec.workload_hours)
    if spec.ects_credits is not None:
        achievement["ectsCredits"] = _number(spec.ects_credits)
        achievement["creditsAvailable"] = _number(spec.ects_credits)
    if spec.eqf_level is not None:
        achievement["eqfLevel"] = spec.eqf_level
    if spec.nqf_level:
        achievement["nqfLevel"] = spec.nqf_level
    if spec.prerequisites:
        achievement["prerequisites"] = list(spec.prerequisites)
    if spec.stackability:
        achievement["stackability"] = spec.stackability
    alignment = [
        {"type": ["Alignment"], "targetName": skill.name, "targetUrl": skill.uri, "targetFramework": "ESCO",
         "targetType": "ceasn:Competency"}
        for skill in spec.skills
    ]  # fmt: skip
    if spec.eqf_level is not None:
        alignment.append({
            "type": ["Alignment"],
            "targetName": f"EQF level {spec.eqf_level}",
            "targetUrl": f"{EQF_PREFIX}{spec.eqf_level}",
            "targetFramework": "European Qualifications Framework",
        })  # fmt: skip
    if alignment:
        achievement["alignment"] = alignment
    return achievement


def graded(achievement: dict[str, Any]) -> dict[str, Any]:
    """The achievement with the ResultDescription that a learner's grade (an OB3 Result) refers to."""
    result_id = f"{achievement['id']}#grade"
    grade = {"id": result_id, "type": ["ResultDescription"], "name": "Grade", "resultType": "Result"}
    return {**achievement, "resultDescription": [grade]}


def build_issuer(issuer: AwardingBody) -> dict[str, Any]:
    address: dict[str, Any] = {"type": ["Address"], "addressCountryCode": issuer.country_code}
    if issuer.region:
        address["addressRegion"] = issuer.region
    profile: dict[str, Any] = {"id": issuer.did, "type": ["Profile"], "name": issuer.name, "address": address}
    if issuer.url:
        profile["url"] = issuer.url
    return profile


def build_credential(
    issuer: AwardingBody,
    spec: MicroCredentialSpec,
    award: Award,
    *,
    achievement: dict[str, Any] | None = None,
    issuer_profile: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An unsigned OpenBadgeCredential for one learner (pass prebuilt achievement/issuer to reuse them)."""
    learner = award.learner
    identifiers = [{"type": "IdentityObject", "identityType": "name", "hashed": False, "identityHash": learner.name}]
    if learner.email:
        identifiers.append(hashed_identity("emailAddress", learner.email.strip().lower()))
    subject: dict[str, Any] = {
        "type": ["AchievementSubject"],
        "identifier": identifiers,
        "achievement": achievement if achievement is not None else build_achievement(issuer, spec),
    }
    if learner.did:
        subject = {"id": learner.did, **subject}
    if award.grade:
        if "resultDescription" not in subject["achievement"]:
            subject["achievement"] = graded(subject["achievement"])
        result_id = subject["achievement"]["resultDescription"][0]["id"]
        subject["result"] = [{"type": ["Result"], "resultDescription": result_id, "value": award.grade}]
    if spec.ects_credits is not None:
        subject["creditsEarned"] = _number(spec.ects_credits)
    issued = xsd_datetime(award.issued_on)
    credential: dict[str, Any] = {
        "@context": list(CONTEXT),
        "id": award.credential_id or f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": spec.title,
        "description": spec.description,
        "issuer": issuer_profile if issuer_profile is not None else build_issuer(issuer),
        "validFrom": issued,
        "awardedDate": issued,
        "credentialSubject": subject,
    }
    if award.valid_until is not None:
        credential["validUntil"] = xsd_datetime(award.valid_until)
    if award.extra_status:
        credential["credentialStatus"] = status_value(award.extra_status)
    return credential


def status_value(entries: Sequence[dict[str, Any]]) -> dict[str, Any] | list[dict[str, Any]]:
    """`credentialStatus` for these entries: one entry as an object — Open Badges 3.0 allows one
    (`credentialStatus` is 0..1 there, and 1EdTech's JSON Schema refuses an array) — several as a list,
    as VC 2.0 allows (docs/credentials.md, "1EdTech's OB 3.0 JSON Schema")."""
    return entries[0] if len(entries) == 1 else list(entries)


# -- validation -------------------------------------------------------------------------------


def validate_credential(credential: Any, *, validated_achievement: dict[str, Any] | None = None) -> None:
    """Check a micro-credential document; raises CredentialValidationError naming every problem.

    `validated_achievement`: an achievement object already checked with `achievement_errors`
    (an issuer reuses one per course); when the credential holds that very object it is not
    checked again.
    """
    errors: list[FieldError] = []

    def need(ok: bool, path: str, message: str) -> bool:
        if not ok:
            errors.append(FieldError(path, message))
        return ok

    def element(key: str, path: str, what: str) -> None:
        message = f"EU micro-credential element '{EU_ELEMENTS[key]}' is missing or malformed: {what}"
        errors.append(FieldError(path, message))

    if not isinstance(credential, dict):
        raise CredentialValidationError([FieldError("$", "a credential is a JSON object")])
    context = credential.get("@context")
    if isinstance(context, list) and context:
        need(context[0] == VC_V2, "@context", f"must start with {VC_V2}")
        need(OB_V3 in context, "@context", f"must include the Open Badges 3.0 context {OB_V3}")
        need(
            any(is_known_inline_context(c) for c in context) or MICROCREDENTIAL_V1 in context,
            "@context",
            "must include credanchor's inline context object (anchor.crypto.jsonld.CREDANCHOR_TERMS), which "
            "defines the EU micro-credential terms",
        )
    else:
        errors.append(FieldError("@context", "must be a list of contexts"))
    types = credential.get("type")
    need(
        isinstance(types, list) and "VerifiableCredential" in types and "OpenBadgeCredential" in types,
        "type",
        "must list VerifiableCredential and OpenBadgeCredential",
    )
    need(is_uri(credential.get("id")), "id", "must be a URI (e.g. urn:uuid:…)")
    need(is_text(credential.get("name")), "name", "must be a non-empty string")

    issuer = credential.get("issuer")
    if not isinstance(issuer, dict):
        element("awarding_body", "issuer", "an OB3 Profile object with id and name")
    else:
        if not (is_uri(issuer.get("id")) and str(issuer.get("id")).startswith("did:")):
            element("awarding_body", "issuer.id", "the awarding body's DID")
        if not is_text(issuer.get("name")):
            element("awarding_body", "issuer.name", "the awarding body's name")
        address = issuer.get("address")
        code = address.get("addressCountryCode") if isinstance(address, dict) else None
        if not (isinstance(code, str) and _COUNTRY.match(code)):
            element("country", "issuer.address.addressCountryCode", "an ISO 3166-1 alpha-2 code such as PT")

    valid_from = credential.get("validFrom")
    if not (isinstance(valid_from, str) and _XSD_DATETIME.match(valid_from)):
        element("date_of_issue", "validFrom", "an XML Schema dateTime with time zone, e.g. 2026-05-01T09:00:00Z")
    for optional in ("validUntil", "awardedDate"):
        if optional in credential:
            need(
                isinstance(credential[optional], str) and bool(_XSD_DATETIME.match(credential[optional])),
                optional,
                "must be an XML Schema dateTime with time zone",
            )

    subject = credential.get("credentialSubject")
    if not isinstance(subject, dict):
        errors.append(FieldError("credentialSubject", "must be an AchievementSubject object"))
        raise CredentialValidationError(errors)
    need(isinstance(subject.get("type"), list) and "AchievementSubject" in subject["type"], "credentialSubject.type",
         "must list AchievementSubject")  # fmt: skip
    identifiers = subject.get("identifier")
    has_identifier = isinstance(identifiers, list) and any(
        isinstance(i, dict) and is_text(i.get("identityHash")) and is_text(i.get("identityType")) for i in identifiers
    )
    if not (has_identifier or is_uri(subject.get("id"))):
        element("learner", "credentialSubject.identifier", "an IdentityObject (name, e-mail…) or a subject id")
    if "id" in subject:
        need(is_uri(subject["id"]), "credentialSubject.id", "must be a URI (the learner's DID)")

    achievement = subject.get("achievement")
    if not isinstance(achievement, dict):
        errors.append(FieldError("credentialSubject.achievement", "must be an OB3 Achievement object"))
        raise CredentialValidationError(errors)
    if achievement is not validated_achievement:
        errors.extend(achievement_errors(achievement))
    if errors:
        raise CredentialValidationError(errors)


def achievement_errors(achievement: dict[str, Any], path: str = "credentialSubject.achievement") -> list[FieldError]:
    """Every problem of an OB3 Achievement carrying the EU micro-credential elements."""
    errors: list[FieldError] = []

    def need(ok: bool, where: str, message: str) -> None:
        if not ok:
            errors.append(FieldError(where, message))

    def element(key: str, where: str, what: str) -> None:
        message = f"EU micro-credential element '{EU_ELEMENTS[key]}' is missing or malformed: {what}"
        errors.append(FieldError(where, message))

    need(is_uri(achievement.get("id")), f"{path}.id", "must be a URI")
    need(isinstance(achievement.get("type"), list) and "Achievement" in achievement["type"], f"{path}.type",
         "must list Achievement")  # fmt: skip
    need(achievement.get("achievementType") == "MicroCredential", f"{path}.achievementType", "must be MicroCredential")
    if not is_text(achievement.get("name")):
        element("title", f"{path}.name", "a non-empty title")
    need(is_text(achievement.get("description")), f"{path}.description", "must be a non-empty string")
    criteria = achievement.get("criteria")
    need(isinstance(criteria, dict) and is_text(criteria.get("narrative")), f"{path}.criteria.narrative",
         "must describe how the achievement is earned")  # fmt: skip
    outcomes = achievement.get("learningOutcomes")
    if not (isinstance(outcomes, list) and outcomes and all(is_text(o) for o in outcomes)):
        element("learning_outcomes", f"{path}.learningOutcomes", "a non-empty list of outcome statements")
    hours, ects = achievement.get("workloadHours"), achievement.get("ectsCredits")
    if hours is None and ects is None:
        element("workload", f"{path}.workloadHours", "hours and/or ECTS credits (ectsCredits)")
    for name, value in (("workloadHours", hours), ("ectsCredits", ects)):
        if value is not None and not (_is_number(value) and 0 < value <= 10_000):
            element("workload", f"{path}.{name}", "a positive number")
    eqf, nqf = achievement.get("eqfLevel"), achievement.get("nqfLevel")
    if eqf is None and not is_text(nqf):
        element("level", f"{path}.eqfLevel", "an EQF level (1-8) and/or an NQF level (nqfLevel)")
    if eqf is not None and not (isinstance(eqf, int) and not isinstance(eqf, bool) and 1 <= eqf <= 8):
        element("level", f"{path}.eqfLevel", "an integer from 1 to 8")
    if not is_text(achievement.get("assessmentType")):
        element("assessment", f"{path}.assessmentType", "e.g. 'proctored online exam', 'project'")
    if achievement.get("participationForm") not in PARTICIPATION_FORMS:
        element("participation", f"{path}.participationForm", f"one of {', '.join(PARTICIPATION_FORMS)}")
    if not is_text(achievement.get("qualityAssurance")):
        element("quality_assurance", f"{path}.qualityAssurance", "e.g. 'accredited by <agency> (ESG)'")
    for index, entry in enumerate(achievement.get("alignment") or []):
        where = f"{path}.alignment[{index}]"
        if not isinstance(entry, dict) or not is_uri(entry.get("targetUrl")) or not is_text(entry.get("targetName")):
            errors.append(FieldError(where, "needs a targetName and a targetUrl URI"))
        elif entry.get("targetFramework") == "ESCO" and not entry["targetUrl"].startswith(ESCO_PREFIX):
            errors.append(FieldError(f"{where}.targetUrl", f"an ESCO alignment must point into {ESCO_PREFIX}"))
    return errors


def is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def is_uri(value: Any) -> bool:
    return isinstance(value, str) and bool(_URI.match(value))


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def proof_as_array(secured: dict[str, Any]) -> dict[str, Any]:
    """An Open Badge with its proof in a JSON array, even when it holds one proof: OB 3.0's JSON binding
    writes every 0..* property as an array (§ Serialization) and 1EdTech's JSON Schema requires it for
    `proof`; VC Data Integrity allows a single proof or a set, so the signature and every verifier are
    unaffected. Generic VCs signed through `sign_credential` keep the single object."""
    proof = secured.get("proof")
    return secured if isinstance(proof, list) else {**secured, "proof": [proof]}
