"""`credanchor deploy` is safe to run again: with the contracts recorded it sends nothing, and a run killed
just after sending a deployment is finished by the next run without deploying anything twice — from an
account the node manages and from a local one (its signed transaction sent again as it was). The
deployer's nonce counts the transactions: three in all, whatever happened in between."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner
from web3 import Web3
from web3.utils.address import get_create_address

from anchor.chain.deployment import Deployment
from anchor.cli.main import app
from anchor.failpoints import AFTER_SEND

runner = CliRunner()
PASSPHRASE = "a long enough passphrase"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str | None]:
    return {"COLUMNS": "200", "CREDANCHOR_DATA_DIR": str(tmp_path / "data"), "CREDANCHOR_KEY_PASSPHRASE": PASSPHRASE,
            "CREDANCHOR_RPC_URL": None, "CREDANCHOR_RPC_URLS": None}  # fmt: skip


def cli(env: dict[str, str | None], *args: str, code: int = 0) -> dict:
    result = runner.invoke(app, [*args, "--json"], env=env)
    assert result.exit_code == code, result.output
    return json.loads(result.stdout) if code == 0 else {"output": result.output}


def killed_deploy(env: dict[str, str | None], rpc: str, sender: str) -> Path:
    """`deploy` in a process SIGKILLed right after its first transaction was sent; the journal it left."""
    child_env = {k: v for k, v in {**os.environ, **env, "CREDANCHOR_CRASH_AT": AFTER_SEND}.items() if v is not None}
    for name in ("CREDANCHOR_RPC_URL", "CREDANCHOR_RPC_URLS"):
        child_env.pop(name, None)
    run = subprocess.run([sys.executable, "-m", "anchor", "deploy", "--rpc", rpc, "--from", sender],
                         env=child_env, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert run.returncode == -signal.SIGKILL, run.stdout + run.stderr
    journals = list((Path(str(env["CREDANCHOR_DATA_DIR"])) / "deployments").glob("*.partial.json"))
    assert len(journals) == 1
    return journals[0]


def test_a_second_deploy_sends_nothing(env, anvil):
    sender = anvil.chain.accounts[6]
    first = cli(env, "deploy", "--rpc", anvil.url, "--from", sender)
    assert first["deployed"] is True and first["admin"] == sender
    nonce = anvil.chain.nonce(sender)
    again = cli(env, "deploy", "--rpc", anvil.url, "--from", sender)
    assert again["deployed"] is False and anvil.chain.nonce(sender) == nonce
    assert {k: again[k] for k in ("issuer_registry", "credential_anchor", "credential_nft")} == {
        k: first[k] for k in ("issuer_registry", "credential_anchor", "credential_nft")
    }
    text = runner.invoke(app, ["deploy", "--rpc", anvil.url, "--from", sender], env=env)
    assert text.exit_code == 0 and "already deployed (nothing sent)" in text.output

    other = anvil.chain.accounts[7]
    refused = cli(env, "deploy", "--rpc", anvil.url, "--from", other, code=1)["output"]
    assert "already has credanchor contracts" in refused and f"administered by {sender}" in refused
    assert anvil.chain.nonce(other) == anvil.chain.nonce(other, "latest")  # nothing sent from it either


def test_a_deploy_killed_after_sending_is_finished_by_the_next_run_node_account(env, anvil):
    sender = anvil.chain.accounts[8]
    start = anvil.chain.nonce(sender)
    journal = json.loads(killed_deploy(env, anvil.url, sender).read_text())
    sent = journal["steps"]["IssuerRegistry"]["address"]
    assert set(journal["steps"]) == {"IssuerRegistry"} and anvil.chain.nonce(sender) == start + 1

    finished = cli(env, "deploy", "--rpc", anvil.url, "--from", sender)
    assert finished["deployed"] is True and finished["issuer_registry"] == sent  # adopted, not deployed again
    assert anvil.chain.nonce(sender) == start + 3
    assert not list(Path(str(env["CREDANCHOR_DATA_DIR"]), "deployments").glob("*.partial.json"))
    Deployment.load(Path(str(env["CREDANCHOR_DATA_DIR"])) / "deployments", anvil.chain.chain_id).check(anvil.chain)


def test_a_deploy_killed_after_sending_is_finished_by_the_next_run_local_account(env, anvil):
    sender = cli(env, "account", "create")["account"]
    cli(env, "devchain", "fund", sender, "--eth", "1", "--rpc", anvil.url)
    journal = json.loads(killed_deploy(env, anvil.url, sender).read_text())
    step = journal["steps"]["IssuerRegistry"]
    assert step["nonce"] == 0 and len(bytes.fromhex(step["raw"])) > 1_000  # the signed deployment, kept to resend

    finished = cli(env, "deploy", "--rpc", anvil.url, "--from", sender)
    assert finished["issuer_registry"] == step["address"] and finished["admin"] == sender
    assert anvil.chain.nonce(sender) == 3
    deployments = Path(str(env["CREDANCHOR_DATA_DIR"])) / "deployments"
    Deployment.load(deployments, anvil.chain.chain_id).check(anvil.chain)
    assert cli(env, "deploy", "--rpc", anvil.url, "--from", sender)["deployed"] is False


def test_a_journalled_transaction_the_chain_refuses_now_is_replaced_at_the_same_nonce(env, anvil):
    """A run that signed the registry's deployment and died before it was mined, its fees now below the base
    fee (a journal found hours later on a busy chain): the next run signs again for that same nonce with the
    chain's fees of now — a replacement, so the contract can only ever be deployed once at that address."""
    from anchor.chain.artifacts import load_artifact
    from anchor.credentials.issuers import local_account
    from anchor.settings import Settings, replace_private

    sender = cli(env, "account", "create")["account"]
    cli(env, "devchain", "fund", sender, "--eth", "1", "--rpc", anvil.url)
    settings = Settings.from_env({k: v for k, v in env.items() if v is not None})
    key = local_account(settings, sender, PASSPHRASE)
    assert key is not None
    w3 = Web3(Web3.HTTPProvider(anvil.url))
    artifact = load_artifact("IssuerRegistry")
    underpriced = w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode).constructor(sender).build_transaction({
        "from": sender, "nonce": 0, "chainId": anvil.chain.chain_id, "gas": 3_000_000,
        "maxFeePerGas": 1, "maxPriorityFeePerGas": 1})  # fmt: skip
    raw = key.account.sign_transaction(underpriced).raw_transaction
    registry = Web3.to_checksum_address(get_create_address(sender, 0))
    deployments = Path(str(env["CREDANCHOR_DATA_DIR"])) / "deployments"
    deployments.mkdir(mode=0o700, parents=True)
    step = {"address": registry, "nonce": 0, "after_block": 0, "raw": bytes(raw).hex()}
    journal = {"deployer": sender, "admin": sender, "steps": {"IssuerRegistry": step}}
    replace_private(deployments / f"{anvil.chain.chain_id}.partial.json", json.dumps(journal).encode())

    finished = cli(env, "deploy", "--rpc", anvil.url, "--from", sender)
    assert finished["issuer_registry"] == registry and anvil.chain.nonce(sender) == 3
    Deployment.load(deployments, anvil.chain.chain_id).check(anvil.chain)
