"""Issue 16, item 7: wallet-side code we did not write claims credentials from a real `credanchor serve`.

- OpenID4VCI: @openid4vc/openid4vci 0.4.6 (the OpenWallet Foundation's oid4vc-ts client, as Credo wallets use
  it) resolves the offer (by reference and by value), the issuer and authorization server metadata, redeems
  the pre-authorized code with the transaction code, asks for a c_nonce, builds the proof JWT and asks for
  the credential — with an Ed25519 did:key (kid) and with a P-256 JWK (jwk header);
- VC API: the exchange walked as the Learner Credential Wallet walks it, its DIDAuthentication presentation
  built and signed by Digital Bazaar's vc.js.

The server is `python -m anchor serve --rpc embedded` in a subprocess (its own chain and contracts); the
offers are made by another process, `credanchor offer create`, in the same store. What each wallet receives
is verified by vc.js (signature) and by the stock status checker against the server's status lists, and by
credanchor's own verifier over HTTP. The server log never shows an offer's secrets.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from anchor.chain.devchain import free_port
from anchor.credentials.roster import SAMPLE_ROSTER
from tests.interop.status_checker import check_status
from tests.interop.stock import stock_verify

REPO_ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
PASSPHRASE = "a long enough passphrase for tests"
#: A guard against a harness bug, not a performance threshold.
TIMEOUT_SECONDS = 120

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or not (REPO_ROOT / "node_modules" / "@openid4vc" / "openid4vci").is_dir(),
    reason="needs node and the npm packages (npm ci)",
)


@dataclass
class Server:
    origin: str
    env: dict[str, str]
    log: Path
    roster: Path

    def offers(self, *options: str) -> list[dict[str, Any]]:
        """`credanchor offer create` (another process than the server) on the two-learner roster."""
        made = subprocess.run([sys.executable, "-m", "anchor", "offer", "create", str(self.roster), "--json",
                               *options], env=self.env, capture_output=True, text=True, timeout=TIMEOUT_SECONDS,
                              cwd=REPO_ROOT)  # fmt: skip
        assert made.returncode == 0, made.stderr
        result = json.loads(made.stdout)
        assert result["public_url"] == self.origin and result["failed"] == []
        return list(result["offers"])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("wallets")
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    env = {**os.environ, "CREDANCHOR_DATA_DIR": str(tmp / "data"), "CREDANCHOR_KEY_PASSPHRASE": PASSPHRASE,
           "CREDANCHOR_PUBLIC_URL": origin}  # fmt: skip
    env.pop("CREDANCHOR_DATABASE_URL", None)
    created = subprocess.run([sys.executable, "-m", "anchor", "issuer", "create", "uni", "--name", "Uni",
                              "--country", "PT", "--public-url", origin], env=env, capture_output=True, text=True,
                             timeout=TIMEOUT_SECONDS, cwd=REPO_ROOT)  # fmt: skip
    assert created.returncode == 0, created.stderr
    roster = tmp / "roster.csv"
    lines = SAMPLE_ROSTER.read_text(encoding="utf-8").splitlines()
    roster.write_text("\n".join([line for line in lines if "did:" not in line][:3]) + "\n", encoding="utf-8")
    log = tmp / "server.log"
    with log.open("w") as out:
        process = subprocess.Popen([sys.executable, "-m", "anchor", "serve", "--rpc", "embedded", "--port", str(port)],
                                   env=env, stdout=out, stderr=subprocess.STDOUT, cwd=REPO_ROOT,
                                   start_new_session=True)  # fmt: skip
        try:
            for _ in range(600):  # a guard against a server that never starts, not a threshold
                if process.poll() is not None:
                    raise AssertionError(f"the server exited:\n{log.read_text()}")
                try:
                    if httpx.get(f"{origin}/ready", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.2)
            else:
                raise AssertionError(f"the server never became ready:\n{log.read_text()}")
            yield Server(origin, env, log, roster)
        finally:
            process.terminate()
            process.wait(timeout=30)


def run_node(script: str, request: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    fd, path = tempfile.mkstemp(prefix="wallet-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(request, handle)
    try:
        proc = subprocess.run(["node", str(HERE / script), path], cwd=REPO_ROOT, capture_output=True, text=True,
                              timeout=TIMEOUT_SECONDS, check=False)  # fmt: skip
    finally:
        os.unlink(path)
    text = proc.stdout if proc.returncode == 0 else proc.stderr
    assert proc.returncode in (0, 2), proc.stderr
    return proc.returncode, json.loads(text.strip().splitlines()[-1])


def verified_in_full(server: Server, credential: dict[str, Any]) -> None:
    stock = stock_verify("vcjs", credential)
    assert stock["signature"]["verified"] is True, stock
    assert stock["signature"]["proofs"] == [{"cryptosuite": "eddsa-rdfc-2022", "verified": True, "errors": []}]
    status = check_status(credential, server.origin)
    assert status["verified"] is True and status["statuses"] == {"revocation": False, "suspension": False}, status
    report = httpx.post(f"{server.origin}/v1/verify", json={"verifiableCredential": credential}, timeout=60).json()
    assert report["checks"]["signature"]["outcome"] == "pass", report
    assert report["checks"]["schema"]["outcome"] == "pass", report
    # Claimed just now: its batch is not anchored yet (tests/api/test_wallets.py follows a claim through
    # anchoring to a copy that verifies in full).
    assert report["checks"]["anchored"]["outcome"] != "pass", report


@pytest.mark.parametrize(("link", "alg", "binding"), [
    ("openid_credential_offer_uri", "EdDSA", "did"), ("openid_credential_offer", "ES256", "jwk")])  # fmt: skip
def test_the_oid4vc_ts_client_redeems_an_offer_and_the_credential_verifies(
    server: Server, link: str, alg: str, binding: str
) -> None:
    offer = server.offers("--tx-code")[0]
    request = {"offer": offer["links"][link], "txCode": offer["tx_code"], "alg": alg, "binding": binding,
               "refresh": True}  # fmt: skip
    code, wallet = run_node("oid4vci_wallet.mjs", request)
    assert code == 0, wallet
    assert wallet["tokenType"] == "Bearer"
    assert wallet["credentialConfigurationId"] == "OpenBadgeCredential_ldp_vc"
    (credential,) = wallet["credentials"]
    holder = credential["credentialSubject"]["id"]
    assert holder == wallet["holder"] if binding == "did" else holder.startswith("did:key:zDn")
    verified_in_full(server, credential)
    # The wallet said it stored the credential (the library's sendNotification): the issuer sees it.
    assert wallet["notified"] == offer["id"]
    shown = subprocess.run([sys.executable, "-m", "anchor", "offer", "show", offer["id"], "--json"], env=server.env,
                           capture_output=True, text=True, timeout=TIMEOUT_SECONDS, cwd=REPO_ROOT)  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["wallet_event"] == "credential_accepted"
    # Later, the refresh token: a new access token, and the same key gets the credential as stored again (with
    # its anchor proof once anchored: tests/api/test_wallets.py).
    assert [c["id"] for c in wallet["refreshed"]] == [credential["id"]]
    # The same offer again: refused at the token endpoint, whatever the wallet.
    code, again = run_node("oid4vci_wallet.mjs", request)
    assert code == 2 and again["status"] in (400, 409) and "used once" in again["error"], again
    # A wrong transaction code on a fresh offer: refused, nothing issued.
    other = server.offers("--tx-code")[1]
    wrong = "000000" if other["tx_code"] != "000000" else "111111"
    code, refused = run_node("oid4vci_wallet.mjs", {**request, "offer": other["links"][link], "txCode": wrong})
    assert code == 2 and refused["details"]["error"] == "invalid_grant", refused
    assert "wrong transaction code" in refused["details"]["error_description"]


def test_a_vcjs_didauth_presentation_claims_through_a_vc_api_exchange(server: Server) -> None:
    offer = server.offers()[0]
    code, wallet = run_node("vcapi_wallet.mjs", {"interaction": offer["links"]["vcapi_interaction"], "replay": True})
    assert code == 0, wallet
    assert wallet["request"]["query"][0]["type"] == "DIDAuthentication"
    assert wallet["request"]["domain"] == server.origin
    assert wallet["presentation"]["proof"]["challenge"] == wallet["request"]["challenge"]
    (credential,) = wallet["credentials"]
    assert credential["credentialSubject"]["id"] == wallet["holder"]
    verified_in_full(server, credential)
    assert wallet["replay"]["status"] == 400
    assert wallet["replay"]["body"]["type"].endswith("#invalid-presentation")


def test_the_server_log_shows_no_offer_secret(server: Server) -> None:
    offer = server.offers()[0]
    run_node("vcapi_wallet.mjs", {"interaction": offer["links"]["vcapi_interaction"], "replay": False})
    reference = offer["links"]["openid_credential_offer_uri"].rsplit("%2F", 1)[1]
    exchange = offer["links"]["vcapi_exchange"].rsplit("/", 1)[1]
    log = server.log.read_text()
    assert "/workflows/claim/exchanges/…" in log
    assert exchange not in log and reference not in log
