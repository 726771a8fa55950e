"""The OB 3.0 micro-credential model: what build_credential writes and what validate_credential refuses."""

from __future__ import annotations

import copy
import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from anchor.credentials.model import (
    EU_ELEMENTS,
    Award,
    AwardingBody,
    CredentialValidationError,
    Learner,
    MicroCredentialSpec,
    Skill,
    build_achievement,
    build_credential,
    validate_credential,
    xsd_datetime,
)
from anchor.crypto.jsonld import CREDANCHOR_TERMS, MICROCREDENTIAL_V1, OB_V3, VC_V2, document_loader
from anchor.crypto.proofs import canonical_rdf

ISSUER_DID = "did:web:uni.example"
ESCO_SKILL = "http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d"
ISSUED = datetime(2026, 6, 30, 9, 30, tzinfo=UTC)
ACHIEVEMENT = "credentialSubject.achievement"

BODY = AwardingBody(
    did=ISSUER_DID, name="Universidade Exemplo", country_code="PT", region="Lisboa", url="https://uni.example"
)
SPEC = MicroCredentialSpec(
    title="Data Literacy Essentials",
    description="Reading, cleaning and charting tabular data.",
    learning_outcomes=("Clean a tabular data set", "Choose a chart that answers a question"),
    assessment_type="Project assessed by two examiners",
    participation_form="online",
    quality_assurance="Internal QA under ISO 21001",
    workload_hours=75.0,
    ects_credits=2.5,
    eqf_level=5,
    prerequisites=("Basic spreadsheet use",),
    skills=(Skill(ESCO_SKILL, "data analytics"),),
    stackability="Counts towards the Certificate in Applied Data Skills",
)
LEARNER = Learner(name="Ana Sousa", email="  Ana.Sousa@Example.org ", did="did:example:ana")


def build(spec: MicroCredentialSpec = SPEC, learner: Learner = LEARNER, **award: Any) -> dict[str, Any]:
    award.setdefault("issued_on", ISSUED)
    award.setdefault("credential_id", "urn:uuid:7c1e6a4e-5f6f-4b0e-9b8a-6f1d2b3c4d5e")
    return build_credential(BODY, spec, Award(learner=learner, **award))


def at(document: Any, path: str) -> tuple[Any, str | int]:
    """The container and key/index a dotted path (`a.b.0.c`) ends at."""
    *parents, last = path.split(".")
    for step in parents:
        document = document[int(step)] if isinstance(document, list) else document[step]
    return document, int(last) if isinstance(document, list) else last


def changed(credential: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A deep copy of `credential` with `path` set to `value`, or removed when value is DELETE."""
    result = copy.deepcopy(credential)
    parent, key = at(result, path)
    if value is DELETE:
        del parent[key]
    else:
        parent[key] = value
    return result


DELETE = object()


def validation_errors(credential: Any) -> list[str]:
    return validation_errors_with(credential)


def validation_errors_with(credential: Any, **options: Any) -> list[str]:
    with pytest.raises(CredentialValidationError) as caught:
        validate_credential(credential, **options)
    assert str(caught.value).startswith("invalid micro-credential: ")
    return [str(error) for error in caught.value.errors]


# -- build_credential ------------------------------------------------------------------------------


def test_contexts_and_types():
    credential = build()
    assert credential["@context"] == [VC_V2, OB_V3, CREDANCHOR_TERMS]
    # Only contexts their owners publish, then the inline object: no credanchor-owned context URL.
    assert credential["@context"][:2] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert isinstance(credential["@context"][2], dict)
    assert credential["@context"][2]["@protected"] is True
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["credentialSubject"]["type"] == ["AchievementSubject"]
    assert credential["credentialSubject"]["achievement"]["type"] == ["Achievement"]
    assert credential["credentialSubject"]["achievement"]["achievementType"] == "MicroCredential"


def test_the_eleven_eu_elements_live_where_the_module_says():
    credential = build()
    subject = credential["credentialSubject"]
    achievement = subject["achievement"]
    issuer = credential["issuer"]
    # identification of the learner
    assert {i["identityType"] for i in subject["identifier"]} == {"name", "emailAddress"}
    assert all(i["type"] == "IdentityObject" for i in subject["identifier"])
    assert subject["id"] == "did:example:ana"
    # title
    assert achievement["name"] == credential["name"] == "Data Literacy Essentials"
    # country/region of the issuer
    assert issuer["address"] == {"type": ["Address"], "addressCountryCode": "PT", "addressRegion": "Lisboa"}
    # awarding body
    assert issuer["id"] == ISSUER_DID
    assert issuer["type"] == ["Profile"]
    assert issuer["name"] == "Universidade Exemplo"
    assert issuer["url"] == "https://uni.example"
    # date of issue
    assert credential["validFrom"] == credential["awardedDate"] == "2026-06-30T09:30:00Z"
    # learning outcomes
    assert achievement["learningOutcomes"] == ["Clean a tabular data set", "Choose a chart that answers a question"]
    # notional workload
    assert achievement["workloadHours"] == 75
    assert achievement["ectsCredits"] == achievement["creditsAvailable"] == subject["creditsEarned"] == 2.5
    # level
    assert achievement["eqfLevel"] == 5
    # type of assessment, form of participation, type of quality assurance
    assert achievement["assessmentType"] == "Project assessed by two examiners"
    assert achievement["participationForm"] == "online"
    assert achievement["qualityAssurance"] == "Internal QA under ISO 21001"
    # optional elements
    assert achievement["prerequisites"] == ["Basic spreadsheet use"]
    assert achievement["stackability"] == "Counts towards the Certificate in Applied Data Skills"
    assert achievement["criteria"] == {"narrative": "Clean a tabular data set; Choose a chart that answers a question"}


def test_nqf_level_and_no_optional_fields():
    spec = MicroCredentialSpec(
        title="Safety",
        description="Site safety.",
        learning_outcomes=("Spot hazards",),
        assessment_type="Quiz",
        participation_form="onsite",
        quality_assurance="DGERT",
        workload_hours=16,
        nqf_level="NQF 3 (PT)",
    )
    credential = build(spec, Learner(name="Zoë Ñúñez"))
    achievement = credential["credentialSubject"]["achievement"]
    assert achievement["nqfLevel"] == "NQF 3 (PT)"
    for absent in (
        "eqfLevel",
        "ectsCredits",
        "creditsAvailable",
        "alignment",
        "prerequisites",
        "stackability",
        "resultDescription",
    ):
        assert absent not in achievement
    subject = credential["credentialSubject"]
    assert "id" not in subject and "result" not in subject and "creditsEarned" not in subject
    assert subject["identifier"] == [
        {"type": "IdentityObject", "identityType": "name", "hashed": False, "identityHash": "Zoë Ñúñez"}
    ]
    validate_credential(credential)


def test_the_email_is_salted_and_hashed_and_can_be_recomputed():
    credential = build()
    (email,) = [i for i in credential["credentialSubject"]["identifier"] if i["identityType"] == "emailAddress"]
    assert email["hashed"] is True
    assert email["identityHash"].startswith("sha256$")
    assert "example.org" not in json.dumps(credential).lower()
    # whoever knows the address (normalized: trimmed, lower-case) and the salt can recompute the hash
    expected = hashlib.sha256(("ana.sousa@example.org" + email["salt"]).encode()).hexdigest()
    assert email["identityHash"] == f"sha256${expected}"
    assert (
        email["identityHash"]
        != "sha256$" + hashlib.sha256(b"someone.else@example.org" + email["salt"].encode()).hexdigest()
    )


def test_each_credential_gets_a_fresh_salt():
    salts = {next(i["salt"] for i in build()["credentialSubject"]["identifier"] if i.get("hashed")) for _ in range(5)}
    assert len(salts) == 5


def test_a_grade_becomes_a_result_and_its_result_description():
    subject = build(grade="91%")["credentialSubject"]
    (description,) = subject["achievement"]["resultDescription"]
    assert description["type"] == ["ResultDescription"]
    assert description["resultType"] == "Result"
    assert description["id"] == subject["achievement"]["id"] + "#grade"
    assert subject["result"] == [{"type": ["Result"], "resultDescription": description["id"], "value": "91%"}]


def test_a_grade_does_not_change_a_shared_achievement():
    shared = build_achievement(BODY, SPEC)
    before = copy.deepcopy(shared)
    credential = build_credential(BODY, SPEC, Award(LEARNER, ISSUED, grade="A"), achievement=shared)
    assert shared == before
    assert "resultDescription" in credential["credentialSubject"]["achievement"]


def test_a_prevalidated_achievement_is_skipped_only_when_it_is_that_very_object():
    credential = changed(build(), f"{ACHIEVEMENT}.learningOutcomes", [])
    broken = credential["credentialSubject"]["achievement"]
    validate_credential(credential, validated_achievement=broken)  # the caller vouches for this object
    errors = validation_errors_with(credential, validated_achievement=copy.deepcopy(broken))
    assert [e.split(":", 1)[0] for e in errors] == [f"{ACHIEVEMENT}.learningOutcomes"]


def test_eqf_and_esco_alignments():
    alignment = build()["credentialSubject"]["achievement"]["alignment"]
    assert alignment == [
        {
            "type": ["Alignment"],
            "targetName": "data analytics",
            "targetUrl": ESCO_SKILL,
            "targetFramework": "ESCO",
            "targetType": "ceasn:Competency",
        },
        {
            "type": ["Alignment"],
            "targetName": "EQF level 5",
            "targetUrl": "http://data.europa.eu/snb/eqf/5",
            "targetFramework": "European Qualifications Framework",
        },
    ]


@pytest.mark.parametrize("level", [1, 4, 8])
def test_the_eqf_alignment_follows_the_level(level):
    spec = MicroCredentialSpec(**{**SPEC.__dict__, "eqf_level": level, "skills": ()})
    (eqf,) = build(spec)["credentialSubject"]["achievement"]["alignment"]
    assert eqf["targetUrl"] == f"http://data.europa.eu/snb/eqf/{level}"


def test_whole_numbers_are_json_integers_and_fractions_stay_floats():
    spec = MicroCredentialSpec(**{**SPEC.__dict__, "workload_hours": 30.0, "ects_credits": 1.5})
    credential = build(spec)
    achievement = credential["credentialSubject"]["achievement"]
    assert type(achievement["workloadHours"]) is int and achievement["workloadHours"] == 30
    assert type(achievement["ectsCredits"]) is float and achievement["ectsCredits"] == 1.5
    text = json.dumps(credential)
    assert '"workloadHours": 30,' in text
    assert '"creditsEarned": 1.5' in text

    whole = build(MicroCredentialSpec(**{**SPEC.__dict__, "ects_credits": 6.0}))
    for value in (
        whole["credentialSubject"]["achievement"]["ectsCredits"],
        whole["credentialSubject"]["achievement"]["creditsAvailable"],
        whole["credentialSubject"]["creditsEarned"],
    ):
        assert type(value) is int and value == 6


def test_dates_are_xsd_datetimes_in_utc():
    lisbon_summer = timezone(timedelta(hours=1))
    credential = build(
        issued_on=datetime(2026, 7, 1, 0, 15, 59, 999, tzinfo=lisbon_summer),
        valid_until=datetime(2029, 7, 1, tzinfo=UTC),
    )
    assert credential["validFrom"] == "2026-06-30T23:15:59Z"
    assert credential["validUntil"] == "2029-07-01T00:00:00Z"


def test_a_date_without_a_time_zone_is_refused():
    with pytest.raises(CredentialValidationError, match="has no time zone"):
        xsd_datetime(datetime(2026, 6, 30, 9, 30))
    with pytest.raises(CredentialValidationError, match="has no time zone"):
        build(issued_on=datetime(2026, 6, 30))


def test_credential_ids_are_urns():
    assert build()["id"] == "urn:uuid:7c1e6a4e-5f6f-4b0e-9b8a-6f1d2b3c4d5e"
    fresh = build(credential_id=None)["id"]
    assert fresh.startswith("urn:uuid:") and fresh != build(credential_id=None)["id"]


def test_extension_terms_are_defined_and_signed_in_rdf():
    """Every EU extension value reaches the canonical N-Quads (none is silently dropped)."""
    credential = build(MicroCredentialSpec(**{**SPEC.__dict__, "nqf_level": "NQF 5"}), grade="A")
    nquads = canonical_rdf(credential, document_loader())
    for term in (
        "learningOutcomes",
        "workloadHours",
        "ectsCredits",
        "eqfLevel",
        "nqfLevel",
        "assessmentType",
        "participationForm",
        "qualityAssurance",
        "prerequisites",
        "stackability",
    ):
        assert f"<https://w3id.org/credanchor/microcredential#{term}>" in nquads, term
    assert '"Internal QA under ISO 21001"' in nquads
    assert "<https://purl.imsglobal.org/spec/vc/ob/vocab.html#achievementType>" in nquads


# -- validate_credential ---------------------------------------------------------------------------


def test_built_credentials_pass_validation():
    validate_credential(build())
    validate_credential(build(grade="B", valid_until=datetime(2030, 1, 1, tzinfo=UTC)))
    validate_credential(build(learner=Learner(name="Li Wei", email="li@example.org")))
    validate_credential(
        build(learner=Learner(name="No Mail", did="did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4"))
    )


# (EU element key, path, new value or DELETE) — each breaks exactly one EU element
EU_BREAKAGES = [
    ("learner", "credentialSubject.identifier", DELETE),
    ("learner", "credentialSubject.identifier", [{"type": "IdentityObject", "identityType": "emailAddress"}]),
    ("title", f"{ACHIEVEMENT}.name", DELETE),
    ("title", f"{ACHIEVEMENT}.name", "   "),
    ("country", "issuer.address", DELETE),
    ("country", "issuer.address.addressCountryCode", "Portugal"),
    ("country", "issuer.address.addressCountryCode", "pt"),
    ("awarding_body", "issuer", DELETE),
    ("awarding_body", "issuer", "did:web:uni.example"),
    ("awarding_body", "issuer.id", "https://uni.example"),
    ("awarding_body", "issuer.name", ""),
    ("date_of_issue", "validFrom", DELETE),
    ("date_of_issue", "validFrom", "2026-06-30"),
    ("date_of_issue", "validFrom", "2026-06-30T09:30:00"),
    ("learning_outcomes", f"{ACHIEVEMENT}.learningOutcomes", DELETE),
    ("learning_outcomes", f"{ACHIEVEMENT}.learningOutcomes", []),
    ("learning_outcomes", f"{ACHIEVEMENT}.learningOutcomes", ["Clean data", " "]),
    ("learning_outcomes", f"{ACHIEVEMENT}.learningOutcomes", "Clean data"),
    ("workload", f"{ACHIEVEMENT}.workloadHours", -1),
    ("workload", f"{ACHIEVEMENT}.workloadHours", "75"),
    ("workload", f"{ACHIEVEMENT}.ectsCredits", 0),
    ("workload", f"{ACHIEVEMENT}.ectsCredits", True),
    ("level", f"{ACHIEVEMENT}.eqfLevel", DELETE),
    ("level", f"{ACHIEVEMENT}.eqfLevel", 9),
    ("level", f"{ACHIEVEMENT}.eqfLevel", 0),
    ("level", f"{ACHIEVEMENT}.eqfLevel", True),
    ("level", f"{ACHIEVEMENT}.eqfLevel", "5"),
    ("level", f"{ACHIEVEMENT}.eqfLevel", 5.0),
    ("assessment", f"{ACHIEVEMENT}.assessmentType", DELETE),
    ("assessment", f"{ACHIEVEMENT}.assessmentType", ""),
    ("participation", f"{ACHIEVEMENT}.participationForm", DELETE),
    ("participation", f"{ACHIEVEMENT}.participationForm", "remote"),
    ("participation", f"{ACHIEVEMENT}.participationForm", "Online"),
    ("quality_assurance", f"{ACHIEVEMENT}.qualityAssurance", DELETE),
    ("quality_assurance", f"{ACHIEVEMENT}.qualityAssurance", 42),
]


def _without_learner_id(credential: dict[str, Any]) -> dict[str, Any]:
    # a subject id alone also identifies the learner: drop it so the identifier is what counts
    return changed(credential, "credentialSubject.id", DELETE)


@pytest.mark.parametrize(
    ("element", "path", "value"),
    EU_BREAKAGES,
    ids=[f"{e}-{p.rsplit('.', 1)[-1]}-{i}" for i, (e, p, _) in enumerate(EU_BREAKAGES)],
)
def test_each_eu_element_is_required(element, path, value):
    credential = _without_learner_id(build())
    validate_credential(credential)  # the starting point is valid
    errors = validation_errors(changed(credential, path, value))
    name = EU_ELEMENTS[element]
    mine = [e for e in errors if f"EU micro-credential element '{name}' is missing or malformed" in e]
    assert mine, errors
    # the message names the JSON path of the element (the element itself or the field inside it)
    expected_paths = {path, *(f"{path}.{child}" for child in ("id", "name", "addressCountryCode"))}
    assert any(e.split(": ", 1)[0] in expected_paths for e in mine), (mine, expected_paths)
    assert all(f"'{name}'" in e for e in errors if "EU micro-credential element" in e), errors


def test_the_workload_needs_hours_or_credits():
    credential = changed(build(), f"{ACHIEVEMENT}.ectsCredits", DELETE)
    validate_credential(credential)  # hours alone are enough
    validate_credential(changed(build(), f"{ACHIEVEMENT}.workloadHours", DELETE))  # credits alone too
    errors = validation_errors(changed(credential, f"{ACHIEVEMENT}.workloadHours", DELETE))
    assert errors == [
        f"{ACHIEVEMENT}.workloadHours: EU micro-credential element 'notional workload' is missing or malformed: "
        "hours and/or ECTS credits (ectsCredits)"
    ]


def test_an_nqf_level_alone_is_a_level():
    credential = changed(build(), f"{ACHIEVEMENT}.eqfLevel", DELETE)
    errors = validation_errors(credential)
    assert any(e.startswith(f"{ACHIEVEMENT}.eqfLevel: EU micro-credential element 'level (EQF/NQF)'") for e in errors)
    validate_credential(changed(credential, f"{ACHIEVEMENT}.nqfLevel", "NQF 5"))


@pytest.mark.parametrize("form", ["online", "onsite", "blended", "volunteering", "work-experience"])
def test_every_allowed_participation_form_passes(form):
    validate_credential(changed(build(), f"{ACHIEVEMENT}.participationForm", form))


def test_several_problems_are_reported_at_once():
    credential = build()
    for path in (f"{ACHIEVEMENT}.learningOutcomes", f"{ACHIEVEMENT}.qualityAssurance", "validFrom"):
        credential = changed(credential, path, DELETE)
    credential = changed(credential, f"{ACHIEVEMENT}.eqfLevel", 12)
    credential = changed(credential, "issuer.address.addressCountryCode", "PRT")
    errors = validation_errors(credential)
    assert [e.split(":", 1)[0] for e in errors] == [
        "issuer.address.addressCountryCode",
        "validFrom",
        f"{ACHIEVEMENT}.learningOutcomes",
        f"{ACHIEVEMENT}.eqfLevel",
        f"{ACHIEVEMENT}.qualityAssurance",
    ]
    with pytest.raises(CredentialValidationError) as caught:
        validate_credential(credential)
    for name in (
        "country/region of the issuer",
        "date of issue",
        "learning outcomes",
        "level (EQF/NQF)",
        "type of quality assurance",
    ):
        assert f"'{name}'" in str(caught.value)


@pytest.mark.parametrize("value", [None, "a credential", ["list"], 42])
def test_a_credential_must_be_an_object(value):
    assert validation_errors(value) == ["$: a credential is a JSON object"]


def test_a_missing_subject_or_achievement_is_named():
    assert validation_errors(changed(build(), "credentialSubject", DELETE)) == [
        "credentialSubject: must be an AchievementSubject object"
    ]
    assert validation_errors(changed(build(), ACHIEVEMENT, "urn:uuid:1")) == [
        f"{ACHIEVEMENT}: must be an OB3 Achievement object"
    ]


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ("@context", [OB_V3, VC_V2, CREDANCHOR_TERMS], f"@context: must start with {VC_V2}"),
        ("@context", [VC_V2, CREDANCHOR_TERMS], f"@context: must include the Open Badges 3.0 context {OB_V3}"),
        ("@context", [VC_V2, OB_V3], "@context: must include credanchor's inline context object"),
        (
            "@context",
            [VC_V2, OB_V3, {**CREDANCHOR_TERMS, "ectsCredits": {"@id": "https://example.org/other"}}],
            "@context: must include credanchor's inline context object",
        ),
        ("@context", VC_V2, "@context: must be a list of contexts"),
        ("type", ["VerifiableCredential"], "type: must list VerifiableCredential and OpenBadgeCredential"),
        ("id", "not a uri", "id: must be a URI"),
        ("credentialSubject.id", "ana", "credentialSubject.id: must be a URI"),
        (f"{ACHIEVEMENT}.achievementType", "Badge", f"{ACHIEVEMENT}.achievementType: must be MicroCredential"),
        (f"{ACHIEVEMENT}.criteria", {}, f"{ACHIEVEMENT}.criteria.narrative: must describe how"),
    ],
)
def test_other_required_fields(path, value, expected):
    (error,) = validation_errors(changed(build(), path, value))
    assert error.startswith(expected)


def test_a_credential_issued_before_issue_15_with_the_legacy_context_still_validates():
    legacy = {**build(), "@context": [VC_V2, OB_V3, MICROCREDENTIAL_V1]}
    validate_credential(legacy)  # raises when invalid
    with pytest.raises(CredentialValidationError):
        validate_credential({**legacy, "@context": [VC_V2, OB_V3]})


def test_the_inline_terms_are_the_legacy_context_s_terms_so_old_and_new_graphs_agree():
    new = build()
    legacy = {**new, "@context": [VC_V2, OB_V3, MICROCREDENTIAL_V1]}
    assert canonical_rdf(new, document_loader()) == canonical_rdf(legacy, document_loader())


def test_an_esco_alignment_must_point_into_esco():
    bad = "https://skills.example.com/data-analytics"
    errors = validation_errors(changed(build(), f"{ACHIEVEMENT}.alignment.0.targetUrl", bad))
    assert errors == [
        f"{ACHIEVEMENT}.alignment[0].targetUrl: an ESCO alignment must point into http://data.europa.eu/esco/"
    ]
    # the builder does not check skills: validation is what catches a wrong URI from a roster
    spec = MicroCredentialSpec(**{**SPEC.__dict__, "skills": (Skill(ESCO_SKILL, "ok"), Skill(bad, "not ESCO"))})
    assert [e.split(":", 1)[0] for e in validation_errors(build(spec))] == [f"{ACHIEVEMENT}.alignment[1].targetUrl"]


def test_a_non_esco_framework_may_use_any_url():
    credential = changed(build(), f"{ACHIEVEMENT}.alignment.0.targetFramework", "O*NET")
    validate_credential(changed(credential, f"{ACHIEVEMENT}.alignment.0.targetUrl", "https://www.onetonline.org/x"))


@pytest.mark.parametrize("entry", [{"targetName": "x"}, {"targetUrl": ESCO_SKILL}, "http://data.europa.eu/esco/x"])
def test_an_alignment_needs_a_name_and_a_url(entry):
    errors = validation_errors(changed(build(), f"{ACHIEVEMENT}.alignment.0", entry))
    assert errors == [f"{ACHIEVEMENT}.alignment[0]: needs a targetName and a targetUrl URI"]


@pytest.mark.parametrize("field", ["validFrom", "validUntil", "awardedDate"])
@pytest.mark.parametrize("value", ["2026-06-30T09:30:00", "2026-06-30", "30/06/2026 09:30Z", 1782811800])
def test_xsd_datetimes_need_a_time_zone(field, value):
    errors = validation_errors(changed(build(valid_until=datetime(2030, 1, 1, tzinfo=UTC)), field, value))
    (error,) = errors
    assert error.startswith(f"{field}: ")
    assert "time zone" in error


@pytest.mark.parametrize("value", ["2026-06-30T09:30:00Z", "2026-06-30T09:30:00.123Z", "2026-06-30T10:30:00+01:00"])
def test_xsd_datetimes_with_a_zone_pass(value):
    validate_credential(changed(build(), "validFrom", value))
