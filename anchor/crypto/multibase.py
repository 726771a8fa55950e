"""Multibase (base58-btc, 'z' prefix) and the multicodec prefixes of Ed25519 keys.

See the W3C Controlled Identifiers spec (Multikey) and the multicodec table:
ed25519-pub = 0xed, ed25519-priv = 0x1300, written as unsigned varints.
"""

from __future__ import annotations

from anchor.errors import ConfigurationError

_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX = {char: value for value, char in enumerate(_ALPHABET)}

ED25519_PUB = bytes([0xED, 0x01])
ED25519_PRIV = bytes([0x80, 0x26])


_PAIRS = [a + b for a in _ALPHABET for b in _ALPHABET]  # every two-digit base-58 string
_CHUNK = 58**10


def base58_encode(data: bytes) -> str:
    # Ten digits per big-integer division, two per table lookup: one signature per credential adds up.
    number = int.from_bytes(data, "big")
    pieces = []
    while number:
        number, chunk = divmod(number, _CHUNK)
        for _ in range(5):
            chunk, pair = divmod(chunk, 3364)
            pieces.append(_PAIRS[pair])
    digits = "".join(reversed(pieces)).lstrip("1")
    leading_zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * leading_zeros + digits


#: The longest base58 text decoded: credanchor reads nothing longer than a 64-byte signature (88
#: characters) or a multicodec key (at most 35 bytes, 48 characters). Decoding is quadratic in the
#: length, so longer input is refused before it is read.
MAX_BASE58_LENGTH = 128


def base58_decode(text: str) -> bytes:
    if len(text) > MAX_BASE58_LENGTH:
        raise ConfigurationError(
            f"a base58-btc value of {len(text)} characters is longer than any key or signature "
            f"(at most {MAX_BASE58_LENGTH}): refused unread"
        )
    number = 0
    for char in text:
        try:
            number = number * 58 + _INDEX[char]
        except KeyError:
            raise ConfigurationError(f"{char!r} is not a base58-btc character") from None
    leading_zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * leading_zeros + body


def encode(data: bytes) -> str:
    """Multibase base58-btc: 'z' + base58(data)."""
    return "z" + base58_encode(data)


def decode(text: str) -> bytes:
    if not text.startswith("z"):
        raise ConfigurationError(f"expected a base58-btc multibase value starting with 'z', got {text[:12]!r}")
    return base58_decode(text[1:])


def decode_key(text: str, prefix: bytes, *, what: str) -> bytes:
    """The 32 raw key bytes of a multibase, multicodec-prefixed Ed25519 key."""
    raw = decode(text)
    if raw[:2] != prefix or len(raw) != 34:
        raise ConfigurationError(f"{text[:16]}… is not a multibase-encoded {what} (expected 34 bytes with its prefix)")
    return raw[2:]
