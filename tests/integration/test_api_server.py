"""The real server: `credanchor serve` (uvicorn, two workers) in a subprocess, against anvil and PostgreSQL.

One story over HTTP: a body accredits an issuer, the issuer uploads a roster, `credanchor anchor`
anchors it (another process, same database), a verifier verifies over HTTP and with the CLI,
the issuer revokes one credential, and the verifier, the status list and the VC API all see it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from anchor.chain.deployment import deploy_contracts
from anchor.chain.devchain import free_port
from anchor.credentials.issuers import create_issuer, issuer_account
from anchor.credentials.model import AwardingBody
from anchor.credentials.roster import SAMPLE_ROSTER
from anchor.credentials.statuslist import bit_at, decode_list
from anchor.settings import Settings
from anchor.storage.database import fresh_schema
from anchor.storage.store import Store

POSTGRES = os.environ.get("CREDANCHOR_TEST_DATABASE_URL")
PASSPHRASE = "a long enough passphrase for tests"
pytestmark = pytest.mark.anvil


@pytest.fixture
def postgres_schema() -> Iterator[str]:
    """A database URL whose tables live in a fresh schema of the test PostgreSQL (dropped afterwards)."""
    if not POSTGRES:
        pytest.skip("CREDANCHOR_TEST_DATABASE_URL is not set (scripts/test.sh sets it)")
    with fresh_schema(POSTGRES, prefix="api") as url:
        yield url


@pytest.fixture
def server(anvil: Any, postgres_schema: str, tmp_path: Path) -> Iterator[dict[str, Any]]:
    settings = Settings(tmp_path / "data")
    chain = anvil.chain
    admin, body = chain.accounts[:2]
    deployment = deploy_contracts(chain, deployer=admin)
    deployment.save(settings.deployments_dir)
    deployment.registry(chain).grant_body(body, sender=admin)
    key = create_issuer(settings, "acme", AwardingBody("", "Acme Academy", "PT"), PASSPHRASE)
    account = issuer_account(settings, "acme")
    assert account is not None
    chain.send_value(admin, account, 10**18)
    store = Store.open(postgres_schema)
    keys = {"issuer": store.create_api_key("issuer", "acme")[1], "body": store.create_api_key("body", body)[1]}
    port = free_port()
    env = {**os.environ, "CREDANCHOR_DATA_DIR": str(settings.data_dir), "CREDANCHOR_DATABASE_URL": postgres_schema,
           "CREDANCHOR_KEY_PASSPHRASE": PASSPHRASE, "CREDANCHOR_VERIFY_CACHE_SECONDS": "0"}  # fmt: skip
    command = [sys.executable, "-m", "anchor", "serve", "--rpc", anvil.url, "--port", str(port), "--workers", "2"]
    log = (tmp_path / "server.log").open("w")
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base, process, tmp_path / "server.log")
        yield {"base": base, "keys": keys, "env": env, "did": key.did, "account": account, "rpc": anvil.url,
               "tmp": tmp_path, "chain": chain, "deployment": deployment}  # fmt: skip
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def _wait_ready(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    for _ in range(300):
        if process.poll() is not None:
            raise AssertionError(f"the server exited:\n{log.read_text()}")
        try:
            if httpx.get(f"{base}/ready", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"the server never became ready:\n{log.read_text()}")


def test_the_whole_story_over_http_against_anvil_and_postgresql(server: dict[str, Any]) -> None:
    base, keys = server["base"], server["keys"]
    issuer = {"Authorization": f"Bearer {keys['issuer']}"}
    with httpx.Client(base_url=base, timeout=60) as http:
        entry = {"account": server["account"], "did": server["did"], "name": "Acme Academy"}
        registered = http.post("/v1/accreditation/issuers", headers={"X-API-Key": keys["body"]}, json=entry)
        assert registered.status_code == 201, registered.text

        uploaded = http.post("/v1/credentials/csv", headers={**issuer, "Content-Type": "text/csv"},
                             content=SAMPLE_ROSTER.read_bytes())  # fmt: skip
        assert uploaded.status_code == 200, uploaded.text
        issued = [row["id"] for row in uploaded.json()["rows"] if row["status"] == "issued"]
        assert issued and uploaded.json()["failed"] == 0

        out = server["tmp"] / "anchored"
        anchoring = subprocess.run(
            [sys.executable, "-m", "anchor", "anchor", "--out", str(out), "--rpc", server["rpc"], "--json"],
            env=server["env"], capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert anchoring.returncode == 0, anchoring.stderr
        (batch,) = http.get("/v1/batches", headers=issuer).json()["items"]
        assert batch["state"] == "anchored" and batch["size"] == len(issued)

        first = http.get(f"/v1/credentials/{issued[0]}", headers=issuer).json()
        assert first["state"] == "anchored"
        credential = first["credential"]
        report = http.post("/v1/verify", json=credential).json()
        assert report["verified"], report
        assert http.post("/credentials/verify", json={"verifiableCredential": credential}).status_code == 200

        path = server["tmp"] / "first.json"
        path.write_text(json.dumps(credential))
        cli = subprocess.run([sys.executable, "-m", "anchor", "verify", str(path), "--rpc", server["rpc"]],
                             env=server["env"], capture_output=True, text=True, timeout=120)  # fmt: skip
        assert cli.returncode == 0, cli.stdout + cli.stderr

        revoked = http.post(f"/v1/credentials/{issued[0]}/revoke", headers=issuer)
        assert revoked.status_code == 200, revoked.text
        for _ in range(2):  # whichever of the two workers answers
            after = http.post("/v1/verify", json=credential).json()
            assert not after["verified"] and after["checks"]["revocation"]["outcome"] == "fail"
        refused = http.post("/credentials/verify", json={"verifiableCredential": credential})
        assert refused.status_code == 400 and refused.headers["content-type"] == "application/problem+json"

        status = next(e for e in credential["credentialStatus"] if e["statusPurpose"] == "revocation")
        status_list = http.get(urlsplit(status["statusListCredential"]).path).json()
        bits = decode_list(status_list["credentialSubject"]["encodedList"])
        assert bit_at(bits, int(status["statusListIndex"]))

        other = http.get(f"/v1/credentials/{issued[1]}", headers=issuer).json()["credential"]
        assert http.post("/v1/verify", json=other).json()["verified"]
        assert http.get("/ready").json()["database"] == "ok"
