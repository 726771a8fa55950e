"""The verify page QR links open: served without external resources, and its decoder (run in Node, the
same JavaScript the browser runs) reads back exactly what anchor.credentials.qr encodes."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from anchor.credentials.qr import encode_compact, verify_link

SCRIPT = Path(__file__).resolve().parents[2] / "api" / "static" / "verify.js"
node = pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js (scripts/test.sh installs npm tools)")


def decode_in_node(text: str) -> object:
    program = (
        f"const {{ decodeCompact }} = require({json.dumps(str(SCRIPT))});"
        "decodeCompact(process.argv[1]).then((d) => process.stdout.write(JSON.stringify(d)),"
        " (e) => { process.stdout.write(JSON.stringify({ error: e.message })); });"
    )
    done = subprocess.run(["node", "-e", program, text], capture_output=True, text=True, timeout=60, check=True)
    return json.loads(done.stdout)


def test_the_page_and_its_script_are_served_without_external_resources(api):
    page = api.client.get("/verify")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert 'src="/verify.js"' in page.text and "http" not in page.text.replace('lang="en"', "")
    assert "<style" not in page.text and "style=" not in page.text  # all in /verify.css, as the policy needs
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["referrer-policy"] == "no-referrer"
    script = api.client.get("/verify.js")
    assert script.status_code == 200 and "decodeCompact" in script.text
    style = api.client.get("/verify.css")
    assert style.status_code == 200 and style.headers["content-type"].startswith("text/css")
    assert "/verify" not in api.client.get("/openapi.json").json()["paths"]


@node
def test_the_browser_decoder_reads_back_an_anchored_credential(api):
    issued = api.issue()
    api.anchor_all()
    credential = api.stored(issued["id"])
    assert decode_in_node(encode_compact(credential)) == credential
    link = verify_link("https://credentials.example.org", credential)
    assert link.startswith("https://credentials.example.org/verify#CA1:")


@node
def test_the_browser_decoder_refuses_what_is_not_a_credanchor_text():
    assert "must start with CA1:" in decode_in_node("HC1:ABC")["error"]
    assert "not Base45" in decode_in_node("CA1:abc")["error"]
    assert "error" in decode_in_node("CA1:BB8")  # "AB" is not zlib data
