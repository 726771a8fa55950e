"""The holder's commands (anchor/cli/holder.py): `holder create`, `holder show` and `present`, and
presentations checked by `credanchor verify VP --challenge C --domain D` on anvil, with real
micro-credentials issued to the holders' DIDs (roster column learner_did) and anchored.

Every command runs in-process through typer's CliRunner with its environment from `env=` (restored
afterwards). Assertion messages show stderr only.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from typer.testing import CliRunner

from anchor.cli.main import app
from anchor.credentials.holder import load_holder_key
from anchor.credentials.presentation import PRESENTATION_CHECKS
from anchor.credentials.roster import SAMPLE_ROSTER
from anchor.credentials.verify import CHECKS
from anchor.crypto.keys import SigningKey
from anchor.crypto.proofs import add_proof

runner = CliRunner()
ISSUER_PASSPHRASE = "the issuer's long passphrase"
HOLDER_PASSPHRASE = "Ana's own long passphrase"
OTHER_PASSPHRASE = "Kwame's own long passphrase"
ISOLATED = ("CREDANCHOR_RPC_URL", "CREDANCHOR_PUBLIC_URL", "CREDANCHOR_VERIFY_RATE", "CREDANCHOR_DATABASE_URL")
CHALLENGE, DOMAIN = "3f1c9a7e-vacancy-42", "jobs.example"
AS_KWAME = ("--passphrase-env", "OTHER_HOLDER_PASSPHRASE")  # the other holder's passphrase variable

needs_anvil = pytest.mark.anvil


def environment(data_dir: Path, holder_passphrase: str | None = HOLDER_PASSPHRASE) -> dict[str, str | None]:
    return {
        "CREDANCHOR_DATA_DIR": str(data_dir),
        "CREDANCHOR_KEY_PASSPHRASE": ISSUER_PASSPHRASE,
        "CREDANCHOR_HOLDER_PASSPHRASE": holder_passphrase,
        "OTHER_HOLDER_PASSPHRASE": OTHER_PASSPHRASE,
        **dict.fromkeys(ISOLATED),
    }


def invoke(env: Mapping[str, str | None], *args: str) -> Result:
    return runner.invoke(app, list(args), env=dict(env))


def cli(env: Mapping[str, str | None], *args: str, code: int = 0) -> Any:
    """Run a command with --json; check its exit code (message: stderr) and parse stdout."""
    result = invoke(env, *args, "--json")
    assert result.exit_code == code, result.stderr
    return json.loads(result.stdout)


def fails(env: Mapping[str, str | None], *args: str) -> str:
    """Run a command that must exit 1 with a message and no traceback; return what it printed on stderr."""
    result = invoke(env, *args)
    assert result.exit_code == 1, result.stderr
    assert isinstance(result.exception, SystemExit), f"{type(result.exception).__name__}: {result.stderr}"
    assert "Traceback" not in result.output, result.stderr
    assert "error:" in result.stderr
    return result.stderr


def outcomes(checks: Mapping[str, Any]) -> dict[str, str]:
    return {name: check["outcome"] for name, check in checks.items()}


# -- --help ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", [["holder", "create"], ["holder", "show"], ["present"]], ids=" ".join)
def test_help(command, tmp_path):
    result = invoke(environment(tmp_path / "data"), *command, "--help")
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output and command[-1] in result.output


def test_the_holder_group_is_listed(tmp_path):
    result = invoke(environment(tmp_path / "data"), "--help")
    assert result.exit_code == 0, result.output
    assert "holder" in result.output and "present" in result.output


# -- holder create / show (no chain) ----------------------------------------------------------------


def test_holder_create_writes_an_encrypted_did_key(tmp_path):
    path = tmp_path / "keys" / "ana.json"
    created = cli(environment(tmp_path / "data"), "holder", "create", str(path))
    assert created["did"].startswith("did:key:z6Mk") and created["file"] == str(path)
    assert created["did_document"]["id"] == created["did"]
    assert created["verificationMethod"] in created["did_document"]["authentication"]
    key = SigningKey.load(path, HOLDER_PASSPHRASE)
    assert key.did == created["did"]
    text = path.read_text()
    seed = key.private_key.private_bytes_raw()
    assert seed.hex() not in text and key.public_key_multibase in text
    assert json.loads(text)["encryptedPrivateKey"].startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert not (tmp_path / "data").exists()  # a holder key lives where the holder puts it, not with issuers


def test_holder_create_text_output_prints_the_did(tmp_path):
    path = tmp_path / "ana.json"
    result = invoke(environment(tmp_path / "data"), "holder", "create", str(path))
    assert result.exit_code == 0, result.stderr
    did = SigningKey.load(path, HOLDER_PASSPHRASE).did
    assert did in result.stdout and "learner_did" in result.stdout


def test_holder_create_refuses_to_overwrite(tmp_path):
    path = tmp_path / "ana.json"
    env = environment(tmp_path / "data")
    cli(env, "holder", "create", str(path))
    before = path.read_bytes()
    assert "already exists" in fails(env, "holder", "create", str(path))
    assert path.read_bytes() == before


def test_holder_create_with_a_short_passphrase(tmp_path):
    message = fails(environment(tmp_path / "data", "short"), "holder", "create", str(tmp_path / "k.json"))
    assert "at least 12 characters" in message
    assert not (tmp_path / "k.json").exists()


def test_holder_create_without_a_passphrase_off_a_terminal(tmp_path):
    message = fails(environment(tmp_path / "data", None), "holder", "create", str(tmp_path / "k.json"))
    assert "CREDANCHOR_HOLDER_PASSPHRASE" in message


def test_holder_create_reads_the_passphrase_from_the_named_variable(tmp_path):
    path = tmp_path / "kwame.json"
    cli(environment(tmp_path / "data", None), "holder", "create", str(path), *AS_KWAME)
    assert SigningKey.load(path, OTHER_PASSPHRASE).did.startswith("did:key:")


def test_holder_show_needs_no_passphrase(tmp_path):
    path = tmp_path / "ana.json"
    created = cli(environment(tmp_path / "data"), "holder", "create", str(path))
    env = environment(tmp_path / "data", None)
    shown = cli(env, "holder", "show", str(path))
    assert shown["did"] == created["did"] and shown["did_document"] == created["did_document"]
    text = invoke(env, "holder", "show", str(path))
    assert text.exit_code == 0, text.stderr
    assert f"did: {created['did']}" in text.stdout and '"verificationMethod"' in text.stdout


def test_holder_show_of_a_missing_file(tmp_path):
    message = fails(environment(tmp_path / "data"), "holder", "show", str(tmp_path / "missing.json"))
    assert "credanchor holder create" in message


def test_holder_show_of_a_file_that_is_not_a_key(tmp_path):
    path = tmp_path / "not-a-key.json"
    path.write_text("{}")
    assert "not a credanchor key file" in fails(environment(tmp_path / "data"), "holder", "show", str(path))


# -- present and verify on anvil -------------------------------------------------------------------


def roster_with_dids(path: Path, rows: list[tuple[str, str, str]]) -> None:
    """A CSV roster from the sample's first row: one row per (learner name, learner_did, title)."""
    with SAMPLE_ROSTER.open(encoding="utf-8") as sample:
        template = next(csv.DictReader(sample))
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=list(template))
        writer.writeheader()
        for name, did, title in rows:
            writer.writerow({**template, "learner_name": name, "learner_email": "", "learner_did": did,
                             "title": title, "learner_address": ""})  # fmt: skip


@pytest.fixture(scope="module")
def world(anvil, tmp_path_factory) -> dict[str, Any]:
    """Contracts on anvil, an accredited issuer, holders Ana and Kwame with their own keys, and anchored
    credentials: two issued to Ana's DID, one to Kwame's, one to Li who gave no DID."""
    root = tmp_path_factory.mktemp("holders")
    env = environment(root / "data")
    rpc = ("--rpc", anvil.url)
    cli(env, "deploy", *rpc)
    issuer = cli(env, "issuer", "create", "uni", "--name", "Universidade Exemplo", "--country", "PT")
    account = issuer["ethereum_account"]
    body = anvil.chain.accounts[1]
    cli(env, "devchain", "fund", account, *rpc)
    cli(env, "accreditation", "grant-body", body, *rpc)
    cli(env, "accreditation", "register", account, "--from", body, "--issuer", "uni", *rpc)

    ana_key, kwame_key = root / "ana-key.json", root / "kwame-key.json"
    ana = cli(env, "holder", "create", str(ana_key))["did"]
    kwame = cli(env, "holder", "create", str(kwame_key), *AS_KWAME)["did"]
    roster = root / "roster.csv"
    roster_with_dids(roster, [(
        "Ana Sousa", ana, "Data Literacy Essentials"), ("Ana Sousa", ana, "Data Visualisation Basics"),
        ("Kwame Mensah", kwame, "Data Literacy Essentials"), ("Li Wei", "", "Data Literacy Essentials"),
    ])  # fmt: skip
    out = root / "out"
    issued = cli(env, "issue", str(roster), "--out", str(out), "--anchor-account", account, *rpc)
    assert issued["issued"] == 4, issued
    cli(env, "anchor", "--out", str(out), *rpc)
    ana_first, ana_second, kwames, unbound = (out / row["file"] for row in issued["rows"])
    return {"env": env, "root": root, "rpc": rpc, "ana": ana, "kwame": kwame, "ana_key": ana_key,
            "kwame_key": kwame_key, "ana_files": [ana_first, ana_second], "kwame_file": kwames,
            "unbound_file": unbound}  # fmt: skip


def present(world: dict[str, Any], *files: Path, key: str = "ana_key", extra: tuple[str, ...] = ()) -> dict[str, Any]:
    """A presentation made by `credanchor present` for CHALLENGE and DOMAIN (stdout, parsed)."""
    args = ["present", *map(str, files), "--holder-key", str(world[key]), "--challenge", CHALLENGE,
            "--domain", DOMAIN, *extra]  # fmt: skip
    if key == "kwame_key":
        args += AS_KWAME
    result = invoke(world["env"], *args)
    assert result.exit_code == 0, result.stderr
    vp: dict[str, Any] = json.loads(result.stdout)
    return vp


def verify(world: dict[str, Any], vp: dict[str, Any], tmp_path: Path, *options: str, code: int) -> dict[str, Any]:
    """`credanchor verify VP.json --json` with the options; the exit code must be `code`; its one report."""
    path = tmp_path / f"vp-{len(list(tmp_path.glob('vp-*.json')))}.json"
    path.write_text(json.dumps(vp), encoding="utf-8")
    reports = cli(world["env"], "verify", str(path), *options, *world["rpc"], code=code)
    assert reports["verified"] is (code == 0)
    report: dict[str, Any] = reports["reports"][0]
    return report


def resigned(vp: dict[str, Any], key: SigningKey, **changes: Any) -> dict[str, Any]:
    """`vp` without its proof, changed, and signed by `key` for the same challenge and domain."""
    unsigned = {k: v for k, v in vp.items() if k != "proof"} | changes
    return add_proof(unsigned, key, cryptosuite=vp["proof"]["cryptosuite"], proof_purpose="authentication",
                     challenge=CHALLENGE, domain=DOMAIN)  # fmt: skip


def credential(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


ASKED = ("--challenge", CHALLENGE, "--domain", DOMAIN)


@needs_anvil
def test_the_credentials_are_issued_to_the_holders_dids(world):
    assert [credential(p)["credentialSubject"]["id"] for p in world["ana_files"]] == [world["ana"]] * 2
    assert credential(world["kwame_file"])["credentialSubject"]["id"] == world["kwame"]
    assert "id" not in credential(world["unbound_file"])["credentialSubject"]
    assert all(len(credential(p)["proof"]) == 2 for p in (*world["ana_files"], world["kwame_file"]))  # anchored


@needs_anvil
@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "eddsa-jcs-2022"])
def test_a_presentation_verifies_with_every_check(world, tmp_path, suite):
    vp = present(world, *world["ana_files"], extra=("--cryptosuite", suite))
    assert vp["holder"] == world["ana"] and len(vp["verifiableCredential"]) == 2
    assert (vp["proof"]["cryptosuite"], vp["proof"]["challenge"], vp["proof"]["domain"]) == (suite, CHALLENGE, DOMAIN)
    report = verify(world, vp, tmp_path, *ASKED, code=0)
    assert outcomes(report["checks"]) == dict.fromkeys(PRESENTATION_CHECKS, "pass")
    assert report["holder"] == world["ana"] and report["presentation"] == vp["id"]
    for inner in report["credentials"]:
        assert inner["verified"]
        assert outcomes(inner["checks"]) == {**dict.fromkeys(CHECKS, "pass"), "suspension": "pass"}


@needs_anvil
def test_the_text_report_names_each_presentation_check(world, tmp_path):
    path = tmp_path / "vp.json"
    path.write_text(json.dumps(present(world, world["ana_files"][0])), encoding="utf-8")
    result = invoke(world["env"], "verify", str(path), *ASKED, *world["rpc"])
    assert result.exit_code == 0, result.stderr
    assert "verified" in result.stdout and "NOT verified" not in result.stdout
    for name in PRESENTATION_CHECKS:
        assert f"{name}:" in result.stdout


@needs_anvil
def test_present_writes_the_presentation_to_a_file(world, tmp_path):
    out = tmp_path / "shared" / "vp.json"
    args = ["present", str(world["ana_files"][0]), "--holder-key", str(world["ana_key"]), "--challenge", CHALLENGE,
            "--out", str(out)]  # fmt: skip
    summary = cli(world["env"], *args)
    vp = json.loads(out.read_text())
    assert summary == {"out": str(out), "id": vp["id"], "holder": world["ana"], "credentials": 1,
                       "challenge": CHALLENGE, "domain": None}  # fmt: skip
    assert "domain" not in vp["proof"]
    report = verify(world, vp, tmp_path, "--challenge", CHALLENGE, code=0)
    assert outcomes(report["checks"])["domain"] == "not_applicable"
    text = invoke(world["env"], *args[:-1], str(tmp_path / "vp-text.json"))
    assert text.exit_code == 0, text.stderr
    assert world["ana"] in text.stdout and "1 credential(s)" in text.stdout


@needs_anvil
def test_a_replay_with_another_challenge_fails(world, tmp_path):
    vp = present(world, world["ana_files"][0])
    report = verify(world, vp, tmp_path, "--challenge", "a-new-challenge", "--domain", DOMAIN, code=1)
    checks = outcomes(report["checks"])
    assert checks == {**dict.fromkeys(PRESENTATION_CHECKS, "pass"), "challenge": "fail"}
    assert "replay" in report["checks"]["challenge"]["reason"]
    assert [inner["verified"] for inner in report["credentials"]] == [True]


@needs_anvil
def test_a_wrong_domain_fails(world, tmp_path):
    vp = present(world, world["ana_files"][0])
    report = verify(world, vp, tmp_path, "--challenge", CHALLENGE, "--domain", "evil.example", code=1)
    assert outcomes(report["checks"]) == {**dict.fromkeys(PRESENTATION_CHECKS, "pass"), "domain": "fail"}


@needs_anvil
def test_present_refuses_a_credential_issued_to_another_holder(world, tmp_path):
    out = tmp_path / "vp.json"
    message = fails(world["env"], "present", str(world["ana_files"][0]), "--holder-key", str(world["kwame_key"]),
                    *AS_KWAME, "--challenge", CHALLENGE, "--out", str(out))  # fmt: skip
    assert f"not to this holder ({world['kwame']})" in message and world["ana"] in message
    assert not out.exists()


@needs_anvil
def test_a_credential_of_another_holder_forced_into_a_presentation_fails_holder_binding(world, tmp_path):
    kwame = load_holder_key(world["kwame_key"], OTHER_PASSPHRASE)
    mine = present(world, world["kwame_file"], key="kwame_key")
    forced = resigned(mine, kwame, verifiableCredential=[credential(world["ana_files"][0])])  # put in by hand
    report = verify(world, forced, tmp_path, *ASKED, code=1)
    assert outcomes(report["checks"]) == {**dict.fromkeys(PRESENTATION_CHECKS, "pass"), "holder_binding": "fail"}
    assert world["kwame"] in report["checks"]["holder_binding"]["reason"]
    assert [inner["verified"] for inner in report["credentials"]] == [True]  # a genuine credential — not Kwame's


@needs_anvil
def test_a_presentation_signed_by_another_holder_fails_the_proof_check(world, tmp_path):
    kwame = load_holder_key(world["kwame_key"], OTHER_PASSPHRASE)
    forged = resigned(present(world, world["ana_files"][0]), kwame)  # names Ana as holder, signed by Kwame
    report = verify(world, forged, tmp_path, *ASKED, code=1)
    # Kwame's proof answers the challenge, but it is not Ana's: nothing answers for her, nor binds her.
    assert outcomes(report["checks"]) == {**dict.fromkeys(PRESENTATION_CHECKS, "fail"), "presentation_schema": "pass"}
    assert world["ana"] in report["checks"]["presentation_proof"]["reason"]


@needs_anvil
def test_a_credential_swapped_after_signing_fails_the_proof_check(world, tmp_path):
    first, second = world["ana_files"]
    vp = present(world, first)
    vp["verifiableCredential"] = [credential(second)]  # Ana's too, genuine: only the holder's proof catches it
    report = verify(world, vp, tmp_path, *ASKED, code=1)
    # An altered proof answers nothing: no challenge, no domain, no binding.
    assert outcomes(report["checks"]) == {**dict.fromkeys(PRESENTATION_CHECKS, "fail"), "presentation_schema": "pass"}
    assert [inner["verified"] for inner in report["credentials"]] == [True]


@needs_anvil
def test_another_holders_credential_swapped_in_after_signing_fails_proof_and_binding(world, tmp_path):
    vp = present(world, world["ana_files"][0])
    vp["verifiableCredential"] = [credential(world["kwame_file"])]
    report = verify(world, vp, tmp_path, *ASKED, code=1)
    failed = [name for name, outcome in outcomes(report["checks"]).items() if outcome == "fail"]
    assert failed == ["presentation_proof", "challenge", "domain", "holder_binding"]


@needs_anvil
def test_a_tampered_credential_in_a_valid_presentation_fails_its_checks(world, tmp_path):
    tampered = credential(world["ana_files"][0])
    tampered["credentialSubject"]["result"][0]["value"] = "A+"
    path = tmp_path / "tampered.json"
    path.write_text(json.dumps(tampered), encoding="utf-8")
    vp = present(world, path)
    report = verify(world, vp, tmp_path, *ASKED, code=1)
    assert outcomes(report["checks"]) == dict.fromkeys(PRESENTATION_CHECKS, "pass")
    (inner,) = report["credentials"]
    failed = {name for name, outcome in outcomes(inner["checks"]).items() if outcome == "fail"}
    assert failed == {"signature", "merkle_inclusion"}


@needs_anvil
def test_an_unbound_credential_needs_allow_unbound(world, tmp_path):
    message = fails(world["env"], "present", str(world["unbound_file"]), "--holder-key", str(world["ana_key"]),
                    "--challenge", CHALLENGE)  # fmt: skip
    assert "--allow-unbound" in message
    vp = present(world, world["unbound_file"], extra=("--allow-unbound",))
    report = verify(world, vp, tmp_path, *ASKED, code=0)
    assert outcomes(report["checks"])["holder_binding"] == "not_applicable"


@needs_anvil
def test_present_with_a_wrong_passphrase(world, tmp_path):
    env = {**world["env"], "CREDANCHOR_HOLDER_PASSPHRASE": "not Ana's passphrase"}
    message = fails(env, "present", str(world["ana_files"][0]), "--holder-key", str(world["ana_key"]),
                    "--challenge", CHALLENGE)  # fmt: skip
    assert "wrong passphrase" in message


def test_present_with_a_missing_credential_file(tmp_path):
    message = fails(environment(tmp_path / "data"), "present", str(tmp_path / "missing.json"), "--holder-key",
                    str(tmp_path / "key.json"), "--challenge", CHALLENGE)  # fmt: skip
    assert "cannot read a credential" in message


def test_present_with_a_missing_key_file(tmp_path):
    source = tmp_path / "credential.json"
    source.write_text(json.dumps({"type": ["VerifiableCredential"]}))
    message = fails(environment(tmp_path / "data"), "present", str(source), "--holder-key",
                    str(tmp_path / "key.json"), "--challenge", CHALLENGE)  # fmt: skip
    assert "no holder key file" in message and "credanchor holder create" in message


def test_present_needs_a_challenge(tmp_path):
    result = invoke(environment(tmp_path / "data"), "present", "x.json", "--holder-key", "k.json")
    assert result.exit_code == 2
    assert "--challenge" in result.output
