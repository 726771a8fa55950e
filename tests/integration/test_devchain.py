"""`credanchor devchain up|down|status` with a real anvil: persisted state, clear errors."""

from __future__ import annotations

import json
import socket
import stat

import pytest
from typer.testing import CliRunner

from anchor import Chain, DevchainError, Root, Settings
from anchor.chain import devchain
from anchor.chain.deployment import Deployment
from anchor.cli.main import app

runner = CliRunner()


@pytest.fixture
def settings(tmp_path, monkeypatch):
    monkeypatch.setenv("CREDANCHOR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(devchain, "REPO_DEPLOYMENTS", tmp_path / "repo-deployments")  # leave the checkout alone
    current = Settings.from_env()
    yield current
    devchain.down(current)


def cli(*args: str) -> dict:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_up_deploys_status_reports_down_stops_and_state_persists(settings):
    started = cli("devchain", "up", "--port", str(devchain.free_port()))
    assert started["running"] and started["deployment"]["chain_id"] == devchain.CHAIN_ID
    chain, deployment = devchain.devchain_chain(settings)
    issuer = chain.accounts[3]
    root = Root(b"\x5a" * 32)
    deployment.anchor(chain).anchor_batch(root, sender=issuer)
    block = chain.block_number()

    status = cli("devchain", "status")
    assert status["running"] and status["block_number"] == block and status["url"] == started["url"]

    assert cli("devchain", "down") == {"stopped": True}
    assert cli("devchain", "status")["running"] is False
    with pytest.raises(DevchainError, match="devchain up"):
        devchain.devchain_chain(settings)

    resumed = cli("devchain", "up")
    assert resumed["block_number"] >= block
    chain, again = devchain.devchain_chain(settings)
    assert again == deployment  # found in the persisted state, not redeployed
    assert again.anchor(chain).batch(issuer, root).anchored_block <= block
    assert Deployment.load(settings.deployments_dir, devchain.CHAIN_ID) == deployment


def test_up_makes_a_new_data_directory_private(settings):
    # Issue 19 item 9: the data directory holds learner data; it was created 0755 by `devchain up`.
    cli("devchain", "up", "--port", str(devchain.free_port()))
    folders = (settings.data_dir, settings.devchain_dir, settings.deployments_dir)
    assert [stat.S_IMODE(folder.stat().st_mode) for folder in folders] == [0o700, 0o700, 0o700]


def test_up_twice_reports_the_running_chain(settings):
    first = cli("devchain", "up", "--port", str(devchain.free_port()))
    second = cli("devchain", "up")
    assert second["pid"] == first["pid"] and second["url"] == first["url"]


def test_deployment_on_a_fresh_devchain_matches_the_committed_file(settings):
    cli("devchain", "up", "--port", str(devchain.free_port()))
    committed = json.loads((devchain.REPO_ROOT / "hardhat-free-devchain" / "deployments" / "31337.json").read_text())
    recorded = json.loads((settings.deployments_dir / "31337.json").read_text())
    assert recorded == committed


def test_a_taken_port_is_a_clear_error(settings):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = runner.invoke(app, ["devchain", "up", "--port", str(port)])
    assert result.exit_code == 1
    assert f"port {port} is already in use" in result.output


def test_missing_anvil_is_a_clear_error(settings, monkeypatch, tmp_path):
    monkeypatch.setenv("CREDANCHOR_ANVIL", str(tmp_path / "no-anvil"))
    result = runner.invoke(app, ["devchain", "up"])
    assert result.exit_code == 1
    assert "CREDANCHOR_ANVIL" in result.output and "Traceback" not in result.output


def test_status_when_nothing_runs(settings):
    assert cli("devchain", "status") == {
        "running": False,
        "url": None,
        "pid": None,
        "block_number": None,
        "deployment": None,
    }


def test_unreachable_rpc():
    from anchor import ChainError

    with pytest.raises(ChainError, match="unreachable"):
        Chain.connect(f"http://127.0.0.1:{devchain.free_port()}", timeout=2)


def test_deploy_command_records_the_deployment(settings, anvil):
    result = cli("deploy", "--rpc", anvil.url)
    deployment = Deployment.load(settings.deployments_dir, 31337)
    assert result["credential_anchor"] == deployment.credential_anchor
    deployment.check(anvil.chain)


@pytest.mark.anvil
def test_demo_on_the_devchain_uses_its_contracts_so_verify_needs_no_flags(settings, tmp_path):
    """Issue 20 item 3: `demo --rpc` deployed a second set of contracts, so `verify` of its files failed
    issuer_accredited until given --registry. Run twice: the second run re-binds the issuer's DID."""
    up = cli("devchain", "up", "--port", str(devchain.free_port()))
    recorded = Deployment.load(settings.deployments_dir, devchain.CHAIN_ID)
    runs = []
    for out in (tmp_path / "first", tmp_path / "second"):
        report = cli("demo", "--rpc", up["url"], "--out", str(out), "--compare-learners", "0")
        assert report["contracts"] == {
            "IssuerRegistry": recorded.issuer_registry,
            "CredentialAnchor": recorded.credential_anchor,
            "CredentialNFT": recorded.credential_nft,
        }
        assert all(report["checks"].values())
        runs.append(report)
    first_steps, second_steps = ([s["action"] for s in r["steps"]][:2] for r in runs)
    assert first_steps == ["grant accreditation-body role", "register and accredit issuer"]
    assert second_steps == ["bind the issuer's new DID", "anchor batch"]
    assert Deployment.load(settings.deployments_dir, devchain.CHAIN_ID) == recorded  # nothing new recorded

    for out in (tmp_path / "first", tmp_path / "second"):
        files = sorted(str(p) for p in (out / "credentials").glob("*.json"))
        result = runner.invoke(app, ["verify", *files, "--json"])  # the devchain and its registry: no flags
        reports = json.loads(result.stdout)["reports"]
        assert sorted(r["verified"] for r in reports) == [False, True, True, True]
        (revoked,) = [r for r in reports if not r["verified"]]
        assert [n for n, c in revoked["checks"].items() if c["outcome"] == "fail"] == ["revocation"]


@pytest.mark.anvil
def test_demo_on_a_chain_without_a_recorded_deployment_records_its_own(settings, anvil, tmp_path):
    report = cli("demo", "--rpc", anvil.url, "--out", str(tmp_path / "out"), "--compare-learners", "0")
    recorded = Deployment.load(settings.deployments_dir, anvil.chain.chain_id)
    assert report["contracts"]["IssuerRegistry"] == recorded.issuer_registry
    files = sorted(str(p) for p in (tmp_path / "out" / "credentials").glob("*.json"))
    result = runner.invoke(app, ["verify", *files, "--rpc", anvil.url, "--json"])  # no --registry
    assert sorted(r["verified"] for r in json.loads(result.stdout)["reports"]) == [False, True, True, True]


@pytest.mark.anvil
def test_doctor_reports_the_devchain_and_code_that_differs_from_the_artifacts(settings):
    cli("devchain", "up", "--port", str(devchain.free_port()))
    report = runner.invoke(app, ["doctor", "--json"])
    assert report.exit_code == 0, report.output
    found = {f["name"]: f for f in json.loads(report.stdout)["findings"]}
    assert found["chain"]["status"] == "ok" and "chain 31337" in found["chain"]["found"]
    assert found["contracts"]["status"] == "ok" and "code equals the committed artifacts" in found["contracts"]["found"]

    path = settings.deployments_dir / "31337.json"
    recorded = json.loads(path.read_text())
    path.write_text(json.dumps({**recorded, "credential_anchor": recorded["credential_nft"]}))
    report = runner.invoke(app, ["doctor", "--json"])
    found = {f["name"]: f for f in json.loads(report.stdout)["findings"]}
    assert report.exit_code == 1
    assert found["contracts"]["status"] == "problem"
    assert "CredentialAnchor is not deployed at" in found["contracts"]["found"]
