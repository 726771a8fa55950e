"""Issue 16, item 5: a verifier asks a wallet for credentials (POST /v1/presentation-requests), the wallet answers
through a VC API exchange, and the verifier reads the full report with its key — every check of the
presentation, of each credential (signature, anchoring, accreditation at anchor time, status) and of the
request (the achievements asked for, accredited and named issuers)."""

from __future__ import annotations

from typing import Any

from anchor.credentials.holder import present
from anchor.crypto.keys import SigningKey

from .conftest import Api, assert_problem, request_body

PUBLIC = "http://127.0.0.1:8000"
TITLE = "Data Literacy Foundations"


def issued_to(api: Api, holder: SigningKey) -> dict[str, Any]:
    body = request_body()
    body["learner"]["did"] = holder.did
    response = api.client.post("/v1/credentials", json=body, headers=api.headers["acme"])
    assert response.status_code == 201, response.text
    api.anchor_all()
    return api.stored(response.json()["id"])


def ask(api: Api, **body: Any) -> dict[str, Any]:
    response = api.client.post("/v1/presentation-requests", json={"achievements": [TITLE], **body})
    assert response.status_code == 201, response.text
    return dict(response.json())


def report(api: Api, made: dict[str, Any], key: str | None = None) -> Any:
    return api.client.get(f"/v1/presentation-requests/{made['id']}",
                          headers={"Authorization": f"Bearer {key or made['verifier_key']}"})  # fmt: skip


def answer(api: Api, made: dict[str, Any], holder: SigningKey, credentials: list[dict[str, Any]],
           domain: str | None = None) -> Any:  # fmt: skip
    exchange = made["links"]["vcapi_exchange"][len(PUBLIC) :]
    request = api.client.post(exchange, json={}).json()["verifiablePresentationRequest"]
    presentation = present(credentials, holder, challenge=request["challenge"], domain=domain or request["domain"])
    return api.client.post(exchange, json={"verifiablePresentation": presentation})


def test_the_verifier_reads_the_full_report_of_the_wallets_answer(api: Api) -> None:
    holder = SigningKey.generate()
    credential = issued_to(api, holder)
    made = ask(api, qr="svg")
    assert set(made["qr"]) == {"vcapi_interaction", "lcw_deep_link"}
    exchange = made["links"]["vcapi_exchange"][len(PUBLIC) :]
    started = api.client.post(exchange, json={}).json()["verifiablePresentationRequest"]
    example = started["query"][0]["credentialQuery"][0]["example"]
    assert example["credentialSubject"]["achievement"]["name"] == TITLE and started["domain"] == PUBLIC
    assert report(api, made).json()["state"] == "waiting"
    assert_problem(api.client.get(f"/v1/presentation-requests/{made['id']}"), 401)
    assert_problem(report(api, made, key="not-the-key"), 404)

    answered = answer(api, made, holder, [credential])
    assert answered.status_code == 200 and answered.json() == {}, answered.text
    seen = report(api, made).json()
    assert seen["state"] == "answered" and seen["verified"] is True and seen["holder"] == holder.did
    full = seen["report"]
    assert {c: v["outcome"] for c, v in full["request_checks"].items()} == {
        "requested_achievements": "pass",
        "accredited_issuers": "pass",
        "named_issuers": "not_applicable",
    }
    assert full["checks"]["holder_binding"]["outcome"] == "pass"
    checks = full["credentials"][0]["checks"]
    for name in ("signature", "merkle_inclusion", "anchored", "issuer_accredited", "revocation", "suspension"):
        assert checks[name]["outcome"] == "pass", (name, checks[name])
    assert_problem(api.client.post(exchange, json={}), 409, "already-answered")


def test_an_answer_without_what_was_asked_is_recorded_as_not_verified(api: Api) -> None:
    holder = SigningKey.generate()
    credential = issued_to(api, holder)
    made = ask(api, achievements=["Advanced Cryptography"], issuers=["did:web:elsewhere.example"])
    assert answer(api, made, holder, [credential]).status_code == 200
    seen = report(api, made).json()
    assert seen["verified"] is False
    checks = seen["report"]["request_checks"]
    assert checks["requested_achievements"]["outcome"] == "fail"
    assert "Advanced Cryptography" in checks["requested_achievements"]["reason"]


def test_a_presentation_that_is_not_the_holders_answer_is_refused_and_not_recorded(api: Api) -> None:
    holder, thief = SigningKey.generate(), SigningKey.generate()
    credential = issued_to(api, holder)
    made = ask(api)
    wrong_domain = answer(api, made, holder, [credential], domain="https://elsewhere.example")
    assert "domain" in assert_problem(wrong_domain, 400, "invalid-presentation")["detail"]
    # someone else's credential: holder binding fails; recorded, not verified
    stolen = answer(api, made, thief, [credential | {"credentialSubject": {**credential["credentialSubject"],
                                                                           "id": thief.did}}])  # fmt: skip
    assert stolen.status_code == 200
    seen = report(api, made).json()
    assert seen["verified"] is False and seen["report"]["credentials"][0]["checks"]["signature"]["outcome"] == "fail"
    assert_problem(api.client.post("/v1/presentation-requests", json={"achievements": [TITLE], "issuers": ["x"]}),
                   422)  # fmt: skip
    not_a_did = {"achievements": [TITLE], "issuers": ["https://not-a-did"]}
    assert_problem(api.client.post("/v1/presentation-requests", json=not_a_did), 400)


def test_the_ask_page_is_served_self_contained(api: Api) -> None:
    page = api.client.get("/ask")
    assert page.status_code == 200 and "default-src 'self'" in page.headers["content-security-policy"]
    assert '<script src="/ask.js"' in page.text
    script = api.client.get("/ask.js")
    assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
    assert "/v1/presentation-requests" in script.text and "Authorization: `Bearer ${key}`" in script.text
