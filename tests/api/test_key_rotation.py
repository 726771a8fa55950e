"""Key rotation on a running server: a did:web issuer rotates its key; the server signs new
credentials with the new key without a restart, publishes both keys, and credentials anchored
before and after the rotation both pass every check of POST /v1/verify."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from anchor.anchoring.worker import anchor_due
from anchor.credentials.issuers import ACCOUNT_FILE, create_issuer, issuers_dir, rotate_issuer_key
from anchor.credentials.model import AwardingBody
from anchor.crypto.accounts import EthereumKey
from anchor.settings import Settings
from api.app import create_app
from api.config import ApiSettings

from .conftest import PASSPHRASE, World, request_body

DID_WEB = "did:web:academy.example:issuers:webu"


def test_a_rotated_key_signs_new_credentials_and_old_ones_still_verify(world: World, tmp_path: Path) -> None:
    settings = Settings(tmp_path / "data")
    create_issuer(settings, "webu", AwardingBody("", "Web University", "PT"), PASSPHRASE, did_web=DID_WEB)
    account = EthereumKey.load(issuers_dir(settings) / "webu" / ACCOUNT_FILE, PASSPHRASE)
    snapshot = world.chain.snapshot()
    try:
        chain, admin = world.chain, world.chain.accounts[0]
        chain.send_value(admin, account.address, 10**18)
        registry = world.deployment.registry(chain)
        registry.register_issuer(account.address, did=DID_WEB, name="Web University", scope="micro", sender=world.body)
        api_settings = ApiSettings(
            data=settings, rpc=None, database_url=f"sqlite:///{tmp_path / 'api.sqlite'}",
            key_passphrase=PASSPHRASE, verify_cache_seconds=0, verify_rate=0,
        )  # fmt: skip
        app = create_app(api_settings, chain=chain, deployment=world.deployment)
        store = app.state.services.store
        headers = {"Authorization": f"Bearer {store.create_api_key('issuer', 'webu')[1]}"}
        with TestClient(app, raise_server_exceptions=False) as client:

            def issue_and_anchor(name: str) -> dict[str, Any]:
                response = client.post("/v1/credentials", json=request_body(learner_name=name), headers=headers)
                assert response.status_code == 201, response.text
                anchor_due(store, world.deployment.anchor(chain), account.address, force=True, account=account.account)
                stored = client.get(f"/v1/credentials/{response.json()['id']}", headers=headers)
                return dict(stored.json()["credential"])

            before = issue_and_anchor("Ana Before")
            rotate_issuer_key(settings, "webu", PASSPHRASE)
            after = issue_and_anchor("Bruno After")

            assert _signers(before) == {f"{DID_WEB}#key-1"}
            assert _signers(after) == {f"{DID_WEB}#key-2"}
            document = client.get("/v1/issuers/webu/did.json").json()
            assert document["assertionMethod"] == [f"{DID_WEB}#key-1", f"{DID_WEB}#key-2"]
            assert document["authentication"] == [f"{DID_WEB}#key-2"]
            for credential in (before, after):
                report = client.post("/v1/verify", json=credential).json()
                failed = {name: check for name, check in report["checks"].items() if check["outcome"] != "pass"}
                assert report["verified"] is True and not failed, failed
    finally:
        world.chain.revert(snapshot)


def _signers(credential: dict[str, Any]) -> set[str]:
    """The verification methods of the credential's eddsa proofs (not its anchor proof)."""
    proofs = credential["proof"] if isinstance(credential["proof"], list) else [credential["proof"]]
    return {p["verificationMethod"] for p in proofs if p.get("cryptosuite", "").startswith("eddsa")}
