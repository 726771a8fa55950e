"""Stacked credentials on both chains: components from two accredited issuers, a certificate issued and
anchored by a third, verified recursively — revocation, accreditation at each component's own anchoring
time, rules refused at issuing, presentations with and without the components, and the `stack` commands."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from anchor.anchoring.batches import anchor_credentials
from anchor.chain.view import ChainReader
from anchor.cli.main import app
from anchor.credentials.issuance import CredentialIssuer
from anchor.credentials.model import Award, AwardingBody, Learner
from anchor.credentials.presentation import verify_presentation
from anchor.credentials.stacking import STACK_CHECKS, StackRules, StackRulesError, issue_stack, stack_spec, verify_stack
from anchor.credentials.status import RandomStatusAllocator, read_entry
from anchor.credentials.verify import CHECKS, Outcome, Verifier
from anchor.crypto.keys import SigningKey
from anchor.crypto.proofs import JCS, add_proof
from anchor.settings import Settings
from anchor.tools.bench import BENCH_SPEC

KEYS = {name: SigningKey.generate() for name in ("a", "b", "c", "holder")}
BODIES = {
    "a": AwardingBody(KEYS["a"].did, "Universidade Exemplo", "PT", "Lisboa"),
    "b": AwardingBody(KEYS["b"].did, "Politécnico do Norte", "PT", "Porto"),
    "c": AwardingBody(KEYS["c"].did, "Academia de Dados", "ES"),
}
STATISTICS = replace(BENCH_SPEC, title="Applied Statistics", ects_credits=4.5, workload_hours=110, eqf_level=6)
RULES = StackRules(("Data Literacy Essentials", "Applied Statistics"), min_ects=6, min_eqf_level=5, min_components=2)
LEARNER = Learner("Ana Silva", "ana@example.org", KEYS["holder"].did)
WHEN = datetime(2026, 3, 1, tzinfo=UTC)
runner = CliRunner()


class World:
    """Three accredited issuers (a and b issue components, c the certificate), each anchoring from its account."""

    def __init__(self, env: Any) -> None:
        self.env = env
        self.accounts = {"a": env.issuer, "b": env.other_issuer, "c": env.outsider}
        env.registry.grant_body(env.body, sender=env.admin)
        for name, account in self.accounts.items():
            body = BODIES[name]
            env.registry.register_issuer(account, did=body.did, name=body.name, scope="EQF 5-6", sender=env.body)
        self.issuers = {
            name: CredentialIssuer(
                BODIES[name], KEYS[name], status=RandomStatusAllocator(env.chain.chain_id, env.anchor.address, account)
            )
            for name, account in self.accounts.items()
        }

    def verifier(self) -> Verifier:
        return Verifier(ChainReader(self.env.chain, self.env.registry.address))

    def anchored(self, name: str, credential: dict[str, Any]) -> dict[str, Any]:
        (secured,) = anchor_credentials([credential], self.env.anchor, sender=self.accounts[name]).credentials
        return secured

    def components(self) -> list[dict[str, Any]]:
        data = self.issuers["a"].issue(BENCH_SPEC, Award(LEARNER, WHEN, grade="B"))
        statistics = self.issuers["b"].issue(STATISTICS, Award(LEARNER, WHEN))
        return [self.anchored("a", data), self.anchored("b", statistics)]

    def certificate(
        self, parts: list[dict[str, Any]], rules: StackRules = RULES, *, on_chain: bool = True
    ) -> dict[str, Any]:
        spec = stack_spec("Certificate in Applied Data Skills", "Data literacy and statistics", parts, rules=rules)
        verifier = self.verifier() if on_chain else None
        unsigned = issue_stack(self.issuers["c"], spec, Award(LEARNER, WHEN), parts, rules, verifier=verifier)
        return self.anchored("c", unsigned)

    def revoke(self, name: str, credential: dict[str, Any]) -> None:
        _, location = read_entry(credential["credentialStatus"][0])
        self.env.anchor.revoke(location.list_id, [location.index], sender=self.accounts[name])

    def deaccredit(self, name: str) -> None:
        self.env.chain.advance_time(3600)
        self.env.registry.deaccredit(self.accounts[name], sender=self.env.body)
        self.env.chain.advance_time(60)


@pytest.fixture
def world(env) -> World:
    return World(env)


def outcomes(checks: Any) -> dict[str, str]:
    return {c.name: c.outcome.value for c in checks}


def label(credential: dict[str, Any]) -> str:
    return f"{credential['name']!r} ({credential['id']})"


def test_components_from_two_accredited_issuers_stack_into_a_verified_certificate(world):
    parts = world.components()
    certificate = world.certificate(parts)
    report = verify_stack(certificate, parts, world.verifier())
    assert report.verified, report.to_dict()
    assert outcomes(report.all_checks()) == dict.fromkeys((*CHECKS, *STACK_CHECKS), "pass")
    assert report.shown == report.verified_components == [p["id"] for p in parts]
    accredited = [c.report.check("issuer_accredited").reason for c in report.components if c.report is not None]
    assert [reason.split(" was accredited")[0] for reason in accredited] == [KEYS["a"].did, KEYS["b"].did]
    as_dict = report.to_dict()
    assert {c["issuer"] for c in as_dict["components"]} == {KEYS["a"].did, KEYS["b"].did}
    assert all(c["checks"]["anchored"]["outcome"] == "pass" for c in as_dict["components"])


def test_a_revoked_component_makes_the_stack_fail_with_a_reason_naming_it(world):
    data, statistics = parts = world.components()
    certificate = world.certificate(parts)
    world.revoke("b", statistics)
    report = verify_stack(certificate, parts, world.verifier())
    assert not report.verified and report.credential.verified  # the certificate itself is fine
    check = report.check("stack_components")
    assert check.outcome is Outcome.FAIL
    assert check.reason.startswith(f"component {label(statistics)} failed revocation: revoked (list 1, index ")
    assert data["id"] not in check.reason
    assert report.verified_components == [data["id"]]
    assert "requiredAchievements: no component attests 'Applied Statistics'" in report.check("stack_rules").reason
    # Shown without its components, the certificate stands on its issuer's word at issuing.
    alone = verify_stack(certificate, [], world.verifier())
    assert alone.verified and alone.not_shown == [data["id"], statistics["id"]]


def test_a_revoked_certificate_fails_whatever_its_components(world):
    parts = world.components()
    certificate = world.certificate(parts)
    world.revoke("c", certificate)
    report = verify_stack(certificate, parts, world.verifier())
    assert not report.verified and report.check("stack_components").outcome is Outcome.PASS
    assert [c.name for c in report.all_checks() if c.outcome is Outcome.FAIL] == ["revocation"]


def test_a_component_whose_issuer_was_deaccredited_after_its_anchoring_still_counts(world):
    parts = world.components()
    world.deaccredit("a")
    certificate = world.certificate(parts)  # checked on-chain at issuing: accredited when it was anchored
    report = verify_stack(certificate, parts, world.verifier())
    assert report.verified, report.to_dict()
    component = report.components[0].report
    assert component is not None and component.check("issuer_accredited").outcome is Outcome.PASS


def test_a_component_anchored_after_its_issuers_deaccreditation_fails_the_stack(world):
    data = world.anchored("a", world.issuers["a"].issue(BENCH_SPEC, Award(LEARNER, WHEN, grade="B")))
    world.deaccredit("b")
    statistics = world.anchored("b", world.issuers["b"].issue(STATISTICS, Award(LEARNER, WHEN)))
    with pytest.raises(StackRulesError) as refused:
        world.certificate([data, statistics])
    (problem,) = refused.value.problems
    assert problem.startswith(f"component {label(statistics)} does not verify: issuer_accredited: ")
    assert "was not accredited at the anchoring time" in problem
    # Issued without the on-chain check, the stack is caught when verified.
    certificate = world.certificate([data, statistics], on_chain=False)
    report = verify_stack(certificate, [data, statistics], world.verifier())
    assert not report.verified and report.credential.verified
    (failed,) = [c for c in report.components if c.shown and not c.verified]
    assert failed.credential_id == statistics["id"] and failed.report is not None
    assert [c.name for c in failed.report.checks if c.outcome is Outcome.FAIL] == ["issuer_accredited"]
    assert report.check("stack_components").reason.startswith(f"component {label(statistics)} failed issuer_accredited")


@pytest.mark.parametrize(
    ("rules", "problem"),
    [
        (
            replace(RULES, min_ects=8),
            "minEctsCredits: the components total 7.5 ECTS credits, the stack needs at least 8",
        ),
        (
            replace(RULES, required=("Machine Learning",)),
            "requiredAchievements: no component attests 'Machine Learning'",
        ),
        (replace(RULES, min_eqf_level=6), "minEqfLevel: 'Data Literacy Essentials' ("),
    ],
    ids=["ects-too-low", "missing-required", "level-too-low"],
)
def test_rules_not_met_are_refused_at_issuing(world, rules, problem):
    parts = world.components()
    blocks = world.env.chain.block_number()
    with pytest.raises(StackRulesError) as refused:
        world.certificate(parts, rules)
    assert [p for p in refused.value.problems if p.startswith(problem)], refused.value.problems
    assert world.env.chain.block_number() == blocks  # nothing anchored


def presentation(*credentials: dict[str, Any]) -> dict[str, Any]:
    vp = {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiablePresentation"],
          "holder": KEYS["holder"].did, "verifiableCredential": list(credentials)}  # fmt: skip
    return add_proof(vp, KEYS["holder"], proof_purpose="authentication", challenge="c1", cryptosuite=JCS)


def test_a_presentation_of_the_certificate_with_and_without_its_components(world):
    data, statistics = parts = world.components()
    certificate = world.certificate(parts)
    verifier = world.verifier()

    full = verify_presentation(presentation(certificate, data, statistics), verifier, challenge="c1")
    assert full.verified, full.to_dict()
    (stack,) = full.to_dict()["stacks"]
    assert stack["credential"] == certificate["id"] and stack["verified"]
    assert stack["components_shown"] == stack["components_verified"] == [data["id"], statistics["id"]]
    assert stack["components_not_shown"] == []

    partial = verify_presentation(presentation(certificate, statistics), verifier, challenge="c1")
    assert partial.verified
    assert partial.stacks[0].shown == [statistics["id"]] and partial.stacks[0].not_shown == [data["id"]]

    alone = verify_presentation(presentation(certificate), verifier, challenge="c1").to_dict()
    assert alone["verified"] and alone["stacks"][0]["components_shown"] == []
    assert alone["stacks"][0]["components_not_shown"] == [data["id"], statistics["id"]]
    assert alone["stacks"][0]["checks"]["stack_components"]["outcome"] == "not_applicable"

    world.revoke("a", data)
    revoked = verify_presentation(presentation(certificate, data, statistics), world.verifier(), challenge="c1")
    assert not revoked.verified
    assert revoked.stacks[0].verified_components == [statistics["id"]]
    assert label(data) in revoked.stacks[0].check("stack_components").reason


# -- the command line (an RPC URL: anvil) ---------------------------------------------------------


def cli(*args: str, code: int = 0) -> dict[str, Any]:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == code, result.output
    return json.loads(result.stdout) if result.stdout.strip() else {}


@pytest.mark.parametrize("deployed_chain", ["anvil"], indirect=True)
def test_the_stack_commands_issue_queue_anchor_and_verify(world, tmp_path, monkeypatch):
    env = world.env
    monkeypatch.setenv("CREDANCHOR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CREDANCHOR_KEY_PASSPHRASE", "a long enough passphrase")
    env.deployment.save(Settings.from_env().deployments_dir)
    rpc = ("--rpc", env.chain.description)
    did = cli("issuer", "create", "academia", "--name", "Academia de Dados", "--country", "ES")["did"]
    account = env.chain.accounts[8]  # managed by the node: `credanchor anchor` sends from it
    env.registry.register_issuer(account, did=did, name="Academia de Dados", scope="certificates", sender=env.body)
    parts = world.components()
    files = [str(tmp_path / f"component-{i}.json") for i in range(len(parts))]
    for path, part in zip(files, parts, strict=True):
        Path(path).write_text(json.dumps(part))
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps(RULES.to_json()))
    out = tmp_path / "out"
    stack = ("stack", "issue", *files, "--title", "Certificate in Applied Data Skills", "--description", "Data skills",
             "--rules", str(rules), "--learner-name", "Ana Silva", "--learner-did", KEYS["holder"].did)  # fmt: skip

    issued = cli(*stack, "--out", str(out / "certificate.json"), "--anchor-account", account, *rpc)
    assert issued["components_checked"] == "on-chain" and issued["queued_for_anchoring_by"] == account
    assert not issued["already_issued"]
    again = cli(*stack, "--out", str(out / "again.json"), "--anchor-account", account, *rpc)
    assert again["already_issued"] and again["credential"] == issued["credential"]
    (batch,) = cli("anchor", "--out", str(out), *rpc)["batches"]
    assert batch["credentials"] == 1

    certificate = str(out / "certificate.json")
    shown = cli("stack", "verify", certificate, *files, *rpc)
    assert shown["verified"] and shown["components_verified"] == [p["id"] for p in parts]
    assert shown["checks"]["issuer_accredited"]["outcome"] == "pass" and shown["unlisted_files"] == []
    alone = cli("stack", "verify", certificate, *rpc)
    assert alone["verified"] and alone["checks"]["stack_components"]["outcome"] == "not_applicable"
    text = runner.invoke(app, ["stack", "verify", certificate, files[0], *rpc])
    assert text.exit_code == 0 and "shown, verified" in text.output and "not shown" in text.output

    world.revoke("b", parts[1])
    failed = cli("stack", "verify", certificate, *files, *rpc, code=1)
    assert not failed["verified"] and "Applied Statistics" in failed["checks"]["stack_components"]["reason"]

    strict = tmp_path / "strict.json"
    strict.write_text(json.dumps({**RULES.to_json(), "minEctsCredits": 30}))
    refused = runner.invoke(app, [*stack[:-6], "--rules", str(strict), "--learner-name", "Ana Silva",
                                  "--learner-did", KEYS["holder"].did, "--out", str(tmp_path / "no.json")])  # fmt: skip
    assert refused.exit_code == 1 and "minEctsCredits: the components total 7.5 ECTS credits" in refused.output
    assert "Traceback" not in refused.output and not (tmp_path / "no.json").exists()
