"""QR sharing: a credential or presentation as a QR code, in a compact text or as a verify link.

The compact text is ``CA1:`` followed by Base45 (RFC 9285) of the zlib-compressed (RFC 1950)
RFC 8785 (JCS) bytes of the document. Base45 uses only the 45 characters of the QR alphanumeric
mode, so a QR code holds 5.5 bits per character instead of 8: "CA1:" is itself alphanumeric and
the whole text is one alphanumeric segment. The JSON round-trips exactly (same members, same
values), so every proof on it still verifies after decoding.

A verify link ``{public_url}/verify#CA1:...`` carries the same text in the URL fragment, with its
space and ``%`` percent-encoded. Browsers never send a fragment to the server: the verify page reads
it in the browser session and nothing is stored (`credanchor serve` serves it at /verify).

Reading is the careful direction: `decode_compact` refuses a wrong prefix, bad Base45, corrupt or
truncated data, anything but a JSON object, and more than `MAX_DOCUMENT_BYTES` once decompressed
(a decompression bomb never gets inflated past that). All refusals are `ConfigurationError`s; a
document too large for any QR code is a `QrCapacityError` (one of them) saying how large it is.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote, unquote, urlsplit

import segno

from anchor import jsonsafe
from anchor.crypto.jcs import canonicalize
from anchor.errors import ConfigurationError

COMPACT_PREFIX = "CA1:"
BASE45_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
MAX_DOCUMENT_BYTES = 256 * 1024  # decompressed JCS bytes: many times what fits in a QR code
QR_MAX_CHARACTERS = 4_296  # alphanumeric characters in a version 40 QR code at error correction L
VERIFY_PATH = "/verify"

_BASE45_VALUE = {character: value for value, character in enumerate(BASE45_ALPHABET)}
_FRAGMENT_SAFE = "".join(c for c in BASE45_ALPHABET if c not in " %")  # only space and % need escaping

ImageFormat = Literal["png", "svg"]


class QrCapacityError(ConfigurationError):
    """The content does not fit in a QR code (version 40 at error correction L is the largest)."""

    def __init__(self, message: str, *, characters: int, limit: int = QR_MAX_CHARACTERS) -> None:
        super().__init__(message)
        self.characters, self.limit = characters, limit


# -- Base45 (RFC 9285) ----------------------------------------------------------------------------


def b45encode(data: bytes) -> str:
    """RFC 9285 Base45: every 2 bytes become 3 characters, a last odd byte 2 characters."""
    out: list[str] = []
    for start in range(0, len(data) - 1, 2):
        n = data[start] * 256 + data[start + 1]
        n, c = divmod(n, 45)
        e, d = divmod(n, 45)
        out += (BASE45_ALPHABET[c], BASE45_ALPHABET[d], BASE45_ALPHABET[e])
    if len(data) % 2:
        d, c = divmod(data[-1], 45)
        out += (BASE45_ALPHABET[c], BASE45_ALPHABET[d])
    return "".join(out)


def b45decode(text: str) -> bytes:
    """The bytes of an RFC 9285 Base45 string; ConfigurationError on a character or group that is not Base45."""
    if len(text) % 3 == 1:
        raise ConfigurationError(f"not Base45: {len(text)} characters (a Base45 text never has 3n+1)")
    try:
        values = [_BASE45_VALUE[character] for character in text]
    except KeyError as exc:
        raise ConfigurationError(f"not Base45: {exc.args[0]!r} is not one of its 45 characters") from None
    out = bytearray()
    for start in range(0, len(values), 3):
        group = values[start : start + 3]
        n = sum(value * 45**power for power, value in enumerate(group))
        if len(group) == 3:
            if n > 0xFFFF:
                raise ConfigurationError(f"not Base45: the group at character {start} is over 65535")
            out += n.to_bytes(2, "big")
        else:
            if n > 0xFF:
                raise ConfigurationError(f"not Base45: the last group (character {start}) is over 255")
            out.append(n)
    return bytes(out)


# -- the compact text -----------------------------------------------------------------------------


def encode_compact(document: Mapping[str, Any]) -> str:
    """The text a QR code or a verify link carries: "CA1:" + Base45(zlib(JCS(document)))."""
    if not isinstance(document, Mapping):
        raise ConfigurationError("only a JSON object (a credential or presentation) has a compact encoding")
    return COMPACT_PREFIX + b45encode(zlib.compress(canonicalize(dict(document)), 9))


def decode_compact(text: str, *, max_bytes: int = MAX_DOCUMENT_BYTES) -> dict[str, Any]:
    """The document a "CA1:" text encodes; ConfigurationError for anything else (see the module doc)."""
    text = text.strip("\r\n\t")  # what a file or a terminal adds; never a Base45 character
    if not text.startswith(COMPACT_PREFIX):
        shown = text[:12] + ("…" if len(text) > 12 else "")
        raise ConfigurationError(f"not a credanchor QR text: it starts {shown!r}, not {COMPACT_PREFIX!r}")
    compressed = b45decode(text[len(COMPACT_PREFIX) :])
    if len(compressed) > max_bytes:  # deflate adds a few bytes at worst: no need to inflate this to refuse it
        raise ConfigurationError(
            f"the QR text holds {len(compressed):,} compressed bytes, over the {max_bytes:,} limit"
        )
    inflater = zlib.decompressobj()
    try:
        raw = inflater.decompress(compressed, max_bytes + 1)
    except zlib.error as exc:
        raise ConfigurationError(f"the QR text is corrupt: its data does not decompress ({exc})") from None
    if len(raw) > max_bytes or inflater.unconsumed_tail:
        raise ConfigurationError(
            f"the QR text decompresses to over {max_bytes:,} bytes: refused (a document in a QR code is far smaller)"
        )
    if not inflater.eof:
        raise ConfigurationError("the QR text is truncated: its compressed data ends early (scan it again)")
    if inflater.unused_data:
        raise ConfigurationError("the QR text is corrupt: it has data after the end of the compressed document")
    try:
        document = jsonsafe.loads(raw.decode("utf-8"), what="the QR text's document", parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError) as exc:
        raise ConfigurationError(f"the QR text does not hold JSON: {exc}") from None
    if not isinstance(document, dict):
        raise ConfigurationError(
            f"the QR text holds a JSON {type(document).__name__}, not a credential or presentation"
        )
    return document


def _no_constant(token: str) -> Any:
    raise ValueError(f"{token} is not JSON")


def verify_link(public_url: str, document: Mapping[str, Any]) -> str:
    """`{public_url}/verify#CA1:…`: the verify page reads the fragment in the browser; no server ever sees it."""
    parts = urlsplit(public_url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ConfigurationError(
            f"public URL {public_url!r} must be an http(s) URL without query or fragment, such as https://host"
        )
    return f"{public_url.rstrip('/')}{VERIFY_PATH}#{quote(encode_compact(document), safe=_FRAGMENT_SAFE)}"


def compact_text_of(scanned: str) -> str:
    """The "CA1:" text in what a camera read: the text itself, or a verify link's fragment."""
    scanned = scanned.strip("\r\n\t")
    if scanned.startswith(COMPACT_PREFIX) or "#" not in scanned:
        return scanned
    return unquote(scanned.rsplit("#", 1)[1])


def read_scanned(scanned: str, *, max_bytes: int = MAX_DOCUMENT_BYTES) -> dict[str, Any]:
    """The document in what a camera read: a "CA1:" text or a verify link (see `decode_compact`)."""
    return decode_compact(compact_text_of(scanned), max_bytes=max_bytes)


def shareable_kind(document: Any) -> Literal["credential", "presentation"]:
    """What a document to share is, by its type; ConfigurationError when neither a credential nor a presentation."""
    types = document.get("type") if isinstance(document, Mapping) else None
    types = types if isinstance(types, list) else [types]
    if "VerifiablePresentation" in types:
        return "presentation"
    if "VerifiableCredential" in types:
        return "credential"
    raise ConfigurationError(
        "a QR code shares a credential or a presentation: a JSON object whose type includes "
        "VerifiableCredential or VerifiablePresentation"
    )


# -- QR codes -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QrSymbol:
    """A rendered QR code: its version (1-40), error correction level, and size."""

    image: bytes
    media_type: str
    version: int
    error: str
    modules: int  # per side, without the quiet zone
    characters: int  # of the text it holds

    def to_dict(self) -> dict[str, Any]:
        return {"media_type": self.media_type, "version": self.version, "error_correction": self.error,
                "modules": self.modules, "characters": self.characters, "bytes": len(self.image)}  # fmt: skip


def qr_code(content: Mapping[str, Any] | str) -> tuple[segno.QRCode, str]:
    """The smallest QR code for a document (its compact text) or a text, and that text.

    Error correction L picks the smallest version; segno then raises it to M (or Q, H) when the
    same version still holds the text. A link's fragment gets its own alphanumeric segment.
    """
    if isinstance(content, Mapping):
        jcs_size = len(canonicalize(dict(content)))
        text = encode_compact(content)
        what = f"the document is {jcs_size:,} bytes of JSON, {len(text):,} characters compressed"
    elif isinstance(content, str):
        text = content
        what = f"the text is {len(text):,} characters"
    else:
        raise ConfigurationError("a QR code holds a document (a JSON object) or a text")
    head, mark, fragment = text.rpartition("#")
    # segno takes a list of (text,) segments, each in its own mode; its stubs only name str | bytes | int
    segments: Any = [(head + mark,), (fragment,)] if mark and fragment else text
    refusal = QrCapacityError(
        f"too large for a QR code: {what}, and a QR code holds at most {QR_MAX_CHARACTERS:,} "
        "(version 40, error correction L). Present fewer credentials, or share the file itself "
        "(or a link to where it is published) instead of a QR code.",
        characters=len(text),
    )
    if len(text) > QR_MAX_CHARACTERS:
        raise refusal
    try:
        return segno.make_qr(segments, error="L", boost_error=True), text
    except segno.DataOverflowError:
        raise refusal from None


def render_qr(
    content: Mapping[str, Any] | str, image_format: ImageFormat = "png", *, scale: int = 4, border: int = 4
) -> QrSymbol:
    """A PNG or SVG QR code of `content`; `scale` pixels per module, `border` modules of quiet zone (4 by spec)."""
    if image_format not in ("png", "svg"):
        raise ConfigurationError(f"a QR code is rendered as png or svg, not {image_format!r}")
    if not 1 <= scale <= 100 or not 0 <= border <= 100:
        raise ConfigurationError("scale must be 1-100 pixels per module and border 0-100 modules")
    code, text = qr_code(content)
    buffer = io.BytesIO()
    code.save(buffer, kind=image_format, scale=scale, border=border)
    media_type = "image/png" if image_format == "png" else "image/svg+xml"
    width, _ = code.symbol_size(border=0)
    return QrSymbol(buffer.getvalue(), media_type, int(code.version), str(code.error), int(width), len(text))


def qr_png(content: Mapping[str, Any] | str, *, scale: int = 4, border: int = 4) -> bytes:
    """PNG bytes of the smallest QR code holding a document's compact text (or `content` as is, a text)."""
    return render_qr(content, "png", scale=scale, border=border).image


def qr_svg(content: Mapping[str, Any] | str, *, scale: int = 4, border: int = 4) -> bytes:
    """SVG bytes (UTF-8) of the same QR code."""
    return render_qr(content, "svg", scale=scale, border=border).image
