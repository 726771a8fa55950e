"""anchor.crypto.jcs (fast path + rfc8785 fallback) agrees with the rfc8785 reference for every JSON value."""

from __future__ import annotations

import enum
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from anchor.crypto import jcs
from anchor.errors import ConfigurationError


@dataclass
class Holder:
    name: str


class Level(enum.IntEnum):
    SIX = 6


class Name(enum.StrEnum):
    ANA = "Ana"


SAFE_INT = 2**53 - 1  # rfc8785 refuses integers of magnitude 2**53 and above

#: any Unicode scalar value (no lone surrogates: they are not JSON text), control characters and non-BMP included
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
CONTROL_TEXT = st.text(st.characters(max_codepoint=0x20), max_size=6)
NON_BMP_TEXT = st.text(st.characters(min_codepoint=0x10000, blacklist_categories=("Cs",)), min_size=1, max_size=3)
KEYS = st.one_of(TEXT, NON_BMP_TEXT, st.text(st.characters(min_codepoint=0xE000, max_codepoint=0xFFFF), max_size=3))

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-SAFE_INT, max_value=SAFE_INT),
    st.floats(allow_nan=False, allow_infinity=False),
    TEXT,
    CONTROL_TEXT,
    NON_BMP_TEXT,
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(KEYS, children, max_size=5),
    max_leaves=25,
)


@settings(max_examples=400)
@given(JSON_VALUES)
def test_canonicalize_is_rfc8785(value):
    assert jcs.canonicalize(value) == rfc8785.dumps(value)


@given(st.dictionaries(st.text(st.characters(blacklist_categories=("Cs",)), max_size=4), st.integers(0, 9)))
def test_key_order_of_flat_objects(value):
    assert jcs.canonicalize(value) == rfc8785.dumps(value)


def test_keys_sort_by_utf16_code_units():
    """U+1F600 is D83D DE00 in UTF-16: before U+E000..U+FFFF, although its code point is larger."""
    value = {"\uffff": 4, "\ue000": 3, "\U0001f600": 2, "z": 1, "\u00e9": 0}
    expected = '{"z":1,"\u00e9":0,"\U0001f600":2,"\ue000":3,"\uffff":4}'.encode()
    assert jcs.canonicalize(value) == expected
    assert rfc8785.dumps(value) == expected
    # code-point order (Python's sort) would put the emoji last
    assert json.dumps(value, sort_keys=True, ensure_ascii=False) != expected.decode()


def test_a_non_bmp_key_nested_deep_still_sorts_by_utf16():
    value = {"outer": [{"\uffff": 1, "\U00010000": 2}]}
    assert jcs.canonicalize(value) == '{"outer":[{"\U00010000":2,"\uffff":1}]}'.encode()


def test_control_characters_are_escaped_in_lower_case():
    value = {"k\x1f": "\x00\x01\x08\t\n\x0b\x0c\r\x1a\x1f \x7f\u2028"}
    expected = b'{"k\\u001f":"\\u0000\\u0001\\b\\t\\n\\u000b\\f\\r\\u001a\\u001f \x7f\xe2\x80\xa8"}'
    assert jcs.canonicalize(value) == expected
    assert rfc8785.dumps(value) == expected


def test_quotes_backslashes_and_non_ascii_as_utf8():
    value = ['"', "\\", "/", "é", "€", "\U0001f600"]
    assert jcs.canonicalize(value) == '["\\"","\\\\","/","é","€","\U0001f600"]'.encode()


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1.0, b"1"), (-0.0, b"0"), (1.5, b"1.5"), (1e21, b"1e+21"), (1e-7, b"1e-7"), (0.1 + 0.2, b"0.30000000000000004")],
)
def test_numbers_are_written_as_ecmascript_does(value, expected):
    assert jcs.canonicalize(value) == expected
    assert jcs.canonicalize({"n": value}) == b'{"n":' + expected + b"}"


@pytest.mark.parametrize("value", [float("nan"), float("inf"), {"a": float("-inf")}, "\ud800", b"bytes", {"a": {1, 2}}])
def test_what_json_cannot_hold_is_a_configuration_error(value):
    with pytest.raises(ConfigurationError, match="cannot be canonicalized"):
        jcs.canonicalize(value)


@pytest.mark.parametrize("value", [2**53, 2**53 + 1, -(2**53) - 1, {"n": 2**64}])
def test_integers_beyond_the_double_range_are_refused(value):
    with pytest.raises(ConfigurationError):
        jcs.canonicalize(value)


@pytest.mark.parametrize("value", [{1: "x"}, {10: "a", 9: "b"}, {None: 1}])
def test_non_string_keys_are_refused(value):
    with pytest.raises(ConfigurationError, match="cannot be canonicalized"):
        jcs.canonicalize(value)


@pytest.mark.parametrize(
    "value",
    [
        datetime(2026, 1, 1, tzinfo=UTC),
        {"id": uuid.UUID(int=7)},
        [Decimal("1.5")],
        {"who": Holder("Ana")},
        {"when": date(2026, 1, 1)},
    ],
)
def test_python_types_that_are_not_json_are_refused_not_converted(value):
    """orjson (the fast path) would write these as strings or objects; JCS has no such types."""
    with pytest.raises(ConfigurationError, match="cannot be canonicalized"):
        jcs.canonicalize(value)


def test_subclasses_and_tuples_take_the_reference_path_and_agree_with_it():
    value = {"n": Level.SIX, "s": Name.ANA, "t": (1, "a")}
    assert jcs.canonicalize(value) == rfc8785.dumps(value) == b'{"n":6,"s":"Ana","t":[1,"a"]}'


def test_deep_nesting_beyond_the_fast_encoders_limit_still_canonicalizes():
    value: Any = "x"
    for _ in range(300):  # orjson stops at 255 levels
        value = [value]
    assert jcs.canonicalize(value) == b"[" * 300 + b'"x"' + b"]" * 300


# -- within checked_once: objects written from their members' remembered texts ------------------------

#: What may sit in a member besides JSON: what the plain path refuses, or hands to rfc8785.
ODD_SCALARS = st.one_of(
    st.sampled_from([Level.SIX, Name.ANA, uuid.UUID(int=7), Decimal("1.5"), float("nan"), 2**53, -(2**53), "\ud800"]),
    st.tuples(st.integers(0, 3), TEXT),
)
MEMBER_VALUES = st.recursive(
    st.one_of(SCALARS, ODD_SCALARS),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(KEYS, children, max_size=4),
    max_leaves=12,
)
ODD_KEYS = st.one_of(KEYS, st.sampled_from(["\ud800", "\U0001f600", "\ue000"]))


def _outcome(value: Any) -> bytes | str:
    try:
        return jcs.canonicalize(value)
    except ConfigurationError:
        return "refused"


@settings(max_examples=300)
@given(st.lists(st.dictionaries(ODD_KEYS, MEMBER_VALUES, max_size=5), min_size=1, max_size=4), st.data())
def test_checked_once_writes_every_object_as_the_plain_path_does(parts, data):
    """Documents sharing member objects (as a credential, its proof configuration and the credential
    with its proof do), canonicalized in one checked_once block: each as outside it, or refused as there."""
    pool = [value for part in parts for value in part.values()]
    documents: list[Any] = []
    for part in parts:
        document = dict(part)
        if pool:
            document["shared"] = data.draw(st.sampled_from(pool))
            document["nested"] = {"x": data.draw(st.sampled_from(pool)), **part}
        documents += [document, dict(part)]
        if pool and data.draw(st.booleans()):
            documents.append({**part, 1: "a non-string key"})
    expected = [_outcome(document) for document in documents]
    assert all(isinstance(e, str) or e == rfc8785.dumps(d) for d, e in zip(documents, expected, strict=True))
    with jcs.checked_once():
        assert [_outcome(document) for document in documents] == expected
        assert [_outcome(document) for document in reversed(documents)] == expected[::-1]


def test_checked_once_sorts_a_non_bmp_key_by_utf16_and_reads_non_bmp_values_as_they_are():
    context = ["https://example.org/\U0001f600"]
    config = {"@context": context, "type": "DataIntegrityProof"}
    document = {"@context": context, "\U0001f600": 1, "\uffff": {"a": "\U00010000"}, "proof": config}
    with jcs.checked_once():
        assert jcs.canonicalize(config) == rfc8785.dumps(config)
        assert jcs.canonicalize(document) == rfc8785.dumps(document)


def test_checked_once_refuses_a_shared_member_that_is_not_json_in_every_document():
    shared = {"when": datetime(2026, 1, 1, tzinfo=UTC)}
    with jcs.checked_once():
        for document in ({"a": shared}, {"b": shared, "c": 1}, {"n": {"a": shared}}):
            with pytest.raises(ConfigurationError, match="cannot be canonicalized"):
                jcs.canonicalize(document)
