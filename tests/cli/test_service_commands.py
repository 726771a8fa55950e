"""The CLI commands that mirror the HTTP API (anchor/cli/serve.py, apikey.py, records.py, nft.py and
others): `serve --check`, `apikey`, `credentials`, `batches`, `status-list`, `nft metadata`, `ready` and the
accreditation body's `create-body-account`, `update` and `accredit`; plus `issue` with a JSON roster.

Every command runs in-process through typer's CliRunner. Each invocation gets its environment from
`env=` (restored afterwards), so the module-scoped data directories never leak into other tests and
`serve` (which writes CREDANCHOR_* variables for its workers) leaves os.environ as it found it.
Assertion messages show stderr only: stdout may hold an API key.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from typer.testing import CliRunner
from web3 import Web3

from anchor.chain.deployment import Deployment
from anchor.cli.main import app
from anchor.credentials.statuslist import bit_at, decode_list
from anchor.crypto.accounts import EthereumKey
from anchor.crypto.did import DidResolver
from anchor.crypto.proofs import verify_proofs
from anchor.storage.store import Store, database_url

runner = CliRunner()
PASSPHRASE = "a long enough passphrase"
# Variables `serve` sets for its workers, and the database override: unset around every invocation
# (CliRunner restores them afterwards), so neither the caller's environment nor `serve` leaks in.
ISOLATED = ("CREDANCHOR_RPC_URL", "CREDANCHOR_PUBLIC_URL", "CREDANCHOR_VERIFY_RATE", "CREDANCHOR_DATABASE_URL")
SKILL = "http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d"
OUTCOMES = ["Clean a tabular data set with a spreadsheet", "Choose a chart that answers a question"]
ZERO_ADDRESS_LIKE = "0x00000000000000000000000000000000000000aa"

needs_anvil = pytest.mark.anvil


def environment(data_dir: Path, passphrase: str = PASSPHRASE) -> dict[str, str | None]:
    return {
        "CREDANCHOR_DATA_DIR": str(data_dir),
        "CREDANCHOR_KEY_PASSPHRASE": passphrase,
        **dict.fromkeys(ISOLATED),
    }


def invoke(env: Mapping[str, str | None], *args: str) -> Result:
    return runner.invoke(app, list(args), env=dict(env))


def cli(env: Mapping[str, str | None], *args: str, code: int = 0) -> Any:
    """Run a command with --json; check its exit code (message: stderr only, never stdout) and parse stdout."""
    result = invoke(env, *args, "--json")
    assert result.exit_code == code, result.stderr
    return json.loads(result.stdout)


def fails(env: Mapping[str, str | None], *args: str) -> str:
    """Run a command that must exit 1 with a message and no traceback; return what it printed."""
    result = invoke(env, *args)
    assert result.exit_code == 1, result.stderr
    assert isinstance(result.exception, SystemExit), f"{type(result.exception).__name__}: {result.stderr}"
    traceback = "Traceback" in result.output  # (not shown: stdout may hold a key)
    assert not traceback, result.stderr
    assert "error:" in result.stderr
    return result.stderr


def create_issuer(env: Mapping[str, str | None], slug: str, name: str) -> dict[str, Any]:
    created: dict[str, Any] = cli(env, "issuer", "create", slug, "--name", name, "--country", "PT")
    return created


def entry(name: str, email: str, grade: str = "A", **achievement: Any) -> dict[str, Any]:
    """One JSON roster entry, shaped like the API's credential request."""
    return {
        "learner": {"name": name, "email": email},
        "achievement": {
            "title": "Data Literacy Essentials",
            "description": "Reading, cleaning and charting tabular data for decisions.",
            "learning_outcomes": OUTCOMES,
            "workload_hours": 75,
            "ects_credits": 3,
            "eqf_level": 5,
            "assessment_type": "Project assessed by two examiners",
            "participation_form": "online",
            "quality_assurance": "Internal QA under ISO 21001",
            "skills": [{"uri": SKILL, "label": "data analytics"}],
            **achievement,
        },
        "grade": grade,
        "issued_on": "2026-05-01",
    }


# -- --help -----------------------------------------------------------------------------------------

COMMANDS = [
    ["serve"],
    ["apikey", "create"],
    ["apikey", "list"],
    ["apikey", "revoke"],
    ["credentials", "list"],
    ["credentials", "show"],
    ["batches", "list"],
    ["batches", "show"],
    ["status-list"],
    ["nft", "metadata"],
    ["ready"],
    ["accreditation", "create-body-account"],
    ["accreditation", "update"],
    ["accreditation", "accredit"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_help(command, tmp_path):
    result = invoke(environment(tmp_path / "data"), *command, "--help")
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output and command[-1] in result.output


# -- a data directory with one issuer, no chain: API keys and `serve --check` -------------------------


@pytest.fixture(scope="module")
def plain(tmp_path_factory) -> dict[str, Any]:
    env = environment(tmp_path_factory.mktemp("plain") / "data")
    created = create_issuer(env, "uni", "Universidade Exemplo")
    return {"env": env, "data_dir": Path(env["CREDANCHOR_DATA_DIR"]), "issuer": created}


def test_apikey_create_list_revoke(plain):
    env = plain["env"]
    created = cli(env, "apikey", "create", "--issuer", "uni", "--label", "registrar's office")
    secret = created.pop("key")
    starts_right = isinstance(secret, str) and secret.startswith("cak_")
    assert starts_right, "the API key does not start with cak_"
    assert created["role"] == "issuer" and created["subject"] == "uni" and created["revoked_at"] is None
    assert created["label"] == "registrar's office"

    store = Store.open(database_url(plain["data_dir"]))
    authenticated = store.authenticate(secret)
    assert authenticated is not None and authenticated.id == created["id"]

    listing = invoke(env, "apikey", "list", "--json")
    assert listing.exit_code == 0, listing.stderr
    leaked = secret in listing.output or secret.rsplit("_", 1)[-1] in listing.output
    assert not leaked, "apikey list printed the key's secret"
    listed = json.loads(listing.stdout)
    assert listed["roles"] == ["issuer", "body"]
    (mine,) = [k for k in listed["keys"] if k["id"] == created["id"]]
    assert mine == created
    assert set(mine) == {"id", "role", "subject", "label", "created_at", "revoked_at"}

    text = invoke(env, "apikey", "list")
    assert text.exit_code == 0, text.stderr
    leaked = secret.rsplit("_", 1)[-1] in text.output
    assert not leaked, "apikey list printed the key's secret"
    assert "registrar" in text.output  # (the table may wrap the id across lines)

    revoked = cli(env, "apikey", "revoke", created["id"])
    assert revoked["id"] == created["id"] and revoked["revoked_at"] is not None
    authenticated = store.authenticate(secret)
    assert authenticated is None
    (mine,) = [k for k in cli(env, "apikey", "list")["keys"] if k["id"] == created["id"]]
    assert mine["revoked_at"] == revoked["revoked_at"]
    again = invoke(env, "apikey", "revoke", created["id"])  # revoking twice is harmless
    assert again.exit_code == 0, again.stderr
    assert f"API key {created['id']} revoked" in again.stdout


def test_apikey_create_text_output_shows_the_key_once(plain):
    result = invoke(plain["env"], "apikey", "create", "--issuer", "uni")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert "shown once" in lines[0]
    starts_right = lines[-1].startswith("cak_")
    assert starts_right, "the last line is not the key"


def test_apikey_for_a_body(plain):
    lower = "0x" + "ab" * 20
    created = cli(plain["env"], "apikey", "create", "--body", lower)
    created.pop("key")
    assert created["role"] == "body"
    assert created["subject"].lower() == lower and created["subject"] != lower  # stored EIP-55 checksummed


def test_apikey_create_with_a_bad_body_address(plain):
    message = fails(plain["env"], "apikey", "create", "--body", "0xnotanaddress")
    assert "--body must be an Ethereum address" in message


def test_apikey_create_with_issuer_and_body(plain):
    message = fails(plain["env"], "apikey", "create", "--issuer", "uni", "--body", ZERO_ADDRESS_LIKE)
    assert "give --issuer or --body, not both" in message


def test_apikey_create_for_an_unknown_issuer(plain):
    fails(plain["env"], "apikey", "create", "--issuer", "nobody")


def test_apikey_revoke_unknown(plain):
    message = fails(plain["env"], "apikey", "revoke", "unknown")
    assert "no API key 'unknown'" in message


def test_serve_check_with_an_issuer_and_the_passphrase(plain):
    result = invoke(plain["env"], "serve", "--check", "--rpc", "embedded")
    assert result.exit_code == 0, result.stderr
    assert "settings valid" in result.stdout and "1 issuer(s)" in result.stdout


def test_serve_check_leaves_the_environment_alone(plain):
    before = {name: os.environ.get(name) for name in ISOLATED}
    result = invoke(plain["env"], "serve", "--check", "--rpc", "embedded", "--public-url", "https://x.example")
    assert result.exit_code == 0, result.stderr
    assert {name: os.environ.get(name) for name in ISOLATED} == before


def test_serve_check_with_a_wrong_passphrase(plain):
    env = {**plain["env"], "CREDANCHOR_KEY_PASSPHRASE": "not the right passphrase"}
    message = fails(env, "serve", "--check", "--rpc", "embedded")
    assert "wrong passphrase" in message


def test_serve_check_embedded_with_two_workers(plain):
    message = fails(plain["env"], "serve", "--check", "--rpc", "embedded", "--workers", "2")
    assert "--workers 1" in message


def test_serve_check_with_a_non_http_rpc(plain):
    message = fails(plain["env"], "serve", "--check", "--rpc", "ftp://x")
    assert "ftp://x" in message and "http(s)" in message


def test_issue_a_json_roster_without_anchoring(plain, tmp_path):
    roster = tmp_path / "roster.json"
    roster.write_text(json.dumps(entry("Ana Sousa", "ana@example.org")), encoding="utf-8")  # one object, no list
    report = cli(plain["env"], "issue", str(roster), "--out", str(tmp_path / "out"))
    assert (report["issued"], report["failed"]) == (1, 0)
    (row,) = report["rows"]
    credential = json.loads((tmp_path / "out" / Path(row["file"]).name).read_text())
    assert "credentialStatus" not in credential and credential["validFrom"].startswith("2026-05-01")


def test_issue_a_json_roster_that_is_not_json(plain, tmp_path):
    roster = tmp_path / "roster.json"
    roster.write_text("[{", encoding="utf-8")
    message = fails(plain["env"], "issue", str(roster), "--out", str(tmp_path / "out"))
    assert "is not JSON" in message


def test_issue_a_json_roster_rejects_learner_fields_inside_achievement(plain, tmp_path):
    roster = tmp_path / "roster.json"
    roster.write_text(json.dumps([entry("Ana Sousa", "ana@example.org", learner_name="Mallory")]), encoding="utf-8")
    result = invoke(plain["env"], "issue", str(roster), "--out", str(tmp_path / "out"), "--json")
    report = json.loads(result.stdout)
    assert result.exit_code == 1 and report["failed"] == 1
    assert any("achievement.learner_name" in e for e in report["rows"][0]["errors"])


# -- a deployment on anvil, an accredited issuer, credentials issued and anchored -------------------


@pytest.fixture(scope="module")
def world(anvil, tmp_path_factory) -> dict[str, Any]:
    """A data directory with contracts deployed on anvil and issuer `uni` (its own funded key) registered
    and accredited by node account 1."""
    root = tmp_path_factory.mktemp("world")
    env = environment(root / "data")
    rpc = ("--rpc", anvil.url)
    deployed = cli(env, "deploy", *rpc)
    issuer = create_issuer(env, "uni", "Universidade Exemplo")
    account = issuer["ethereum_account"]
    body = anvil.chain.accounts[1]
    cli(env, "devchain", "fund", account, *rpc)
    cli(env, "accreditation", "grant-body", body, *rpc)
    cli(env, "accreditation", "register", account, "--from", body, "--issuer", "uni", *rpc)
    return {"env": env, "root": root, "rpc": rpc, "deployed": deployed, "issuer": issuer, "account": account}


@pytest.fixture(scope="module")
def issued(world) -> dict[str, Any]:
    """Two JSON rosters issued for anchoring: three good entries, then one bad entry and one good."""
    env, root, rpc = world["env"], world["root"], world["rpc"]
    good = root / "roster.json"
    good.write_text(
        json.dumps(
            [
                entry("Ana Sousa", "ana@example.org"),
                entry("Kwame Mensah", "kwame@example.org", grade="B"),
                entry("Li Wei", "li@example.org", grade="Pass"),
            ]
        ),
        encoding="utf-8",
    )
    mixed = root / "mixed.json"
    mixed.write_text(
        json.dumps([entry("Rui Costa", "rui@ex.org", workload_hours="lots"), entry("Mia Berg", "mia@ex.org")]),
        encoding="utf-8",
    )
    anchoring = ("--anchor-account", world["account"], *rpc)
    report = cli(env, "issue", str(good), "--out", str(root / "out"), *anchoring)
    mixed_report = cli(env, "issue", str(mixed), "--out", str(root / "out-mixed"), *anchoring, code=1)
    mixed_text = invoke(env, "issue", str(mixed), "--out", str(root / "out-mixed-text"), *anchoring)
    queued = cli(env, "credentials", "list")
    return {"report": report, "mixed_report": mixed_report, "mixed_text": mixed_text, "queued": queued}


@pytest.fixture(scope="module")
def anchored(world, issued) -> dict[str, Any]:
    result = cli(world["env"], "anchor", "--out", str(world["root"] / "out"), *world["rpc"])
    return {"batches": result["batches"]}


@needs_anvil
def test_issue_a_json_roster(world, issued):
    report = issued["report"]
    assert (report["issued"], report["already-issued"], report["failed"]) == (3, 0, 0)
    assert [row["line"] for row in report["rows"]] == [1, 2, 3]
    out = world["root"] / "out"
    files = {row["file"] for row in report["rows"]}
    assert len(files) == 3 and all((out / Path(name).name).is_file() for name in files)
    for row in report["rows"]:
        credential = json.loads((out / Path(row["file"]).name).read_text())
        assert credential["id"] == row["credential_id"]
        assert credential["issuer"]["id"] == world["issuer"]["did"]
        assert {s["statusPurpose"] for s in credential["credentialStatus"]} == {"revocation", "suspension"}
        (check,) = verify_proofs(credential, DidResolver())
        assert check.verified


@needs_anvil
def test_issue_a_json_roster_with_a_bad_entry(world, issued):
    report = issued["mixed_report"]
    assert (report["issued"], report["failed"]) == (1, 1)
    failed, done = report["rows"]
    assert failed["status"] == "failed" and failed["line"] == 1 and failed["learner"] == "Rui Costa"
    assert any("workload_hours" in e and "lots" in e for e in failed["errors"])
    assert done["status"] == "issued" and done["learner"] == "Mia Berg"
    assert (world["root"] / "out-mixed" / Path(done["file"]).name).is_file()
    text = issued["mixed_text"]
    assert text.exit_code == 1 and "line 1" in text.output and "Traceback" not in text.output
    assert "0 issued, 1 already issued, 1 failed" in text.output  # the good entry is in the store already


@needs_anvil
def test_credentials_list_while_queued(issued):
    queued = issued["queued"]
    assert queued["total"] == 4 and len(queued["items"]) == 4
    assert {c["state"] for c in queued["items"]} == {"queued"}
    assert all(c["batch_id"] is None for c in queued["items"])
    issued_ids = [r["credential_id"] for r in issued["report"]["rows"]]
    assert [c["id"] for c in queued["items"]][:3] == issued_ids  # oldest first


@needs_anvil
def test_anchor_then_credentials_list_shows_them_anchored(world, issued, anchored):
    env = world["env"]
    (batch,) = anchored["batches"]
    assert batch["credentials"] == 4 and batch["account"] == world["account"]
    listed = cli(env, "credentials", "list")
    assert listed["total"] == 4
    assert {c["state"] for c in listed["items"]} == {"anchored"}
    assert {c["batch_id"] for c in listed["items"]} == {batch["batch"]}
    assert cli(env, "credentials", "list", "--state", "queued") == {"total": 0, "items": []}
    page = cli(env, "credentials", "list", "--state", "anchored", "--limit", "2", "--offset", "1")
    assert page["total"] == 4 and [c["id"] for c in page["items"]] == [c["id"] for c in listed["items"][1:3]]
    text = invoke(env, "credentials", "list", "--issuer", "uni")
    assert text.exit_code == 0 and "4 credential(s)" in text.stdout
    message = fails(env, "credentials", "list", "--state", "lost")
    assert "--state is queued, batched or anchored" in message


@needs_anvil
def test_credentials_show(world, issued, anchored):
    env = world["env"]
    row = issued["report"]["rows"][0]
    shown = cli(env, "credentials", "show", row["credential_id"])
    assert shown["id"] == row["credential_id"] and shown["state"] == "anchored"
    assert shown["batch_id"] == anchored["batches"][0]["batch"]
    document = shown["credential"]
    assert document["id"] == row["credential_id"] and document["issuer"]["id"] == world["issuer"]["did"]
    on_disk = json.loads((world["root"] / "out" / Path(row["file"]).name).read_text())
    assert document == on_disk  # the file rewritten by `anchor`, anchor proof included
    text = invoke(env, "credentials", "show", row["credential_id"])
    assert text.exit_code == 0 and f"{row['credential_id']}: anchored" in text.stdout


@needs_anvil
def test_credentials_show_unknown(world, issued):
    message = fails(world["env"], "credentials", "show", "urn:uuid:00000000-0000-4000-8000-000000000000")
    assert "no credential urn:uuid:00000000-0000-4000-8000-000000000000" in message


@needs_anvil
def test_batches_list_and_show(world, anchored):
    env = world["env"]
    (run,) = anchored["batches"]
    listed = cli(env, "batches", "list")
    assert listed["total"] == 1
    (batch,) = listed["items"]
    assert batch["id"] == run["batch"] and batch["size"] == 4 and batch["state"] == "anchored"
    assert batch["root"] == run["root"] and batch["tx_hash"].removeprefix("0x") == run["tx"].removeprefix("0x")
    assert batch["block_number"] == run["block"] and batch["chain_id"] == 31337
    assert batch["issuer_account"].lower() == world["account"].lower()
    assert cli(env, "batches", "show", str(run["batch"])) == batch
    text = invoke(env, "batches", "show", str(run["batch"]))
    assert text.exit_code == 0 and "state: anchored" in text.stdout
    text = invoke(env, "batches", "list")
    assert text.exit_code == 0 and "1 batch(es)" in text.stdout


@needs_anvil
def test_batches_show_unknown(world, anchored):
    message = fails(world["env"], "batches", "show", "999")
    assert "no batch 999" in message


def revocation_entry(credential: dict[str, Any], purpose: str = "revocation") -> dict[str, Any]:
    (found,) = [s for s in credential["credentialStatus"] if s["statusPurpose"] == purpose]
    return found


@needs_anvil
def test_status_list_then_revoke_sets_the_bit(world, issued, anchored):
    env, rpc = world["env"], world["rpc"]
    row = issued["report"]["rows"][1]
    status = revocation_entry(cli(env, "credentials", "show", row["credential_id"])["credential"])
    list_id, index = int(status["statusListId"]), int(status["statusListIndex"])
    assert 1 <= list_id <= 255  # a random one-byte id (issue 19 item 11): not the issuer's n-th list

    def status_list() -> dict[str, Any]:
        result = invoke(env, "status-list", str(list_id), "--purpose", "revocation", *rpc)
        assert result.exit_code == 0, result.stderr
        credential: dict[str, Any] = json.loads(result.stdout)
        return credential

    before = status_list()
    assert "BitstringStatusListCredential" in before["type"]
    assert before["issuer"] == world["issuer"]["did"]
    assert before["id"] == status["statusListCredential"]  # the default id is the URN credentials point at
    subject = before["credentialSubject"]
    assert subject["statusPurpose"] == "revocation" and subject["encodedList"].startswith("u")
    (check,) = verify_proofs(before, DidResolver())
    assert check.verified
    assert not bit_at(decode_list(subject["encodedList"]), index)

    revoked = cli(env, "revoke", row["credential_id"], *rpc)
    assert revoked["action"] == "revoke" and len(revoked["transactions"]) == 1

    bits = decode_list(status_list()["credentialSubject"]["encodedList"])
    assert bit_at(bits, index)
    others = [int(revocation_entry(json.loads((world["root"] / "out" / Path(r["file"]).name).read_text()))
                  ["statusListIndex"]) for r in issued["report"]["rows"] if r is not row]  # fmt: skip
    assert not any(bit_at(bits, i) for i in others)
    url = "https://x.example/s"
    suspension = invoke(env, "status-list", str(list_id), "--purpose", "suspension", "--url", url, *rpc)
    assert suspension.exit_code == 0, suspension.stderr
    suspended = json.loads(suspension.stdout)
    assert suspended["id"] == url
    assert not any(decode_list(suspended["credentialSubject"]["encodedList"]))


def status_bits(world: dict[str, Any], list_id: int, purpose: str) -> bytes:
    result = invoke(world["env"], "status-list", str(list_id), "--purpose", purpose, *world["rpc"])
    assert result.exit_code == 0, result.stderr
    return decode_list(json.loads(result.stdout)["credentialSubject"]["encodedList"])


@needs_anvil
def test_a_credential_file_edited_to_carry_another_learners_entries_changes_nothing(world, issued, anchored):
    """Issue 19 item 5: `revoke FILE` used the file's status entries, so a holder's file edited to carry
    another learner's index revoked that learner's credential. The stored copy's entries decide now."""
    out = world["root"] / "out"
    mine, theirs = (json.loads((out / Path(row["file"]).name).read_text()) for row in issued["report"]["rows"][::2])
    forged = out.parent / "forged.json"
    forged.write_text(json.dumps({**mine, "credentialStatus": theirs["credentialStatus"]}), encoding="utf-8")
    for action in ("revoke", "suspend"):
        message = fails(world["env"], action, str(forged), *world["rpc"])
        assert "is not that credential as issued: its status entries differ" in message, message
    for purpose in ("revocation", "suspension"):
        target = revocation_entry(theirs, purpose)
        assert not bit_at(status_bits(world, int(target["statusListId"]), purpose), int(target["statusListIndex"]))
    unknown = {**mine, "id": "urn:uuid:00000000-0000-4000-8000-000000000000"}
    forged.write_text(json.dumps(unknown), encoding="utf-8")
    assert "no credential urn:uuid:00000000-0000-4000-8000-000000000000 in the store" in fails(
        world["env"], "suspend", str(forged), *world["rpc"]
    )


@needs_anvil
def test_genuine_credential_files_are_suspended_and_reinstated_in_one_transaction(world, issued, anchored):
    rows = issued["report"]["rows"][::2]
    paths = [str(world["root"] / "out" / Path(row["file"]).name) for row in rows]  # with their anchor proofs
    entries = [revocation_entry(json.loads(Path(path).read_text()), "suspension") for path in paths]
    (list_id,) = {int(entry["statusListId"]) for entry in entries}
    indices = [int(entry["statusListIndex"]) for entry in entries]
    (tx,) = cli(world["env"], "suspend", *paths, *world["rpc"])["transactions"]
    assert tx["credentials"] == 2
    assert all(bit_at(status_bits(world, list_id, "suspension"), index) for index in indices)
    cli(world["env"], "reinstate", *paths, *world["rpc"])
    assert not any(bit_at(status_bits(world, list_id, "suspension"), index) for index in indices)


@needs_anvil
def test_status_list_with_an_unknown_purpose(world):
    message = fails(world["env"], "status-list", "1", "--purpose", "other", *world["rpc"])
    assert "--purpose is revocation or suspension" in message


@needs_anvil
def test_nft_metadata_of_an_unminted_token(world):
    message = fails(world["env"], "nft", "metadata", "999", *world["rpc"])
    assert "no token 999" in message


@needs_anvil
def test_ready(world, anvil):
    env = world["env"]
    report = cli(env, "ready", *world["rpc"])
    assert report["status"] == "ready" and report["database"] == "ok" and report["chain_id"] == 31337
    assert report["block"] >= 1
    deployed = Deployment.load(Path(env["CREDANCHOR_DATA_DIR"]) / "deployments", 31337)
    assert report["contracts"]["credential_anchor"] == deployed.credential_anchor
    text = invoke(env, "ready", *world["rpc"])
    assert text.exit_code == 0 and "ready: chain 31337" in text.stdout


def test_ready_with_an_unreachable_chain(tmp_path):
    message = fails(environment(tmp_path / "data"), "ready", "--rpc", "http://127.0.0.1:1")
    assert "127.0.0.1:1" in message


# -- an accreditation body with its own key in the data directory -------------------------------------


@pytest.fixture(scope="module")
def body_world(anvil, tmp_path_factory) -> dict[str, Any]:
    """Contracts deployed; issuer `college`; a body account created here, granted the body role by the
    admin, funded, and then registering the issuer, signing locally."""
    root = tmp_path_factory.mktemp("bodies")
    env = environment(root / "data")
    rpc = ("--rpc", anvil.url)
    cli(env, "deploy", *rpc)
    issuer = create_issuer(env, "college", "Escola Exemplo")
    account = issuer["ethereum_account"]
    body = cli(env, "accreditation", "create-body-account")["account"]
    cli(env, "accreditation", "grant-body", body, *rpc)
    cli(env, "devchain", "fund", body, *rpc)
    registered = cli(env, "accreditation", "register", account, "--from", body, "--issuer", "college", *rpc)
    return {"env": env, "rpc": rpc, "issuer": issuer, "account": account, "body": body, "registered": registered}


def sender_of(anvil, tx: str) -> str:
    return str(Web3(Web3.HTTPProvider(anvil.url)).eth.get_transaction(tx)["from"])


@needs_anvil
def test_create_body_account_writes_an_encrypted_key(body_world, anvil):
    body = body_world["body"]
    key_file = Path(body_world["env"]["CREDANCHOR_DATA_DIR"]) / "bodies" / f"{body}.json"
    document = json.loads(key_file.read_text())
    assert (document["version"], "0x" + document["address"].lower()) == (3, body.lower())  # a keystore v3
    assert document["crypto"]["kdf"] == "scrypt"
    assert EthereumKey.load(key_file, PASSPHRASE).address == body
    assert body.lower() not in {a.lower() for a in anvil.chain.accounts}  # not node-managed: signed here


def test_create_body_account_text_output(tmp_path):
    result = invoke(environment(tmp_path / "data"), "accreditation", "create-body-account")
    assert result.exit_code == 0, result.stderr
    (created,) = (tmp_path / "data" / "bodies").glob("*.json")
    assert created.stem in result.stdout and "grant-body" in result.stdout


def test_create_body_account_with_a_short_passphrase(tmp_path):
    message = fails(environment(tmp_path / "data", passphrase="short"), "accreditation", "create-body-account")
    assert "at least 12 characters" in message
    assert not list((tmp_path / "data").glob("bodies/*.json"))


@needs_anvil
def test_body_registers_with_its_local_key(body_world, anvil):
    env, rpc, body, account = body_world["env"], body_world["rpc"], body_world["body"], body_world["account"]
    registered = body_world["registered"]
    assert registered["did"] == body_world["issuer"]["did"] and registered["issuer"] == account
    assert sender_of(anvil, registered["tx"]).lower() == body.lower()
    shown = cli(env, "accreditation", "show", account, *rpc)
    assert shown["body"].lower() == body.lower() and shown["accredited_now"]


@needs_anvil
def test_body_updates_and_accredits_with_its_local_key(body_world, anvil):
    env, rpc, body, account = body_world["env"], body_world["rpc"], body_world["body"], body_world["account"]
    windows = len(cli(env, "accreditation", "show", account, *rpc)["windows"])
    updated = cli(env, "accreditation", "update", account, "--from", body, "--did", "did:web:college.example",
                  "--name", "Escola Renomeada", *rpc)  # fmt: skip
    assert updated["did"] == "did:web:college.example" and updated["name"] == "Escola Renomeada"
    assert sender_of(anvil, updated["tx"]).lower() == body.lower()
    shown = cli(env, "accreditation", "show", account, *rpc)
    assert (shown["did"], shown["name"]) == ("did:web:college.example", "Escola Renomeada")

    accredited = cli(env, "accreditation", "accredit", account, "--from", body, "--scope", "short courses",
                     "--valid-days", "30", *rpc)  # fmt: skip
    assert accredited["scope"] == "short courses" and accredited["issuer"] == account
    assert sender_of(anvil, accredited["tx"]).lower() == body.lower()
    shown = cli(env, "accreditation", "show", account, *rpc)
    assert len(shown["windows"]) == windows + 1 and shown["accredited_now"]
    assert shown["windows"][-1]["scope"] == "short courses"
    text = invoke(env, "accreditation", "accredit", account, "--from", body, *rpc)
    assert text.exit_code == 0, text.stderr
    assert "scope: micro-credentials" in text.stdout


@needs_anvil
def test_update_from_a_body_not_of_record(body_world, anvil):
    env, rpc, account = body_world["env"], body_world["rpc"], body_world["account"]
    outsider, other_body = anvil.chain.accounts[3], anvil.chain.accounts[2]  # node-managed accounts
    update = ["update", account, "--did", "did:web:x.example", "--name", "Hijacked"]
    message = fails(env, "accreditation", *update, "--from", outsider, *rpc)
    assert "AccessControlUnauthorizedAccount" in message  # not a body at all
    cli(env, "accreditation", "grant-body", other_body, *rpc)
    for command in (update, ["accredit", account]):
        message = fails(env, "accreditation", *command, "--from", other_body, *rpc)
        assert "IssuerRegistryNotBodyOfRecord" in message
    shown = cli(env, "accreditation", "show", account, *rpc)
    assert shown["name"] != "Hijacked" and shown["body"].lower() == body_world["body"].lower()


@needs_anvil
def test_body_commands_with_a_bad_sender(body_world):
    message = fails(body_world["env"], "accreditation", "accredit", body_world["account"], "--from", "0xnope",
                    *body_world["rpc"])  # fmt: skip
    assert "--from must be an Ethereum address" in message


# -- sign (the VC API's issue) and verifying presentations ----------------------------------------

UNSIGNED = {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"],
            "credentialSubject": {"id": "did:example:learner"}}  # fmt: skip


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "eddsa-jcs-2022"])
def test_sign_any_vc_sets_the_issuer_and_the_proof_verifies(plain, tmp_path, suite):
    source = tmp_path / "unsigned.json"
    source.write_text(json.dumps(UNSIGNED))
    result = invoke(plain["env"], "sign", str(source), "--cryptosuite", suite)
    assert result.exit_code == 0, result.output
    signed = json.loads(result.stdout)
    assert signed["issuer"] == plain["issuer"]["did"] and signed["proof"]["cryptosuite"] == suite
    (check,) = verify_proofs(signed, DidResolver())
    assert check.verified


def test_sign_refuses_a_signed_credential_and_another_issuer(plain, tmp_path):
    signed = tmp_path / "signed.json"
    assert invoke(plain["env"], "sign", str(tmp_path / "missing.json")).exit_code == 1
    source = tmp_path / "unsigned.json"
    source.write_text(json.dumps(UNSIGNED))
    assert invoke(plain["env"], "sign", str(source), "--out", str(signed)).exit_code == 0
    assert "already has a proof" in fails(plain["env"], "sign", str(signed))
    source.write_text(json.dumps({**UNSIGNED, "issuer": "did:example:someone-else"}))
    assert "signs as" in fails(plain["env"], "sign", str(source))


def test_verify_any_vc_needs_no_chain_for_a_plain_vc(plain, tmp_path):
    """Issue 15, item 6: no devchain, no RPC — a plain VC (no anchor proof, no on-chain status) verifies."""
    signed, chained = tmp_path / "signed.json", tmp_path / "chained.json"
    source = tmp_path / "unsigned.json"
    source.write_text(json.dumps({**UNSIGNED, "@context": ["https://www.w3.org/2018/credentials/v1"]}))
    assert invoke(plain["env"], "sign", str(source), "--out", str(signed)).exit_code == 0  # a VC 1.1 credential
    report = cli(plain["env"], "verify", "--any-vc", str(signed))
    assert report["verified"] is True
    checks = report["reports"][0]["checks"]
    assert checks["schema"]["reason"] == "a W3C Verifiable Credential 1.1"
    assert checks["anchored"]["outcome"] == "not_applicable" and checks["signature"]["outcome"] == "pass"
    result = invoke(plain["env"], "verify", "--any-vc", str(signed))
    assert result.exit_code == 0 and "verified" in result.stdout
    broken = json.loads(signed.read_text())
    broken["proof"] = [{**broken["proof"], "previousProof": "urn:proof:gone"}]
    chained.write_text(json.dumps(broken))
    report = cli(plain["env"], "verify", "--any-vc", str(chained), str(signed), code=1)
    assert [r["verified"] for r in report["reports"]] == [False, True]
    assert report["reports"][0]["checks"]["signature"]["reason"] == (
        "previousProof 'urn:proof:gone' names no proof of this document"
    )


def test_verify_of_an_anchored_credential_still_asks_for_a_chain(plain, tmp_path):
    anchored = tmp_path / "anchored.json"
    anchored.write_text(
        json.dumps({**UNSIGNED, "issuer": "did:example:x", "proof": {"type": "EthereumMerkleAnchorProof"}})
    )
    assert "devchain" in fails(plain["env"], "verify", "--any-vc", str(anchored))


@needs_anvil
def test_verify_a_presentation_checks_its_challenge(world, anchored, tmp_path):
    from anchor.crypto.keys import SigningKey
    from anchor.crypto.proofs import add_proof

    out = world["root"] / "out"
    credential_file = next(out.glob("*.json"))
    credential = json.loads(credential_file.read_text())
    holder = SigningKey.generate()
    presentation = {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiablePresentation"],
                    "holder": holder.did, "verifiableCredential": [credential]}  # fmt: skip
    path = tmp_path / "vp.json"
    path.write_text(json.dumps(add_proof(presentation, holder, proof_purpose="authentication", challenge="abc",
                                         cryptosuite="eddsa-jcs-2022")))  # fmt: skip
    ok = invoke(world["env"], "verify", str(path), "--challenge", "abc", "--json", *world["rpc"])
    report = json.loads(ok.stdout)["reports"][0]
    assert report["checks"]["challenge"]["outcome"] == "pass"
    assert report["checks"]["presentation_proof"]["outcome"] == "pass"
    # The embedded credential gets the same report as the file alone (other tests may have revoked it).
    alone = json.loads(invoke(world["env"], "verify", str(credential_file), "--json", *world["rpc"]).stdout)
    assert report["credentials"][0]["checks"] == alone["reports"][0]["checks"]
    replayed = invoke(world["env"], "verify", str(path), "--challenge", "other", "--json", *world["rpc"])
    assert replayed.exit_code == 1
    assert json.loads(replayed.stdout)["reports"][0]["checks"]["challenge"]["outcome"] == "fail"


# -- NFT mode -------------------------------------------------------------------------------------


@needs_anvil
def test_nft_mint_metadata_burn_and_consent(world):
    from anchor.credentials.roster import SAMPLE_ROSTER, read_roster

    env, rpc = world["env"], world["rpc"]
    minted = cli(env, "nft", "mint", str(SAMPLE_ROSTER), *rpc)
    rows = read_roster(SAMPLE_ROSTER)
    assert minted["minted"] == len(rows)
    first = minted["rows"][0]
    assert first["holder"] == rows[0].address and first["gas_used"] > 300_000
    again = cli(env, "nft", "mint", str(SAMPLE_ROSTER), *rpc)  # a re-run mints nothing twice
    assert again["minted"] == 0 and again["already_minted"] == len(rows)
    assert [r["token_id"] for r in again["rows"]] == [r["token_id"] for r in minted["rows"]]
    metadata = json.loads(invoke(env, "nft", "metadata", str(first["token_id"]), *rpc).stdout)
    assert metadata["name"] == rows[0].spec.title
    assert {"trait_type": "Learner", "value": rows[0].learner_name} in metadata["attributes"]
    burnt = cli(env, "nft", "burn", str(first["token_id"]), *rpc)
    assert burnt["burnt"][0]["gas_used"] > 0 and burnt["burnt"][0]["already_burnt"] is False
    second = minted["rows"][1]["token_id"]  # a re-run after a crash, with one more token: only that one is sent
    rerun = cli(env, "nft", "burn", str(first["token_id"]), str(second), str(second), *rpc)["burnt"]
    assert [(b["token_id"], b["already_burnt"]) for b in rerun] == [
        (first["token_id"], True),
        (second, False),
        (second, True),
    ]
    assert "gas_used" not in rerun[0] and rerun[1]["gas_used"] > 0
    assert "no token" in fails(env, "nft", "metadata", str(first["token_id"]), *rpc)
    cli(env, "nft", "require-consent", "true", *rpc)
    refused = fails(env, "nft", "mint", str(SAMPLE_ROSTER), *rpc)
    assert "CredentialNFTConsentRequired" in refused and "compare --consent" in refused  # what to do instead
    assert "require-consent false" in refused
    cli(env, "nft", "require-consent", "false", *rpc)
    remint = cli(env, "nft", "mint", str(SAMPLE_ROSTER), *rpc)  # only the burnt tokens are minted anew
    assert remint["minted"] == 2 and remint["already_minted"] == len(rows) - 2
    assert remint["rows"][0]["status"] == "minted" and remint["rows"][0]["token_id"] != first["token_id"]


@needs_anvil
def test_nft_mint_reports_rows_without_an_address(world, tmp_path):
    from anchor.credentials.roster import SAMPLE_ROSTER

    header, *lines = SAMPLE_ROSTER.read_text(encoding="utf-8").splitlines()
    roster = tmp_path / "no-address.csv"
    roster.write_text("\n".join([header, lines[0].rsplit(",", 1)[0] + ",", lines[1]]) + "\n", encoding="utf-8")
    result = invoke(world["env"], "nft", "mint", str(roster), "--json", *world["rpc"])
    assert result.exit_code == 1
    rows = json.loads(result.stdout)["rows"]
    # the second row's token: minted now, or found from an earlier test on this chain (the same learner)
    assert rows[0]["status"] == "failed" and rows[1]["status"] in ("minted", "already_minted")
    assert rows[0]["error"].startswith("learner_address") and rows[1]["token_id"] is not None


@needs_anvil
def test_observe_finds_the_nft_holders_but_no_vc_holder(world, anchored):
    from anchor.credentials.roster import SAMPLE_ROSTER

    env, rpc, deployed = world["env"], world["rpc"], world["deployed"]
    cli(env, "nft", "mint", str(SAMPLE_ROSTER), *rpc)
    contracts = ("--anchor", deployed["credential_anchor"], "--nft", deployed["credential_nft"],
                 "--registry", deployed["issuer_registry"])  # fmt: skip
    report = cli(env, "observe", "--rpc", rpc[1], *contracts)
    assert report["modes"]["nft"]["holders_identified"]["value"] >= 4
    assert report["modes"]["vc"]["holders_identified"]["value"] == 0
    assert report["modes"]["vc"]["credentials_seen"]["value"] >= 1
    text = invoke(env, "observe", "--rpc", rpc[1], *contracts)
    assert text.exit_code == 0 and "holder address" in text.stdout
    assert "give at least one contract" in fails(env, "observe", "--rpc", rpc[1])
