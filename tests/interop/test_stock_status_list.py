"""Status a stock verifier can read (issue 15, item 4): the CLI issues with the issuer's public URL, a
`credanchor serve` app answers it with a signed BitstringStatusListCredential built from the on-chain bits,
and Digital Bazaar's stock checker (`@digitalbazaar/vc-bitstring-status-list` + vc.js, stock loader)
reports revoked and suspended exactly when the chain does — within the list's TTL.

The server is the real app under uvicorn on a loopback port (the checker fetches over HTTP); its cache
clock is a fake the test advances by half the TTL, the most a served list may lag the chain, instead of
waiting. Revocations go through the CLI, another code path than the server's, so nothing clears its cache.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from typer.testing import CliRunner

from anchor.chain.devchain import free_port
from anchor.cli.main import app as cli_app
from anchor.credentials.roster import SAMPLE_ROSTER
from anchor.credentials.statuslist import bit_at, decode_list
from api.app import create_app
from api.config import ApiSettings
from tests.interop.status_checker import check_status

pytestmark = pytest.mark.anvil
PASSPHRASE = "a long enough passphrase for tests"
TTL_SECONDS = 600
runner = CliRunner()


class FakeClock:
    """A monotonic clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Story:
    env: dict[str, str]
    rpc: list[str]
    origin: str
    account: str

    def cli(self, *args: str) -> Any:
        """Run a command (with --rpc, but for `issuer` commands); it must succeed."""
        result = runner.invoke(cli_app, [*args, *([] if args[0] == "issuer" else self.rpc)], env=self.env)
        assert result.exit_code == 0, result.output
        return result


@pytest.fixture
def story(anvil: Any, tmp_path: Path) -> Story:
    """An issuer with a public URL on a fresh deployment on anvil, its own account funded."""
    port = free_port()
    env = {"CREDANCHOR_DATA_DIR": str(tmp_path / "data"), "CREDANCHOR_KEY_PASSPHRASE": PASSPHRASE}
    made = Story(env, ["--rpc", anvil.url], f"http://127.0.0.1:{port}", "")
    made.cli("deploy")
    created = runner.invoke(cli_app, ["issuer", "create", "uni", "--name", "Uni", "--country", "PT", "--json",
                                      "--public-url", f"{made.origin}/"], env=env)  # fmt: skip
    assert created.exit_code == 0, created.output
    assert json.loads(created.stdout)["public_url"] == made.origin  # stored without the trailing slash
    made.account = json.loads(created.stdout)["ethereum_account"]
    made.cli("devchain", "fund", made.account, "--eth", "0.5")
    return made


@pytest.fixture
def server(story: Story) -> Iterator[FakeClock]:
    """`credanchor serve`'s app for the story's data directory on the issuer's public URL (uvicorn, a thread)."""
    settings = ApiSettings.from_env(
        {**story.env, "CREDANCHOR_RPC_URL": story.rpc[1]}, public_url=story.origin,
        status_list_ttl_seconds=TTL_SECONDS,
    )  # fmt: skip
    app = create_app(settings)
    clock = FakeClock()
    app.state.services.clock = clock
    port = int(story.origin.rsplit(":", 1)[1])
    served = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=served.run, daemon=True)
    thread.start()
    try:
        for _ in range(600):  # a guard against a server that never starts, not a threshold
            if served.started or not thread.is_alive():
                break
            time.sleep(0.05)
        assert served.started, "the test server did not start"
        yield clock
    finally:
        served.should_exit = True
        thread.join(timeout=60)


def statuses(credential: dict[str, Any], origin: str) -> dict[str, bool]:
    result = check_status(credential, origin)
    assert result["verified"], result
    return dict(result["statuses"])


def test_the_stock_checker_sees_revocation_and_suspension_as_the_chain_does(
    story: Story, server: FakeClock, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    issued = story.cli("issue", str(SAMPLE_ROSTER), "--out", str(out), "--anchor-account", story.account)
    assert "warning" not in issued.stderr  # the issuer has a public URL
    story.cli("anchor", "--out", str(out))
    files = sorted(out.glob("*.json"))
    first, second = (json.loads(f.read_text()) for f in files[:2])
    for entry in first["credentialStatus"]:
        assert entry["statusListCredential"].startswith(f"{story.origin}/v1/status/")
        assert {"chainId", "statusContract", "statusIssuer", "statusListId"} <= entry.keys()  # chain stays
    assert statuses(first, story.origin) == {"revocation": False, "suspension": False}

    story.cli("revoke", str(files[0]))
    server.advance(TTL_SECONDS / 2)  # the most a served list lags the chain
    assert statuses(first, story.origin) == {"revocation": True, "suspension": False}
    assert statuses(second, story.origin) == {"revocation": False, "suspension": False}

    story.cli("suspend", str(files[1]))
    server.advance(TTL_SECONDS / 2)
    assert statuses(second, story.origin) == {"revocation": False, "suspension": True}

    story.cli("reinstate", str(files[1]))
    server.advance(TTL_SECONDS / 2)
    assert statuses(second, story.origin) == {"revocation": False, "suspension": False}
    assert statuses(first, story.origin) == {"revocation": True, "suspension": False}

    # `credanchor status-list` (to publish statically) names the list as the credentials do, with the chain's bits.
    (entry,) = [e for e in first["credentialStatus"] if e["statusPurpose"] == "revocation"]
    printed = json.loads(story.cli("status-list", str(entry["statusListId"])).stdout)
    assert printed["id"] == entry["statusListCredential"]
    bits = decode_list(printed["credentialSubject"]["encodedList"])
    assert bit_at(bits, int(entry["statusListIndex"])) is True


def test_the_stock_checker_refuses_a_list_signed_by_another_issuer(
    story: Story, server: FakeClock, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    story.cli("issue", str(SAMPLE_ROSTER), "--out", str(out), "--anchor-account", story.account)
    credential = json.loads(sorted(out.glob("*.json"))[0].read_text())
    credential["issuer"]["id"] = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
    result = check_status(credential, story.origin)
    assert result["verified"] is False
    assert "Issuers of the status list credential and verifiable credential do not match." in result["errors"]


def test_issuing_without_a_public_url_warns_and_falls_back_to_the_urn(story: Story, tmp_path: Path) -> None:
    removed = story.cli("issuer", "update", "--no-public-url")
    assert "no public URL" in removed.stderr
    out = tmp_path / "out"
    issued = story.cli("issue", str(SAMPLE_ROSTER), "--out", str(out), "--anchor-account", story.account)
    assert "warning: issuer 'uni' has no public URL" in issued.stderr
    assert "stock verifiers" in issued.stderr and "--public-url" in issued.stderr
    credential = json.loads(sorted(out.glob("*.json"))[0].read_text())
    assert all(e["statusListCredential"].startswith("urn:eip155:") for e in credential["credentialStatus"])

    story.cli("issuer", "update", "--public-url", "https://credentials.example/")
    shown = json.loads(story.cli("issuer", "show", "--json").stdout)
    assert shown["public_url"] == "https://credentials.example"
    again = story.cli("issue", str(SAMPLE_ROSTER), "--out", str(tmp_path / "again"), "--anchor-account", story.account)
    assert "warning" not in again.stderr
