"""Parsing untrusted JSON with a nesting-depth limit.

``json.loads`` and every recursive walk of its result (JSON-LD expansion, canonicalization, the verifier)
recurse once per nesting level. A document of nested brackets deeper than the interpreter's stack
crashed a server worker (issue 19); far short of that, it wastes work no real document needs. So untrusted
JSON — API request bodies, QR payloads, credential and presentation files, DID documents, token metadata
read from the chain — is scanned first and refused past :data:`MAX_DEPTH` levels.

The check parses with orjson first: its parser is iterative with a fixed limit of 1,024 levels (past it,
or on any invalid text, it raises ``JSONDecodeError``: it never recurses in Python nor overflows the C
stack), and a loop over the parsed value's containers, level by level, measures the depth — a fifth of
the scan's time, and the parse is kept for the caller. Where orjson refuses the text (invalid JSON, or
what only ``json.loads`` accepts: NaN, lone surrogates, UTF-16 or -32 bytes) the decision is left to the
scan, which reads any text: it is linear and does not recurse, walks the structural characters skipping
string contents, and stops at the first bracket past the limit. For any text a parser accepts, its nesting
at each point is the scan's count at that point, so both decide alike (a property test checks it on random
and adversarial texts), and a text the check passes never nests deeper in the parser.

Depth of real documents (measured on the test fixtures, the examples in docs/ and the W3C and Open Badges
examples): a micro-credential nests 7 levels (credentialSubject → achievement → alignment → object), a
presentation of them 9, a DID document 4. 64 leaves room for extensions several times over.
"""

from __future__ import annotations

import json
import re
from typing import Any, Final

import orjson

from anchor.errors import ConfigurationError

#: The deepest nesting of objects and arrays accepted in untrusted JSON.
MAX_DEPTH: Final = 64

# A string (possibly unterminated: it then runs to the end, as the parser would fail there anyway) or one
# bracket. Possessive quantifiers: the scan never backtracks, so it stays linear on any input.
_TOKENS: Final = re.compile(r'"(?:[^"\\]++|\\.)*+"?|[\[\]{}]', re.DOTALL)

#: What :func:`checked_value` answers for a text orjson did not parse to exactly what ``json.loads`` gives.
UNPARSED: Final = object()

# orjson reads an integer outside the 64-bit range as a float, where json.loads keeps the int: a parse with
# a float this large is not used (it may have been such an integer).
_LARGEST_EXACT_FLOAT: Final = float(2**63)


class JsonDepthError(ConfigurationError):
    """A JSON text nests objects and arrays deeper than allowed (a ValueError, like other bad JSON)."""

    def __init__(self, what: str, max_depth: int) -> None:
        self.max_depth = max_depth
        super().__init__(
            f"{what} nests objects and arrays more than {max_depth} levels deep: refused "
            "(no credential, presentation or DID document is nested that deeply)"
        )


def _text(data: str | bytes | bytearray) -> str:
    if isinstance(data, str):
        return data
    # As json.loads reads bytes: UTF-8, -16 or -32 by their first bytes. A byte-wise scan of UTF-16 would
    # miss brackets or find false ones. Undecodable bytes are replaced; the parser refuses them anyway.
    return bytes(data).decode(json.detect_encoding(bytes(data)), errors="replace")


def nesting_depth(data: str | bytes | bytearray, *, stop_after: int | None = None) -> int:
    """How deep `data`'s objects and arrays nest (0 for a scalar); with `stop_after`, the scan stops at the
    first level past it and answers that level."""
    depth = deepest = 0
    for match in _TOKENS.finditer(_text(data)):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if stop_after is not None and deepest > stop_after:
                    return deepest
        elif token in "]}":
            depth = max(0, depth - 1)
    return deepest


def _value_depth(value: Any, stop_after: int) -> tuple[int, bool]:
    """How deep a parsed value's containers nest (stopping past `stop_after`), and whether it holds a float
    of magnitude 2**63 or more. A loop over one level's containers at a time: no recursion."""
    level = [value] if type(value) is dict or type(value) is list else []
    depth, large_float = 0, type(value) is float and abs(value) >= _LARGEST_EXACT_FLOAT
    while level and depth <= stop_after:
        depth += 1
        inner = []
        for container in level:
            for item in container.values() if type(container) is dict else container:
                kind = type(item)
                if kind is dict or kind is list:
                    inner.append(item)
                elif kind is float and abs(item) >= _LARGEST_EXACT_FLOAT:
                    large_float = True
        level = inner
    return depth, large_float


def checked_value(data: str | bytes | bytearray, *, max_depth: int = MAX_DEPTH, what: str = "the JSON text") -> Any:
    """Raise :class:`JsonDepthError` when `data` nests deeper than `max_depth`; else `data` parsed, when
    orjson parsed it to what ``json.loads`` gives, or :data:`UNPARSED` (invalid JSON, or JSON only
    ``json.loads`` reads: the caller parses it as before)."""
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError:  # invalid, past orjson's own 1,024 levels, or outside what orjson reads
        if nesting_depth(data, stop_after=max_depth) > max_depth:
            raise JsonDepthError(what, max_depth) from None
        return UNPARSED
    depth, large_float = _value_depth(value, max_depth)
    if depth > max_depth:
        raise JsonDepthError(what, max_depth)
    return UNPARSED if large_float else value


def check_depth(data: str | bytes | bytearray, *, max_depth: int = MAX_DEPTH, what: str = "the JSON text") -> None:
    """Raise :class:`JsonDepthError` when `data` nests deeper than `max_depth` (as :func:`nesting_depth`
    measures it)."""
    checked_value(data, max_depth=max_depth, what=what)


def loads(
    data: str | bytes | bytearray, *, max_depth: int = MAX_DEPTH, what: str = "the JSON text", **options: Any
) -> Any:
    """``json.loads(data, **options)`` after :func:`check_depth`: untrusted JSON never recurses deeply."""
    value = checked_value(data, max_depth=max_depth, what=what)
    return json.loads(data, **options) if value is UNPARSED or options else value
