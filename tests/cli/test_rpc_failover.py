"""The commands that write to the chain take `--rpc` more than once, as `deploy`, `anchor` and `verify` do:
an endpoint that does not answer is passed over for the next. Here the first endpoint is a closed port."""

from __future__ import annotations

import json
import socket

from typer.testing import CliRunner

from anchor.cli.main import app
from anchor.credentials.roster import SAMPLE_ROSTER

runner = CliRunner()


def closed_port_url() -> str:
    with socket.socket() as probe:  # a port nothing listens on once the probe is closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_writing_commands_fail_over_to_the_next_rpc(anvil, tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("CREDANCHOR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CREDANCHOR_KEY_PASSPHRASE", "a long enough passphrase")
    body, issuer = anvil.chain.accounts[1:3]
    rpcs = ["--rpc", closed_port_url(), "--rpc", anvil.url]

    def run(*args: str) -> dict:
        caplog.clear()
        result = runner.invoke(app, [*args, *rpcs, "--json"])
        assert result.exit_code == 0, result.output
        # the closed port was tried first and passed over (a command reading only the last --rpc would not)
        assert any("after 1 endpoint(s) failed" in r.getMessage() for r in caplog.records), args
        return json.loads(result.stdout)

    run("deploy")
    assert runner.invoke(app, ["issuer", "create", "uni", "--name", "Uni", "--country", "PT"]).exit_code == 0
    run("accreditation", "grant-body", body)
    run("accreditation", "register", issuer, "--from", body)
    assert run("accreditation", "show", issuer)["accredited_now"] is True
    out = tmp_path / "out"
    run("issue", str(SAMPLE_ROSTER), "--out", str(out), "--anchor-account", issuer)
    run("anchor", "--out", str(out))
    files = sorted(str(p) for p in out.glob("*.json"))
    run("suspend", files[0])
    run("reinstate", files[0])
    run("revoke", files[1])
    verified = runner.invoke(app, ["verify", *files[:3], *rpcs, "--json"])
    reports = json.loads(verified.stdout)["reports"]
    assert [r["verified"] for r in reports] == [True, False, True]
