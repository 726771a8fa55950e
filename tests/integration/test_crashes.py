"""The anchoring worker killed with SIGKILL at each risky point, for real, on anvil: on restart no
credential is lost and no root is anchored twice."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from eth_utils.crypto import keccak
from typer.testing import CliRunner

from anchor.chain.deployment import Deployment
from anchor.chain.devchain import AnvilProcess
from anchor.cli.main import app
from anchor.credentials.anchor_proofs import anchor_proofs_of
from anchor.credentials.roster import SAMPLE_ROSTER
from anchor.failpoints import AFTER_CLOSE, AFTER_RECEIPT, AFTER_SEND, AFTER_SIGN
from anchor.storage.database import database_url
from anchor.storage.store import Store

runner = CliRunner()


def prepare(anvil, tmp_path, monkeypatch, own_key: bool = False) -> dict:
    """A data directory with a deployment, an accredited issuer and 4 queued credentials; the issuer's
    account is a node account, or (`own_key`) its own key that the worker signs with."""
    env = {"CREDANCHOR_DATA_DIR": str(tmp_path / "data"), "CREDANCHOR_KEY_PASSPHRASE": "a long enough passphrase"}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    body, issuer = anvil.chain.accounts[1], anvil.chain.accounts[5]
    rpc = ["--rpc", anvil.url]
    created = runner.invoke(app, ["issuer", "create", "uni", "--name", "Uni", "--country", "PT", "--json"])
    assert created.exit_code == 0, created.output
    if own_key:
        issuer = json.loads(created.stdout)["ethereum_account"]
        anvil.chain.send_value(anvil.chain.accounts[0], issuer, 10**18)
    for args in (
        ["deploy", *rpc],
        ["accreditation", "grant-body", body, *rpc],
        ["accreditation", "register", issuer, "--from", body, *rpc],
        ["issue", str(SAMPLE_ROSTER), "--out", str(tmp_path / "out"), "--anchor-account", issuer, *rpc],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
    deployment = Deployment.load(tmp_path / "data" / "deployments", anvil.chain.chain_id)
    return {"env": {**os.environ, **env}, "out": tmp_path / "out", "issuer": issuer, "deployment": deployment}


def worker(anvil, issued, crash_at: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(issued["env"])
    env.pop("CREDANCHOR_CRASH_AT", None)
    if crash_at:
        env["CREDANCHOR_CRASH_AT"] = crash_at
    command = [sys.executable, "-m", "anchor", "anchor", "--out", str(issued["out"]), "--rpc", anvil.url, "--json"]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)


def anchorings(anvil, issued) -> list:
    contract = anvil.chain.contract("CredentialAnchor", issued["deployment"].credential_anchor)
    return contract.events.BatchAnchored().get_logs(from_block=0, argument_filters={"issuer": issued["issuer"]})


def sent_transaction(tmp_path, issuer: str) -> bytes | None:
    """The hash of the closed batch's anchoring transaction as the store knows it: the one the node accepted
    (node account), or the signed one stored before sending (own key)."""
    store = Store.open(database_url(tmp_path / "data"))
    (batch,) = store.open_batches(issuer)
    signed = store.signed_transaction(batch)
    return keccak(signed) if signed is not None else store.sent_transaction(batch)


@pytest.mark.parametrize(
    ("point", "sent", "own_key"),
    [
        (AFTER_CLOSE, 0, False),
        (AFTER_SEND, 1, False),
        (AFTER_RECEIPT, 1, False),
        (AFTER_SIGN, 0, True),
        (AFTER_SEND, 1, True),
        (AFTER_RECEIPT, 1, True),
    ],
)
def test_a_killed_worker_is_finished_by_the_next_run_exactly_once(anvil, tmp_path, monkeypatch, point, sent, own_key):
    issued = prepare(anvil, tmp_path, monkeypatch, own_key=own_key)
    crashed = worker(anvil, issued, crash_at=point)
    assert crashed.returncode == -signal.SIGKILL
    assert len(anchorings(anvil, issued)) == sent
    if sent:  # the restart finds the transaction by its hash, not by the block the contract recorded
        (logged,) = anchorings(anvil, issued)
        assert sent_transaction(tmp_path, issued["issuer"]) == bytes(logged["transactionHash"])
    files = sorted(issued["out"].glob("*.json"))
    assert len(files) == 4 and not any(anchor_proofs_of(json.loads(f.read_text())) for f in files)

    finished = worker(anvil, issued)
    assert finished.returncode == 0, finished.stderr
    (batch,) = json.loads(finished.stdout)["batches"]
    assert batch["resumed"] and batch["credentials"] == 4
    assert len(anchorings(anvil, issued)) == 1  # never twice
    assert json.loads(worker(anvil, issued).stdout)["batches"] == []
    verified = subprocess.run(
        [sys.executable, "-m", "anchor", "verify", *map(str, files), "--rpc", anvil.url, "--json"],
        env=issued["env"], capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert verified.returncode == 0, verified.stdout


def test_a_reorg_that_drops_the_anchoring_is_detected_and_the_batch_anchored_again(tmp_path, monkeypatch):
    """On a dedicated anvil the anchoring block is taken back (snapshot/revert); the worker notices."""
    own = AnvilProcess()
    try:
        issued = prepare(own, tmp_path, monkeypatch)
        before = own.chain.snapshot()
        first = worker(own, issued)
        assert first.returncode == 0, first.stderr
        (batch,) = json.loads(first.stdout)["batches"]
        own.chain.revert(before)  # the anchoring transaction is gone
        assert anchorings(own, issued) == []
        own.chain.mine()
        again = worker(own, issued)
        assert again.returncode == 0, again.stderr
        (redone,) = json.loads(again.stdout)["batches"]
        assert redone["root"] == batch["root"] and redone["resumed"] and redone["tx"] != batch["tx"]
        assert len(anchorings(own, issued)) == 1
        files = sorted(issued["out"].glob("*.json"))
        assert all(redone["tx"] in f.read_text() for f in files)  # the proofs point at the new transaction
        verified = subprocess.run(
            [sys.executable, "-m", "anchor", "verify", *map(str, files), "--rpc", own.url],
            env=issued["env"], capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert verified.returncode == 0, verified.stdout
    finally:
        own.stop()


def test_an_rpc_outage_is_waited_out_without_an_operator(tmp_path, monkeypatch):
    """The chain goes down (anvil stopped, its state kept), the worker keeps trying, the chain comes back."""
    state = tmp_path / "anvil-state.json"
    first = AnvilProcess(state_file=state)
    port = first.port
    try:
        issued = prepare(first, tmp_path, monkeypatch)
    finally:
        first.stop()  # the RPC is down; anvil wrote its state on the way out
    command = [sys.executable, "-m", "anchor", "anchor", "--out", str(issued["out"]), "--rpc", first.url,
               "--watch", "0.5", "--until-idle", "--json"]  # fmt: skip
    running = subprocess.Popen(command, env=issued["env"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(3)
        assert running.poll() is None  # still trying
        second = AnvilProcess(port=port, state_file=state)
        try:
            stdout, stderr = running.communicate(timeout=120)
            assert running.returncode == 0, stderr
            assert "waiting:" in stderr and "unreachable" in stderr
            (batch,) = json.loads(stdout)["batches"]
            assert batch["credentials"] == 4 and len(anchorings(second, issued)) == 1
        finally:
            second.stop()
    finally:
        if running.poll() is None:
            running.kill()
