"""`credanchor demo` and the CLI's error behaviour."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from typer.testing import CliRunner

from anchor.cli.main import app
from anchor.credentials.roster import SAMPLE_ROSTER

runner = CliRunner()


def test_demo_json_reports_gas_and_passing_checks(tmp_path):
    result = runner.invoke(app, ["demo", "--json", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert 40_000 < report["anchor_batch_gas"] <= 46_500
    assert report["revoke_gas"] <= 47_000
    assert report["revoke_batch_gas"] <= 47_000
    assert report["nft_mint_gas"] > report["anchor_batch_gas"]
    assert report["checks"] and all(report["checks"].values())
    assert [s["action"] for s in report["steps"]] == [
        "grant accreditation-body role",
        "register and accredit issuer",
        "anchor batch",
        "revoke credential",
        "mint NFT",
        "burn NFT",
        "revoke batch",
    ]
    assert report["credentials_issued"] == 4
    before, after = report["reports"]["before revocation"], report["reports"]["after revocation"]
    assert before["verified"] and all(c["outcome"] == "pass" for c in before["checks"].values())
    assert not after["verified"] and after["checks"]["revocation"]["outcome"] == "fail"
    assert json.loads((tmp_path / "demo.json").read_text()) == report
    assert len(list((tmp_path / "credentials").glob("*.json"))) == 4


def test_demo_text_output(tmp_path):
    result = runner.invoke(app, ["demo"])
    assert result.exit_code == 0, result.output
    assert "anchor batch" in result.stdout and "issuer accredited at anchor time" in result.stdout


def test_demo_on_anvil_then_verify_the_files_from_another_process(anvil, tmp_path, monkeypatch):
    monkeypatch.setenv("CREDANCHOR_DATA_DIR", str(tmp_path / "data"))
    result = runner.invoke(app, ["demo", "--json", "--rpc", anvil.url, "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["chain_id"] == 31337 and report["anchor_batch_gas"] <= 46_500
    files = sorted(str(p) for p in (tmp_path / "credentials").glob("*.json"))
    registry = report["contracts"]["IssuerRegistry"]
    done = subprocess.run(
        [sys.executable, "-m", "anchor", "verify", *files, "--rpc", anvil.url, "--registry", registry, "--json"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1  # one of the four was revoked
    verdicts = json.loads(done.stdout)["reports"]
    assert sorted(r["verified"] for r in verdicts) == [False, True, True, True]
    (revoked,) = [r for r in verdicts if not r["verified"]]
    assert [n for n, c in revoked["checks"].items() if c["outcome"] == "fail"] == ["revocation"]
    good = [f for f, r in zip(files, verdicts, strict=True) if r["verified"]]
    assert runner.invoke(app, ["verify", *good, "--rpc", anvil.url, "--registry", registry]).exit_code == 0


def test_unreachable_rpc_is_a_one_line_error_without_traceback():
    done = subprocess.run(
        [sys.executable, "-m", "anchor", "demo", "--rpc", "http://127.0.0.1:9"], capture_output=True, text=True
    )
    assert done.returncode == 1
    assert "unreachable" in done.stderr and "Traceback" not in done.stderr + done.stdout


def test_bad_rpc_url_is_explained():
    result = runner.invoke(app, ["demo", "--rpc", "localhost:8545"])
    assert result.exit_code == 1
    assert "must start with http://" in result.output


def test_help_lists_the_commands():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("demo", "deploy", "devchain"):
        assert command in result.stdout


def test_status_commands_refuse_files_of_credentials_not_in_the_store(anvil, tmp_path, monkeypatch):
    """The demo's files were never stored (it issues in memory): a status change acts on the stored
    credential only (issue 19 item 5), so they are refused and nothing changes."""
    monkeypatch.setenv("CREDANCHOR_DATA_DIR", str(tmp_path / "data"))
    result = runner.invoke(app, ["demo", "--json", "--rpc", anvil.url, "--out", str(tmp_path)])
    report = json.loads(result.stdout)
    registry = report["contracts"]["IssuerRegistry"]
    files = sorted(str(p) for p in (tmp_path / "credentials").glob("*.json"))

    def verified() -> list[bool]:
        done = runner.invoke(app, ["verify", *files, "--rpc", anvil.url, "--registry", registry, "--json"])
        return [r["verified"] for r in json.loads(done.stdout)["reports"]]

    before = verified()
    assert before.count(True) == 3
    for action in ("suspend", "revoke"):
        refused = runner.invoke(app, [action, *files, "--rpc", anvil.url])
        assert refused.exit_code == 1 and "in the store: only credentials issued from this data" in refused.output
    assert verified() == before


def test_status_commands_explain_bad_input(tmp_path, anvil, monkeypatch):
    monkeypatch.setenv("CREDANCHOR_DATA_DIR", str(tmp_path / "data"))
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    result = runner.invoke(app, ["revoke", str(bad), "--rpc", anvil.url])
    assert result.exit_code == 1 and "a credential file without an id" in result.output
    result = runner.invoke(app, ["revoke", str(tmp_path / "missing.json"), "--rpc", anvil.url])
    assert result.exit_code == 1 and "cannot read a credential" in result.output


def test_verify_reports_unreadable_files_without_stopping(anvil, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    result = runner.invoke(app, ["verify", str(broken), str(tmp_path / "absent.json"), "--rpc", anvil.url, "--json"])
    assert result.exit_code == 1
    reports = json.loads(result.stdout)["reports"]
    assert [r["verified"] for r in reports] == [False, False] and all("cannot read" in r["error"] for r in reports)


def test_bad_registry_and_cryptosuite_values_are_explained(anvil, tmp_path):
    result = runner.invoke(app, ["verify", str(tmp_path / "x.json"), "--rpc", anvil.url, "--registry", "0xnot"])
    assert result.exit_code == 1 and "--registry must be an Ethereum address" in result.output
    result = runner.invoke(app, ["issue", str(tmp_path / "r.csv"), "--out", str(tmp_path), "--cryptosuite", "rsa"])
    assert result.exit_code == 2


def test_a_did_web_issuer_verifies_with_its_did_document(anvil, tmp_path):
    from anchor.anchoring.batches import anchor_credentials
    from anchor.chain.deployment import deploy_contracts
    from anchor.credentials.issuance import CredentialIssuer
    from anchor.credentials.model import Award, AwardingBody, Learner
    from anchor.crypto.keys import SigningKey
    from anchor.tools.bench import BENCH_SPEC

    chain = anvil.chain
    admin, body, issuer = chain.accounts[:3]
    deployment = deploy_contracts(chain, deployer=admin)
    key = SigningKey.generate(did_web="did:web:uni.example")
    registry = deployment.registry(chain)
    registry.grant_body(body, sender=admin)
    registry.register_issuer(issuer, did=key.did, name="Web Uni", scope="x", sender=body)
    credential = CredentialIssuer(AwardingBody(key.did, "Web Uni", "DE"), key).issue(
        BENCH_SPEC, Award(Learner("Ana", "ana@example.org"), datetime(2026, 1, 1, tzinfo=UTC))
    )
    (secured,) = anchor_credentials([credential], deployment.anchor(chain), sender=issuer).credentials
    (tmp_path / "c.json").write_text(json.dumps(secured))
    (tmp_path / "did.json").write_text(json.dumps(key.did_document()))
    args = ["verify", str(tmp_path / "c.json"), "--rpc", anvil.url, "--registry", registry.address]
    without = runner.invoke(app, args)
    assert without.exit_code == 1 and "did:web" in without.output
    assert runner.invoke(app, [*args, "--did-document", str(tmp_path / "did.json")]).exit_code == 0


def test_the_whole_cli_flow_across_processes(anvil, tmp_path, monkeypatch):
    """issuer create → accreditation → issue --anchor-account → anchor → verify → revoke, with a store."""
    monkeypatch.setenv("CREDANCHOR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CREDANCHOR_KEY_PASSPHRASE", "a long enough passphrase")
    body, issuer = anvil.chain.accounts[1:3]
    deployed = runner.invoke(app, ["deploy", "--rpc", anvil.url, "--json"])
    assert deployed.exit_code == 0, deployed.output
    rpc = ["--rpc", anvil.url]

    def ok(*args: str) -> str:
        result = runner.invoke(app, [*args, *rpc])
        assert result.exit_code == 0, result.output
        return result.stdout

    assert runner.invoke(app, ["issuer", "create", "uni", "--name", "Uni", "--country", "PT"]).exit_code == 0
    ok("accreditation", "grant-body", body)
    ok("accreditation", "register", issuer, "--from", body, "--scope", "EQF 5")
    out = tmp_path / "out"
    ok("issue", str(SAMPLE_ROSTER), "--out", str(out), "--anchor-account", issuer)
    files = sorted(str(p) for p in out.glob("*.json"))
    assert len(files) == 4
    assert runner.invoke(app, ["verify", *files, *rpc]).exit_code == 1  # signed, not anchored yet
    anchored = json.loads(ok("anchor", "--out", str(out), "--json"))
    assert [b["credentials"] for b in anchored["batches"]] == [4]
    assert json.loads(ok("anchor", "--out", str(out), "--json"))["batches"] == []
    assert runner.invoke(app, ["verify", *files, *rpc]).exit_code == 0
    ok("revoke", files[0])
    second_id = json.loads(Path(files[1]).read_text())["id"]
    ok("suspend", second_id)  # by id: looked up in the store
    report = json.loads(runner.invoke(app, ["verify", *files, *rpc, "--json"]).stdout)
    assert [r["verified"] for r in report["reports"]] == [False, False, True, True]
    unknown = runner.invoke(app, ["revoke", "urn:uuid:00000000-0000-4000-8000-000000000000", *rpc])
    assert unknown.exit_code == 1 and "no credential" in unknown.output
    shown = json.loads(ok("accreditation", "show", issuer, "--json"))
    assert shown["accredited_now"] and shown["body"] == body
    anvil.chain.advance_time(60)
    ok("accreditation", "deaccredit", issuer, "--from", body)
    assert json.loads(ok("accreditation", "show", issuer, "--json"))["accredited_now"] is False
    # Credentials anchored while the issuer was accredited still verify: history is not rewritten.
    assert runner.invoke(app, ["verify", *files[2:], *rpc]).exit_code == 0
    refused = runner.invoke(app, ["accreditation", "deaccredit", issuer, "--from", body, *rpc])
    assert refused.exit_code == 1 and "IssuerRegistryNotAccredited" in refused.output


def test_an_issuer_signs_its_own_transactions(anvil, tmp_path, monkeypatch):
    """The issuer's own Ethereum key (created with it, encrypted) signs anchoring and revocation."""
    monkeypatch.setenv("CREDANCHOR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CREDANCHOR_KEY_PASSPHRASE", "a long enough passphrase")
    body = anvil.chain.accounts[1]
    rpc = ["--rpc", anvil.url]

    def ok(*args: str) -> dict:
        result = runner.invoke(app, [*args, *rpc, "--json"])
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    ok("deploy")
    created = json.loads(
        runner.invoke(app, ["issuer", "create", "uni", "--name", "U", "--country", "PT", "--json"]).stdout
    )
    own = created["ethereum_account"]
    assert own not in anvil.chain.accounts  # not a node account: its key is ours
    ok("devchain", "fund", own, "--eth", "0.5")
    ok("accreditation", "grant-body", body)
    ok("accreditation", "register", own, "--from", body)
    out = tmp_path / "out"
    ok("issue", str(SAMPLE_ROSTER), "--out", str(out), "--anchor-account", own)
    (batch,) = ok("anchor", "--out", str(out))["batches"]
    assert batch["credentials"] == 4 and batch["account"] == own
    files = sorted(str(p) for p in out.glob("*.json"))
    assert runner.invoke(app, ["verify", *files, *rpc]).exit_code == 0
    ok("revoke", files[0])
    report = json.loads(runner.invoke(app, ["verify", *files, *rpc, "--json"]).stdout)
    assert [r["verified"] for r in report["reports"]] == [False, True, True, True]
