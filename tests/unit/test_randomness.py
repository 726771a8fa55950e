"""The pool of OS randomness issuing draws status indices and e-mail salts from (anchor/randomness.py)."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from anchor import randomness
from anchor.randomness import POOL, RandomPool


def reference_below(n: int, words: list[int]) -> int:
    """Rejection sampling as `secrets.randbelow` defines it: the first word whose low bits (n - 1's bit
    length) fall below n."""
    mask = (1 << (n - 1).bit_length()) - 1
    return next(word & mask for word in words if word & mask < n)


def pool_of(words: list[int]) -> RandomPool:
    pool = RandomPool()
    pool._words = iter(words)
    return pool


@settings(max_examples=300)
@given(n=st.integers(1, 2**32), words=st.lists(st.integers(0, 2**32 - 1), min_size=1, max_size=8), data=st.data())
def test_below_is_the_first_word_that_falls_below_the_bound(n, words, data):
    mask = (1 << (n - 1).bit_length()) - 1
    words.append(data.draw(st.integers(0, n - 1)) | (data.draw(st.integers(0, 2**32 - 1)) & ~mask))  # one that fits
    drawn = pool_of(words).below(n)
    assert drawn == reference_below(n, words) and 0 <= drawn < n


@given(words=st.lists(st.integers(0, 2**32 - 1), min_size=4, max_size=4), nbytes=st.integers(1, 16))
def test_token_hex_writes_the_words_bytes_big_end_first(words, nbytes):
    text = pool_of(words).token_hex(nbytes)
    assert len(text) == 2 * nbytes
    assert bytes.fromhex(text) == b"".join(word.to_bytes(4, "big") for word in words)[:nbytes]


def test_the_pool_refills_from_the_os_and_leaves_large_bounds_to_secrets(monkeypatch: Any) -> None:
    pool = RandomPool()
    drawn = [pool.below(131_072) for _ in range(3_000)]  # more than one 4 KiB refill
    assert all(0 <= index < 131_072 for index in drawn) and len(set(drawn)) > 2_900
    monkeypatch.setattr(randomness.secrets, "randbelow", lambda n: n - 1)
    assert pool.below(2**40) == 2**40 - 1


def test_threads_never_share_a_word():
    pool = RandomPool()
    with ThreadPoolExecutor(max_workers=8) as threads:
        batches = list(threads.map(lambda _: [pool.token_hex(8) for _ in range(3_000)], range(8)))
    salts = [salt for batch in batches for salt in batch]
    assert len(set(salts)) == len(salts) == 24_000 and {len(salt) for salt in salts} == {16}


def _draws_in_child(queue: Any) -> None:
    queue.put([POOL.word() for _ in range(4)])


def test_a_forked_child_draws_other_words() -> None:
    POOL.word()  # the parent's pool is filled
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_draws_in_child, args=(queue,))
    child.start()
    words = queue.get(timeout=30)
    child.join(timeout=30)
    assert child.exitcode == 0
    assert words != [POOL.word() for _ in range(4)]
