"""Issue 16: offers (POST /v1/offers …), OpenID4VCI (metadata, token, nonce, credential) and VC API claim
exchanges, each refused with a clear 4xx on bad input — and nothing issued twice."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey, OKPKey

from anchor.credentials.anchor_proofs import anchor_proofs_of
from anchor.crypto.keys import SigningKey
from anchor.crypto.proofs import add_proof
from anchor.wallets.offers import CONFIGURATIONS, PRE_AUTHORIZED_GRANT

from .conftest import Api, assert_problem, request_body

PUBLIC = "http://127.0.0.1:8000"
RDFC_CONFIGURATION = CONFIGURATIONS["eddsa-rdfc-2022"]


def offer_request(**changes: Any) -> dict[str, Any]:
    body = request_body(**changes)
    body["learner"].pop("did")
    return body


def make_offer(api: Api, *, tx_code: bool = False, who: str = "acme", **extra: Any) -> dict[str, Any]:
    response = api.client.post("/v1/offers", json={"credentials": [offer_request()], "tx_code": tx_code, **extra},
                               headers=api.headers[who])  # fmt: skip
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["failed"] == []
    return dict(body["offers"][0])


def offered(offer: dict[str, Any]) -> dict[str, Any]:
    """The credential offer object inside the by-value link."""
    import json

    query = urlsplit(offer["links"]["openid_credential_offer"]).query
    return dict(json.loads(parse_qs(query)["credential_offer"][0]))


def code_of(offer: dict[str, Any]) -> str:
    return str(offered(offer)["grants"][PRE_AUTHORIZED_GRANT]["pre-authorized_code"])


def redeem(api: Api, code: str, tx_code: str | None = None) -> Any:
    form = {"grant_type": PRE_AUTHORIZED_GRANT, "pre-authorized_code": code}
    if tx_code is not None:
        form["tx_code"] = tx_code
    return api.client.post("/oid4vci/token", data=form)


def fresh_nonce(api: Api) -> str:
    response = api.client.post("/oid4vci/nonce")
    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    return str(response.json()["c_nonce"])


def proof_jwt(key: OKPKey | ECKey, nonce: str, *, aud: str = PUBLIC, by_kid: str | None = None,
              typ: str = "openid4vci-proof+jwt", iat: float | None = None) -> str:  # fmt: skip
    alg = "EdDSA" if isinstance(key, OKPKey) else "ES256"
    header: dict[str, Any] = {"alg": alg, "typ": typ}
    header.update({"kid": by_kid} if by_kid else {"jwk": key.as_dict(private=False)})
    claims = {"aud": aud, "iat": int(iat if iat is not None else time.time()), "nonce": nonce}
    return jwt.encode(header, claims, key, algorithms=[alg])


def ask_credential(api: Api, token: str, proof: str, configuration: str = RDFC_CONFIGURATION) -> Any:
    return api.client.post("/oid4vci/credential", json={"credential_configuration_id": configuration,
                           "proofs": {"jwt": [proof]}}, headers={"Authorization": f"Bearer {token}"})  # fmt: skip


def oauth_error(response: Any, status: int, error: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == error, body
    assert body["error_description"]
    return str(body["error_description"])


def did_key_of(key: OKPKey) -> str:
    from anchor.crypto import multibase

    raw = key.public_key.public_bytes_raw()  # type: ignore[union-attr]
    return "did:key:" + multibase.encode(multibase.ED25519_PUB + raw)


# -- offers -------------------------------------------------------------------------------------------


def test_an_offer_has_links_without_personal_data_and_only_hashes_are_stored(api: Api) -> None:
    offer = make_offer(api, tx_code=True, qr="svg")
    assert offer["state"] == "open" and offer["learner"] == "Ana Silva" and offer["tx_code_required"]
    assert len(offer["tx_code"]) == 6 and offer["tx_code"].isdigit()
    for link in offer["links"].values():
        text = unquote(link)
        assert "Ana" not in text and "ana@example.org" not in text and "Data Literacy" not in text
    assert set(offer["qr"]) == {"openid_credential_offer_uri", "vcapi_interaction", "lcw_deep_link"}
    assert offer["qr"]["lcw_deep_link"].startswith("data:image/svg+xml;base64,")
    credential_offer = offered(offer)
    assert credential_offer["credential_issuer"] == PUBLIC
    assert credential_offer["grants"][PRE_AUTHORIZED_GRANT]["tx_code"]["length"] == 6
    code = code_of(offer)
    with api.store.engine.connect() as connection:
        rows = connection.exec_driver_sql("SELECT * FROM offers").all()
    dumped = repr(rows)
    assert code not in dumped and offer["tx_code"] not in dumped
    assert offer["links"]["vcapi_exchange"].rsplit("/", 1)[1] not in dumped
    assert ("offer.create", offer["id"]) in [(a, s) for a, s, _ in api.store.audit()]


def test_offers_are_listed_per_issuer_and_withdrawn(api: Api) -> None:
    offer = make_offer(api)
    listed = api.client.get("/v1/offers", headers=api.headers["acme"]).json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == offer["id"]
    assert api.client.get("/v1/offers", headers=api.headers["beta"]).json()["total"] == 0
    assert_problem(api.client.get(f"/v1/offers/{offer['id']}", headers=api.headers["beta"]), 404, "not-found")
    revoked = api.client.post(f"/v1/offers/{offer['id']}/revoke", headers=api.headers["acme"]).json()
    assert revoked["state"] == "revoked"
    assert oauth_error(redeem(api, code_of(offer)), 400, "invalid_grant").startswith("the issuer withdrew")
    assert_problem(api.client.post(offer["links"]["vcapi_exchange"][len(PUBLIC) :], json={}), 410, "offer-withdrawn")


def test_an_offer_with_a_did_or_an_invalid_credential_is_refused(api: Api) -> None:
    with_did = request_body()
    broken = offer_request()
    broken["achievement"]["learning_outcomes"] = []
    response = api.client.post("/v1/offers", json={"credentials": [with_did]}, headers=api.headers["acme"])
    assert response.status_code == 201
    assert "learner.did" in response.json()["failed"][0]["errors"][0]
    assert_problem(api.client.post("/v1/offers", json={"credentials": [broken]}, headers=api.headers["acme"]), 422)
    assert_problem(api.client.post("/v1/offers", json={"credentials": [offer_request()]}), 401)


# -- OpenID4VCI ----------------------------------------------------------------------------------------


def test_metadata_describes_the_open_badges_ldp_vc_configuration(api: Api) -> None:
    metadata = api.client.get("/.well-known/openid-credential-issuer").json()
    assert metadata["credential_issuer"] == PUBLIC
    assert metadata["nonce_endpoint"] == f"{PUBLIC}/oid4vci/nonce"
    configuration = metadata["credential_configurations_supported"][RDFC_CONFIGURATION]
    assert configuration["format"] == "ldp_vc"
    assert configuration["credential_signing_alg_values_supported"] == ["eddsa-rdfc-2022"]
    assert configuration["cryptographic_binding_methods_supported"] == ["did:key", "jwk"]
    assert "ES256" in configuration["proof_types_supported"]["jwt"]["proof_signing_alg_values_supported"]
    assert "OpenBadgeCredential" in configuration["credential_definition"]["type"]
    server = api.client.get("/.well-known/oauth-authorization-server").json()
    assert server["token_endpoint"] == f"{PUBLIC}/oid4vci/token"
    assert server["grant_types_supported"] == [PRE_AUTHORIZED_GRANT, "refresh_token"]


@pytest.mark.parametrize("curve", ["Ed25519", "P-256"])
def test_a_wallet_redeems_an_offer_once_and_gets_a_credential_bound_to_its_key(api: Api, curve: str) -> None:
    offer = make_offer(api, tx_code=True)
    reference = unquote(offer["links"]["openid_credential_offer_uri"].split("credential_offer_uri=")[1])
    by_reference = api.client.get(reference[len(PUBLIC) :]).json()
    assert by_reference["grants"][PRE_AUTHORIZED_GRANT]["pre-authorized_code"] == code_of(offer)
    oauth_error(redeem(api, code_of(offer)), 400, "invalid_request")  # the tx_code is missing
    assert "4 tries left" in oauth_error(redeem(api, code_of(offer), "000000" if offer["tx_code"] != "000000"
                                                else "111111"), 400, "invalid_grant")  # fmt: skip
    granted = redeem(api, code_of(offer), offer["tx_code"])
    assert granted.status_code == 200, granted.text
    token = granted.json()["access_token"]
    assert oauth_error(redeem(api, code_of(offer), offer["tx_code"]), 400, "invalid_grant").startswith(
        "this offer's pre-authorized code was used"
    )
    key = OKPKey.generate_key("Ed25519") if curve == "Ed25519" else ECKey.generate_key("P-256")
    answer = ask_credential(api, token, proof_jwt(key, fresh_nonce(api)))
    assert answer.status_code == 200, answer.text
    credential = answer.json()["credentials"][0]["credential"]
    holder = credential["credentialSubject"]["id"]
    assert holder.startswith("did:key:z6Mk" if curve == "Ed25519" else "did:key:zDn")
    assert credential["proof"][0]["cryptosuite"] == "eddsa-rdfc-2022"
    stored = api.client.get(f"/v1/offers/{offer['id']}", headers=api.headers["acme"]).json()
    assert stored["state"] == "claimed" and stored["holder"] == holder and stored["protocol"] == "oid4vci"
    assert stored["credential_id"] == credential["id"]
    assert ("offer.claim", offer["id"]) in [(a, s) for a, s, _ in api.store.audit()]
    # The same holder asking again gets the same credential (after anchoring: with its anchor proof) …
    api.anchor_all()
    again = ask_credential(api, token, proof_jwt(key, fresh_nonce(api)))
    assert again.status_code == 200, again.text
    refreshed = again.json()["credentials"][0]["credential"]
    assert refreshed["id"] == credential["id"]
    assert anchor_proofs_of(credential) == [] and len(anchor_proofs_of(refreshed)) == 1
    report = api.client.post("/v1/verify", json={"verifiableCredential": refreshed}).json()
    assert report["verified"], report
    assert report["checks"]["anchored"]["outcome"] == "pass"
    # … another key is refused, and only one credential was queued.
    other = OKPKey.generate_key("Ed25519")
    assert "claimed by another wallet" in oauth_error(ask_credential(api, token, proof_jwt(other, fresh_nonce(api))),
                                                      409, "already-claimed")  # fmt: skip
    assert api.store.credentials(api.world.accounts["acme"].address)[0] == 1


def notify(api: Api, token: str | None, body: Any) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return api.client.post("/oid4vci/notification", json=body, headers=headers)


def test_the_wallet_notifies_what_became_of_the_credential(api: Api) -> None:
    """OpenID4VCI 1.0 §11: the credential response's notification_id, then accepted / deleted, idempotent."""
    metadata = api.client.get("/.well-known/openid-credential-issuer").json()
    assert metadata["notification_endpoint"] == f"{PUBLIC}/oid4vci/notification"
    offer = make_offer(api)
    token = redeem(api, code_of(offer)).json()["access_token"]
    early = notify(api, token, {"notification_id": offer["id"], "event": "credential_accepted"})
    oauth_error(early, 400, "invalid_notification_id")  # nothing was issued yet
    answer = ask_credential(api, token, proof_jwt(OKPKey.generate_key("Ed25519"), fresh_nonce(api))).json()
    notification_id = answer["notification_id"]
    assert notification_id == offer["id"] and "transaction_id" not in answer

    accepted = notify(api, token, {"notification_id": notification_id, "event": "credential_accepted"})
    assert accepted.status_code == 204 and accepted.content == b"" and accepted.headers["cache-control"] == "no-store"
    assert notify(api, token, {"notification_id": notification_id, "event": "credential_accepted"}).status_code == 204
    stored = api.client.get(f"/v1/offers/{offer['id']}", headers=api.headers["acme"]).json()
    assert stored["wallet_event"] == "credential_accepted" and stored["wallet_event_at"]
    deleted = {"notification_id": notification_id, "event": "credential_deleted", "event_description": "user: no"}
    assert notify(api, token, {**deleted, "unknown_parameter": 1}).status_code == 204  # ignored (§11.1)
    assert api.client.get(f"/v1/offers/{offer['id']}", headers=api.headers["acme"]).json()["wallet_event"] == (
        "credential_deleted"
    )
    events = [d for a, s, d in api.store.audit() if (a, s) == ("offer.notification", offer["id"])]
    assert events == [{"event": "credential_accepted", "description": None},
                      {"event": "credential_deleted", "description": "user: no"}]  # the repeat: nothing  # fmt: skip

    for body in ({"event": "credential_accepted"}, {"notification_id": notification_id, "event": "stored"},
                 {"notification_id": notification_id, "event": "credential_failure", "event_description": 'a "quote"'},
                 {"notification_id": notification_id, "event": "credential_failure", "event_description": "é"},
                 {"notification_id": notification_id, "event": "credential_failure", "event_description": "x" * 501},
                 [notification_id]):  # fmt: skip
        oauth_error(notify(api, token, body), 400, "invalid_notification_request")
    oauth_error(notify(api, token, {"notification_id": "someone-else", "event": "credential_accepted"}), 400,
                "invalid_notification_id")  # fmt: skip
    unauthorized = notify(api, None, {"notification_id": notification_id, "event": "credential_accepted"})
    oauth_error(unauthorized, 401, "invalid_token")
    assert unauthorized.headers["www-authenticate"] == "Bearer"
    other = make_offer(api)
    other_token = redeem(api, code_of(other)).json()["access_token"]  # another offer's token: not this credential's
    oauth_error(notify(api, other_token, {"notification_id": notification_id, "event": "credential_accepted"}), 400,
                "invalid_notification_id")  # fmt: skip
    described = oauth_error(ask_credential(api, token, "not-a-jwt", configuration='x"\\é'), 400,
                            "unknown_credential_configuration")  # fmt: skip
    assert all(" " <= c <= "~" and c not in '"\\' for c in described)  # OAuth's error_description character set


def refresh(api: Api, refresh_token: str | None) -> Any:
    form = {"grant_type": "refresh_token"} | ({"refresh_token": refresh_token} if refresh_token is not None else {})
    return api.client.post("/oid4vci/token", data=form)


def test_a_refresh_token_brings_the_anchored_copy_later_and_a_reused_one_ends_the_claims_tokens(api: Api) -> None:
    server = api.client.get("/.well-known/oauth-authorization-server").json()
    assert server["grant_types_supported"] == [PRE_AUTHORIZED_GRANT, "refresh_token"]
    offer = make_offer(api)
    granted = redeem(api, code_of(offer)).json()
    assert granted["refresh_token"] and granted["refresh_token"] != granted["access_token"]
    key = OKPKey.generate_key("Ed25519")
    first = ask_credential(api, granted["access_token"], proof_jwt(key, fresh_nonce(api))).json()
    first_credential = first["credentials"][0]["credential"]
    assert anchor_proofs_of(first_credential) == []
    api.anchor_all()

    # Later (the access token has a 10-minute life): the refresh token gives a new pair, and the same key the
    # credential as stored now — with its anchor proof. Only hashes of the tokens are stored.
    renewed = refresh(api, granted["refresh_token"])
    assert renewed.status_code == 200 and renewed.headers["cache-control"] == "no-store", renewed.text
    pair = renewed.json()
    assert pair["token_type"] == "Bearer" and pair["expires_in"] == 600
    assert {pair["access_token"], pair["refresh_token"]}.isdisjoint({granted["access_token"], granted["refresh_token"]})
    again = ask_credential(api, pair["access_token"], proof_jwt(key, fresh_nonce(api))).json()
    anchored = again["credentials"][0]["credential"]
    assert anchored["id"] == first_credential["id"] and len(anchor_proofs_of(anchored)) == 1
    assert api.client.post("/v1/verify", json={"verifiableCredential": anchored}).json()["verified"]
    other_key = OKPKey.generate_key("Ed25519")  # a refresh token does not let another key claim
    oauth_error(ask_credential(api, pair["access_token"], proof_jwt(other_key, fresh_nonce(api))), 409,
                "already-claimed")  # fmt: skip

    # The first refresh token again (a copy someone kept): refused, and the live pair stops working too.
    assert "used already" in oauth_error(refresh(api, granted["refresh_token"]), 400, "invalid_grant")
    oauth_error(ask_credential(api, pair["access_token"], proof_jwt(key, fresh_nonce(api))), 401, "invalid_token")
    oauth_error(refresh(api, pair["refresh_token"]), 400, "invalid_grant")
    revoked = [d for a, s, d in api.store.audit() if (a, s) == ("offer.tokens_revoked", offer["id"])]
    # both access tokens (the first one's 10 minutes are not over) and both refresh tokens
    assert revoked == [{"kinds": ["token", "refresh"], "count": 4, "reason": "a refresh token was used twice"}]
    oauth_error(refresh(api, "not-a-token-we-issued"), 400, "invalid_grant")
    oauth_error(refresh(api, None), 400, "invalid_request")
    assert "refresh_token grants" in oauth_error(api.client.post("/oid4vci/token", data={"grant_type": "password"}),
                                                400, "unsupported_grant_type")  # fmt: skip


def test_bad_proofs_of_possession_are_refused_and_nothing_is_issued(api: Api) -> None:
    offer = make_offer(api)
    token = redeem(api, code_of(offer)).json()["access_token"]
    key, other = OKPKey.generate_key("Ed25519"), OKPKey.generate_key("Ed25519")
    nonce = fresh_nonce(api)
    oauth_error(ask_credential(api, token, proof_jwt(key, nonce, aud="https://elsewhere.example")), 400,
                "invalid_proof")  # fmt: skip
    oauth_error(ask_credential(api, token, proof_jwt(key, nonce, typ="JWT")), 400, "invalid_proof")
    oauth_error(ask_credential(api, token, proof_jwt(key, nonce, iat=time.time() - 3600)), 400, "invalid_proof")
    # signed by another key than the one its kid names
    forged = proof_jwt(other, nonce, by_kid=did_key_of(key) + "#" + did_key_of(key)[8:])
    assert "signature" in oauth_error(ask_credential(api, token, forged), 400, "invalid_proof")
    oauth_error(ask_credential(api, token, proof_jwt(key, "never-issued")), 400, "invalid_nonce")
    oauth_error(ask_credential(api, token, proof_jwt(key, nonce), "SomethingElse"), 400,
                "unknown_credential_configuration")  # fmt: skip
    oauth_error(ask_credential(api, "not-a-token", proof_jwt(key, nonce)), 401, "invalid_token")
    assert api.store.credentials(api.world.accounts["acme"].address)[0] == 0  # nothing issued so far
    assert ask_credential(api, token, proof_jwt(key, nonce)).status_code == 200
    oauth_error(ask_credential(api, token, proof_jwt(key, nonce)), 400, "invalid_nonce")  # the nonce is spent
    oauth_error(redeem(api, "unknown-code"), 400, "invalid_grant")
    form = {"grant_type": "authorization_code", "code": "x"}
    oauth_error(api.client.post("/oid4vci/token", data=form), 400, "unsupported_grant_type")


def test_a_locked_or_expired_offer_is_refused(api: Api) -> None:
    offer = make_offer(api, tx_code=True)
    wrong = "000000" if offer["tx_code"] != "000000" else "111111"
    for _ in range(5):
        oauth_error(redeem(api, code_of(offer), wrong), 400, "invalid_grant")
    assert "locked" in oauth_error(redeem(api, code_of(offer), offer["tx_code"]), 400, "invalid_grant")
    expired = make_offer(api)
    with api.store.engine.begin() as connection:
        connection.exec_driver_sql("UPDATE offers SET expires_at = '2000-01-01 00:00:00' WHERE id = ?",
                                   (expired["id"],))  # fmt: skip
    assert "expired" in oauth_error(redeem(api, code_of(expired)), 400, "invalid_grant")


# -- VC API exchanges --------------------------------------------------------------------------------


def did_auth(key: SigningKey, request: dict[str, Any]) -> dict[str, Any]:
    presentation = {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiablePresentation"],
                    "holder": key.did}  # fmt: skip
    return add_proof(presentation, key, proof_purpose="authentication", challenge=request["challenge"],
                     domain=request["domain"])  # fmt: skip


def test_a_vc_api_exchange_issues_to_the_did_that_authenticated(api: Api) -> None:
    offer = make_offer(api)
    exchange = offer["links"]["vcapi_exchange"][len(PUBLIC) :]
    protocols = api.client.get(f"{exchange}/protocols").json()
    assert protocols == {"credentialRequestOrigin": PUBLIC, "protocols": {"vcapi": offer["links"]["vcapi_exchange"]}}
    request = api.client.post(exchange, json={}).json()["verifiablePresentationRequest"]
    assert request["query"][0]["type"] == "DIDAuthentication" and request["domain"] == PUBLIC
    holder = SigningKey.generate()
    presentation = did_auth(holder, request)
    answer = api.client.post(exchange, json={"verifiablePresentation": presentation})
    assert answer.status_code == 200, answer.text
    credential = answer.json()["verifiablePresentation"]["verifiableCredential"][0]
    assert credential["credentialSubject"]["id"] == holder.did
    # a replayed presentation: its challenge is spent
    replay = api.client.post(exchange, json={"verifiablePresentation": presentation})
    assert "answered already" in assert_problem(replay, 400, "invalid-presentation")["detail"]
    # another DID: refused; the holder again: the same credential
    stranger = SigningKey.generate()
    request = api.client.post(exchange, json={}).json()["verifiablePresentationRequest"]
    assert_problem(api.client.post(exchange, json={"verifiablePresentation": did_auth(stranger, request)}), 409,
                   "already-claimed")  # fmt: skip
    request = api.client.post(exchange, json={}).json()["verifiablePresentationRequest"]
    again = api.client.post(exchange, json={"verifiablePresentation": did_auth(holder, request)})
    assert again.json()["verifiablePresentation"]["verifiableCredential"][0]["id"] == credential["id"]
    assert api.store.credentials(api.world.accounts["acme"].address)[0] == 1


def test_bad_presentations_are_refused(api: Api) -> None:
    offer, other_offer = make_offer(api), make_offer(api)
    exchange = offer["links"]["vcapi_exchange"][len(PUBLIC) :]
    other_exchange = other_offer["links"]["vcapi_exchange"][len(PUBLIC) :]
    holder = SigningKey.generate()
    request = api.client.post(exchange, json={}).json()["verifiablePresentationRequest"]
    other_request = api.client.post(other_exchange, json={}).json()["verifiablePresentationRequest"]
    # made for another exchange's challenge
    assert_problem(api.client.post(exchange, json={"verifiablePresentation": did_auth(holder, other_request)}), 400,
                   "invalid-presentation")  # fmt: skip
    # the wrong domain
    wrong_domain = did_auth(holder, {**request, "domain": "https://elsewhere.example"})
    assert "domain" in assert_problem(api.client.post(exchange, json={"verifiablePresentation": wrong_domain}), 400,
                                      "invalid-presentation")["detail"]  # fmt: skip
    # tampered after signing
    tampered = {**did_auth(holder, request), "holder": SigningKey.generate().did}
    assert_problem(api.client.post(exchange, json={"verifiablePresentation": tampered}), 400, "invalid-presentation")
    assert_problem(api.client.post("/workflows/claim/exchanges/" + "x" * 43, json={}), 404, "not-found")
    assert api.store.credentials(api.world.accounts["acme"].address)[0] == 0
    ok = api.client.post(exchange, json={"verifiablePresentation": did_auth(holder, request)})
    assert ok.status_code == 200, ok.text
