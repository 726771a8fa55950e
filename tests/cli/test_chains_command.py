"""`credanchor chains`, and `--chain NAME` / several `--rpc` on deploy, ready and verify (anvil)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from anchor.chain.devchain import free_port
from anchor.cli.main import app

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str | None]:
    data = tmp_path / "data"
    return {"COLUMNS": "200", "CREDANCHOR_DATA_DIR": str(data), "CREDANCHOR_RPC_URL": None,
            "CREDANCHOR_RPC_URLS": None}  # fmt: skip


def test_chains_lists_every_profile_with_its_chain_id_and_dated_fees(env):
    result = runner.invoke(app, ["chains", "--json"], env=env)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {p["name"]: p["chain_id"] for p in data["profiles"]}["base"] == 8453
    assert len(data["profiles"]) == 8
    assert all(p["fees"]["assumed_on"] == data["fees_assumed_on"] for p in data["profiles"])
    text = runner.invoke(app, ["chains"], env=env)
    assert text.exit_code == 0 and "arbitrum" in text.stdout and "42161" in text.stdout
    assert "not quotes" in text.stdout


def test_deploy_with_a_chain_refuses_an_rpc_serving_another(env, anvil):
    result = runner.invoke(app, ["deploy", "--rpc", anvil.url, "--chain", "mainnet"], env=env)
    assert result.exit_code == 1
    assert "serves chain 31337 (anvil), not mainnet (1)" in result.output


def test_deploy_fails_over_past_a_dead_endpoint_then_verify_needs_its_quorum(env, anvil, tmp_path):
    dead = f"http://127.0.0.1:{free_port()}/v3/secret-key"
    deployed = runner.invoke(app, ["deploy", "--rpc", dead, "--rpc", anvil.url, "--chain", "anvil", "--json"], env=env)
    assert deployed.exit_code == 0, deployed.output
    assert json.loads(deployed.stdout)["chain"] == "anvil"
    ready = runner.invoke(app, ["ready", "--rpc", dead, "--rpc", anvil.url, "--chain", "anvil", "--json"], env=env)
    assert ready.exit_code == 0, ready.output
    assert json.loads(ready.stdout)["chain_id"] == 31337
    credential = tmp_path / "c.json"
    credential.write_text("{}")
    too_many = runner.invoke(app, ["verify", str(credential), "--rpc", dead, "--rpc", anvil.url, "--rpc-quorum", "3"],
                             env=env)  # fmt: skip
    assert too_many.exit_code == 1
    assert "--rpc-quorum 3 needs 1 to 2 endpoints" in too_many.output
    assert "secret-key" not in too_many.output + deployed.output


def test_every_endpoint_down_is_one_message_naming_them_redacted(env):
    dead = [f"http://127.0.0.1:{free_port()}/v3/secret-{i}" for i in range(2)]
    result = runner.invoke(app, ["deploy", "--rpc", dead[0], "--rpc", dead[1]], env=env)
    assert result.exit_code == 1
    assert "none of the RPC endpoints answered" in result.output and "secret-" not in result.output
    assert "Traceback" not in result.output
