"""Stacked credentials without a chain (anchor.credentials.stacking): rules as data, digests, issuing and the stack
report. A `vc`-profile Verifier without a chain verifies unanchored components in full (their anchoring
checks are not applicable), so shown components can pass here; tests/integration/test_stacking.py
does the same on chains, with anchoring, revocation and accreditation."""

from __future__ import annotations

import base64
import copy
import json
from dataclasses import replace
from datetime import UTC, datetime
from functools import cache
from typing import Any

import pytest

from anchor.credentials.anchor_proofs import ANCHOR_PROOF_TYPE
from anchor.credentials.issuance import CredentialIssuer
from anchor.credentials.model import Award, AwardingBody, Learner
from anchor.credentials.presentation import verify_presentation
from anchor.credentials.stacking import (
    STACK_CHECKS,
    ComponentSummary,
    StackRules,
    StackRulesError,
    component_digest,
    decode_digest,
    digest_matches,
    is_stack,
    issue_stack,
    stack_references,
    stack_spec,
    verify_stack,
)
from anchor.credentials.verify import CHECKS, Verifier
from anchor.crypto.keys import SigningKey
from anchor.crypto.multibase import base58_encode
from anchor.crypto.proofs import JCS, RDFC, add_proof
from anchor.errors import ConfigurationError
from anchor.tools.bench import BENCH_SPEC

WHEN = datetime(2026, 3, 1, tzinfo=UTC)
STATISTICS = replace(BENCH_SPEC, title="Applied Statistics", ects_credits=4.5, workload_hours=110, eqf_level=6)
INTRO = replace(BENCH_SPEC, title="Spreadsheets for Beginners", ects_credits=2, workload_hours=50, eqf_level=3)
RULES = StackRules(("Data Literacy Essentials", "applied statistics"), min_ects=6, min_eqf_level=5, min_components=2)


@cache
def key(name: str) -> SigningKey:
    return SigningKey.generate()


def issuer(name: str, cryptosuite: str = RDFC, status: Any = None) -> CredentialIssuer:
    return CredentialIssuer(AwardingBody(key(name).did, name, "PT"), key(name), cryptosuite=cryptosuite, status=status)


def learner() -> Learner:
    return Learner("Ana Silva", "ana@example.org", key("holder").did)


@cache
def _components() -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    data = issuer("Universidade A").issue(BENCH_SPEC, Award(learner(), WHEN, grade="B"))
    statistics = issuer("Politécnico B").issue(STATISTICS, Award(learner(), WHEN))
    intro = issuer("Politécnico B").issue(INTRO, Award(learner(), WHEN))
    return data, statistics, intro


def components() -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    return copy.deepcopy(_components())


def certificate_spec(parts: list[dict[str, Any]], rules: StackRules = RULES) -> Any:
    return stack_spec("Certificate in Applied Data Skills", "Data literacy and statistics", parts, rules=rules)


@cache
def _macro() -> dict[str, Any]:
    data, statistics, _ = _components()
    award = Award(learner(), datetime(2026, 4, 1, tzinfo=UTC))
    return issue_stack(issuer("Academia C"), certificate_spec([data, statistics]), award, [data, statistics], RULES)


def macro() -> dict[str, Any]:
    return copy.deepcopy(_macro())


def verifier() -> Verifier:
    return Verifier(None, profile="vc")


def outcomes(report: Any) -> dict[str, str]:
    return {c.name: c.outcome.value for c in report.all_checks()}


# -- rules as data ------------------------------------------------------------------------------


def test_rules_round_trip_through_json(tmp_path):
    data = {"requiredAchievements": ["urn:uuid:1", "Applied Statistics"], "minEctsCredits": 7.5,
            "minWorkloadHours": 150, "minEqfLevel": 5, "minComponents": 2}  # fmt: skip
    rules = StackRules.from_json(data)
    assert rules == StackRules(("urn:uuid:1", "Applied Statistics"), 7.5, 150, 5, 2)
    assert rules.to_json() == data
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(data))
    assert StackRules.read(path) == rules
    assert StackRules.from_json({}).to_json() == {} and StackRules().describe() == "no rules"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "a JSON object"),
        ({"minECTS": 6}, "unknown stack rule(s) minECTS"),
        ({"requiredAchievements": "Applied Statistics"}, "requiredAchievements: a list"),
        ({"requiredAchievements": ["", "x"]}, "requiredAchievements: a list"),
        ({"requiredAchievements": ["Stats", " stats "]}, "listed twice"),
        ({"minEctsCredits": 0}, "minEctsCredits: a positive number"),
        ({"minWorkloadHours": True}, "minWorkloadHours: a positive number"),
        ({"minEqfLevel": 9}, "minEqfLevel: an integer from 1 to 8"),
        ({"minComponents": 1.5}, "minComponents: a whole number"),
    ],
)
def test_malformed_rules_are_refused_with_the_rule_named(data, message):
    with pytest.raises(ConfigurationError, match="stack rule") as caught:
        StackRules.from_json(data)
    assert message in str(caught.value)


def test_an_unreadable_rules_file(tmp_path):
    (tmp_path / "rules.json").write_text("{not json")
    with pytest.raises(ConfigurationError, match="cannot read stack rules"):
        StackRules.read(tmp_path / "rules.json")


def test_each_unmet_rule_is_named_with_the_components_concerned():
    low = ComponentSummary("urn:uuid:low", "Spreadsheets for Beginners", "urn:a", ects=2, eqf_level=3)
    silent = ComponentSummary("urn:uuid:silent", "Reading Club")
    rules = StackRules(("Applied Statistics",), min_ects=6, min_hours=10, min_eqf_level=5, min_components=3)
    assert rules.problems([low, silent]) == [
        "requiredAchievements: no component attests 'Applied Statistics'",
        "minComponents: 2 component(s), the stack needs at least 3",
        "minEctsCredits: the components total 2 ECTS credits ('Reading Club' (urn:uuid:silent) state(s) none), "
        "the stack needs at least 6",
        "minWorkloadHours: the components total 0 hours ('Spreadsheets for Beginners' (urn:uuid:low), "
        "'Reading Club' (urn:uuid:silent) state(s) none), the stack needs at least 10",
        "minEqfLevel: 'Spreadsheets for Beginners' (urn:uuid:low) is at EQF level 3, below 5",
        "minEqfLevel: 'Reading Club' (urn:uuid:silent) states no EQF level (needs 5)",
    ]


def test_a_required_achievement_is_matched_by_id_or_by_title_ignoring_case():
    part = ComponentSummary("urn:uuid:c", "Applied  Statistics", "urn:uuid:achievement", ects=6)
    assert StackRules(("urn:uuid:achievement", "applied statistics"), min_ects=6).problems([part]) == []
    assert StackRules(("urn:uuid:other",)).problems([part]) == ["requiredAchievements: no component attests "
                                                                "'urn:uuid:other'"]  # fmt: skip


# -- digests ------------------------------------------------------------------------------------


def test_the_digest_is_a_sha256_multihash_that_anchoring_does_not_change():
    data, _, _ = components()
    digest = component_digest(data)
    assert digest.startswith("uEi") and len(decode_digest(digest) or b"") == 32
    anchored = {**data, "proof": [*data["proof"], {"type": ANCHOR_PROOF_TYPE, "merkleRoot": "0x" + "00" * 32}]}
    assert component_digest(anchored) == digest
    altered = copy.deepcopy(data)
    altered["credentialSubject"]["result"][0]["value"] = "A+"
    assert component_digest(altered) != digest and not digest_matches(altered, digest)


def test_a_digest_is_read_in_base64url_or_base58btc_and_anything_else_does_not_match():
    data, _, _ = components()
    raw = decode_digest(component_digest(data))
    assert raw is not None
    assert digest_matches(data, "z" + base58_encode(bytes([0x12, 0x20]) + raw))
    sha512_header = "u" + base64.urlsafe_b64encode(bytes([0x13, 0x20]) + raw).decode().rstrip("=")
    good = component_digest(data)
    junk = good[:10] + "!" + good[10:]  # the same bytes to a lenient decoder: refused, not read past
    for wrong in (None, 42, "", "u", "u!!!", "m" + raw.hex(), "z0OIl", sha512_header, good[:-2], junk):
        assert not digest_matches(data, wrong), wrong


# -- issuing ------------------------------------------------------------------------------------


def test_the_stack_references_each_component_by_id_and_digest_and_carries_its_rules():
    data, statistics, _ = components()
    stacked = macro()
    assert is_stack(stacked) and not is_stack(data)
    achievement = stacked["credentialSubject"]["achievement"]
    assert achievement["stackRules"] == RULES.to_json()
    assert achievement["achievementType"] == "MicroCredential"
    assert (achievement["ectsCredits"], achievement["workloadHours"], achievement["eqfLevel"]) == (7.5, 185, 6)
    references = stack_references(stacked)
    assert [r["id"] for r in references] == [data["id"], statistics["id"]]
    assert [r["digestMultibase"] for r in references] == [component_digest(data), component_digest(statistics)]
    assert references[1] == {
        "id": statistics["id"], "type": ["Evidence", "StackComponent"], "name": "Applied Statistics",
        "digestMultibase": component_digest(statistics),
        "componentAchievement": statistics["credentialSubject"]["achievement"]["id"],
        "componentIssuer": key("Politécnico B").did, "ectsCredits": 4.5, "workloadHours": 110, "eqfLevel": 6,
    }  # fmt: skip


@pytest.mark.parametrize("cryptosuite", [RDFC, JCS])
def test_the_stack_is_a_signed_micro_credential(cryptosuite):
    data, statistics, _ = components()
    spec = certificate_spec([data, statistics])
    stacked = issue_stack(issuer("Academia C", cryptosuite), spec, Award(learner(), WHEN), [data, statistics], RULES)
    report = Verifier(None).verify(stacked)
    assert report.check("schema").outcome.value == "pass"
    assert report.check("signature").outcome.value == "pass", report.check("signature").reason


class RefusingAllocator:
    def allocate(self) -> Any:
        raise AssertionError("a status entry was allocated for a stack that is refused")


@pytest.mark.parametrize(
    ("rules", "problem"),
    [
        (
            replace(RULES, min_ects=9),
            "minEctsCredits: the components total 7.5 ECTS credits, the stack needs at least 9",
        ),
        (
            replace(RULES, required=("Machine Learning",)),
            "requiredAchievements: no component attests 'Machine Learning'",
        ),
        (replace(RULES, min_eqf_level=6), "minEqfLevel: 'Data Literacy Essentials' ("),
    ],
    ids=["ects-too-low", "missing-required", "level-too-low"],
)
def test_rules_not_met_are_refused_before_anything_is_signed(rules, problem):
    data, statistics, _ = components()
    stacking = issuer("Academia C", status=RefusingAllocator())
    with pytest.raises(StackRulesError, match="the stack was not issued") as caught:
        issue_stack(stacking, certificate_spec([data, statistics]), Award(learner(), WHEN), [data, statistics], rules)
    assert any(p.startswith(problem) for p in caught.value.problems), caught.value.problems


def test_components_that_cannot_be_stacked_are_each_named():
    data, statistics, intro = components()
    altered = copy.deepcopy(statistics)
    altered["credentialSubject"]["achievement"]["ectsCredits"] = 30
    strangers = issuer("Politécnico B").issue(STATISTICS, Award(Learner("Rui Costa", did=key("other").did), WHEN))
    parts = [data, data, altered, strangers, "not a credential", intro]
    with pytest.raises(StackRulesError) as caught:
        issue_stack(issuer("Academia C"), certificate_spec([data]), Award(learner(), WHEN), parts, StackRules())
    problems = caught.value.problems
    label = f"'Applied Statistics' ({statistics['id']})"
    assert f"component {label} does not verify: signature: the signature does not match" in " | ".join(problems)
    assert f"component 'Data Literacy Essentials' ({data['id']}) is listed twice" in problems
    assert any(
        p.startswith(f"component 'Applied Statistics' ({strangers['id']}) was issued to did:key:") for p in problems
    )
    assert "component 5 is not a credential (a JSON object)" in problems
    assert any("attest the same achievement" in p for p in problems)


def test_components_without_a_did_must_name_the_learner():
    plain = Learner("Ana Silva", "ana@example.org")
    mine = issuer("Universidade A").issue(BENCH_SPEC, Award(plain, WHEN))
    theirs = issuer("Politécnico B").issue(STATISTICS, Award(Learner("Rui  Costa"), WHEN))
    with pytest.raises(StackRulesError) as caught:
        issue_stack(issuer("Academia C"), certificate_spec([mine]), Award(plain, WHEN), [mine, theirs], StackRules())
    assert caught.value.problems == [f"component 'Applied Statistics' ({theirs['id']}) was awarded to 'Rui  Costa', "
                                     "not to 'Ana Silva'"]  # fmt: skip
    data, _, _ = components()
    with pytest.raises(StackRulesError, match="give the learner's DID"):
        issue_stack(issuer("Academia C"), certificate_spec([data]), Award(plain, WHEN), [data], StackRules())
    assert is_stack(
        issue_stack(issuer("Academia C"), certificate_spec([mine]), Award(plain, WHEN), [mine], StackRules())
    )


def test_no_components_no_stack():
    with pytest.raises(StackRulesError, match="no components"):
        issue_stack(issuer("Academia C"), certificate_spec([]), Award(learner(), WHEN), [], StackRules())


def test_the_spec_derives_workload_level_outcomes_and_form_from_the_components():
    data, statistics, _ = components()
    spec = certificate_spec([data, statistics])
    assert (spec.ects_credits, spec.workload_hours, spec.eqf_level) == (7.5, 185, 6)
    assert spec.learning_outcomes == BENCH_SPEC.learning_outcomes and spec.participation_form == "online"
    assert "Data Literacy Essentials; Applied Statistics" in (spec.criteria or "")
    given = stack_spec("T", "D", [data], eqf_level=4, participation_form="blended", learning_outcomes=["Lead"])
    assert (given.eqf_level, given.participation_form, given.learning_outcomes) == (4, "blended", ("Lead",))
    assert stack_spec("T", "D", [data], nqf_level="NQF 5").eqf_level is None


# -- verifying ----------------------------------------------------------------------------------


def test_a_stack_shown_with_its_components_verifies_each_and_the_rules():
    data, statistics, intro = components()
    report = verify_stack(macro(), [intro, statistics, data], verifier())
    assert report.verified, report.to_dict()
    assert outcomes(report) == {**{name: outcomes(report)[name] for name in CHECKS}, "stack_components": "pass",
                                "stack_rules": "pass"}  # fmt: skip
    assert [c.name for c in report.all_checks()] == [*CHECKS, *STACK_CHECKS]
    assert report.shown == report.verified_components == [data["id"], statistics["id"]]
    assert report.not_shown == []
    assert "all 2 components shown and verified" in report.check("stack_components").reason
    assert "2 shown and verified, 0 as recorded" in report.check("stack_rules").reason
    as_dict = report.to_dict()
    assert as_dict["components_shown"] == [data["id"], statistics["id"]] and as_dict["rules"] == RULES.to_json()
    assert [(c["digest"], c["verified"]) for c in as_dict["components"]] == [("match", True)] * 2
    assert as_dict["components"][1]["checks"]["signature"]["outcome"] == "pass"


def test_a_stack_shown_alone_verifies_itself_and_reports_its_components_not_shown():
    data, statistics, _ = components()
    report = verify_stack(macro(), [], verifier())
    assert report.verified
    assert report.check("stack_components").outcome.value == "not_applicable"
    assert "vouched for them when issuing" in report.check("stack_components").reason
    assert report.check("stack_rules").outcome.value == "pass"
    assert "0 shown and verified, 2 as recorded by the stack's issuer" in report.check("stack_rules").reason
    assert report.shown == [] and report.not_shown == [data["id"], statistics["id"]]
    assert [(c["shown"], c["digest"], c["verified"]) for c in report.to_dict()["components"]] == [
        (False, "not_checked", None)
    ] * 2


def test_some_components_shown():
    data, statistics, _ = components()
    report = verify_stack(macro(), [statistics], verifier())
    assert report.verified and report.shown == [statistics["id"]] and report.not_shown == [data["id"]]
    reason = report.check("stack_components").reason
    assert reason.startswith("1 of 2 components shown and verified") and data["id"] in reason


def test_an_altered_component_does_not_match_its_digest_and_the_stack_fails_naming_it():
    data, statistics, _ = components()
    altered = copy.deepcopy(statistics)
    altered["credentialSubject"]["achievement"]["ectsCredits"] = 30
    altered = add_proof({k: v for k, v in altered.items() if k != "proof"}, key("Politécnico B"))  # re-signed
    report = verify_stack(macro(), [data, altered], verifier())
    assert not report.verified and report.credential.verified
    check = report.check("stack_components")
    assert check.outcome.value == "fail"
    assert f"component 'Applied Statistics' ({statistics['id']}) is not the one stacked: its digest differs" in (
        check.reason
    )
    (shown,) = [c for c in report.to_dict()["components"] if c["credential"] == statistics["id"]]
    assert (shown["digest"], shown["verified"]) == ("mismatch", False)
    assert report.verified_components == [data["id"]]
    assert "not counted, as they failed verification" in report.check("stack_rules").reason


def test_the_original_is_used_when_an_altered_copy_with_the_same_id_is_also_shown():
    data, statistics, _ = components()
    forged = {**statistics, "name": "Advanced Statistics"}
    assert verify_stack(macro(), [forged, statistics, data], verifier()).verified


def test_the_rules_are_judged_on_the_shown_components_own_data():
    data, statistics, _ = components()
    # The stack's issuer recorded 6 ECTS per component and asks for 10: true only as recorded (3 + 4.5).
    generous = {k: v for k, v in macro().items() if k != "proof"}
    generous["credentialSubject"]["achievement"]["stackRules"]["minEctsCredits"] = 10
    for entry in generous["evidence"]:
        entry["ectsCredits"] = 6
    generous = add_proof(generous, key("Academia C"))
    assert verify_stack(generous, [], verifier()).verified
    report = verify_stack(generous, [data, statistics], verifier())
    assert report.check("stack_components").outcome.value == "pass"
    assert report.check("stack_rules").reason == (
        "minEctsCredits: the components total 7.5 ECTS credits, the stack needs at least 10"
    )
    assert not report.verified


def test_a_credential_that_is_not_a_stack():
    data, _, _ = components()
    report = verify_stack(data, [], verifier())
    assert report.credential.verified and not report.verified
    assert {outcomes(report)[name] for name in STACK_CHECKS} == {"fail"}
    assert "no stackRules" in report.check("stack_rules").reason
    assert not verify_stack("not a credential", [], verifier()).verified


def test_a_malformed_stack_fails_its_checks_instead_of_crashing():
    broken = macro()
    broken["credentialSubject"]["achievement"]["stackRules"] = {"minECTS": 6}
    del broken["evidence"][0]["digestMultibase"]
    report = verify_stack(broken, [], verifier())
    assert (
        "malformed" in report.check("stack_rules").reason and "unknown stack rule" in report.check("stack_rules").reason
    )
    assert report.check("stack_components").reason == (
        "the stack's component list is malformed: component entry 1 has no id or no digestMultibase"
    )
    empty = macro()
    empty["evidence"] = []
    assert verify_stack(empty, [], verifier()).check("stack_components").reason == "the stack lists no components"


def test_a_stack_of_stacks_is_verified_recursively():
    data, statistics, intro = components()
    certificate = macro()
    rules = StackRules(("Certificate in Applied Data Skills",), min_ects=9)
    spec = stack_spec("Diploma in Data", "A certificate and more", [certificate, intro], rules=rules)
    diploma = issue_stack(issuer("Academia C"), spec, Award(learner(), WHEN), [certificate, intro], rules)
    report = verify_stack(diploma, [certificate, intro, data, statistics], verifier())
    assert report.verified, report.to_dict()
    (nested,) = [c for c in report.components if c.stack is not None]
    assert nested.stack is not None and nested.stack.verified_components == [data["id"], statistics["id"]]
    assert report.listed_ids() == {certificate["id"], intro["id"], data["id"], statistics["id"]}
    revoked_like = {**statistics, "validUntil": "2026-03-02T00:00:00Z"}  # expired, and so not the one stacked
    failing = verify_stack(diploma, [certificate, intro, data, revoked_like], verifier())
    assert not failing.verified
    assert certificate["id"] in failing.check("stack_components").reason


# -- presentations ------------------------------------------------------------------------------


def presentation(*credentials: dict[str, Any]) -> dict[str, Any]:
    vp = {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiablePresentation"],
          "holder": key("holder").did, "verifiableCredential": list(credentials)}  # fmt: skip
    return add_proof(vp, key("holder"), proof_purpose="authentication", challenge="c1", cryptosuite=JCS)


def test_a_presentation_with_the_stack_and_its_components_reports_them_shown_and_verified():
    data, statistics, _ = components()
    report = verify_presentation(presentation(macro(), data, statistics), verifier(), challenge="c1")
    assert report.verified, report.to_dict()
    (stack,) = report.stacks
    assert stack.shown == stack.verified_components == [data["id"], statistics["id"]]
    as_dict = report.to_dict()
    assert len(as_dict["credentials"]) == 3
    assert as_dict["stacks"][0]["components_verified"] == [data["id"], statistics["id"]]


def test_a_presentation_with_the_stack_alone_reports_its_components_not_shown():
    data, statistics, _ = components()
    report = verify_presentation(presentation(macro()), verifier(), challenge="c1")
    assert report.verified
    assert report.to_dict()["stacks"][0]["components_not_shown"] == [data["id"], statistics["id"]]
    assert report.stacks[0].check("stack_components").outcome.value == "not_applicable"


def test_a_presentation_with_an_altered_component_fails_through_its_stack():
    data, statistics, _ = components()
    altered = add_proof({**{k: v for k, v in statistics.items() if k != "proof"}, "name": "x"}, key("Politécnico B"))
    report = verify_presentation(presentation(macro(), data, altered), verifier(), challenge="c1")
    assert all(r.verified for r in report.credentials)  # each credential is fine on its own…
    assert not report.verified and not report.stacks[0].verified  # …but it is not the one stacked


def test_a_presentation_without_stacks_reports_none():
    data, _, _ = components()
    report = verify_presentation(presentation(data), verifier(), challenge="c1")
    assert report.verified and report.stacks == [] and report.to_dict()["stacks"] == []
