"""Library level, no chain: presentations of plain VCs (anchor.credentials.presentation), the encodedList of
BitstringStatusListCredentials (anchor.credentials.statuslist) and JSON rosters
(anchor.credentials.roster.parse_json_roster)."""

from __future__ import annotations

import base64
import copy
import gzip
from datetime import UTC, datetime
from functools import cache
from typing import Any

import pytest

from anchor.credentials.presentation import PRESENTATION_CHECKS, is_presentation, verify_presentation
from anchor.credentials.roster import parse_json_roster
from anchor.credentials.status import LIST_SIZE
from anchor.credentials.statuslist import bit_at, decode_list, encode_list
from anchor.credentials.verify import Verifier
from anchor.crypto.keys import SigningKey
from anchor.crypto.proofs import JCS, add_proof
from anchor.errors import ConfigurationError

VC_V2 = "https://www.w3.org/ns/credentials/v2"
NOW = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


# -- presentations ---------------------------------------------------------------------------------


@cache
def issuer() -> SigningKey:
    return SigningKey.generate()


@cache
def holder() -> SigningKey:
    return SigningKey.generate()


def verifier() -> Verifier:
    return Verifier(None, profile="vc")


def credential(subject_id: str | None = None, **changes: Any) -> dict[str, Any]:
    """A plain VC 2.0 credential signed by `issuer()`, about the holder unless another subject is given."""
    unsigned: dict[str, Any] = {
        "@context": [VC_V2],
        "type": ["VerifiableCredential"],
        "issuer": issuer().did,
        "credentialSubject": {"id": subject_id or holder().did, "name": "Ana"},
    }
    unsigned.update(changes)
    return add_proof(unsigned, issuer())


def presentation(*credentials: dict[str, Any], **changes: Any) -> dict[str, Any]:
    vp: dict[str, Any] = {
        "@context": [VC_V2],
        "type": ["VerifiablePresentation"],
        "holder": holder().did,
        "verifiableCredential": list(credentials),
    }
    vp.update(changes)
    return vp


def signed(vp: dict[str, Any], key: SigningKey | None = None, **options: Any) -> dict[str, Any]:
    return add_proof(vp, key or holder(), proof_purpose="authentication", **{"challenge": "c1", **options})


def outcomes(report: Any) -> dict[str, str]:
    return {check.name: check.outcome.value for check in report.checks}


def test_a_holder_signed_presentation_of_a_plain_vc_verifies_without_a_chain():
    report = verify_presentation(signed(presentation(credential())), verifier(), challenge="c1")
    assert report.verified, report.to_dict()
    assert tuple(outcomes(report)) == PRESENTATION_CHECKS
    assert outcomes(report) == {
        "presentation_schema": "pass", "presentation_proof": "pass", "challenge": "pass",
        "domain": "not_applicable", "holder_binding": "pass",
    }  # fmt: skip
    assert [r.verified for r in report.credentials] == [True]


def test_the_plain_vcs_anchoring_checks_are_not_applicable():
    report = verify_presentation(signed(presentation(credential())), verifier(), challenge="c1")
    checks = {c.name: c.outcome.value for c in report.credentials[0].checks}
    assert [checks[name] for name in ("merkle_inclusion", "anchored", "issuer_accredited")] == ["not_applicable"] * 3


def test_a_jcs_signed_presentation_verifies():
    vp = signed(presentation(credential()), cryptosuite=JCS)
    assert verify_presentation(vp, verifier(), challenge="c1").verified


def test_the_report_names_the_holder_and_the_presentation_id():
    vp = signed(presentation(credential(), id="urn:uuid:4a1b9b8e-2f6a-4a43-9f0b-6c1d1b3f6c11"))
    report = verify_presentation(vp, verifier())
    assert report.holder == holder().did
    assert report.presentation_id == "urn:uuid:4a1b9b8e-2f6a-4a43-9f0b-6c1d1b3f6c11"
    assert report.to_dict()["holder"] == holder().did


@pytest.mark.parametrize("document", ["a string", 42, None, [1, 2], ["VerifiablePresentation"]])
def test_a_presentation_that_is_not_an_object_fails_the_schema_check(document):
    report = verify_presentation(document, verifier())
    assert not report.verified
    assert outcomes(report) == {"presentation_schema": "fail"}
    assert report.credentials == []


def test_a_presentation_without_the_v2_context_fails_the_schema_check():
    report = verify_presentation(presentation(credential(), **{"@context": ["https://www.w3.org/2018/credentials/v1"]}),
                                 verifier(), require_proof=False)  # fmt: skip
    assert outcomes(report)["presentation_schema"] == "fail"
    assert "@context" in report.check("presentation_schema").reason


def test_a_presentation_whose_context_does_not_start_with_v2_fails_the_schema_check():
    vp = presentation(credential(), **{"@context": ["https://example.org/ctx", VC_V2]})
    assert outcomes(verify_presentation(vp, verifier(), require_proof=False))["presentation_schema"] == "fail"


def test_a_presentation_without_the_presentation_type_fails_the_schema_check():
    report = verify_presentation(presentation(credential(), type=["VerifiableCredential"]), verifier())
    assert outcomes(report)["presentation_schema"] == "fail"
    assert "VerifiablePresentation" in report.check("presentation_schema").reason


def test_an_enveloped_credential_fails_the_schema_check():
    vp = presentation(credential(), "data:application/vc+jwt,eyJ...")
    report = verify_presentation(vp, verifier(), require_proof=False)
    assert outcomes(report)["presentation_schema"] == "fail"
    assert len(report.credentials) == 1  # the object credential is still verified


def test_a_single_credential_object_counts_as_one_credential():
    vp = presentation(verifiableCredential=credential())
    report = verify_presentation(signed(vp), verifier())
    assert report.verified
    assert len(report.credentials) == 1


def test_a_presentation_without_proof_fails_when_a_proof_is_required():
    report = verify_presentation(presentation(credential()), verifier())
    assert not report.verified
    assert outcomes(report)["presentation_proof"] == "fail"


def test_a_presentation_without_proof_passes_when_none_is_required():
    unbound = add_proof({"@context": [VC_V2], "type": ["VerifiableCredential"], "issuer": issuer().did,
                         "credentialSubject": {"name": "Ana"}}, issuer())  # fmt: skip
    report = verify_presentation(presentation(unbound), verifier(), require_proof=False)
    assert report.verified
    assert outcomes(report)["presentation_proof"] == "not_applicable"


def test_without_proof_the_holders_bare_claim_binds_nothing():
    """Issue 19: holder binding passed on the holder's name alone; it needs a verified proof by the holder."""
    report = verify_presentation(presentation(credential()), verifier(), require_proof=False)
    assert not report.verified
    assert outcomes(report)["presentation_proof"] == "not_applicable"
    assert outcomes(report)["holder_binding"] == "fail"
    assert "no verified authentication proof by the holder" in report.check("holder_binding").reason


def test_a_presentation_signed_for_assertion_fails_the_proof_check():
    vp = add_proof(presentation(credential()), holder())  # proofPurpose assertionMethod
    report = verify_presentation(vp, verifier())
    assert outcomes(report)["presentation_proof"] == "fail"
    assert "authentication" in report.check("presentation_proof").reason


def test_a_presentation_signed_by_a_stranger_fails_the_proof_check():
    report = verify_presentation(signed(presentation(credential()), SigningKey.generate()), verifier())
    assert outcomes(report)["presentation_proof"] == "fail"
    assert holder().did in report.check("presentation_proof").reason


def test_a_changed_presentation_fails_the_proof_check():
    vp = signed(presentation(credential()))
    vp["verifiableCredential"].append(credential("did:example:someone-else"))
    assert outcomes(verify_presentation(vp, verifier()))["presentation_proof"] == "fail"


def test_a_replayed_presentation_fails_the_challenge_check():
    report = verify_presentation(signed(presentation(credential())), verifier(), challenge="c2")
    assert outcomes(report)["challenge"] == "fail"
    assert "replay" in report.check("challenge").reason


def test_an_asked_challenge_missing_from_the_proof_fails():
    vp = add_proof(presentation(credential()), holder(), proof_purpose="authentication")
    assert outcomes(verify_presentation(vp, verifier(), challenge="c1"))["challenge"] == "fail"


def test_a_domain_is_checked_like_the_challenge():
    vp = signed(presentation(credential()), domain="example.org")
    assert outcomes(verify_presentation(vp, verifier(), domain="example.org"))["domain"] == "pass"
    assert outcomes(verify_presentation(vp, verifier(), domain="evil.example"))["domain"] == "fail"


def test_a_credential_about_someone_else_fails_holder_binding():
    vp = signed(presentation(credential("did:example:someone-else")))
    report = verify_presentation(vp, verifier())
    assert outcomes(report)["holder_binding"] == "fail"
    assert [r.verified for r in report.credentials] == [True]


def test_credentials_naming_their_subject_need_a_holder():
    vp = presentation(credential())
    del vp["holder"]
    assert outcomes(verify_presentation(vp, verifier(), require_proof=False))["holder_binding"] == "fail"


def test_holder_binding_does_not_apply_when_no_subject_has_an_id():
    unsigned = {"@context": [VC_V2], "type": ["VerifiableCredential"], "issuer": issuer().did,
                "credentialSubject": {"name": "Ana"}}  # fmt: skip
    report = verify_presentation(signed(presentation(add_proof(unsigned, issuer()))), verifier())
    assert outcomes(report)["holder_binding"] == "not_applicable"
    assert report.verified


def test_a_holder_given_as_an_object_is_recognised():
    vp = signed(presentation(credential(), holder={"id": holder().did}))
    report = verify_presentation(vp, verifier())
    assert report.holder == holder().did
    assert report.verified


def test_a_tampered_credential_in_a_signed_presentation_fails_the_presentation():
    tampered = copy.deepcopy(credential())
    tampered["credentialSubject"]["name"] = "Eve"
    report = verify_presentation(signed(presentation(tampered)), verifier())
    assert outcomes(report)["presentation_proof"] == "pass"
    assert not report.credentials[0].verified
    assert not report.verified


def test_an_invalid_credential_in_a_presentation_fails_its_schema_check():
    invalid = {"@context": [VC_V2], "type": ["VerifiableCredential"], "credentialSubject": {"id": holder().did}}
    report = verify_presentation(signed(presentation(invalid)), verifier())
    assert outcomes(report)["presentation_schema"] == "pass"
    inner = {c.name: c.outcome.value for c in report.credentials[0].checks}
    assert inner["schema"] == "fail"
    assert not report.verified


def test_a_credential_subject_id_that_is_a_list_fails_a_check_instead_of_raising():
    odd = {"@context": [VC_V2], "type": ["VerifiableCredential"], "credentialSubject": {"id": [holder().did]}}
    report = verify_presentation(presentation(odd), verifier(), require_proof=False)
    assert not report.verified


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ({"type": ["VerifiablePresentation"]}, True),
        ({"type": "VerifiablePresentation"}, True),
        ({"type": ["VerifiablePresentation", "ExamplePresentation"]}, True),
        ({"type": ["VerifiableCredential"]}, False),
        ({}, False),
        ([{"type": ["VerifiablePresentation"]}], False),
        ("VerifiablePresentation", False),
        (None, False),
    ],
)
def test_is_presentation(document, expected):
    assert is_presentation(document) is expected


# -- status list encoding --------------------------------------------------------------------------


def test_encode_then_decode_gives_the_same_bits_back():
    bits = bytes(range(256)) * (LIST_SIZE // 8 // 256)
    assert decode_list(encode_list(bits)) == bits


def test_an_empty_list_round_trips():
    bits = bytes(LIST_SIZE // 8)
    encoded = encode_list(bits)
    assert decode_list(encoded) == bits
    assert len(encoded) < 200  # a GZIP of zeros is small


def test_the_encoded_list_is_multibase_base64url_without_padding():
    encoded = encode_list(bytes([0xFF, 0x00, 0x7F]) * 1000)
    assert encoded.startswith("u")
    assert "=" not in encoded and "+" not in encoded and "/" not in encoded


def test_the_encoded_list_is_gzip():
    raw = encode_list(b"\x01\x02\x03")[1:]
    assert gzip.decompress(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))) == b"\x01\x02\x03"


def test_encoding_is_deterministic():
    bits = bytes([0b1010_0000]) + bytes(100)
    assert encode_list(bits) == encode_list(bits)


def test_index_zero_is_the_most_significant_bit_of_byte_zero():
    bits = bytes([0b1000_0000, 0])
    assert [bit_at(bits, i) for i in range(16)] == [True] + [False] * 15


def test_index_seven_is_the_least_significant_bit_of_byte_zero():
    bits = bytes([0b0000_0001, 0])
    assert [i for i in range(16) if bit_at(bits, i)] == [7]


def test_index_eight_is_the_most_significant_bit_of_byte_one():
    bits = bytes([0, 0b1000_0000])
    assert [i for i in range(16) if bit_at(bits, i)] == [8]


def test_bit_positions_survive_the_round_trip():
    bits = bytearray(LIST_SIZE // 8)
    for index in (0, 9, 94_567, LIST_SIZE - 1):
        bits[index // 8] |= 0x80 >> (index % 8)
    decoded = decode_list(encode_list(bytes(bits)))
    assert [i for i in (0, 1, 8, 9, 10, 94_566, 94_567, LIST_SIZE - 2, LIST_SIZE - 1) if bit_at(decoded, i)] == [
        0, 9, 94_567, LIST_SIZE - 1,
    ]  # fmt: skip


@pytest.mark.parametrize("text", ["", "zABC", "H4sIAAAAAAAA", "Uabc", "mABC"])
def test_decode_list_refuses_text_that_is_not_base64url_multibase(text):
    with pytest.raises(ConfigurationError, match="base64url"):
        decode_list(text)


# -- JSON rosters ----------------------------------------------------------------------------------


def entry(**changes: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "learner": {"name": "Ana Silva", "email": "ana@example.org", "did": "did:example:ana"},
        "achievement": {
            "title": "Data Literacy Foundations",
            "description": "Reading, questioning and presenting data.",
            "learning_outcomes": ["Read and critique charts", "Clean a small data set"],
            "workload_hours": 50,
            "ects_credits": 2,
            "eqf_level": 5,
            "assessment_type": "Online examination",
            "participation_form": "online",
            "quality_assurance": "Internal quality assurance",
            "skills": [{"uri": "http://data.europa.eu/esco/skill/aeecc330", "label": "data analytics"}],
        },
        "grade": "A",
        "issued_on": "2026-04-20",
    }
    item.update(changes)
    return item


def achievement(**changes: Any) -> dict[str, Any]:
    changed = entry()
    changed["achievement"].update(changes)
    return changed


def rows(data: Any) -> list[Any]:
    return list(parse_json_roster(data, now=NOW))


def test_a_good_object_gives_one_valid_row():
    (row,) = rows(entry())
    assert (row.line, row.learner_name, row.errors) == (1, "Ana Silva", ())
    assert row.spec is not None and row.award is not None
    assert row.spec.title == "Data Literacy Foundations"
    assert row.spec.learning_outcomes == ("Read and critique charts", "Clean a small data set")
    assert [(s.uri, s.name) for s in row.spec.skills] == [
        ("http://data.europa.eu/esco/skill/aeecc330", "data analytics")
    ]
    assert row.award.learner.did == "did:example:ana"
    assert row.award.grade == "A"
    assert row.award.issued_on == datetime(2026, 4, 20, tzinfo=UTC)
    assert row.dated is True


def test_an_undated_entry_is_issued_now():
    item = entry()
    del item["issued_on"]
    (row,) = rows(item)
    assert row.award.issued_on == NOW
    assert row.dated is False


def test_a_list_gives_one_row_per_entry_numbered_from_one():
    parsed = rows([entry(), entry(learner={"name": "Kwame Mensah"})])
    assert [(r.line, r.learner_name, r.errors) for r in parsed] == [(1, "Ana Silva", ()), (2, "Kwame Mensah", ())]


def test_an_empty_list_gives_no_rows():
    assert rows([]) == []


@pytest.mark.parametrize("item", [1, "Ana", None, [], {"achievement": {}}, {"learner": "Ana"}])
def test_an_entry_that_is_not_an_object_with_a_learner_gives_a_row_with_an_error(item):
    parsed = rows([entry(), item, entry()])
    assert [r.line for r in parsed] == [1, 2, 3]
    bad = parsed[1]
    assert bad.spec is None and bad.award is None
    assert bad.errors == ("each entry must be an object with learner and achievement",)
    assert parsed[0].errors == parsed[2].errors == ()


@pytest.mark.parametrize("value", [None, "a title", [1], 5])
def test_an_achievement_that_is_not_an_object_gives_a_row_with_an_error(value):
    (row,) = rows(entry(achievement=value))
    assert (row.learner_name, row.spec, row.errors) == ("Ana Silva", None, ("achievement: required, an object",))


def test_an_unknown_achievement_element_gives_a_row_with_an_error_naming_it():
    (row,) = rows(achievement(colour="red"))
    assert row.spec is None and row.award is None
    assert any(error.startswith("achievement.colour: unknown element") for error in row.errors), row.errors


def test_an_unknown_achievement_element_is_the_only_error_reported():
    (row,) = rows(achievement(colour="red"))
    assert len(row.errors) == 1, row.errors


@pytest.mark.parametrize(
    "skills", ["data analytics", ["data analytics"], {"uri": "u", "label": "l"}, [{"uri": "u"}, 5]]
)
def test_skills_that_are_not_a_list_of_objects_give_a_row_with_an_error(skills):
    (row,) = rows(achievement(skills=skills))
    assert row.spec is None and row.award is None
    assert "skill_uris: skills must be a list of {uri, label} objects" in row.errors


def test_a_skill_without_a_label_gives_a_row_with_an_error():
    (row,) = rows(achievement(skills=[{"uri": "http://data.europa.eu/esco/skill/x"}]))
    assert row.spec is None
    assert any("skill_labels" in error for error in row.errors), row.errors


def test_a_missing_required_element_gives_a_row_with_an_error():
    item = entry()
    del item["achievement"]["quality_assurance"]
    (row,) = rows(item)
    assert row.spec is None
    assert row.errors == ("quality_assurance: required, but empty",)


@pytest.mark.parametrize(
    ("changes", "column"),
    [
        ({"eqf_level": "five"}, "eqf_level"),
        ({"ects_credits": "two"}, "ects_credits"),
        ({"eqf_level": 5.5}, "eqf_level"),
    ],
)
def test_a_number_that_is_not_one_gives_a_row_with_an_error(changes, column):
    (row,) = rows(achievement(**changes))
    assert row.spec is None
    assert [e for e in row.errors if e.startswith(f"{column}:")], row.errors


def test_a_date_that_is_not_one_gives_a_row_with_an_error():
    (row,) = rows(entry(issued_on="yesterday"))
    assert row.spec is None
    assert row.errors == ("issued_on: 'yesterday' is not a date (YYYY-MM-DD) or ISO date-time",)


def test_a_bad_entry_does_not_stop_the_rows_after_it():
    parsed = rows([entry(achievement=None), achievement(skills="x"), achievement(colour="red"), entry()])
    assert [bool(r.errors) for r in parsed] == [True, True, True, False]
