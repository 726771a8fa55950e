"""API fixtures: two issuers (acme, beta) and two accreditation bodies on an embedded chain, an app per
test (fresh SQLite store, chain rolled back afterwards), API keys for each, and helpers."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from anchor.anchoring.worker import anchor_due
from anchor.chain.adapter import Chain
from anchor.chain.deployment import Deployment, deploy_contracts
from anchor.credentials.issuers import ACCOUNT_FILE, create_issuer, issuer_account, issuers_dir, load_key
from anchor.credentials.model import AwardingBody
from anchor.crypto.accounts import EthereumKey
from anchor.crypto.keys import SigningKey
from anchor.settings import Settings
from anchor.storage.store import Store
from api.app import create_app
from api.config import ApiSettings
from api.models import EXAMPLE_REQUEST

PASSPHRASE = "correct horse battery staple"
ISSUERS = {"acme": "Acme Academy", "beta": "Beta Institute"}


@dataclass
class World:
    settings: Settings
    chain: Chain
    deployment: Deployment
    keys: dict[str, SigningKey]
    accounts: dict[str, EthereumKey]
    body: str
    other_body: str


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    settings = Settings(tmp_path_factory.mktemp("api-data"))
    chain = Chain.embedded()
    admin, body, other_body = chain.accounts[:3]
    deployment = deploy_contracts(chain, deployer=admin)
    registry = deployment.registry(chain)
    registry.grant_body(body, sender=admin)
    registry.grant_body(other_body, sender=admin)
    keys, accounts = {}, {}
    for slug, name in ISSUERS.items():
        keys[slug] = create_issuer(settings, slug, AwardingBody("", name, "PT"), PASSPHRASE)
        accounts[slug] = EthereumKey.load(issuers_dir(settings) / slug / ACCOUNT_FILE, PASSPHRASE)
        chain.send_value(admin, accounts[slug].address, 10**18)
        registry.register_issuer(accounts[slug].address, did=keys[slug].did, name=name, scope="micro", sender=body)
    assert load_key(settings, "acme", PASSPHRASE).did == keys["acme"].did
    assert issuer_account(settings, "acme") == accounts["acme"].address
    return World(settings, chain, deployment, keys, accounts, body, other_body)


@dataclass
class Api:
    """One test's app and client; `headers[name]` authenticates as acme, beta, body or other_body."""

    world: World
    client: TestClient
    store: Store
    headers: dict[str, dict[str, str]] = field(default_factory=dict)

    def issue(self, who: str = "acme", **changes: Any) -> dict[str, Any]:
        """Issue the example credential (with `changes` to the request) and return the response body."""
        response = self.client.post("/v1/credentials", json=request_body(**changes), headers=self.headers[who])
        assert response.status_code in (200, 201), response.text
        return dict(response.json())

    def anchor_all(self) -> None:
        """What `credanchor anchor` does: anchor every queued credential of both issuers."""
        anchor = self.world.deployment.anchor(self.world.chain)
        for key in self.world.accounts.values():
            anchor_due(self.store, anchor, key.address, force=True, account=key.account)
        self.client.app.state.services.status_changed()  # type: ignore[attr-defined]

    def stored(self, credential_id: str, who: str = "acme") -> dict[str, Any]:
        response = self.client.get(f"/v1/credentials/{credential_id}", headers=self.headers[who])
        assert response.status_code == 200, response.text
        return dict(response.json()["credential"])


def request_body(**changes: Any) -> dict[str, Any]:
    """The OpenAPI example request; `learner_name=` and top-level keys may be changed."""
    body = copy.deepcopy(EXAMPLE_REQUEST)
    if "learner_name" in changes:
        body["learner"]["name"] = changes.pop("learner_name")
    body.update(changes)
    return body


def make_app(world: World, database: Path, **settings: Any) -> Any:
    api_settings = ApiSettings(
        data=world.settings, rpc=None, database_url=f"sqlite:///{database}", key_passphrase=PASSPHRASE,
        **{"verify_cache_seconds": 0, **settings},
    )  # fmt: skip
    app = create_app(api_settings, chain=world.chain, deployment=world.deployment)
    app.state.services.use_keys(world.keys)  # unlocked once per session (slow on purpose)
    return app


@contextmanager
def api_client(world: World, database: Path, **settings: Any) -> Iterator[Api]:
    """An app with `settings` and keys for every issuer and body; the chain is rolled back afterwards."""
    snapshot = world.chain.snapshot()
    app = make_app(world, database, **{"verify_rate": 0, **settings})
    store = app.state.services.store
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            made = Api(world, client, store)
            for slug in ISSUERS:
                made.headers[slug] = {"Authorization": f"Bearer {store.create_api_key('issuer', slug)[1]}"}
            made.headers["body"] = {"X-API-Key": store.create_api_key("body", world.body)[1]}
            made.headers["other_body"] = {"X-API-Key": store.create_api_key("body", world.other_body)[1]}
            yield made
    finally:
        world.chain.revert(snapshot)


@pytest.fixture
def api(world: World, tmp_path: Path) -> Iterator[Api]:
    with api_client(world, tmp_path / "api.sqlite") as made:
        yield made


PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://w3id.org/credanchor/problems#"


def assert_problem(response: Any, status: int, kind: str | None = None) -> dict[str, Any]:
    """The response is an RFC 9457 problem document with `status` (and `kind`, when given); returns it."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    problem = dict(response.json())
    assert {"type", "title", "status", "detail"} <= problem.keys()
    assert problem["status"] == status
    assert problem["type"].startswith(PROBLEM_BASE)
    assert problem["title"] and isinstance(problem["detail"], str) and problem["detail"]
    if kind is not None:
        assert problem["type"] == PROBLEM_BASE + kind
    return problem


def error_pointers(problem: dict[str, Any]) -> list[str]:
    return [error.get("pointer", "") for error in problem["errors"]]
