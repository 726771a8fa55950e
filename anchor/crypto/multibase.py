"""Multibase (base58-btc, 'z' prefix) and the multicodec prefixes of Ed25519 keys.

See the W3C Controlled Identifiers spec (Multikey) and the multicodec table:
ed25519-pub = 0xed, ed25519-priv = 0x1300, written as unsigned varints.

Every issued credential encodes a 64-byte signature and every verification decodes one, so both
directions avoid a Python step per digit: encoding takes four digits per big-integer division and
writes them as two table entries; decoding maps the characters to digit values in one `translate`
and adds them up pairwise, lane by lane, with a few whole-integer operations (`_combine_digits`).
tests/unit/crypto/test_multibase.py compares both with the textbook digit-by-digit conversion.
"""

from __future__ import annotations

from anchor.errors import ConfigurationError

_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
#: byte -> its digit value, 0xFF for a byte that is not a base58-btc character
_DIGIT_OF = bytes(_ALPHABET.index(chr(byte)) if chr(byte) in _ALPHABET else 0xFF for byte in range(256))

ED25519_PUB = bytes([0xED, 0x01])
ED25519_PRIV = bytes([0x80, 0x26])

_PAIRS = [a + b for a in _ALPHABET for b in _ALPHABET]  # every two-digit base-58 string, by value
_PAIR = 58**2
_QUAD = 58**4  # below 2**30: a one-limb divisor, CPython's fastest big-integer division


def base58_encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    pieces: list[str] = []
    append = pieces.append
    while number:
        number, quad = divmod(number, _QUAD)
        append(_PAIRS[quad % _PAIR])
        append(_PAIRS[quad // _PAIR])
    pieces.reverse()
    digits = "".join(pieces).lstrip("1")
    leading_zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * leading_zeros + digits if leading_zeros else digits


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
    digits = text.encode("ascii").translate(_DIGIT_OF) if text.isascii() else b"\xff"
    if b"\xff" in digits:
        char = next(c for c in text if not (c.isascii() and c in _ALPHABET))
        raise ConfigurationError(f"{char!r} is not a base58-btc character")
    number = _combine_digits(digits)
    leading_zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * leading_zeros + body


def _combine_digits(digits: bytes) -> int:
    """The number whose base-58 digits, most significant first, are `digits` (one value 0-57 a byte).

    Read as one big-endian integer, the bytes are lanes of 8 bits holding a digit each. Each round
    treats pairs of neighbouring lanes as one lane of twice the width, `high * 2**w + low`, and turns
    it into `high * 58**d + low` (d digits a lane) by subtracting `(2**w - 58**d) * high` from all
    lanes at once; a lane's value stays below 58**(2d) < 2**(2w), so lanes never spill into each other.
    After log2(length) rounds one lane holds the whole number.
    """
    size = 1 << max(0, len(digits) - 1).bit_length()  # lanes: a power of two, padded with zero digits
    rounds = _ROUNDS.get(size) or _rounds(size)
    number = int.from_bytes(digits, "big")
    for width, factor, mask in rounds:
        number -= factor * ((number >> width) & mask)
    return number


#: per number of lanes: each round's lane width, factor and mask (see `_combine_digits`)
_ROUNDS: dict[int, tuple[tuple[int, int, int], ...]] = {}


def _rounds(size: int) -> tuple[tuple[int, int, int], ...]:
    rounds = []
    width, base = 8, 58
    while width < 8 * size:
        mask = sum(((1 << width) - 1) << shift for shift in range(0, 8 * size, 2 * width))
        rounds.append((width, (1 << width) - base, mask))
        width, base = 2 * width, base * base
    _ROUNDS[size] = tuple(rounds)
    return _ROUNDS[size]


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
