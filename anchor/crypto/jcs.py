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


class _MemberTexts:
    """The JCS text of each member value canonicalized within one piece of work that changes none of
    them (one verification), by identity; None for a value only the reference implementation writes."""

    def __init__(self) -> None:
        self.texts: dict[int, tuple[Any, bytes | None]] = {}  # id -> (the value, kept alive; its text)


_SCOPE: ContextVar[_MemberTexts | None] = ContextVar("jcs_checked_once", default=None)


@contextmanager
def checked_once() -> Iterator[None]:
    """Within the block, an object is canonicalized from the JCS texts of its members, each member
    checked and serialized once however many objects hold it: for work that canonicalizes objects
    sharing members several times and changes none of them, such as verifying a credential (its
    proof configuration, its document, and the document with its proof for the anchoring hash).

    The text of an object is `{`, its members `"key":text` in JCS key order, `}` (RFC 8785 §3.2.3);
    a property test checks it equals the reference's for any value, members shared or not."""
    token = _SCOPE.set(_MemberTexts())
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
        for item in items:
            kind = type(item)
            if kind is str:  # the commonest first
                continue
            if kind is dict or kind is list:
                if unchanged is None or not unchanged(item):
                    pending.append(item)
            elif kind is bool or item is None:
                continue
            elif kind is not int or not -_I_JSON_LIMIT < item < _I_JSON_LIMIT:
                return False
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
    within a `checked_once` block, an object is written from its members' remembered texts)."""
    scope = _SCOPE.get() if known is None else None
    if scope is not None and type(value) is dict:
        text = _from_members(value, scope.texts, depth=1)
        if text is not None:
            return text
    try:
        if _plain(value, known):
            text = serialize_plain(value)
            if text is not None:
                return text
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, TypeError, ValueError, RecursionError) as exc:
        raise ConfigurationError(f"value cannot be canonicalized as JSON (RFC 8785): {exc}") from exc


def _from_members(value: dict[str, Any], texts: dict[int, tuple[Any, bytes | None]], depth: int) -> bytes | None:
    """The JCS text of the object `value` from its members' texts — or None when only the reference
    implementation writes it. A container member's text is remembered in `texts`; a member object
    that holds a remembered value is assembled the same way (down `depth` more levels)."""
    members: dict[str, Any] = {}
    for key, member in value.items():
        if type(key) is not str or (not key.isascii() and max(key) > "\uffff"):
            return None  # not JSON; or a key that sorts by UTF-16 code units otherwise than by code point
        kind = type(member)
        if kind is str or kind is bool or member is None or (kind is int and -_I_JSON_LIMIT < member < _I_JSON_LIMIT):
            members[key] = member  # written by orjson as JCS writes it (any character: only keys sort)
            continue
        known = texts.get(id(member))  # an id in `texts` is of the value kept there: never reused
        if known is not None:
            text = known[1]
        else:
            if depth and kind is dict and not texts.keys().isdisjoint(map(id, member.values())):
                text = _from_members(member, texts, depth - 1)
            else:
                text = serialize_plain(member) if _plain(member) else None
            texts[id(member)] = (member, text)
        if text is None:
            return None
        members[key] = orjson.Fragment(text)
    try:
        # orjson writes the keys as JCS does (BMP keys: code-point order is UTF-16 order), the plain
        # scalars as JCS does, and the members' texts as they are.
        return orjson.dumps(members, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError:
        return None  # a lone surrogate, which is not JSON text: let rfc8785 say so
