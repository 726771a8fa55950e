"""RFC 8785 JSON Canonicalization Scheme (JCS).

Credentials are strings, integers, booleans and nulls with ASCII keys. For those, JCS output is
exactly what `json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)` writes:
JCS escapes strings like ECMAScript's JSON.stringify (short escapes, lower-case \\u00xx for other
control characters, everything else as UTF-8), as Python's json does, and sorts keys by UTF-16
code units, which equals Python's code-point order when no key holds a character above U+FFFF.
Anything else — floats, non-BMP keys — goes to the `rfc8785` reference implementation. A
property test checks the two agree.
"""

from __future__ import annotations

import json
from typing import Any

import rfc8785

from .errors import ConfigurationError

_dumps = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode


def _fast_path_applies(value: Any) -> bool:
    if isinstance(value, dict):
        return all(
            isinstance(k, str) and max(map(ord, k), default=0) <= 0xFFFF and _fast_path_applies(v)
            for k, v in value.items()
        )
    if isinstance(value, list):
        return all(_fast_path_applies(v) for v in value)
    return value is None or (isinstance(value, (str, bool, int)) and not isinstance(value, float))


def canonicalize(value: Any) -> bytes:
    """The JCS serialization of `value` as UTF-8 bytes."""
    if _fast_path_applies(value):
        return _dumps(value).encode("utf-8")
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise ConfigurationError(f"value cannot be canonicalized as JSON (RFC 8785): {exc}") from exc
