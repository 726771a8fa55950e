"""The page a QR verify link opens (/verify), in headless Chromium under its Content-Security-Policy:
the credential travels in the link's fragment, the page decodes it and shows the server's report;
a changed credential in the link shows as not verified."""

from __future__ import annotations

import copy
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, expect

from anchor.credentials.qr import verify_link
from api.models import EXAMPLE_REQUEST

from .conftest import WorkshopServer

pytestmark = pytest.mark.e2e


def issued_credential(server: WorkshopServer) -> dict:
    key = parse_qs(urlsplit(server.link).fragment)["key"][0]
    body = {**copy.deepcopy(EXAMPLE_REQUEST), "mode": "vc"}
    response = httpx.post(f"{server.base}/v1/workshop/credentials", json=body,
                          headers={"Authorization": f"Bearer {key}"}, timeout=60)  # fmt: skip
    assert response.status_code == 201, response.text
    return dict(response.json()["credential"])


def test_a_verify_link_shows_the_report_and_a_changed_credential_fails(
    browser: Browser, workshop_server: WorkshopServer, artifacts
) -> None:
    credential = issued_credential(workshop_server)
    context = browser.new_context(viewport={"width": 1000, "height": 900})
    page = context.new_page()
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text) if "Content Security" in message.text else None)
    try:
        page.goto(verify_link(workshop_server.base, credential))
        expect(page.locator("#report .verified")).to_have_text("Verified", timeout=60_000)
        expect(page.locator("#report li.pass").first).to_be_visible()
        assert page.locator("#report li.fail").count() == 0
        assert page.evaluate("getComputedStyle(document.body).fontSize") == "18px"  # /verify.css applied
        page.screenshot(path=str(artifacts / "12-verify-link.png"), full_page=True)

        changed = copy.deepcopy(credential)
        changed["credentialSubject"]["achievement"]["name"] = "A title the issuer never signed"
        page.goto(verify_link(workshop_server.base, changed))
        expect(page.locator("#report .not-verified")).to_have_text("NOT verified", timeout=60_000)
        expect(page.locator("#report li.fail").first).to_contain_text("signature")
        page.screenshot(path=str(artifacts / "13-verify-link-changed.png"), full_page=True)
        assert violations == []
    finally:
        context.close()
