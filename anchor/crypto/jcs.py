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
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import orjson
import rfc8785

from anchor.errors import ConfigurationError

_I_JSON_LIMIT = 2**53
#: A UTF-8 lead byte of a character above U+FFFF.
_NON_BMP = re.compile(rb"[\xf0-\xf4]")


class KnownPlain:
    """Containers found plain once, remembered with their orjson bytes, so that a document holding
    one of them again *unchanged* need not walk it again (an issuer's credentials all hold the same
    @context, achievement and issuer profile: walking them is most of the cost of canonicalizing).

    "Unchanged" is checked each time: the container is serialized again and must give the same
    bytes (a fifth of the cost of the walk). The one change those bytes cannot show is a null
    becoming NaN or infinity (orjson writes null for both), so containers holding a null are not
    remembered. A reference to each container is kept, so its id is never reused by another.
    """

    def __init__(self) -> None:
        self._known: dict[int, tuple[Any, bytes]] = {}

    def remember(self, container: dict[str, Any] | list[Any]) -> bool:
        """Remember `container` if it is plain and holds no null; whether it was remembered."""
        if not _plain(container) or _holds_null(container):
            return False
        self._known[id(container)] = (container, orjson.dumps(container))
        return True

    def unchanged(self, container: Any) -> bool:
        known = self._known.get(id(container))
        return known is not None and known[0] is container and orjson.dumps(container) == known[1]

    def found_plain(self, containers: list[Any]) -> None:
        """What a walk that found its value plain walked through (remembered only by `checked_once`)."""


class _CheckedOnce(KnownPlain):
    """Containers found plain within one piece of work that changes none of them (one verification):
    remembered by identity without their bytes, and not walked again until the work ends."""

    def __init__(self) -> None:
        super().__init__()
        self._seen: dict[int, Any] = {}  # id -> the container, kept so that its id is not reused

    def unchanged(self, container: Any) -> bool:
        return self._seen.get(id(container)) is container

    def found_plain(self, containers: list[Any]) -> None:
        for container in containers:
            self._seen[id(container)] = container


_SCOPE: ContextVar[_CheckedOnce | None] = ContextVar("jcs_checked_once", default=None)


@contextmanager
def checked_once() -> Iterator[None]:
    """Within the block, a container found plain by one canonicalization is not walked again by the
    next: for work that canonicalizes the same values several times and changes none of them, such
    as verifying a credential (its proof configuration, its document, its anchoring hash)."""
    token = _SCOPE.set(_CheckedOnce())
    try:
        yield
    finally:
        _SCOPE.reset(token)


def _holds_null(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, dict):
        return any(_holds_null(v) for v in value.values())
    if isinstance(value, list):
        return any(_holds_null(v) for v in value)
    return False


def _plain(value: Any, known: KnownPlain | None = None) -> bool:
    """Whether `value` holds only str-keyed dicts, lists, strings, safe integers, booleans and None.

    A loop over a stack of containers rather than a call per value (most values of a credential
    are strings, and a type check in place costs a fraction of a call); containers `known` to be
    plain and unchanged are not walked.
    """
    pending = [value]
    walked: list[Any] | None = [] if known is not None else None
    unchanged = known.unchanged if known is not None else None
    while pending:
        current = pending.pop()
        kind = type(current)
        if kind is dict:
            for key in current:
                if type(key) is not str:
                    return False
            items: Any = current.values()
        elif kind is list:
            items = current
        else:
            items = (current,)
        if walked is not None and (kind is dict or kind is list):
            walked.append(current)
        for item in items:
            kind = type(item)
            if kind is str or kind is bool or item is None:
                continue
            if kind is dict or kind is list:
                if unchanged is None or not unchanged(item):
                    pending.append(item)
            elif kind is not int or not -_I_JSON_LIMIT < item < _I_JSON_LIMIT:
                return False
    if known is not None and walked:
        known.found_plain(walked)  # all of them plain: the walk reached its end
    return True


def is_plain(value: Any, known: KnownPlain | None = None) -> bool:
    """Whether `value` is of the JSON that `serialize_plain` writes (see `_plain`)."""
    return _plain(value, known)


def serialize_plain(value: Any) -> bytes | None:
    """The JCS bytes of a value `is_plain` accepted: orjson's, with sorted keys — or None when only the
    reference implementation writes them right (a character above U+FFFF, a lone surrogate)."""
    try:
        text = orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError:
        return None  # e.g. a lone surrogate, which is not JSON text: let rfc8785 say so
    return text if text.isascii() or _NON_BMP.search(text) is None else None


def canonicalize(value: Any, *, known: KnownPlain | None = None) -> bytes:
    """The JCS serialization of `value` as UTF-8 bytes (`known`: containers checked before, see KnownPlain;
    by default, those of the enclosing `checked_once` block, if any)."""
    try:
        if _plain(value, known if known is not None else _SCOPE.get()):
            text = serialize_plain(value)
            if text is not None:
                return text
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, TypeError, ValueError, RecursionError) as exc:
        raise ConfigurationError(f"value cannot be canonicalized as JSON (RFC 8785): {exc}") from exc
