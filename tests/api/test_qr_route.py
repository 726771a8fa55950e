"""QR routes: POST /v1/qr (PNG/SVG of a credential or presentation) and POST /v1/qr/decode.

The end-to-end story: an anchored credential (eddsa-jcs-2022 and eddsa-rdfc-2022) or a holder-signed
presentation becomes a QR code, a real QR reader (zxing-cpp) scans the image, the decode route turns
the text back into the document, and POST /v1/verify passes every check.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from PIL import Image

from anchor.credentials.qr import COMPACT_PREFIX, decode_compact, encode_compact
from anchor.credentials.verify import CHECKS
from anchor.crypto.keys import SigningKey
from anchor.crypto.proofs import JCS, RDFC, add_proof
from tests.api.conftest import Api, World, api_client, assert_problem, request_body
from tests.unit.credentials.test_qr import rasterize_svg, scan, scan_png

VC_V2 = "https://www.w3.org/ns/credentials/v2"


@pytest.fixture(scope="module")
def holder() -> SigningKey:
    return SigningKey.generate()


def anchored(api: Api, holder: SigningKey | None = None, *, learner: str = "Ana Silva", **changes: Any) -> Any:
    body = request_body(learner_name=learner, **changes)
    if holder is not None:
        body["learner"]["did"] = holder.did
    response = api.client.post("/v1/credentials", json=body, headers=api.headers["acme"])
    assert response.status_code == 201, response.text
    api.anchor_all()
    return api.stored(response.json()["id"])


def signed_presentation(holder: SigningKey, *credentials: dict[str, Any]) -> dict[str, Any]:
    vp = {"@context": [VC_V2], "type": ["VerifiablePresentation"], "holder": holder.did,
          "verifiableCredential": list(credentials)}  # fmt: skip
    return add_proof(vp, holder, proof_purpose="authentication", challenge="c1", domain="example.org", cryptosuite=JCS)


def decode_route(api: Api, text: str) -> Any:
    response = api.client.post("/v1/qr/decode", json={"text": text})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    return response.json()


def assert_all_checks_pass(report: dict[str, Any]) -> None:
    assert report["verified"] is True, report
    assert {name: check["outcome"] for name, check in report["checks"].items()} == dict.fromkeys(CHECKS, "pass")


@pytest.mark.parametrize("cryptosuite", [JCS, RDFC])
def test_an_anchored_credential_in_a_png_qr_code_scans_decodes_and_verifies(api, cryptosuite):
    credential = anchored(api, cryptosuite=cryptosuite)
    response = api.client.post("/v1/qr", json=credential)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/png"
    assert response.headers["cache-control"] == "no-store"
    version = int(response.headers["qr-version"])
    assert 1 <= version <= 34, f"a batch-of-one credential now needs version {version}: update docs/qr.md"
    assert response.headers["qr-error-correction"] in ("L", "M", "Q", "H")

    text = scan_png(response.content)
    assert text == encode_compact(credential)
    document = decode_route(api, text)
    assert document == credential == decode_compact(text)
    verified = api.client.post("/v1/verify", json=document)
    assert verified.status_code == 200, verified.text
    assert_all_checks_pass(verified.json())


def test_an_anchored_credential_in_an_svg_qr_code_scans_decodes_and_verifies(api):
    credential = anchored(api)
    response = api.client.post("/v1/qr", params={"format": "svg"}, json=credential)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("image/svg+xml")
    document = decode_route(api, scan(rasterize_svg(response.content)))
    assert document == credential
    assert_all_checks_pass(api.client.post("/v1/verify", json=document).json())


def test_a_holder_signed_presentation_round_trips_through_a_qr_code(api, holder):
    vp = signed_presentation(holder, anchored(api, holder))
    response = api.client.post("/v1/qr", json=vp)
    assert response.status_code == 200, response.text
    document = decode_route(api, scan_png(response.content))
    assert document == vp
    verified = api.client.post(
        "/v1/verify", json={"verifiablePresentation": document, "options": {"challenge": "c1", "domain": "example.org"}}
    )
    report = verified.json()
    assert report["verified"] is True, report
    assert {name: check["outcome"] for name, check in report["checks"].items()} == dict.fromkeys(
        ("presentation_schema", "presentation_proof", "challenge", "domain", "holder_binding"), "pass"
    )
    assert_all_checks_pass(report["credentials"][0])


def test_the_link_form_points_at_the_verify_page_with_the_document_in_the_fragment(api):
    credential = anchored(api)
    response = api.client.post("/v1/qr", params={"form": "link", "scale": 2}, json=credential)
    assert response.status_code == 200, response.text
    link = scan_png(response.content)
    public_url = api.client.app.state.services.settings.public_url.rstrip("/")  # type: ignore[attr-defined]
    assert link.startswith(f"{public_url}/verify#{COMPACT_PREFIX}")
    assert urlsplit(link).query == ""
    assert Image.open(io.BytesIO(response.content)).width == 2 * (17 + 4 * int(response.headers["qr-version"]) + 8)
    assert decode_route(api, link) == credential


def test_a_presentation_too_large_for_a_qr_code_is_a_413_problem(api, holder):
    credentials = [anchored(api, holder, learner=f"Learner {n}") for n in range(5)]  # 2 fit (they share most text)
    response = api.client.post("/v1/qr", json=signed_presentation(holder, *credentials))
    problem = assert_problem(response, 413, "too-large-for-qr")
    assert "this presentation is too large for a QR code" in problem["detail"]
    assert "at most 4,296" in problem["detail"]
    assert "fewer credentials" in problem["detail"]


@pytest.mark.parametrize("body", [[], "a string", 42, None, [{"type": ["VerifiableCredential"]}]])
def test_a_body_that_is_not_an_object_is_a_422_problem(api, body):
    assert_problem(api.client.post("/v1/qr", json=body), 422, "invalid-request")


def test_a_body_that_is_not_json_is_a_422_problem(api):
    response = api.client.post("/v1/qr", content=b"{not json", headers={"Content-Type": "application/json"})
    assert_problem(response, 422, "invalid-request")


@pytest.mark.parametrize("body", [{}, {"type": ["Thing"]}, {"name": "not a credential"}])
def test_an_object_that_is_no_credential_or_presentation_is_a_400_problem(api, body):
    problem = assert_problem(api.client.post("/v1/qr", json=body), 400, "not-a-credential")
    assert "VerifiableCredential" in problem["detail"]


@pytest.mark.parametrize("params", [{"format": "gif"}, {"form": "nfc"}, {"scale": 0}, {"scale": 21}])
def test_bad_query_parameters_are_422_problems(api, params):
    response = api.client.post("/v1/qr", params=params, json={"type": ["VerifiableCredential"]})
    assert_problem(response, 422, "invalid-request")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("hello", "not a credanchor QR text"),
        ("CA1:bb8", "not Base45"),
        ("CA1:BB8", "corrupt"),
        ("https://example.org/#top", "not a credanchor QR text"),
    ],
)
def test_decoding_garbage_is_a_400_problem(api, text, words):
    problem = assert_problem(api.client.post("/v1/qr/decode", json={"text": text}), 400, "invalid-qr-text")
    assert words in problem["detail"]
    assert "scan the code again" in problem["detail"]


@pytest.mark.parametrize(
    "body", [{}, {"text": ""}, {"text": 42}, {"text": "CA1:", "extra": 1}, [], {"text": "A" * 9000}]
)
def test_a_decode_request_without_one_text_is_a_422_problem(api, body):
    assert_problem(api.client.post("/v1/qr/decode", json=body), 422, "invalid-request")


def test_the_openapi_document_declares_both_image_types_and_the_problems(api):
    paths = api.client.get("/openapi.json").json()["paths"]
    render = paths["/v1/qr"]["post"]["responses"]
    assert set(render["200"]["content"]) == {"image/png", "image/svg+xml"}
    assert {"400", "413", "422", "429"} <= set(render)
    assert {"400", "413", "422", "429"} <= set(paths["/v1/qr/decode"]["post"]["responses"])
    assert paths["/v1/qr"]["post"]["tags"] == ["public"]


def test_the_qr_routes_are_rate_limited_like_verification(world: World, tmp_path: Path):
    with api_client(world, tmp_path / "limited.sqlite", verify_rate=0.001) as limited:
        statuses = [limited.client.post("/v1/qr/decode", json={"text": "hello"}).status_code for _ in range(2)]
        assert statuses == [400, 429]
        response = limited.client.post("/v1/qr", json={"type": ["VerifiableCredential"]})
        assert_problem(response, 429, "rate-limited")
        assert int(response.headers["retry-after"]) >= 1
