"""QR sharing (anchor.credentials.qr): Base45 against RFC 9285, the compact text and every refusal of it, verify links,
and QR codes decoded back with a real QR reader (zxing-cpp) — a signed credential's proof still verifies.

The anchored credential through POST /v1/verify is in tests/api/test_qr_route.py (it needs a chain).
"""

from __future__ import annotations

import io
import os
import re
import xml.etree.ElementTree as ET
import zlib
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import pytest
import segno
import zxingcpp
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw

from anchor.credentials.model import Award, AwardingBody, Learner, MicroCredentialSpec, build_credential
from anchor.credentials.qr import (
    BASE45_ALPHABET,
    COMPACT_PREFIX,
    QR_MAX_CHARACTERS,
    QrCapacityError,
    b45decode,
    b45encode,
    compact_text_of,
    decode_compact,
    encode_compact,
    qr_code,
    qr_png,
    qr_svg,
    read_scanned,
    render_qr,
    verify_link,
)
from anchor.crypto.did import DidResolver
from anchor.crypto.jcs import canonicalize
from anchor.crypto.jsonld import document_loader
from anchor.crypto.keys import SigningKey
from anchor.crypto.proofs import JCS, RDFC, add_proof, verify_proofs
from anchor.errors import ConfigurationError

KEY = SigningKey.generate()
LOADER = document_loader()

# RFC 9285 section 4.3 and 4.4 examples.
RFC_9285 = [(b"AB", "BB8"), (b"Hello!!", "%69 VD92EX0"), (b"base-45", "UJCLQE7W581"), (b"ietf!", "QED8WEX0")]


def z(data: bytes) -> str:
    """A compact text holding `data` (already bytes) compressed, for refusals past the JSON layer."""
    return COMPACT_PREFIX + b45encode(zlib.compress(data))


def signed_credential(cryptosuite: str = JCS) -> dict[str, Any]:
    body = AwardingBody(did=KEY.did, name="Universidade Exemplo", country_code="PT", region="Lisboa")
    spec = MicroCredentialSpec(
        title="Introduction to Solidity",
        description="Writing and testing simple smart contracts.",
        learning_outcomes=("Write a contract with events", "Test a contract on a local chain"),
        assessment_type="Graded programming assignments",
        participation_form="blended",
        quality_assurance="Internal QA (university senate approval)",
        workload_hours=50,
        ects_credits=2.5,
        eqf_level=6,
    )
    award = Award(Learner(name="Li Wei", email="li.wei@example.org", did="did:example:li"),
                  datetime(2026, 6, 30, tzinfo=UTC), grade="91%",
                  credential_id="urn:uuid:1b4e28ba-2fa1-11d2-883f-0016d3cca427")  # fmt: skip
    return add_proof(build_credential(body, spec, award), KEY, loader=LOADER, cryptosuite=cryptosuite)


def scan(image: Image.Image) -> str:
    """What a QR reader reads from an image: exactly one QR code, its text.

    Like a wallet's scanner, it looks for QR codes only: with every format enabled, zxing-cpp now and
    then also reads an EAN-13 out of a row of modules (measured: 1 image in 300 of random content).
    """
    (found,) = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    assert found.format == zxingcpp.BarcodeFormat.QRCode
    return str(found.text)


def scan_png(png: bytes) -> str:
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    return scan(Image.open(io.BytesIO(png)))


def rasterize_svg(svg: bytes, pixels_per_module: int = 4) -> Image.Image:
    """Draw segno's SVG path (horizontal runs: M x y, m dx dy, h n; stroke width 1) onto a white image."""
    root = ET.fromstring(svg)
    namespace = "{http://www.w3.org/2000/svg}"
    assert root.tag == namespace + "svg"
    (path,) = root.iter(namespace + "path")
    scale = float(re.fullmatch(r"scale\(([\d.]+)\)", path.get("transform", "scale(1)")).group(1))  # type: ignore[union-attr]
    side = round(float(root.get("width", "0")) / scale)
    image = Image.new("L", (side * pixels_per_module,) * 2, 255)
    draw = ImageDraw.Draw(image)
    x = y = 0.0
    for command, *numbers in re.findall(r"([MmHh])\s*(-?[\d.]+)(?:\s+(-?[\d.]+))?", path.get("d", "")):
        values = [float(n) for n in numbers if n]
        if command == "M":
            x, y = values
        elif command == "m":
            x, y = x + values[0], y + values[1]
        else:  # h: a run of dark modules on the row y - 0.5 .. y + 0.5
            top = int(y - 0.5) * pixels_per_module
            right = x + values[0]
            draw.rectangle([int(x) * pixels_per_module, top, int(right) * pixels_per_module - 1,
                            top + pixels_per_module - 1], fill=0)  # fmt: skip
            x = right
    return image


# -- Base45 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("data", "text"), RFC_9285)
def test_base45_matches_the_rfc_9285_examples(data: bytes, text: str) -> None:
    assert b45encode(data) == text
    assert b45decode(text) == data


def test_base45_of_nothing_is_nothing() -> None:
    assert b45encode(b"") == ""
    assert b45decode("") == b""


@given(st.binary(max_size=300))
def test_base45_round_trips_and_stays_in_its_alphabet(data: bytes) -> None:
    text = b45encode(data)
    assert set(text) <= set(BASE45_ALPHABET)
    assert len(text) == 3 * (len(data) // 2) + 2 * (len(data) % 2)
    assert b45decode(text) == data


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("GGW", "over 65535"),  # RFC 9285 section 6: 65536
        (":::", "over 65535"),
        ("ZZ", "over 255"),  # a last pair is one byte: 35 + 35 * 45
        ("BB8A", "3n+1"),
        ("bb8", "'b' is not one of"),
        ("BB8_", "3n+1"),
        ("BB_", "'_' is not one of"),
    ],
)
def test_base45_refuses_what_rfc_9285_calls_invalid(text: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=re.escape(message)):
        b45decode(text)


# -- the compact text -----------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(max_size=20)
    | st.floats(-1e15, 1e15),  # I-JSON numbers: larger integral floats cannot be canonicalized
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)  # fmt: skip


@settings(max_examples=200)
@given(st.dictionaries(st.text(max_size=10), JSON_VALUES, max_size=6))
def test_a_json_object_round_trips_through_the_compact_text(document: dict[str, Any]) -> None:
    text = encode_compact(document)
    assert text.startswith(COMPACT_PREFIX)
    assert set(text[len(COMPACT_PREFIX) :]) <= set(BASE45_ALPHABET)
    assert decode_compact(text) == document
    assert canonicalize(decode_compact(text)) == canonicalize(document)


@pytest.mark.parametrize("cryptosuite", [JCS, RDFC])
def test_a_signed_credential_comes_back_byte_for_byte_and_its_proof_still_verifies(cryptosuite: str) -> None:
    credential = signed_credential(cryptosuite)
    back = decode_compact(encode_compact(credential))
    assert canonicalize(back) == canonicalize(credential)
    (check,) = verify_proofs(back, DidResolver(), loader=LOADER)
    assert check.verified, check.reason


def test_the_compact_text_is_much_smaller_than_the_json() -> None:
    credential = signed_credential()
    assert len(encode_compact(credential)) < 0.75 * len(canonicalize(credential))


def test_a_text_from_a_file_or_terminal_may_end_with_a_newline() -> None:
    assert decode_compact(encode_compact({"a": 1}) + "\r\n") == {"a": 1}


def test_only_an_object_has_a_compact_text() -> None:
    with pytest.raises(ConfigurationError, match="only a JSON object"):
        encode_compact([1, 2])  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="canonicalized"):
        encode_compact({"n": float("nan")})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "not a credanchor QR text"),
        ("CA2:BB8", "not 'CA1:'"),
        ("ca1:BB8", "not 'CA1:'"),
        ("HC1:NCFOXN%TS3DH", "not a credanchor QR text"),  # an EU DCC: the same Base45, another prefix
        ("CA1:BB8A", "not Base45"),
        ("CA1:GGW", "not Base45"),
        ("CA1:bb8", "not Base45"),
        ("CA1:" + b45encode(b"not zlib data at all"), "corrupt"),
        ("CA1:" + b45encode(zlib.compress(b'{"a":1}')[:-3]), "truncated"),
        ("CA1:" + b45encode(zlib.compress(b'{"a":1}') + b"extra"), "data after the end"),
        (z(b"[1,2,3]"), "a JSON list, not a credential"),
        (z(b'"a credential"'), "a JSON str, not a credential"),
        (z(b"not json"), "does not hold JSON"),
        (z(b'{"a":NaN}'), "does not hold JSON"),
        (z(b'{"a":"\xff"}'), "does not hold JSON"),
        (z(b""), "does not hold JSON"),
    ],
)
def test_decoding_refuses_anything_but_a_compact_json_object(text: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=re.escape(message)):
        decode_compact(text)


def test_a_decompression_bomb_is_refused_without_being_inflated() -> None:
    bomb = z(b'{"a":"' + b"0" * 50_000_000 + b'"}')  # 50 MB of JSON in about 73 KB of text
    assert len(bomb) < 100_000
    with pytest.raises(ConfigurationError, match="decompresses to over 262,144 bytes"):
        decode_compact(bomb)
    just_over = z(b'{"a":"' + b"0" * 1_000 + b'"}')
    with pytest.raises(ConfigurationError, match="over 1,000 bytes"):
        decode_compact(just_over, max_bytes=1_000)
    assert decode_compact(just_over, max_bytes=1_008) == {"a": "0" * 1_000}


def test_compressed_data_over_the_limit_is_refused_before_inflating() -> None:
    noise = z(os.urandom(3_000))  # incompressible: the compressed bytes themselves are over the limit
    with pytest.raises(ConfigurationError, match="compressed bytes, over the 2,000 limit"):
        decode_compact(noise, max_bytes=2_000)


# -- verify links ---------------------------------------------------------------------------------


def test_a_verify_link_carries_the_compact_text_in_its_fragment_only() -> None:
    credential = signed_credential()
    link = verify_link("https://credanchor.example/", credential)
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path, parts.query) == ("https", "credanchor.example", "/verify", "")
    assert parts.fragment.startswith(COMPACT_PREFIX)
    assert " " not in link  # space (and %) are percent-encoded; the rest of Base45 is allowed in a fragment
    assert compact_text_of(link) == encode_compact(credential)
    assert read_scanned(link) == credential


def test_a_verify_link_keeps_the_public_url_path() -> None:
    assert verify_link("http://host:8000/credanchor", {"a": 1}).startswith("http://host:8000/credanchor/verify#CA1:")


@pytest.mark.parametrize("url", ["ftp://host", "host.example", "https://", "https://h/?q=1", "https://h/#x"])
def test_a_verify_link_needs_an_http_public_url(url: str) -> None:
    with pytest.raises(ConfigurationError, match="must be an http"):
        verify_link(url, {"a": 1})


def test_reading_a_scan_takes_a_compact_text_or_a_link() -> None:
    text = encode_compact({"a": "b c"})
    assert read_scanned(text) == {"a": "b c"}
    assert read_scanned(f"https://h/verify#{text.replace('%', '%25').replace(' ', '%20')}") == {"a": "b c"}
    with pytest.raises(ConfigurationError, match="not a credanchor QR text"):
        read_scanned("https://example.org/#section-2")


# -- QR codes -------------------------------------------------------------------------------------


def test_a_signed_credential_in_a_png_qr_code_scans_back_and_verifies() -> None:
    credential = signed_credential()
    png = qr_png(credential)
    text = scan_png(png)
    assert text == encode_compact(credential)
    back = decode_compact(text)
    assert back == credential
    (check,) = verify_proofs(back, DidResolver(), loader=LOADER)
    assert check.verified, check.reason


def test_the_svg_is_well_formed_and_scans_back_to_the_same_text() -> None:
    credential = signed_credential()
    svg = qr_svg(credential)
    assert svg.startswith(b"<?xml")
    assert scan(rasterize_svg(svg)) == encode_compact(credential)
    assert scan_png(qr_png(credential)) == encode_compact(credential)


def test_a_verify_link_qr_code_scans_back_to_the_link() -> None:
    credential = signed_credential()
    link = verify_link("https://credanchor.example", credential)
    scanned = scan_png(qr_png(link))
    assert scanned == link
    assert read_scanned(scanned) == credential
    code, _ = qr_code(link)
    assert code.mode is None  # two segments: the URL in byte mode, the fragment in alphanumeric mode


def test_the_smallest_version_is_chosen_at_error_correction_l_or_better() -> None:
    credential = signed_credential()
    symbol = render_qr(credential)
    text = encode_compact(credential)
    assert symbol.characters == len(text)
    assert symbol.modules == 17 + 4 * symbol.version
    assert symbol.error in ("L", "M", "Q", "H")
    with pytest.raises(segno.DataOverflowError):
        segno.make_qr(text, error="L", version=symbol.version - 1)
    code, _ = qr_code(credential)
    assert code.mode == "alphanumeric"  # the whole text in one alphanumeric segment


def test_error_correction_is_raised_when_the_same_version_holds_it() -> None:
    symbol = render_qr(encode_compact({}))  # 19 characters: version 1 holds them at M too
    assert (symbol.version, symbol.error) == (1, "M")


def test_a_document_too_large_for_any_qr_code_is_refused_with_its_size_and_the_limit() -> None:
    bulky = {"type": ["VerifiablePresentation"], "noise": os.urandom(4_000).hex()}
    with pytest.raises(QrCapacityError) as refused:
        qr_png(bulky)
    message = str(refused.value)
    assert f"{len(canonicalize(bulky)):,} bytes of JSON" in message
    assert f"at most {QR_MAX_CHARACTERS:,}" in message
    assert "fewer credentials" in message
    assert refused.value.characters == len(encode_compact(bulky)) > refused.value.limit == QR_MAX_CHARACTERS
    assert isinstance(refused.value, ConfigurationError)


def test_a_text_just_over_the_limit_is_refused_and_one_at_the_limit_fits() -> None:
    assert render_qr("A" * QR_MAX_CHARACTERS).version == 40
    with pytest.raises(QrCapacityError, match="4,297 characters"):
        render_qr("A" * (QR_MAX_CHARACTERS + 1))
    with pytest.raises(QrCapacityError, match="3,000 characters"):
        render_qr("a" * 3_000)  # byte mode: a version 40-L code holds 2,953 bytes


def test_rendering_refuses_bad_arguments() -> None:
    with pytest.raises(ConfigurationError, match="png or svg, not 'gif'"):
        render_qr("x", "gif")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="scale must be 1-100"):
        render_qr("x", scale=0)
    with pytest.raises(ConfigurationError, match=r"a document .* or a text"):
        render_qr(42)  # type: ignore[arg-type]
