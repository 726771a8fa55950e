"""The workshop page in headless Chromium against a real `credanchor workshop` server: issue → download →
send to a wallet (QR codes; a wallet's claim verified) → verify → tamper → revoke → NFT → what the chain shows →
comparison, asserting what a user sees, with no Content-Security-Policy violation; keyboard use; labels, alt
texts and colour contrast. A screenshot of each step lands in tests/e2e/artifacts/."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from anchor.crypto.keys import SigningKey
from anchor.crypto.proofs import add_proof

from .conftest import WorkshopServer

pytestmark = pytest.mark.e2e
TIMEOUT = 60_000  # ms: anchoring and the comparison run on the server's embedded chain
#: WCAG 2.x contrast ratio of text against its background, computed in the page for every element
#: that shows text (the effective background is the nearest non-transparent one behind it).
CONTRAST = """() => {
  const rgb = (text) => (text.match(/[\\d.]+/g) || []).map(Number);
  const channel = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  const luminance = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const background = (el) => {
    for (; el; el = el.parentElement) {
      const c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const out = [];
  for (const el of document.querySelectorAll("body *")) {
    if (!el.checkVisibility() || ![...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim())) continue;
    const style = getComputedStyle(el);
    const fg = rgb(style.color).slice(0, 3), bg = background(el);
    const [hi, lo] = [luminance(fg), luminance(bg)].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    const large = parseFloat(style.fontSize) >= 24 || (parseFloat(style.fontSize) >= 18.66 && style.fontWeight >= 700);
    out.push({ tag: el.tagName, id: el.id, cls: el.className, text: el.textContent.trim().slice(0, 40),
               ratio: Math.round(ratio * 100) / 100, needed: large ? 3 : 4.5, disabled: el.disabled === true });
  }
  return out;
}"""
expect.set_options(timeout=TIMEOUT)
UNLABELLED = """() => [...document.querySelectorAll("input, select, textarea")]
  .filter((el) => el.type !== "hidden" && !(el.labels && el.labels.length) && !el.getAttribute("aria-label"))
  .map((el) => el.id || el.name)"""


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1366, "height": 900}, accept_downloads=True)
    made = context.new_page()
    made.set_default_timeout(TIMEOUT)
    yield made
    context.close()


RECORD_CSP_VIOLATIONS = """window.cspViolations = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));"""


def did_auth(key: SigningKey, request: dict[str, Any]) -> dict[str, Any]:
    presentation = {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiablePresentation"],
                    "holder": key.did}  # fmt: skip
    return add_proof(presentation, key, proof_purpose="authentication", challenge=request["challenge"],
                     domain=request["domain"])  # fmt: skip


def claim_by_exchange(exchange: str, holder: SigningKey) -> dict[str, Any]:
    """Walk a VC API claim exchange as a Learner Credential Wallet does: ask, answer the DIDAuth, get the credential."""
    with httpx.Client(timeout=TIMEOUT / 1000) as client:
        request = client.post(exchange, json={}).json()["verifiablePresentationRequest"]
        answer = client.post(exchange, json={"verifiablePresentation": did_auth(holder, request)})
    assert answer.status_code == 200, answer.text
    return dict(answer.json()["verifiablePresentation"]["verifiableCredential"][0])


def shot(page: Page, artifacts: Path, name: str) -> None:
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)


def check(page: Page, name: str) -> Any:
    return page.locator(f'#report li[data-check="{name}"]')


def drop_file(page: Page, path: Path) -> None:
    """Drop `path` on the drop zone as a user dragging it from the desktop would."""
    transfer = page.evaluate_handle(
        """([name, text]) => { const t = new DataTransfer();
             t.items.add(new File([text], name, { type: "application/json" })); return t; }""",
        [path.name, path.read_text()],
    )
    page.dispatch_event("#drop-zone", "drop", {"dataTransfer": transfer})


def test_issue_hold_verify_tamper_revoke_and_what_the_chain_shows(
    page: Page, workshop_server: WorkshopServer, artifacts: Path, tmp_path: Path
) -> None:
    # Every Content-Security-Policy violation on the page is recorded (an image or script the policy blocks).
    page.add_init_script(RECORD_CSP_VIOLATIONS)
    console_errors: list[str] = []
    page.on("console", lambda message: console_errors.append(message.text) if message.type == "error" else None)
    # Open the facilitator's link: the key moves from the address bar into this tab's sessionStorage.
    page.goto(workshop_server.link)
    expect(page.locator("#session")).to_contain_text("Issuing as Workshop Academy")
    assert "key=" not in page.url
    assert page.evaluate("sessionStorage.getItem('credanchor.workshop.key')") == workshop_server.link.split("#key=")[1]
    expect(page.locator("#issue")).to_be_visible()
    shot(page, artifacts, "01-opened")

    # 1. Issue as a Verifiable Credential: the sample course is filled in; type the learner and a grade.
    expect(page.locator("#title")).to_have_value("Data Literacy Essentials")
    page.fill("#learner-name", "Ana Sousa")
    page.fill("#grade", "B")
    page.click("#issue-vc")
    expect(page.locator("#issue-status")).to_contain_text("Issued and anchored")

    # 2. Hold: the badge card shows the EU elements, not JSON.
    card = page.locator("#badge-card")
    expect(card.locator("h3")).to_have_text("Data Literacy Essentials")
    expected = {"Awarded to": "Ana Sousa", "Awarding body": "Workshop Academy — Brussels, BE", "Level": "EQF 5",
                "Workload": "3 ECTS · 75 hours", "Grade": "B"}  # fmt: skip
    for field, text in expected.items():
        expect(card.locator(f'dd[data-field="{field}"]')).to_have_text(text)
    expect(card.locator('dd[data-field="Learning outcomes"] li')).to_have_text(
        ["Clean a tabular data set", "Choose a chart that answers a question"]
    )
    expect(card.locator('dd[data-field="Skills (ESCO)"]')).to_contain_text("data analytics")
    expect(card.locator('dd[data-field="Awarded on"]')).not_to_be_empty()
    expect(page.locator("#raw-json")).to_be_hidden()
    shot(page, artifacts, "02-badge-card")

    page.click("#toggle-json")
    expect(page.locator("#raw-json")).to_be_visible()
    expect(page.locator("#toggle-json")).to_have_attribute("aria-expanded", "true")
    shown = json.loads(page.locator("#raw-json").text_content() or "")
    shot(page, artifacts, "03-raw-json")

    with page.expect_download() as download_info:
        page.click("#download")
    download = download_info.value
    assert download.suggested_filename == "credential-" + shown["id"].removeprefix("urn:uuid:") + ".json"
    downloaded = tmp_path / download.suggested_filename
    download.save_as(downloaded)
    credential = json.loads(downloaded.read_text())
    assert credential == shown
    assert {"DataIntegrityProof", "EthereumMerkleAnchorProof"} == {p["type"] for p in credential["proof"]}

    # Send to a wallet: an offer of this credential, as two QR codes with their links as text.
    page.click("#send-to-wallet")
    expect(page.locator("#wallet-offer")).to_be_visible()
    expect(page.locator("#wallet-status")).to_contain_text("for Ana Sousa: valid until")
    for qr in ("#qr-openid", "#qr-lcw"):
        expect(page.locator(qr)).to_be_visible()
        assert page.locator(qr).evaluate("img => img.complete && img.naturalWidth > 0")
        assert page.locator(qr).get_attribute("src").startswith("data:image/svg+xml;base64,")
    expect(page.locator("#link-openid")).to_contain_text("openid-credential-offer://?credential_offer_uri=")
    expect(page.locator("#link-lcw")).to_contain_text("https://lcw.app/request.html?request=")
    exchange = page.locator("#link-exchange").text_content() or ""
    assert exchange.startswith(workshop_server.base + "/workflows/claim/exchanges/")
    shot(page, artifacts, "03b-send-to-wallet")

    # The learner's wallet walks the exchange (DIDAuth by its own key): its copy is anchored and verifies in full.
    holder = SigningKey.generate()
    wallet_copy = claim_by_exchange(exchange, holder)
    assert wallet_copy["credentialSubject"]["id"] == holder.did
    assert {"DataIntegrityProof", "EthereumMerkleAnchorProof"} == {p["type"] for p in wallet_copy["proof"]}
    in_wallet = tmp_path / "wallet-copy.json"
    in_wallet.write_text(json.dumps(wallet_copy))
    page.set_input_files("#verify-file", str(in_wallet))
    expect(page.locator("#verdict")).to_have_text("✓ Verified: wallet-copy.json")
    expect(page.locator("#report li.fail")).to_have_count(0)
    expect(check(page, "anchored")).to_contain_text("✓ pass")

    # 3. Verify the downloaded file: every check passes.
    page.set_input_files("#verify-file", str(downloaded))
    expect(page.locator("#verdict")).to_have_text(f"✓ Verified: {downloaded.name}")
    expect(page.locator("#report li.fail")).to_have_count(0)
    for name in ("signature", "merkle_inclusion", "anchored", "issuer_accredited", "revocation"):
        expect(check(page, name)).to_contain_text("✓ pass")
    expect(check(page, "issuer_accredited")).to_contain_text("was accredited")
    shot(page, artifacts, "04-verified")

    # A tampered copy (the grade raised in the file): the signature no longer matches.
    page.click("#tamper")
    tampered = "✗ NOT verified: a tampered copy (the grade changed from “B” to “A+”)"
    expect(page.locator("#verdict")).to_contain_text(tampered)
    expect(check(page, "signature")).to_contain_text("✗ fail — Signature: ")
    expect(check(page, "merkle_inclusion")).to_contain_text("✗ fail")
    shot(page, artifacts, "05-tampered")

    # Revoke, then drop the same downloaded file again: the revocation check fails with its reason.
    page.click("#revoke")
    expect(page.locator("#verify-status")).to_contain_text("Revoked in transaction")
    drop_file(page, downloaded)
    expect(page.locator("#verdict")).to_have_text(f"✗ NOT verified: {downloaded.name}")
    expect(check(page, "revocation")).to_contain_text("✗ fail — Not revoked: revoked")
    expect(check(page, "signature")).to_contain_text("✓ pass")
    shot(page, artifacts, "06-revoked")

    # NFT mode for the same learner: the card warns that all of it is public.
    page.click("#issue-nft")
    expect(page.locator("#issue-status")).to_contain_text("Minted token #")
    token = page.locator("#token-card")
    expect(token).to_contain_text("Everything on this card is public on the blockchain")
    expect(token.locator('dd[data-field="Learner"]')).to_have_text("Ana Sousa")
    shot(page, artifacts, "07-nft")

    # 4. What the chain shows: side by side, what a stranger learns in each mode.
    page.click("#observe")
    vc, nft = page.locator("#observer-column-vc"), page.locator("#observer-column-nft")
    expect(vc).to_be_visible()
    expect(nft).to_be_visible()
    expect(vc.locator('tr[data-figure="holders_identified"] td')).to_have_text("0")
    expect(nft.locator('tr[data-figure="holders_identified"] td')).to_have_text("1")
    expect(vc.locator('tr[data-figure="revocations"] td')).to_have_text("1")
    expect(vc.locator('tr[data-figure="revocations_attributable"] td')).to_have_text("0")
    expect(vc).to_contain_text("Nothing: the chain holds batch roots")
    expect(nft).to_contain_text("Ana Sousa")
    vc_box, nft_box = vc.bounding_box(), nft.bounding_box()
    assert vc_box and nft_box and vc_box["x"] < nft_box["x"] and abs(vc_box["y"] - nft_box["y"]) < 2  # side by side
    shot(page, artifacts, "08-observer")

    # The comparison, small: a table of figures and the two plots.
    page.fill("#compare-learners", "3")
    page.click("#compare")
    expect(page.locator("#compare-status")).to_contain_text("9 credentials issued each way")
    table = page.locator("#comparison-table")
    expect(table.locator("thead th")).to_have_count(4)
    expect(table.locator("tbody tr").filter(has_text="holders identified").locator("td")).to_have_text(["0", "3", "0"])
    for plot in ("#gas-plot", "#privacy-plot"):
        expect(page.locator(plot)).to_be_visible()
        assert page.locator(plot).evaluate("img => img.complete && img.naturalWidth > 0")
    shot(page, artifacts, "09-comparison")

    # Accessibility of everything now on show: labels, alt texts, accessible names, contrast.
    assert page.evaluate(UNLABELLED) == []
    assert page.evaluate("() => [...document.images].filter((i) => !i.alt.trim()).map((i) => i.id)") == []
    nameless = "() => [...document.querySelectorAll('button')].filter((b) => !b.textContent.trim()).length"
    assert page.evaluate(nameless) == 0
    measured = page.evaluate(CONTRAST)
    assert len(measured) > 50
    assert [m for m in measured if m["ratio"] < m["needed"] and not m["disabled"]] == []
    assert page.evaluate("window.cspViolations") == []
    assert [e for e in console_errors if "Content Security Policy" in e] == []


def test_keyboard_only_from_the_link_to_a_verification(
    page: Page, workshop_server: WorkshopServer, artifacts: Path, tmp_path: Path
) -> None:
    # Listening from the start turns Chromium's file-chooser interception on before any key is pressed.
    page.on("filechooser", lambda chooser: None)
    page.goto(workshop_server.link)
    expect(page.locator("#issue")).to_be_visible()
    order = []
    for _ in range(40):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.id")
        order.append(focused)
        if focused == "verify-file":
            break
    wanted = ["learner-name", "learner-email", "grade", "course", "title", "issue-vc", "issue-nft", "verify-file"]
    assert [f for f in order if f in wanted] == wanted
    outline = page.evaluate("parseFloat(getComputedStyle(document.activeElement).outlineWidth)")
    assert outline >= 3  # a visible focus ring
    page.screenshot(path=str(artifacts / "10-keyboard-focus.png"))  # (a full-page shot would move the focus)
    assert page.evaluate("document.activeElement.id") == "verify-file"

    not_json = tmp_path / "notes.txt"
    not_json.write_text("this is not a credential")
    with page.expect_file_chooser(timeout=5_000) as chooser:
        page.keyboard.press("Space")  # the file input opens its chooser from the keyboard
    chooser.value.set_files(str(not_json))
    expect(page.locator("#verify-status")).to_contain_text("notes.txt is not a JSON credential file")
    expect(page.locator("#verify-status")).to_contain_text("choose the .json file you downloaded")

    for _ in range(20):  # on to "Look at the chain", then Enter
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "observe":
            break
    page.keyboard.press("Enter")
    expect(page.locator("#observer-column-nft")).to_be_visible()


def test_without_a_key_the_page_offers_verification_only(
    page: Page, workshop_server: WorkshopServer, artifacts: Path
) -> None:
    page.goto(workshop_server.base + "/")
    expect(page.locator("#session")).to_have_text("Verification only: no workshop key in this tab.")
    expect(page.locator("#no-key")).to_contain_text("credanchor workshop")
    expect(page.locator("#issue")).to_be_hidden()
    expect(page.locator("#chain")).to_be_hidden()
    expect(page.locator("#verify-file")).to_be_visible()
    shot(page, artifacts, "11-no-key")

    page.goto(workshop_server.base + "/#key=cak_0000000000000000_wrong")  # in the same tab: a fragment change
    expect(page.locator("#session")).to_contain_text("Verification only: the API key is unknown or revoked")
    assert page.evaluate("sessionStorage.getItem('credanchor.workshop.key')") is None
    expect(page.locator("#issue")).to_be_hidden()
