"""`credanchor offer create|list|show|revoke` (anchor/cli/offers.py), the CLI twins of /v1/offers: one offer per
roster row, links without personal data shown once, QR codes on request, rows with a learner DID refused,
and an issuer sees and withdraws only its own offers."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from urllib.parse import unquote, unquote_plus

import pytest
from typer.testing import CliRunner

from anchor.cli.main import app
from anchor.credentials.roster import SAMPLE_ROSTER

runner = CliRunner()
PASSPHRASE = "a long enough passphrase for tests"
PUBLIC = "https://credentials.example"


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    data = tmp_path_factory.mktemp("offers")
    environ = {"CREDANCHOR_DATA_DIR": str(data), "CREDANCHOR_KEY_PASSPHRASE": PASSPHRASE,
               "CREDANCHOR_DATABASE_URL": "", "CREDANCHOR_PUBLIC_URL": ""}  # fmt: skip
    for slug in ("uni", "other"):
        made = runner.invoke(app, ["issuer", "create", slug, "--name", slug.title(), "--country", "PT"], env=environ)
        assert made.exit_code == 0, made.stderr
    return environ


def test_offers_are_made_per_row_listed_shown_and_withdrawn(env: dict[str, str], tmp_path: Path) -> None:
    made = runner.invoke(app, ["offer", "create", str(SAMPLE_ROSTER), "--issuer", "uni", "--tx-code", "--json",
                               "--public-url", PUBLIC, "--qr-dir", str(tmp_path / "qr")], env=env)  # fmt: skip
    assert made.exit_code == 1, made.stderr  # one row names a learner DID: refused, the others offered
    result = json.loads(made.stdout)
    assert [f["line"] for f in result["failed"]] == [4] and "learner.did" in result["failed"][0]["errors"][0]
    offers = result["offers"]
    assert [o["learner"] for o in offers] == ["Ana Sousa", "Kwame Mensah", "Li Wei"]
    for offer in offers:
        assert offer["state"] == "open" and len(offer["tx_code"]) == 6
        assert all(unquote(link).startswith(("openid-credential-offer://", PUBLIC, "https://lcw.app/"))
                   for link in offer["links"].values())  # fmt: skip
        # No personal data in a link. The whole name, as a URL may write it: a first name alone ("Li") turns up
        # by chance in the links' random base64url secrets, whose alphabet has no space or "+".
        assert not any(offer["learner"] in unquote_plus(link) for link in offer["links"].values())
    codes = list((tmp_path / "qr").glob("*.svg"))
    assert len(codes) == 3 * len(offers)
    # The codes carry the offers' bearer secrets: only their owner may read them.
    assert stat.S_IMODE((tmp_path / "qr").stat().st_mode) == 0o700
    assert {stat.S_IMODE(code.stat().st_mode) for code in codes} == {0o600}

    listed = json.loads(runner.invoke(app, ["offer", "list", "--issuer", "uni", "--json"], env=env).stdout)
    assert {o["id"] for o in listed["offers"]} >= {o["id"] for o in offers}
    assert all("links" not in o and "tx_code" not in o for o in listed["offers"])  # secrets are not kept
    first = offers[0]["id"]
    refused = runner.invoke(app, ["offer", "revoke", first, "--issuer", "other"], env=env)
    assert refused.exit_code != 0 and "has no offer" in refused.stderr
    revoked = runner.invoke(app, ["offer", "revoke", first, "--issuer", "uni", "--json"], env=env)
    assert json.loads(revoked.stdout)["state"] == "revoked"
    shown = json.loads(runner.invoke(app, ["offer", "show", first, "--issuer", "uni", "--json"], env=env).stdout)
    assert shown["state"] == "revoked" and shown["revoked_at"]
    still_open = runner.invoke(app, ["offer", "list", "--issuer", "uni", "--state", "open", "--json"], env=env)
    assert first not in {o["id"] for o in json.loads(still_open.stdout)["offers"]}


def test_a_verifier_request_is_made_and_read_with_the_key_from_the_environment(env: dict[str, str]) -> None:
    made = runner.invoke(app, ["verifier", "request", "--achievement", "Data Literacy Foundations", "--json",
                               "--public-url", PUBLIC], env=env)  # fmt: skip
    assert made.exit_code == 0, made.stderr
    request = json.loads(made.stdout)
    assert request["links"]["vcapi_exchange"].startswith(f"{PUBLIC}/workflows/present/exchanges/")
    assert request["query"]["accredited"] is True
    missing = runner.invoke(app, ["verifier", "report", request["id"]], env=env)
    assert missing.exit_code != 0 and "CREDANCHOR_VERIFIER_KEY" in missing.stderr
    wrong = runner.invoke(app, ["verifier", "report", request["id"]], env={**env, "CREDANCHOR_VERIFIER_KEY": "x"})
    assert wrong.exit_code != 0 and "no presentation request" in wrong.stderr
    seen = runner.invoke(app, ["verifier", "report", request["id"], "--json"],
                         env={**env, "CREDANCHOR_VERIFIER_KEY": request["verifier_key"]})  # fmt: skip
    assert seen.exit_code == 0, seen.stderr
    assert json.loads(seen.stdout)["state"] == "waiting"
