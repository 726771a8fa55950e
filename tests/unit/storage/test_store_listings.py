"""The store's listings for whole-run checks (the soak's audit and verifier ask these, never the tables),
and fresh PostgreSQL schemas for runs that must not touch anyone's tables."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from typing import Any

import pytest

from anchor import ConfigurationError
from anchor.storage.database import fresh_schema
from anchor.storage.store import Store

ISSUER = "0x" + "11" * 20
OTHER = "0x" + "22" * 20
POSTGRES = os.environ.get("CREDANCHOR_TEST_DATABASE_URL")


def credential(number: int) -> dict[str, Any]:
    return {"id": f"urn:uuid:{number:08d}-0000-4000-8000-000000000000", "issuer": {"id": "did:key:z6Mk"}, "n": number}


def queue(store: Store, number: int, account: str = ISSUER) -> str:
    document = credential(number)
    assert store.queue(document, number.to_bytes(32, "big"), account)
    return str(document["id"])


@pytest.fixture
def store(tmp_path: Any) -> Store:
    return Store.open(f"sqlite:///{tmp_path / 'store.sqlite'}")


def test_credential_ids_are_one_accounts_oldest_first_by_state(store: Store) -> None:
    mine = [queue(store, number) for number in range(5)]
    queue(store, 99, account=OTHER)
    batch = store.close_batch(ISSUER, max_size=2, max_age=None, root_of=lambda docs: "0x" + "ab" * 32)
    assert batch is not None and list(batch.credential_ids) == mine[:2]
    assert store.credential_ids(ISSUER) == mine
    assert store.credential_ids(ISSUER, state="batched") == mine[:2]
    assert store.credential_ids(ISSUER, state="queued") == mine[2:]
    assert store.credential_ids(ISSUER, state="anchored") == []
    assert store.credential_ids(OTHER) == [credential(99)["id"]]


def test_a_listing_without_a_limit_holds_every_row(store: Store) -> None:
    ids = [queue(store, number) for number in range(103)]
    total, page = store.credentials(ISSUER)
    assert total == 103 and len(page) == 100  # the API's page size stays the default
    total, every = store.credentials(ISSUER, limit=None)
    assert total == 103 and [c.id for c in every] == ids
    for _ in range(101):
        store.close_batch(ISSUER, max_size=1, max_age=timedelta(0), root_of=lambda docs: "0x" + docs[0]["id"][9:17] * 8)
    total, batches = store.batch_states(ISSUER, limit=None)
    assert total == 101 and len(batches) == 101 and batches[0].id == 101  # newest first
    assert len(store.batch_states(ISSUER)[1]) == 100


def test_a_fresh_schema_needs_postgresql_and_says_for_whom() -> None:
    refused = r"^the soak needs PostgreSQL \(postgresql://…\), not sqlite$"
    with pytest.raises(ConfigurationError, match=refused), fresh_schema("sqlite:///x", owner="the soak", prefix="s"):
        pass


@pytest.mark.parametrize("keep", [False, True])
def test_a_fresh_schema_holds_a_store_and_is_dropped_unless_kept(keep: bool) -> None:
    if not POSTGRES:
        pytest.skip("CREDANCHOR_TEST_DATABASE_URL is not set (scripts/test.sh sets it)")
    import psycopg

    account = "0x" + secrets.token_hex(20)  # nobody else's: the public schema holds other tests' rows
    with fresh_schema(POSTGRES, prefix="listing", keep=keep) as url:
        schema = url.rsplit("%3D", 1)[-1]
        store = Store.open(url)
        queued = queue(store, 1, account=account)
        assert store.credential_ids(account) == [queued]
        store.engine.dispose()
        assert Store.open(POSTGRES).credential_ids(account) == []  # the tables are the schema's, not public's
    with psycopg.connect(POSTGRES, autocommit=True) as connection:
        found = connection.execute("SELECT 1 FROM information_schema.schemata WHERE schema_name = %s", (schema,))
        assert (found.fetchone() is not None) is keep
        if keep:
            connection.execute(f"DROP SCHEMA {schema} CASCADE")
