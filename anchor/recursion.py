"""Python's recursion limit, kept at its default although the Ethereum libraries raise it at import.

py_ecc (imported by eth_account through eth_keyfile) calls ``sys.setrecursionlimit(100_000)`` when it is
first imported, and py-evm (``eth``, the embedded chain, also pulled in by ``eth_tester.exceptions``) raises
the limit to at least 12,288 so the EVM may nest 1,024 calls. With the limit that high a deeply nested JSON
document, or a recursive walk of one, no longer stops at :class:`RecursionError`: it overflows the C stack
and the process dies with SIGSEGV. One 200 KB request of nested brackets killed a server worker (issue 19).

:func:`restore_recursion_limit` puts the limit back; it is called right after the places where those
libraries are first imported (anchor.crypto.accounts, anchor.chain.adapter, anchor.chain.embedded) and by
the entry points (the API app, the CLI). credanchor's contracts call at most one other contract, so the
embedded EVM never needs deep Python recursion. Untrusted JSON is also refused past a shallow depth before
it is parsed (anchor.jsonsafe), so the limit is a second line of defence, not the only one.
"""

from __future__ import annotations

import sys
from typing import Final

#: CPython's default recursion limit.
PYTHON_DEFAULT: Final = 1000

#: The limit to keep: the interpreter's own, unless a chain library had already raised it when this
#: module was first imported (then CPython's default).
BASELINE: Final = PYTHON_DEFAULT if {"py_ecc", "eth"} & sys.modules.keys() else sys.getrecursionlimit()


def restore_recursion_limit() -> int:
    """Lower the recursion limit back to :data:`BASELINE` if a library raised it; the limit now in force."""
    if sys.getrecursionlimit() > BASELINE:
        sys.setrecursionlimit(BASELINE)
    return sys.getrecursionlimit()
