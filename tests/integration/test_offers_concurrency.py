"""Offers are used once with several API workers: each single-use step is one conditional UPDATE, so of many
processes' connections racing for the same pre-authorized code, offer or challenge, exactly one wins.

On SQLite (always) and on PostgreSQL (CREDANCHOR_TEST_DATABASE_URL; scripts/test.sh sets it), with one Store —
one engine, one connection pool, as one API worker has — per racer, released together by a barrier.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from anchor.storage.database import fresh_schema, now
from anchor.storage.store import Store
from anchor.wallets.bearer import OfferSecrets, digest

RACERS = 8
POSTGRES = os.environ.get("CREDANCHOR_TEST_DATABASE_URL")


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'offers.sqlite'}"
        return
    if not POSTGRES:
        pytest.skip("CREDANCHOR_TEST_DATABASE_URL is not set (scripts/test.sh sets it)")
    with fresh_schema(POSTGRES, prefix="offers") as url:
        yield url


def race(stores: list[Store], attempt: Callable[[Store, int], bool]) -> list[bool]:
    """Run `attempt(store, i)` in RACERS threads at once (one store each); every outcome, in order."""
    barrier = threading.Barrier(len(stores))
    outcomes: list[bool | BaseException] = [False] * len(stores)

    def run(i: int) -> None:
        barrier.wait()
        try:
            outcomes[i] = attempt(stores[i], i)
        except BaseException as exc:  # reported below, with the others' outcomes
            outcomes[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(stores))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    errors = [o for o in outcomes if isinstance(o, BaseException)]
    assert not errors, errors
    return [bool(o) for o in outcomes]


def test_a_code_an_offer_and_a_challenge_are_each_won_by_exactly_one_racer(database_url: str) -> None:
    first = Store.open(database_url)
    stores = [first, *(Store.open(database_url) for _ in range(RACERS - 1))]
    drawn = OfferSecrets.fresh(tx_code=True)
    offer = first.create_offer("f00d", "acme", {"learner": {"name": "Ana"}}, "eddsa-rdfc-2022", drawn.hashes(),
                               drawn.tx_code_hash, now() + timedelta(days=7))  # fmt: skip

    codes = race(stores, lambda store, _: store.use_offer_code(offer.id, drawn.tx_code_hash, 5))
    assert codes.count(True) == 1

    claims = race(stores, lambda store, i: store.claim_offer(offer.id, f"did:key:racer{i}", "oid4vci"))
    assert claims.count(True) == 1
    claimed = first.offer(offer.id)
    assert claimed is not None and claimed.holder == f"did:key:racer{claims.index(True)}"

    challenge = digest("a challenge")
    first.add_wallet_secret("challenge", challenge, now() + timedelta(minutes=10), offer.id)
    answers = race(stores, lambda store, _: store.use_wallet_secret("challenge", challenge, offer.id))
    assert answers.count(True) == 1
    audit = [action for action, subject, _ in first.audit() if subject == offer.id]
    assert audit.count("offer.claim") == 1 and audit.count("offer.code") == 1


def test_a_wrong_transaction_code_never_wins_and_locks_the_offer(database_url: str) -> None:
    store = Store.open(database_url)
    drawn = OfferSecrets.fresh(tx_code=True)
    offer = store.create_offer("beef", "acme", {}, "eddsa-rdfc-2022", drawn.hashes(), drawn.tx_code_hash,
                               now() + timedelta(days=7))  # fmt: skip
    assert not store.use_offer_code(offer.id, digest("wrong"), 2)
    assert not store.use_offer_code(offer.id, None, 2)
    assert [store.add_tx_code_failure(offer.id) for _ in range(2)] == [1, 2]
    assert not store.use_offer_code(offer.id, drawn.tx_code_hash, 2)  # locked: even the right code
    assert store.use_offer_code(offer.id, drawn.tx_code_hash, 3)


def test_expired_wallet_secrets_are_forgotten_and_live_ones_kept(database_url: str) -> None:
    store = Store.open(database_url)
    store.add_wallet_secret("nonce", digest("old"), now() - timedelta(seconds=1))
    store.add_wallet_secret("nonce", digest("live"), now() + timedelta(minutes=5))
    assert store.forget_expired_wallet_secrets() == 1
    assert store.wallet_secret("nonce", digest("old")) is None
    assert store.use_wallet_secret("nonce", digest("live"))
