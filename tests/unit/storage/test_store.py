"""The store on SQLite and on a real PostgreSQL (CREDANCHOR_TEST_DATABASE_URL, set by scripts/test.sh)."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text

from anchor import ConfigurationError
from anchor.credentials.status import fresh_list_id
from anchor.storage import store as store_module
from anchor.storage.database import MIGRATIONS
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
        connection.execute(text("TRUNCATE audit_log, status_indices, credentials, batches RESTART IDENTITY CASCADE"))
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
    locations = [(store if n % 2 else other_process).allocate_status(1, CONTRACT, ISSUER) for n in range(300)]
    (list_id,) = {location.list_id for location in locations}
    assert 1 <= list_id <= 255  # one byte of calldata, as list 1
    for indices in ([loc.index for loc in locations], [loc.suspension_index for loc in locations]):
        assert len(set(indices)) == 300 and all(0 <= index < 131_072 for index in indices)  # type: ignore[operator]
    assert store.status_list_ids(1, CONTRACT, ISSUER) == [list_id]
    other = other_process.allocate_status(1, CONTRACT, OTHER)  # lists are per issuer
    assert store.status_list_ids(1, CONTRACT, OTHER) == [other.list_id]


# -- issue 19, item 11: what the allocations let a stranger infer -----------------------------------------


def test_a_credentials_revocation_and_suspension_indices_are_drawn_apart(store):
    # Before, one index served both lists: its suspend, reinstate and revoke events named the same position.
    locations = [store.allocate_status(1, CONTRACT, ISSUER) for _ in range(20)]
    assert sum(location.index != location.suspension_index for location in locations) >= 19
    entries = {e["statusPurpose"]: int(e["statusListIndex"]) for e in locations[0].entries()}
    assert entries == {"revocation": locations[0].index, "suspension": locations[0].suspension_index}


def test_a_full_list_is_followed_by_one_with_a_random_id(store):
    # Before, lists were numbered 1, 2, 3…: a status change in list n showed (n - 1) * 65,536 allocations.
    first = store.allocate_status(1, CONTRACT, ISSUER)
    with store.engine.begin() as connection:  # fill it to half, as 65,535 more credentials would
        connection.execute(
            text(
                "INSERT INTO status_indices (chain_id, contract, issuer_account, list_id, purpose, list_index, "
                "allocated_at) VALUES (1, :contract, :issuer, :list_id, 0, :index, CURRENT_TIMESTAMP)"
            ),
            [{"contract": CONTRACT, "issuer": ISSUER, "list_id": first.list_id, "index": index}
             for index in range(131_072) if index != first.index][: 131_072 // 2 - 1],
        )  # fmt: skip
    second = store.allocate_status(1, CONTRACT, ISSUER)
    assert second.list_id != first.list_id and 1 <= second.list_id <= 255
    assert store.allocate_status(1, CONTRACT, ISSUER).list_id == second.list_id  # the new list is in use
    assert store.status_list_ids(1, CONTRACT, ISSUER) == sorted({first.list_id, second.list_id})


def test_fresh_list_ids_are_random_and_as_short_as_the_ids_in_use_allow():
    assert len({fresh_list_id(set()) for _ in range(60)}) > 20  # not 1, 2, 3…
    assert all(1 <= fresh_list_id({7}) <= 255 for _ in range(60))
    full_byte = set(range(1, 256))
    assert all(256 <= fresh_list_id(full_byte) <= 65_535 for _ in range(60))
    assert fresh_list_id(full_byte - {77}) == 77


def test_allocations_made_before_keep_their_index_in_both_lists(tmp_path, monkeypatch):
    """Migration 0004: a store of revision 0003 (one index per credential, for both lists) upgrades without
    losing an allocation, and no later draw in either list takes an index handed out before."""
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    engine = create_engine(url)
    with engine.begin() as connection:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = connection
        command.upgrade(config, "0003")
        connection.execute(
            text(
                "INSERT INTO status_allocations (chain_id, contract, issuer_account, list_id, list_index, "
                "allocated_at) VALUES (1, :contract, :issuer, :list_id, :index, CURRENT_TIMESTAMP)"
            ),
            [{"contract": CONTRACT, "issuer": ISSUER, "list_id": list_id, "index": 42} for list_id in (1, 2)],
        )
    (tmp_path / "old.sqlite").chmod(0o600)  # made by SQLite itself here, with the umask's mode
    store = Store.open(url)
    draws = iter([42, 42, 43, 44])  # the legacy index first: taken in both lists, so drawn again
    monkeypatch.setattr(store_module.secrets, "randbelow", lambda _: next(draws))
    location = store.allocate_status(1, CONTRACT, ISSUER)
    assert (location.list_id, location.index, location.suspension_index) == (2, 43, 44)  # the latest list
    assert store.status_list_ids(1, CONTRACT, ISSUER) == [1, 2]


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
