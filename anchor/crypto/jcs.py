"""RFC 8785 JSON Canonicalization Scheme (JCS).

Credentials are JSON objects of strings, integers, booleans and nulls. For those, JCS output is
exactly what orjson writes with sorted keys: JCS escapes strings like ECMAScript's JSON.stringify
(short escapes, lower-case \\u00xx for other control characters, everything else as UTF-8), as
orjson does, and sorts keys by UTF-16 code units, which equals code-point order unless a character
above U+FFFF is involved. A value with a float (ECMAScript number formatting differs from
Python's), an integer beyond I-JSON's 2**53, a non-string key, a type JSON does not have, or
output with a character above U+FFFF goes to the `rfc8785` reference implementation, which also
refuses what is not JSON. A property test checks the two paths agree.
"""

from __future__ import annotations

import re
from typing import Any

import orjson
import rfc8785

from anchor.errors import ConfigurationError

_I_JSON_LIMIT = 2**53
#: A UTF-8 lead byte of a character above U+FFFF.
_NON_BMP = re.compile(rb"[\xf0-\xf4]")


def _plain(value: Any) -> bool:
    """Whether `value` holds only str-keyed dicts, lists, strings, safe integers, booleans and None.

    A loop over a stack of containers, not a recursive call per value: most values of a credential
    are strings, and a type check in place costs a tenth of a call (this runs twice per signature).
    """
    pending = [value]
    while pending:
        current = pending.pop()
        kind = type(current)
        if kind is dict:
            for key in current:
                if type(key) is not str:
                    return False
            items = current.values()
        elif kind is list:
            items = current
        else:
            items = (current,)
        for item in items:
            kind = type(item)
            if kind is str or kind is bool or item is None:
                continue
            if kind is dict or kind is list:
                pending.append(item)
            elif kind is not int or not -_I_JSON_LIMIT < item < _I_JSON_LIMIT:
                return False
    return True


def canonicalize(value: Any) -> bytes:
    """The JCS serialization of `value` as UTF-8 bytes."""
    try:
        if _plain(value):
            try:
                text = orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
            except orjson.JSONEncodeError:
                pass  # e.g. a lone surrogate, which is not JSON text: let rfc8785 say so
            else:
                if text.isascii() or _NON_BMP.search(text) is None:
                    return text
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, TypeError, ValueError, RecursionError) as exc:
        raise ConfigurationError(f"value cannot be canonicalized as JSON (RFC 8785): {exc}") from exc
