"""RFC 8785 JSON Canonicalization Scheme (JCS).

Credentials are mostly strings, integers, booleans and nulls. For those, JCS output is exactly
what `json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)` writes: JCS escapes
strings like ECMAScript's JSON.stringify (short escapes, lower-case \\u00xx for other control
characters, everything else as UTF-8), as Python's json does, and sorts keys by UTF-16 code
units, which equals Python's code-point order unless a character above U+FFFF is involved.
Output with a float or such a character goes to the `rfc8785` reference implementation. A
property test checks the two agree.
"""

from __future__ import annotations

import json
import re
from typing import Any

import rfc8785

from .errors import ConfigurationError

_dumps = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode
_NON_BMP = re.compile("[\U00010000-\U0010ffff]")


class _NotFast(Exception):
    pass


def _no_float(token: str) -> float:
    raise _NotFast


def _safe_int(token: str) -> int:
    # I-JSON (which RFC 8785 requires) has no integers beyond 2**53: let rfc8785 refuse them.
    number = int(token)
    if abs(number) >= 2**53:
        raise _NotFast
    return number


def canonicalize(value: Any) -> bytes:
    """The JCS serialization of `value` as UTF-8 bytes."""
    try:
        text = _dumps(value)
        if text.isascii() or _NON_BMP.search(text) is None:
            try:
                # Re-reading the output in C is the cheapest way to learn whether it holds a float.
                reread = json.loads(text, parse_float=_no_float, parse_int=_safe_int)
            except _NotFast:
                pass
            else:
                if reread == value:  # non-string keys read back differently: let rfc8785 refuse them
                    return text.encode("utf-8")
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise ConfigurationError(f"value cannot be canonicalized as JSON (RFC 8785): {exc}") from exc
