"""The store on SQLite and on a real PostgreSQL (CREDANCHOR_TEST_DATABASE_URL, set by scripts/test.sh)."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from sqlalchemy import text

from anchor import ConfigurationError
from anchor.storage.store import Store, StoreError

ISSUER = "0x" + "11" * 20
OTHER = "0x" + "22" * 20
CONTRACT = "0x" + "33" * 20
POSTGRES = os.environ.get("CREDANCHOR_TEST_DATABASE_URL")


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    if request.param == "sqlite":
        return Store.open(f"sqlite:///{tmp_path / 'store.sqlite'}")
    if not POSTGRES:
        pytest.skip("CREDANCHOR_TEST_DATABASE_URL is not set (scripts/test.sh sets it)")
    opened = Store.open(POSTGRES)
    with opened.engine.begin() as connection:
        connection.execute(
            text("TRUNCATE audit_log, status_allocations, credentials, batches RESTART IDENTITY CASCADE")
        )
    return opened


def credential(number: int, issuer: str = "did:key:z6MkIssuer") -> dict:
    return {"id": f"urn:uuid:{number:08d}-0000-4000-8000-000000000000", "issuer": {"id": issuer}, "n": number}


def hash_of(document: dict) -> bytes:
    return document["n"].to_bytes(32, "big")


def root_of(documents: list[dict]) -> str:
    return "0x" + "".join(f"{d['n']:02x}" for d in documents)[:64].ljust(64, "0")


def test_the_schema_is_migrated_and_reopening_is_harmless(store):
    again = Store.open(store.engine.url.render_as_string(hide_password=False))
    assert again.accounts() == []


def test_status_indices_are_unique_across_stores_sharing_a_database(store):
    other_process = Store.open(store.engine.url.render_as_string(hide_password=False))
    seen = set()
    for number in range(300):
        location = (store if number % 2 else other_process).allocate_status(1, CONTRACT, ISSUER)
        assert location.list_id == 1 and 0 <= location.index < 131_072
        seen.add(location.index)
    assert len(seen) == 300
    assert other_process.allocate_status(1, CONTRACT, OTHER).list_id == 1  # lists are per issuer


def test_status_lists_must_be_large(store):
    with pytest.raises(ConfigurationError, match="herd privacy"):
        store.allocate_status(1, CONTRACT, ISSUER, list_size=1024)


def test_queueing_is_idempotent_and_refuses_changed_content(store):
    document = credential(1)
    assert store.queue(document, hash_of(document), ISSUER, file_name="a.json") is True
    assert store.queue(document, hash_of(document), ISSUER, file_name="a.json") is False
    with pytest.raises(ConfigurationError, match="other content"):
        store.queue(document, b"\x99" * 32, ISSUER)
    assert store.document(document["id"]) == document and store.document("urn:none") is None
    assert store.accounts() == [ISSUER] and store.credential_ids(ISSUER, state="queued") == [document["id"]]


def test_a_batch_closes_on_size_on_age_or_when_forced(store):
    for number in range(5):
        store.queue(credential(number), hash_of(credential(number)), ISSUER)
    assert store.close_batch(ISSUER, max_size=10, max_age=timedelta(hours=1), root_of=root_of) is None
    first = store.close_batch(ISSUER, max_size=3, max_age=None, root_of=root_of)
    assert first is not None and len(first.credential_ids) == 3 and first.state == "closed"
    assert store.close_batch(ISSUER, max_size=3, max_age=timedelta(0), root_of=root_of).credential_ids == (
        credential(3)["id"],
        credential(4)["id"],
    )
    assert store.close_batch(ISSUER, max_size=3, max_age=None, force=True, root_of=root_of) is None  # nothing left
    assert [b.id for b in store.open_batches(ISSUER)] == [first.id, first.id + 1]


def test_recording_an_anchored_batch_is_atomic_and_idempotent(store):
    documents = [credential(n) for n in range(3)]
    for document in documents:
        store.queue(document, hash_of(document), ISSUER, file_name=f"{document['n']}.json")
    batch = store.close_batch(ISSUER, max_size=10, max_age=None, force=True, root_of=root_of)
    assert store.documents(batch) == documents
    anchored = [{**d, "proof": ["anchor"]} for d in documents]
    store.record_anchored(batch, anchored, chain_id=1, contract=CONTRACT, tx_hash="0x" + "ab" * 32, block_number=7)
    store.record_anchored(batch, anchored, chain_id=1, contract=CONTRACT, tx_hash="0x" + "ab" * 32, block_number=7)
    assert store.open_batches(ISSUER) == []
    assert store.credential_ids(ISSUER, state="anchored") == [d["id"] for d in documents]
    state, document, file_name = store.credential(documents[1]["id"])
    assert (state, document["proof"], file_name) == ("anchored", ["anchor"], "1.json")
    actions = [action for action, _, _ in store.audit()]
    assert actions == ["credential.queue"] * 3 + ["batch.close", "batch.anchor"]


def test_an_unreachable_database_is_a_clear_error(tmp_path):
    with pytest.raises(StoreError, match="cannot open the database"):
        Store.open("postgresql://nobody:secret@127.0.0.1:9/none")
    with pytest.raises(ConfigurationError, match="cannot use database URL"):
        Store.open("nosuchdb://x")
