"""base58-btc (multibase 'z'): the fast encoder and decoder against the textbook digit-by-digit conversion.

`multibase.base58_encode` takes four digits per division and `base58_decode` adds digits up lane by lane
(`_combine_digits`); both must give exactly what one digit at a time gives, leading zero bytes (written
as '1') included, and refuse what is not base58-btc as before.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anchor.crypto import multibase
from anchor.errors import ConfigurationError

ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def textbook_encode(data: bytes) -> str:
    number, digits = int.from_bytes(data, "big"), ""
    while number:
        number, digit = divmod(number, 58)
        digits = ALPHABET[digit] + digits
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + digits


def textbook_decode(text: str) -> bytes:
    number = 0
    for char in text:
        number = number * 58 + ALPHABET.index(char)
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * (len(text) - len(text.lstrip("1"))) + body


BYTES = st.builds(lambda zeros, rest: b"\0" * zeros + rest, st.integers(0, 4), st.binary(max_size=90))


@settings(max_examples=1000, deadline=None)
@given(data=BYTES)
def test_encode_and_decode_are_the_textbook_conversion(data):
    text = multibase.base58_encode(data)
    assert text == textbook_encode(data)
    if len(text) <= multibase.MAX_BASE58_LENGTH:
        assert multibase.base58_decode(text) == data
        assert multibase.decode(multibase.encode(data)) == data


@settings(max_examples=1000, deadline=None)
@given(text=st.text(st.sampled_from(ALPHABET), max_size=multibase.MAX_BASE58_LENGTH))
def test_decode_of_any_base58_text_is_the_textbook_decode(text):
    assert multibase.base58_decode(text) == textbook_decode(text)


@pytest.mark.parametrize("length", [0, 1, 2, 31, 32, 33, 34, 63, 64, 65, 93])
def test_every_length_around_the_lane_sizes(length):
    for data in (b"\xff" * length, b"\0" * length, b"\0" + b"\x01" * max(0, length - 1)):
        assert multibase.base58_encode(data) == textbook_encode(data)
        assert multibase.base58_decode(textbook_encode(data)) == data


@pytest.mark.parametrize("bad", ["0", "O", "I", "l", "é", "abc+", "a\udc80", "z z", "\x00"])
def test_a_character_outside_the_alphabet_is_named(bad):
    char = next(c for c in bad if c not in ALPHABET)
    with pytest.raises(ConfigurationError, match="is not a base58-btc character") as raised:
        multibase.base58_decode(bad)
    assert repr(char) in str(raised.value)


def test_longer_text_is_refused_unread():
    with pytest.raises(ConfigurationError, match="refused unread"):
        multibase.base58_decode("2" * (multibase.MAX_BASE58_LENGTH + 1))
    with pytest.raises(ConfigurationError, match="starting with 'z'"):
        multibase.decode("f00")
