"""Fresh randomness for every credential without a system call for each: the OS's random bytes, read 4 KiB
at a time, handed out as 32-bit words.

Issuing wants new random values per credential — its status indices (`credentials.status`), the salt of its
hashed e-mail identity (`credentials.templates`) — and one `os.urandom` call costs more than the rest of that
work. Each word is handed out once: `next` on the pool's iterator is one step under the GIL, so threads never
share a word, and a forked child forgets the pool, so two processes never share words either (a multiprocess
pipeline forks its workers from a parent that may have drawn some). The words are the OS's (`os.urandom`,
what `secrets` uses), so the values are as unpredictable as `secrets.randbelow` and `secrets.token_hex`
make them; tests/unit/test_randomness.py checks the draws against those definitions.
"""

from __future__ import annotations

import os
import secrets
from array import array
from collections.abc import Iterator

#: Bytes read from the OS at a time.
CHUNK = 4096


class RandomPool:
    """32-bit words from the OS, read `CHUNK` bytes at a time (see the module docstring)."""

    def __init__(self) -> None:
        self._words: Iterator[int] = iter(())

    def word(self) -> int:
        """A fresh uniform 32-bit word."""
        word = next(self._words, None)
        while word is None:
            self._words = iter(array("I", os.urandom(CHUNK)))
            word = next(self._words, None)
        return word

    def below(self, n: int) -> int:
        """A uniform integer in [0, n), as `secrets.randbelow(n)`: a word keeps the bits below n's bit length
        and is drawn again when not below n (bounds over 2**32 are left to `secrets`)."""
        if not 0 < n <= 2**32:
            return secrets.randbelow(n)
        mask = (1 << (n - 1).bit_length()) - 1
        while True:
            value = self.word() & mask
            if value < n:
                return value

    def token_hex(self, nbytes: int) -> str:
        """`nbytes` random bytes in hex, as `secrets.token_hex(nbytes)` writes them."""
        words = -(-nbytes // 4)
        return "".join(f"{self.word():08x}" for _ in range(words))[: 2 * nbytes]

    def forget(self) -> None:
        """Drop the words read so far (a forked child must not hand out its parent's)."""
        self._words = iter(())


POOL = RandomPool()
os.register_at_fork(after_in_child=POOL.forget)
