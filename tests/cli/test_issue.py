"""`credanchor issuer ...`, `credanchor issue ROSTER.csv` and `credanchor bench issue`."""

from __future__ import annotations

import csv
import json

import pytest
from typer.testing import CliRunner

from anchor.cli.main import app
from anchor.credentials.roster import SAMPLE_ROSTER
from anchor.crypto.did import DidResolver
from anchor.crypto.proofs import verify_proofs

runner = CliRunner()
PASSPHRASE = "a long enough passphrase"


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("CREDANCHOR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CREDANCHOR_KEY_PASSPHRASE", PASSPHRASE)
    return tmp_path / "data"


def cli(*args: str, code: int = 0) -> dict:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == code, result.output
    return json.loads(result.stdout)


def create_issuer() -> dict:
    return cli("issuer", "create", "uni", "--name", "Universidade Exemplo", "--country", "PT", "--region", "Lisboa")


def test_issuer_create_list_show(data_dir):
    created = create_issuer()
    assert created["did"].startswith("did:key:z6Mk")
    assert created["did_document"]["assertionMethod"] == [created["verificationMethod"]]
    assert cli("issuer", "list") == {"issuers": ["uni"]}
    shown = cli("issuer", "show")
    assert shown["did"] == created["did"] and shown["country_code"] == "PT" and shown["region"] == "Lisboa"
    key_file = (data_dir / "issuers" / "uni" / "key.json").read_text()
    assert json.loads(key_file)["encryptedPrivateKey"].startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")
    account_file = json.loads((data_dir / "issuers" / "uni" / "account.json").read_text())
    assert (account_file["version"], "0x" + account_file["address"]) == (3, shown["ethereum_account"])


def test_issuer_with_did_web(data_dir):
    created = cli("issuer", "create", "web", "--name", "Web Uni", "--country", "DE", "--did-web", "did:web:uni.example")
    assert created["did"] == "did:web:uni.example"
    assert created["did_document"]["id"] == "did:web:uni.example"


def test_a_did_web_issuer_rotates_its_key(data_dir, tmp_path):
    """Credentials issued before the rotation verify against the new DID document; new ones use key-2."""
    did = "did:web:uni.example"
    cli("issuer", "create", "web", "--name", "Web Uni", "--country", "DE", "--did-web", did)
    cli("issue", str(SAMPLE_ROSTER), "--out", str(tmp_path / "before"))
    rotated = cli("issuer", "rotate-key")
    assert rotated["verificationMethod"] == f"{did}#key-2"
    assert rotated["previous"]["id"] == f"{did}#key-1" and "retired" in rotated["previous"]
    cli("issue", str(SAMPLE_ROSTER), "--out", str(tmp_path / "after"))
    shown = cli("issuer", "show")
    assert [("retired" in k, k["id"]) for k in shown["keys"]] == [(True, f"{did}#key-1"), (False, f"{did}#key-2")]
    resolver = DidResolver({did: shown["did_document"]})
    for folder, method in (("before", "key-1"), ("after", "key-2")):
        credentials = [json.loads(p.read_text()) for p in (tmp_path / folder).glob("*.json")]
        credentials = [c for c in credentials if "credentialSubject" in c]  # not the issuance report
        assert len(credentials) == sum(1 for _ in csv.DictReader(SAMPLE_ROSTER.open()))
        for credential in credentials:
            assert credential["proof"][0]["verificationMethod"] == f"{did}#{method}"
            assert all(check.verified for check in verify_proofs(credential, resolver))


def test_a_did_key_issuer_cannot_rotate_and_is_told_why(data_dir):
    create_issuer()
    result = runner.invoke(app, ["issuer", "rotate-key"])
    assert result.exit_code == 1 and "did:key" in result.output and "--did-web" in result.output


def test_withdrawing_a_key_says_what_it_means(data_dir):
    cli("issuer", "create", "web", "--name", "Web Uni", "--country", "DE", "--did-web", "did:web:uni.example")
    result = runner.invoke(app, ["issuer", "rotate-key", "--withdraw-old"])
    assert result.exit_code == 0, result.output
    assert "withdrawn" in result.output and "no longer verify" in result.output
    assert cli("issuer", "show")["did_document"]["assertionMethod"] == ["did:web:uni.example#key-2"]


@pytest.mark.parametrize("country", ["pt", "PRT", "P1"])
def test_bad_country_is_explained(data_dir, country):
    result = runner.invoke(app, ["issuer", "create", "uni", "--name", "U", "--country", country])
    assert result.exit_code == 1 and "ISO 3166-1 alpha-2" in result.output


def test_no_passphrase_without_a_terminal(data_dir, monkeypatch):
    monkeypatch.delenv("CREDANCHOR_KEY_PASSPHRASE")
    result = runner.invoke(app, ["issuer", "create", "uni", "--name", "U", "--country", "PT"])
    assert result.exit_code == 1 and "CREDANCHOR_KEY_PASSPHRASE" in result.output


def test_wrong_passphrase(data_dir, monkeypatch, tmp_path):
    create_issuer()
    monkeypatch.setenv("CREDANCHOR_KEY_PASSPHRASE", "not the right passphrase")
    result = runner.invoke(app, ["issue", str(SAMPLE_ROSTER), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1 and "wrong passphrase" in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("cryptosuite", ["eddsa-rdfc-2022", "eddsa-jcs-2022"])
def test_issue_the_sample_roster(data_dir, tmp_path, cryptosuite):
    did = create_issuer()["did"]
    out = tmp_path / "out"
    report = cli("issue", str(SAMPLE_ROSTER), "--out", str(out), "--cryptosuite", cryptosuite)
    assert (report["issued"], report["already-issued"], report["failed"]) == (4, 0, 0)
    files = sorted(out.glob("*.json"))
    assert len(files) == 4
    for path in files:
        credential = json.loads(path.read_text())
        assert credential["issuer"]["id"] == did
        (check,) = verify_proofs(credential, DidResolver())
        assert check.verified and check.cryptosuite == cryptosuite
    with (out / "issue-report.csv").open() as report_file:
        assert [row["status"] for row in csv.DictReader(report_file)] == ["issued"] * 4


def test_issue_is_safe_to_rerun(data_dir, tmp_path):
    create_issuer()
    out = tmp_path / "out"
    cli("issue", str(SAMPLE_ROSTER), "--out", str(out))
    before = {p.name: p.read_bytes() for p in out.glob("*.json")}
    again = cli("issue", str(SAMPLE_ROSTER), "--out", str(out))
    assert (again["issued"], again["already-issued"]) == (0, 4)
    assert {p.name: p.read_bytes() for p in out.glob("*.json")} == before


def test_bad_rows_are_reported_and_the_rest_issued(data_dir, tmp_path):
    create_issuer()
    lines = SAMPLE_ROSTER.read_text(encoding="utf-8").splitlines()
    bad = lines[1].replace(",75,3,5,", ",lots,3,9,")
    roster = tmp_path / "roster.csv"
    roster.write_text("\n".join([lines[0], bad, lines[2]]) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    report = cli("issue", str(roster), "--out", str(out), code=1)
    assert (report["issued"], report["failed"]) == (1, 1)
    (failed,) = [row for row in report["rows"] if row["status"] == "failed"]
    assert failed["line"] == 2
    assert any("workload_hours" in e for e in failed["errors"])
    text = runner.invoke(app, ["issue", str(roster), "--out", str(tmp_path / "out2")])
    assert text.exit_code == 1 and "line 2" in text.output and "Traceback" not in text.output


def test_invalid_eu_element_names_the_element(data_dir, tmp_path):
    create_issuer()
    lines = SAMPLE_ROSTER.read_text(encoding="utf-8").splitlines()
    roster = tmp_path / "roster.csv"
    roster.write_text("\n".join([lines[0], lines[1].replace(",5,,", ",9,,")]) + "\n", encoding="utf-8")
    report = cli("issue", str(roster), "--out", str(tmp_path / "out"), code=1)
    assert any("level (EQF/NQF)" in e for e in report["rows"][0]["errors"])


def test_missing_roster_column(data_dir, tmp_path):
    create_issuer()
    roster = tmp_path / "roster.csv"
    roster.write_text("learner_name,title\nAna,X\n", encoding="utf-8")
    result = runner.invoke(app, ["issue", str(roster), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1 and "missing column(s)" in result.output and "learning_outcomes" in result.output


def test_no_issuer_yet(data_dir, tmp_path):
    result = runner.invoke(app, ["issue", str(SAMPLE_ROSTER), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1 and "credanchor issuer create" in result.output


def test_bench_issue_prints_both_rates_and_the_ceiling():
    report = cli("bench", "issue", "--jcs", "20", "--rdfc", "3", "--peer", "20")
    assert report["ed25519_signs_per_second"] > 0
    assert report["machine"]["cpus"] >= 1 and report["machine"]["python"].startswith("CPython")
    peer = report["peer"]
    assert peer["name"].startswith("OpenAttestation") and peer["target_ratio"] == 10
    if "not_measured" not in peer:  # Node and the npm packages are there
        assert peer["documents"] == 20 and peer["documents_per_second"] > 0 and peer["jcs_ratio"] > 0
    assert set(report["cryptosuites"]) == {"eddsa-jcs-2022", "eddsa-rdfc-2022"}
    for figures in report["cryptosuites"].values():
        assert figures["credentials_per_second"] > 0 and 0 < figures["share_of_sign_ceiling"] < 1


def test_bench_anchor_small_run_reports_gas_and_rates():
    from anchor.tools.bench import bench_anchor

    report = bench_anchor(30, verify_count=10, with_anvil=False, batch_sizes=(1, 100, 10_000), merkle_leaves=10_000)
    gas = report["chains"]["embedded"]["gas_by_batch_size"]
    # One root costs the same whatever the batch size (give or take 12 gas per zero byte in the
    # random root's calldata): at 10,000 credentials, under 5 gas each.
    assert abs(gas[1]["gas"] - gas[10_000]["gas"]) <= 12 * 32 and max(gas[1]["gas"], gas[10_000]["gas"]) <= 46_500
    assert gas[10_000]["gas_per_credential"] <= 5
    run = report["chains"]["embedded"]
    assert run["issue_and_anchor"]["credentials"] == 30 and run["verification"]["verified"] == 10
