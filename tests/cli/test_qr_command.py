"""`credanchor qr` (anchor/cli/qr.py) through typer's CliRunner: a signed credential or presentation file
becomes a PNG or SVG QR code that a real QR reader scans back to the same document, whose proofs still
verify; `qr read` turns a scanned text back into the JSON; every refusal has its exit code and message.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from typer.testing import CliRunner

from anchor.cli.main import app
from anchor.credentials.qr import COMPACT_PREFIX, decode_compact, encode_compact, verify_link
from anchor.crypto.did import DidResolver
from anchor.crypto.keys import SigningKey
from anchor.crypto.proofs import JCS, RDFC, add_proof, verify_proofs
from tests.unit.credentials.test_qr import LOADER, rasterize_svg, scan, scan_png, signed_credential

runner = CliRunner()
ENV = {"COLUMNS": "200"}
VC_V2 = "https://www.w3.org/ns/credentials/v2"


def invoke(*args: str, stdin: str | None = None) -> Any:
    return runner.invoke(app, ["qr", *args], env=ENV, input=stdin)


def write(path: Path, document: Any) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def assert_proofs_verify(document: dict[str, Any]) -> None:
    checks = verify_proofs(document, DidResolver(), loader=LOADER)
    assert checks and all(check.verified for check in checks), [check.reason for check in checks]


@pytest.fixture(scope="module")
def credential() -> dict[str, Any]:
    return signed_credential(RDFC)


@pytest.mark.parametrize("explicit", [False, True])
def test_a_credential_file_becomes_a_png_that_scans_back_and_verifies(tmp_path, credential, explicit):
    source = write(tmp_path / "credential.json", credential)
    out = tmp_path / "codes" / "credential.png"
    result = invoke(*(["render"] if explicit else []), str(source), "--out", str(out))
    assert result.exit_code == 0, result.stderr
    assert f"wrote {out}" in result.stdout
    assert "the credential (compact," in result.stdout
    text = scan_png(out.read_bytes())
    assert text == encode_compact(credential)
    document = decode_compact(text)
    assert document == credential
    assert_proofs_verify(document)


def test_an_svg_is_written_for_an_svg_extension_and_scans_back(tmp_path, credential):
    out = tmp_path / "credential.SVG"
    result = invoke(str(write(tmp_path / "c.json", credential)), "--out", str(out), "--json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["media_type"] == "image/svg+xml"
    assert report["kind"] == "credential"
    assert report["form"] == "compact"
    assert report["bytes"] == out.stat().st_size
    assert report["modules"] == 17 + 4 * report["version"]
    assert scan(rasterize_svg(out.read_bytes())) == encode_compact(credential)


def test_a_signed_presentation_round_trips_through_a_qr_code(tmp_path, credential):
    holder = SigningKey.generate()
    vp = {"@context": [VC_V2], "type": ["VerifiablePresentation"], "holder": holder.did,
          "verifiableCredential": [credential]}  # fmt: skip
    vp = add_proof(vp, holder, proof_purpose="authentication", challenge="c1", cryptosuite=JCS, loader=LOADER)
    out = tmp_path / "vp.png"
    result = invoke(str(write(tmp_path / "vp.json", vp)), "--out", str(out), "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["kind"] == "presentation"
    read = invoke("read", scan_png(out.read_bytes()))
    assert read.exit_code == 0, read.stderr
    document = json.loads(read.stdout)
    assert document == vp
    assert_proofs_verify(document)
    assert_proofs_verify(document["verifiableCredential"][0])


def test_the_link_form_encodes_the_verify_page_with_the_document_in_the_fragment(tmp_path, credential):
    out = tmp_path / "link.png"
    result = invoke(str(write(tmp_path / "c.json", credential)), "--out", str(out), "--link",
                    "https://credanchor.example", "--scale", "2", "--json")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["form"] == "link"
    assert Image.open(out).width == 2 * (report["modules"] + 8)
    link = scan_png(out.read_bytes())
    assert link == verify_link("https://credanchor.example", credential)
    assert link.startswith(f"https://credanchor.example/verify#{COMPACT_PREFIX}")
    read = invoke("read", link)
    assert read.exit_code == 0, read.stderr
    assert json.loads(read.stdout) == credential


def test_read_takes_standard_input_and_writes_a_file(tmp_path, credential):
    out = tmp_path / "back" / "credential.json"
    result = invoke("read", "-", "--out", str(out), stdin=encode_compact(credential) + "\n")
    assert result.exit_code == 0, result.stderr
    assert f"wrote the credential to {out}" in result.stdout
    assert json.loads(out.read_text(encoding="utf-8")) == credential
    quiet = invoke("read", "-", "--out", str(out), "--json", stdin=encode_compact(credential))
    assert json.loads(quiet.stdout) == {"out": str(out), "kind": "credential", "id": credential["id"]}


def test_qr_without_arguments_shows_both_commands() -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    assert "render" in result.stdout
    assert "read" in result.stdout


def test_an_out_file_that_is_neither_png_nor_svg_is_a_usage_error(tmp_path, credential):
    out = tmp_path / "credential.gif"
    result = invoke(str(write(tmp_path / "c.json", credential)), "--out", str(out))
    assert result.exit_code == 2
    assert "must end in .png or .svg" in result.stderr
    assert not out.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "No such file"),
        ("{not json", "cannot read a credential"),
        ("[1, 2]", "does not hold a credential"),
        ('{"type": ["Thing"]}', "shares a credential or a presentation"),
    ],
)
def test_a_file_that_is_no_credential_is_refused_with_exit_1(tmp_path, content, message):
    source = tmp_path / "input.json"
    if content is not None:
        source.write_text(content, encoding="utf-8")
    out = tmp_path / "out.png"
    result = invoke(str(source), "--out", str(out))
    assert result.exit_code == 1, result.stdout
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()


def test_a_document_too_large_for_a_qr_code_is_refused_with_its_size(tmp_path):
    bulky = {"type": ["VerifiableCredential"], "noise": os.urandom(4_000).hex()}
    out = tmp_path / "out.png"
    result = invoke(str(write(tmp_path / "big.json", bulky)), "--out", str(out))
    assert result.exit_code == 1
    assert "too large for a QR code" in result.stderr
    assert "4,296" in result.stderr
    assert not out.exists()


def test_a_bad_public_url_is_refused(tmp_path, credential):
    result = invoke(str(write(tmp_path / "c.json", credential)), "--out", str(tmp_path / "x.png"), "--link", "ftp://x")
    assert result.exit_code == 1
    assert "must be an http(s) URL" in result.stderr


@pytest.mark.parametrize(("text", "message"), [("hello", "not a credanchor QR text"), ("CA1:bb8", "not Base45")])
def test_reading_garbage_is_refused_with_exit_1(text, message):
    result = invoke("read", text)
    assert result.exit_code == 1
    assert message in result.stderr
    assert result.stdout == ""
