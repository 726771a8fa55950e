"""`credanchor doctor` (anchor.tools.doctor): what is present and what to do about each gap; no chain needed
here (tests/integration/test_devchain.py has the chain and contracts findings)."""

from __future__ import annotations

import json
import os
import stat

import pytest
from typer.testing import CliRunner

from anchor.chain import anvil
from anchor.cli.main import app
from anchor.credentials.issuers import create_issuer
from anchor.credentials.model import AwardingBody
from anchor.settings import Settings

runner = CliRunner()
PASSWORD = "s3cret-db-password"


@pytest.fixture
def bare(tmp_path, monkeypatch):
    """No anvil, npm or node anywhere; a data directory not made yet."""
    for name in ("CREDANCHOR_ANVIL", "CREDANCHOR_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(anvil, "REPO_ROOT", tmp_path / "no-checkout")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    (tmp_path / "bin").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    monkeypatch.setenv("CREDANCHOR_DATA_DIR", str(tmp_path / "data"))
    return tmp_path


def doctor(*args: str) -> tuple[int, dict]:
    result = runner.invoke(app, ["doctor", "--json", *args])
    return result.exit_code, json.loads(result.stdout)


def findings(report: dict) -> dict[str, dict]:
    return {finding["name"]: finding for finding in report["findings"]}


def test_on_a_bare_machine_each_gap_says_what_to_do_and_nothing_is_broken(bare):
    code, report = doctor()
    found = findings(report)
    assert code == 0 and report["healthy"] is True
    assert list(found) == [
        "credanchor", "anvil", "npm", "node", "data directory", "database", "chain", "contracts", "keys",
    ]  # fmt: skip
    assert {name: f["status"] for name, f in found.items()} == {
        "credanchor": "ok", "anvil": "missing", "npm": "missing", "node": "missing", "data directory": "ok",
        "database": "ok", "chain": "missing", "contracts": "skipped", "keys": "missing",
    }  # fmt: skip
    assert found["anvil"]["advice"].startswith("install Node.js 20 or later with npm")
    assert found["npm"]["advice"].startswith("install Node.js 20 or later with npm")
    assert "credanchor devchain up" in found["chain"]["advice"]
    assert "credanchor issuer create" in found["keys"]["advice"]
    assert not (bare / "data").exists()  # the doctor changes nothing


def test_with_npm_but_no_anvil_it_says_devchain_up_fetches_the_pinned_one(bare):
    npm = bare / "bin" / "npm"
    npm.write_text("#!/bin/sh\necho 11.0.0\n")
    npm.chmod(0o755)
    found = findings(doctor()[1])
    assert found["npm"]["status"] == "ok" and found["npm"]["found"].startswith("npm 11.0.0")
    assert found["anvil"]["advice"] == (
        f"`credanchor devchain up` fetches @foundry-rs/anvil-linux-amd64@{anvil.ANVIL_VERSION} with npm into "
        f"{bare / 'cache' / 'credanchor' / f'anvil-{anvil.ANVIL_VERSION}'}"
    )


def test_a_found_anvil_is_reported_with_its_version_and_place(bare):
    fake = bare / "bin" / "anvil"
    fake.write_text(f"#!/bin/sh\necho 'anvil Version: {anvil.ANVIL_VERSION}'\n")
    fake.chmod(0o755)
    found = findings(doctor()[1])["anvil"]
    assert found["status"] == "ok" and found["found"] == f"anvil Version: {anvil.ANVIL_VERSION} — {fake} (PATH)"
    assert found["advice"] == ""


def test_a_data_directory_others_can_read_is_a_problem_and_exit_1(bare):
    (bare / "data").mkdir(mode=0o755)
    os.chmod(bare / "data", 0o755)
    code, report = doctor()
    found = findings(report)
    assert code == 1 and report["healthy"] is False
    assert found["data directory"]["status"] == "problem"
    assert f"chmod 700 {bare / 'data'}" in found["data directory"]["found"]
    assert [found[n]["status"] for n in ("chain", "contracts", "keys")] == ["skipped"] * 3


def test_keys_are_listed_and_a_readable_key_file_is_a_problem(bare):
    settings = Settings.from_env()
    create_issuer(settings, "uni", AwardingBody("did:example:x", "Uni", "PT"), "a long enough passphrase")
    found = findings(doctor()[1])["keys"]
    assert found["status"] == "ok" and found["found"].startswith("1 issuer(s) (uni), 0 body account(s)")
    key = settings.data_dir / "issuers" / "uni" / "key.json"
    key.chmod(0o644)
    code, report = doctor()
    found = findings(report)["keys"]
    assert code == 1 and found["status"] == "problem" and f"chmod 600 {key}" in found["found"]
    assert stat.S_IMODE(key.stat().st_mode) == 0o644  # reported, not changed


def test_a_configured_database_that_does_not_answer_is_a_problem_without_its_password(bare, monkeypatch):
    from anchor.chain.devchain import free_port

    monkeypatch.setenv("CREDANCHOR_DATABASE_URL", f"postgresql://credanchor:{PASSWORD}@127.0.0.1:{free_port()}/db")
    result = runner.invoke(app, ["doctor", "--json"])
    found = findings(json.loads(result.stdout))["database"]
    assert result.exit_code == 1 and found["status"] == "problem" and "does not answer" in found["found"]
    assert PASSWORD not in result.output
    assert "CREDANCHOR_DATABASE_URL" in found["advice"]


def test_text_output_names_each_finding_and_its_advice(bare):
    result = runner.invoke(app, ["doctor"])
    assert result.exit_code == 0
    assert "missing  anvil" in result.output and "→ install Node.js" in result.output
    assert result.output.rstrip().endswith("nothing broken")
