"""`issuer create|update --status-purposes`: credentials with revocation and suspension entries (the
default), or with the one revocation entry Open Badges 3.0 allows, issued, anchored, revoked and verified
through the CLI on anvil."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from anchor.cli.main import app
from anchor.credentials.roster import SAMPLE_ROSTER
from anchor.credentials.status import status_purposes
from anchor.errors import ConfigurationError

runner = CliRunner()
PUBLIC_URL = "https://uni.example"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("revocation", ("revocation",)),
        ("revocation,suspension", ("revocation", "suspension")),
        (" suspension , revocation ", ("revocation", "suspension")),
        (["suspension", "revocation"], ("revocation", "suspension")),
    ],
)
def test_status_purposes_are_read_in_a_fixed_order(given, expected):
    assert status_purposes(given) == expected


@pytest.mark.parametrize("given", ["", "suspension", "revocation,refresh", "revoked", "revocation;suspension"])
def test_other_status_purposes_are_refused_with_what_is_allowed(given):
    with pytest.raises(ConfigurationError, match="must be 'revocation' or 'revocation,suspension'"):
        status_purposes(given)


def test_issuer_settings_are_shown_updated_and_refused_whole(tmp_path, monkeypatch):
    monkeypatch.setenv("CREDANCHOR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CREDANCHOR_KEY_PASSPHRASE", "a long enough passphrase")

    def cli(*args: str, code: int = 0) -> Any:
        result = runner.invoke(app, [*args, "--json"])
        assert result.exit_code == code, result.output
        return json.loads(result.stdout) if code == 0 else result.output

    created = cli("issuer", "create", "uni", "--name", "Uni", "--country", "PT", "--status-purposes", "revocation")
    assert created["status_purposes"] == ["revocation"]
    assert cli("issuer", "show")["status_purposes"] == ["revocation"]
    profile = json.loads((tmp_path / "data" / "issuers" / "uni" / "profile.json").read_text())
    assert profile["status_purposes"] == ["revocation"]
    refused = cli("issuer", "update", "--status-purposes", "revocation,suspension", "--public-url", "ftp://x", code=1)
    assert "--public-url" in refused
    assert cli("issuer", "show")["status_purposes"] == ["revocation"]  # nothing written
    assert "nothing to change" in cli("issuer", "update", code=1)
    updated = cli("issuer", "update", "--status-purposes", "revocation,suspension")
    assert updated == {"issuer": "uni", "public_url": None, "status_purposes": ["revocation", "suspension"]}
    bad = cli("issuer", "create", "other", "--name", "O", "--country", "PT", "--status-purposes", "suspension", code=1)
    assert "must be 'revocation'" in bad and not (tmp_path / "data" / "issuers" / "other").exists()


def test_revocation_only_credentials_carry_one_entry_and_cannot_be_suspended(anvil, tmp_path, monkeypatch):
    monkeypatch.setenv("CREDANCHOR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CREDANCHOR_KEY_PASSPHRASE", "a long enough passphrase")
    body, issuer = anvil.chain.accounts[1:3]
    rpc = ["--rpc", anvil.url]

    def run(*args: str, code: int = 0) -> str:
        result = runner.invoke(app, [*args, *rpc])
        assert result.exit_code == code, result.output
        return result.output

    run("deploy")
    create = ["issuer", "create", "uni", "--name", "Uni", "--country", "PT", "--public-url", PUBLIC_URL]
    assert runner.invoke(app, [*create, "--status-purposes", "revocation"]).exit_code == 0
    run("accreditation", "grant-body", body)
    run("accreditation", "register", issuer, "--from", body, "--scope", "EQF 5")
    run("issue", str(SAMPLE_ROSTER), "--out", str(tmp_path / "one"), "--anchor-account", issuer)
    run("anchor", "--out", str(tmp_path / "one"))
    assert runner.invoke(app, ["issuer", "update", "--status-purposes", "revocation,suspension"]).exit_code == 0
    others = tmp_path / "others.csv"  # other learners: the same rows would give the credentials issued before
    lines = SAMPLE_ROSTER.read_text().splitlines(keepends=True)
    others.write_text(lines[0] + "".join(f"Second {line}" for line in lines[1:]))
    run("issue", str(others), "--out", str(tmp_path / "two"), "--anchor-account", issuer)
    run("anchor", "--out", str(tmp_path / "two"))
    one, two = (sorted(str(p) for p in (tmp_path / name).glob("*.json")) for name in ("one", "two"))
    for path in one:
        status = json.loads(Path(path).read_text())["credentialStatus"]
        assert isinstance(status, dict) and status["statusPurpose"] == "revocation"
        assert status["statusListCredential"].startswith(f"{PUBLIC_URL}/v1/status/")
    for path in two:
        status = json.loads(Path(path).read_text())["credentialStatus"]
        assert [entry["statusPurpose"] for entry in status] == ["revocation", "suspension"]
    run("verify", *one, *two)
    refused = run("suspend", one[0], code=1)
    assert "has no suspension status entry: cannot suspend it" in refused
    run("suspend", two[0])
    run("revoke", one[1])
    report = json.loads(run("verify", one[0], one[1], two[0], "--json", code=1))
    assert [r["verified"] for r in report["reports"]] == [True, False, False]
