"""`credanchor deploy --from ADDRESS` with an account kept in the data directory (`credanchor account create`):
what a public network needs, where the RPC provider holds no account. On anvil: the contracts are deployed by
transactions signed here, the account administers the IssuerRegistry (`accreditation grant-body` sends from
it), and credentials issued and anchored against that deployment verify."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hexbytes import HexBytes
from typer.testing import CliRunner
from web3 import Web3

from anchor.chain.deployment import Deployment
from anchor.cli.main import app
from anchor.credentials.roster import SAMPLE_ROSTER

runner = CliRunner()
PASSPHRASE = "a long enough passphrase"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str | None]:
    return {"COLUMNS": "200", "CREDANCHOR_DATA_DIR": str(tmp_path / "data"), "CREDANCHOR_KEY_PASSPHRASE": PASSPHRASE,
            "CREDANCHOR_RPC_URL": None, "CREDANCHOR_RPC_URLS": None}  # fmt: skip


def cli(env: dict[str, str | None], *args: str) -> dict:
    result = runner.invoke(app, [*args, "--json"], env=env)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_deploy_from_a_local_account_which_then_administers_the_registry(env, anvil, tmp_path):
    rpc = ("--rpc", anvil.url)
    created = cli(env, "account", "create")
    deployer = created["account"]
    assert Path(created["file"]).parent == tmp_path / "data" / "accounts"
    assert deployer not in anvil.chain.accounts  # the node cannot sign for it
    cli(env, "devchain", "fund", deployer, "--eth", "1", *rpc)

    deployed = cli(env, "deploy", "--chain", "anvil", *rpc, "--from", deployer)
    assert deployed["admin"] == deployer and deployed["chain"] == "anvil"
    deployment = Deployment.load(tmp_path / "data" / "deployments", anvil.chain.chain_id)
    deployment.check(anvil.chain)
    registry = deployment.registry(anvil.chain)
    admin_role = bytes(32)  # OpenZeppelin's DEFAULT_ADMIN_ROLE
    assert anvil.chain.call("IssuerRegistry", registry.address, "hasRole", [admin_role, deployer])
    (creation,) = [e for e in anvil.chain.events("IssuerRegistry", registry.address) if e.event == "RoleGranted"]
    assert anvil.chain.transaction(creation.log.tx_hash).sender == deployer  # signed here, sent raw
    sent = Web3(Web3.HTTPProvider(anvil.url)).eth.get_transaction(HexBytes(creation.log.tx_hash))
    assert sent["type"] == 2 and sent["maxFeePerGas"] >= sent["maxPriorityFeePerGas"]  # EIP-1559 fees from the chain

    body = anvil.chain.accounts[1]
    granted = cli(env, "accreditation", "grant-body", body, *rpc)  # default sender: the admin, its key here
    assert registry.is_body(body)
    assert anvil.chain.transaction(bytes.fromhex(granted["tx"].removeprefix("0x"))).sender == deployer

    issuer = cli(env, "issuer", "create", "uni", "--name", "Uni", "--country", "PT")["ethereum_account"]
    cli(env, "devchain", "fund", issuer, "--eth", "1", *rpc)
    cli(env, "accreditation", "register", issuer, "--from", body, *rpc)
    out = tmp_path / "out"
    cli(env, "issue", str(SAMPLE_ROSTER), "--out", str(out), "--anchor-account", issuer, *rpc)
    cli(env, "anchor", "--out", str(out), *rpc)
    files = sorted(str(f) for f in out.glob("*.json"))
    verified = runner.invoke(app, ["verify", *files, *rpc, "--chain", "anvil", "--json"], env=env)
    assert verified.exit_code == 0, verified.output


def test_deploy_from_an_account_with_no_key_here_says_how_to_get_one(env, anvil):
    stranger = "0x" + "ab" * 20
    result = runner.invoke(app, ["deploy", "--rpc", anvil.url, "--from", stranger], env=env)
    assert result.exit_code == 1
    assert "no key for 0xABaB" in result.output and "credanchor account create" in result.output
