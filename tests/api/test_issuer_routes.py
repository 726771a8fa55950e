"""The issuer routes over HTTP: whoami, issuing (one, bulk, CSV), listing and reading credentials and
batches, status changes, and API-key authentication. Each test gets a fresh store and chain state."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient

from anchor.credentials.anchor_proofs import ANCHOR_PROOF_TYPE
from anchor.types import as_list
from api.routes import issuers

from .conftest import (
    Api,
    World,
    assert_problem,
    error_pointers,
    make_app,
    request_body,
)

TX_HASH = re.compile(r"^0x[0-9a-f]{64}$")
MISSING_ID = "urn:uuid:00000000-0000-4000-8000-000000000000"
CSV_HEADER = (
    "learner_name,title,description,learning_outcomes,assessment_type,participation_form,quality_assurance,"
    "workload_hours,eqf_level"
)


def csv_row(learner: str, eqf_level: str = "5") -> str:
    return f"{learner},Data Literacy,Reading data,Read charts|Clean data,Online exam,online,Internal QA,50,{eqf_level}"


def verify(api: Api, credential: dict[str, Any]) -> dict[str, Any]:
    response = api.client.post("/v1/verify", json={"verifiableCredential": credential})
    assert response.status_code == 200, response.text
    return dict(response.json())


def outcome(report: dict[str, Any], check: str) -> str:
    return str(report["checks"][check]["outcome"])


def anchored_credential(api: Api, who: str = "acme", **changes: Any) -> dict[str, Any]:
    """Issue a credential, anchor everything, and return the stored (anchored) document."""
    issued = api.issue(who, **changes)
    api.anchor_all()
    return api.stored(issued["id"], who)


def with_achievement(**changes: Any) -> dict[str, Any]:
    body = request_body()
    body["achievement"].update(changes)
    return body


def key_of(headers: dict[str, str]) -> str:
    return headers.get("X-API-Key") or headers["Authorization"].removeprefix("Bearer ")


@pytest.fixture
def small_app(world: World, tmp_path: Path) -> Iterator[Any]:
    """Builds an app with other limits and returns (client, acme's headers); chain rolled back after."""
    snapshot = world.chain.snapshot()
    with ExitStack() as stack:

        def build(**settings: Any) -> tuple[TestClient, dict[str, str]]:
            app = make_app(world, tmp_path / f"small-{uuid.uuid4().hex}.sqlite", verify_rate=0, **settings)
            client = stack.enter_context(TestClient(app, raise_server_exceptions=False))
            secret = app.state.services.store.create_api_key("issuer", "acme")[1]
            return client, {"Authorization": f"Bearer {secret}"}

        yield build
    world.chain.revert(snapshot)


# -- GET /v1/issuer -------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["acme", "beta"])
def test_whoami_names_the_keys_own_issuer(api: Api, world: World, who: str) -> None:
    response = api.client.get("/v1/issuer", headers=api.headers[who])
    assert response.status_code == 200, response.text
    issuer = response.json()
    assert issuer["issuer"] == who
    assert issuer["did"] == world.keys[who].did
    assert issuer["name"] == {"acme": "Acme Academy", "beta": "Beta Institute"}[who]
    assert issuer["ethereum_account"].lower() == world.accounts[who].address.lower()
    assert issuer["did_document"]["id"] == world.keys[who].did


# -- POST /v1/credentials -------------------------------------------------------------------------


def test_issuing_answers_201_with_a_signed_queued_credential(api: Api, world: World) -> None:
    response = api.client.post("/v1/credentials", json=request_body(), headers=api.headers["acme"])
    assert response.status_code == 201, response.text
    issued = response.json()
    assert issued["state"] == "queued" and issued["created"] is True
    credential = issued["credential"]
    assert credential["id"] == issued["id"]
    assert credential["issuer"]["id"] == world.keys["acme"].did
    proofs = as_list(credential["proof"])
    assert proofs and all(proof["type"] == "DataIntegrityProof" for proof in proofs)
    assert proofs[0]["cryptosuite"] == "eddsa-rdfc-2022"


def test_issued_credentials_carry_status_entries_pointing_at_this_server(api: Api, world: World) -> None:
    credential = api.issue()["credential"]
    entries = as_list(credential["credentialStatus"])
    assert {entry["statusPurpose"] for entry in entries} == {"revocation", "suspension"}
    account = world.accounts["acme"].address
    for entry in entries:
        url = entry["statusListCredential"]
        assert url.startswith("http://127.0.0.1:8000/v1/status/")
        assert account.lower() in url.lower()
        assert url.endswith("/" + entry["statusPurpose"])


def test_the_status_list_urls_resolve_on_this_server(api: Api) -> None:
    credential = api.issue()["credential"]
    for entry in as_list(credential["credentialStatus"]):
        response = api.client.get(urlsplit(entry["statusListCredential"]).path)
        assert response.status_code == 200, response.text
        assert "BitstringStatusListCredential" in response.json()["type"]
        assert response.json()["credentialSubject"]["statusPurpose"] == entry["statusPurpose"]


def test_issuing_the_same_request_again_is_a_safe_retry(api: Api) -> None:
    first = api.client.post("/v1/credentials", json=request_body(), headers=api.headers["acme"])
    again = api.client.post("/v1/credentials", json=request_body(), headers=api.headers["acme"])
    assert first.status_code == 201 and again.status_code == 200, again.text
    assert again.json()["created"] is False
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["credential"] == first.json()["credential"]
    total = api.client.get("/v1/credentials", headers=api.headers["acme"]).json()["total"]
    assert total == 1


def test_an_undated_request_retried_gives_the_same_credential(api: Api) -> None:
    body = {k: v for k, v in request_body().items() if k != "issued_on"}
    first = api.client.post("/v1/credentials", json=body, headers=api.headers["acme"])
    again = api.client.post("/v1/credentials", json=body, headers=api.headers["acme"])
    assert (first.status_code, again.status_code) == (201, 200), again.text
    assert again.json()["id"] == first.json()["id"] and again.json()["created"] is False


def test_issuing_with_the_jcs_cryptosuite(api: Api) -> None:
    credential = api.issue(cryptosuite="eddsa-jcs-2022")["credential"]
    assert [proof["cryptosuite"] for proof in as_list(credential["proof"])] == ["eddsa-jcs-2022"]


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        pytest.param(
            {k: v for k, v in request_body().items() if k != "achievement"}, "/achievement", id="missing-achievement"
        ),
        pytest.param(with_achievement(eqf_level=9), "/achievement/eqf_level", id="eqf-level-9"),
        pytest.param(request_body(colour="blue"), "/colour", id="unknown-field"),
        pytest.param(with_achievement(learning_outcomes=[]), "/achievement/learning_outcomes", id="no-outcomes"),
        pytest.param(with_achievement(workload_hours="lots"), "/achievement/workload_hours", id="hours-not-number"),
        pytest.param(request_body(learner="Ana"), "/learner", id="learner-not-object"),
        pytest.param(with_achievement(learning_outcomes="Read charts"), "/achievement/learning_outcomes", id="str"),
    ],
)
def test_invalid_requests_are_422_problems_naming_the_field(api: Api, body: dict[str, Any], pointer: str) -> None:
    response = api.client.post("/v1/credentials", json=body, headers=api.headers["acme"])
    problem = assert_problem(response, 422)
    assert pointer in error_pointers(problem)
    assert pointer.lstrip("/") in problem["detail"]


def test_a_retry_asking_for_another_cryptosuite_is_a_409_problem_not_the_old_credential(api: Api) -> None:
    api.issue()  # eddsa-rdfc-2022, the server's default
    response = api.client.post(
        "/v1/credentials", json=request_body(cryptosuite="eddsa-jcs-2022"), headers=api.headers["acme"]
    )
    problem = assert_problem(response, 409)
    assert "eddsa-rdfc-2022" in problem["detail"] and "eddsa-jcs-2022" in problem["detail"]


def test_a_credential_failing_the_eu_elements_is_a_422_problem(api: Api) -> None:
    body = with_achievement(participation_form="telepathy")
    problem = assert_problem(api.client.post("/v1/credentials", json=body, headers=api.headers["acme"]), 422)
    assert "participationForm" in " ".join(error_pointers(problem))
    assert "telepathy" not in api.client.get("/v1/credentials", headers=api.headers["acme"]).text
    assert api.client.get("/v1/credentials", headers=api.headers["acme"]).json()["total"] == 0


def test_a_body_that_is_not_json_is_a_422_problem(api: Api) -> None:
    headers = {**api.headers["acme"], "Content-Type": "application/json"}
    response = api.client.post("/v1/credentials", content=b"{not json", headers=headers)
    assert_problem(response, 422)


def test_a_body_over_the_size_limit_is_a_413_problem(small_app: Any) -> None:
    client, headers = small_app(max_body_bytes=1024)
    body = with_achievement(description="x" * 2_000)
    problem = assert_problem(client.post("/v1/credentials", json=body, headers=headers), 413)
    assert "1,024 bytes" in problem["detail"]
    assert client.get("/v1/credentials", headers=headers).json()["total"] == 0


def test_a_streamed_body_over_the_size_limit_is_a_413_problem(small_app: Any) -> None:
    client, headers = small_app(max_body_bytes=1024)

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit is counted as the body arrives
        yield b'{"learner": {"name": "'
        yield b"x" * 2_000
        yield b'"}}'

    response = client.post("/v1/credentials", content=chunks(), headers={**headers, "Content-Type": "application/json"})
    assert "content-length" not in response.request.headers
    assert_problem(response, 413)


def test_a_body_under_the_size_limit_is_accepted(small_app: Any) -> None:
    client, headers = small_app(max_body_bytes=1024)
    response = client.post("/v1/credentials", json=request_body(), headers=headers)
    assert response.status_code == 201, response.text


# -- POST /v1/credentials/bulk --------------------------------------------------------------------


def test_bulk_gives_every_row_an_outcome(api: Api) -> None:
    rows = [
        request_body(learner_name="Ana"),
        with_achievement(participation_form="telepathy"),  # fails the EU elements when signed
        request_body(learner_name="Bruno"),
        with_achievement(learning_outcomes=["   "]),  # no outcome once blanks are dropped
    ]
    response = api.client.post("/v1/credentials/bulk", json={"credentials": rows}, headers=api.headers["acme"])
    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["issued"], result["already_issued"], result["failed"]) == (2, 0, 2)
    assert [(r["row"], r["learner"], r["status"]) for r in result["rows"]] == [
        (1, "Ana", "issued"),
        (2, "Ana Silva", "failed"),
        (3, "Bruno", "issued"),
        (4, "Ana Silva", "failed"),
    ]
    ok, telepathy, _, blank = result["rows"]
    assert ok["id"].startswith("urn:uuid:") and ok["errors"] == []
    assert telepathy["id"] is None and any("participationForm" in e for e in telepathy["errors"])
    assert any("learning_outcomes" in e for e in blank["errors"])
    assert api.stored(ok["id"])["credentialSubject"]["identifier"][0]["identityHash"] == "Ana"


def test_bulk_again_reports_already_issued(api: Api) -> None:
    bulk = {"credentials": [request_body(learner_name="Ana"), request_body(learner_name="Bruno")]}
    first = api.client.post("/v1/credentials/bulk", json=bulk, headers=api.headers["acme"]).json()
    again = api.client.post("/v1/credentials/bulk", json=bulk, headers=api.headers["acme"])
    assert again.status_code == 200, again.text
    result = again.json()
    assert (result["issued"], result["already_issued"], result["failed"]) == (0, 2, 0)
    assert [r["status"] for r in result["rows"]] == ["already-issued", "already-issued"]
    assert [r["id"] for r in result["rows"]] == [r["id"] for r in first["rows"]]


def test_the_same_row_twice_in_one_bulk_request_is_issued_once(api: Api) -> None:
    bulk = {"credentials": [request_body(), request_body()]}
    result = api.client.post("/v1/credentials/bulk", json=bulk, headers=api.headers["acme"]).json()
    assert [r["status"] for r in result["rows"]] == ["issued", "already-issued"]
    assert result["rows"][0]["id"] == result["rows"][1]["id"]


def test_bulk_with_more_rows_than_the_limit_is_a_413_problem(small_app: Any) -> None:
    client, headers = small_app(max_bulk_credentials=2)
    bulk = {"credentials": [request_body(learner_name=name) for name in ("Ana", "Bruno", "Carla")]}
    problem = assert_problem(client.post("/v1/credentials/bulk", json=bulk, headers=headers), 413)
    assert "at most 2" in problem["detail"]
    assert client.get("/v1/credentials", headers=headers).json()["total"] == 0


def test_bulk_with_an_empty_list_is_a_422_problem(api: Api) -> None:
    response = api.client.post("/v1/credentials/bulk", json={"credentials": []}, headers=api.headers["acme"])
    assert "/credentials" in error_pointers(assert_problem(response, 422))


# -- POST /v1/credentials/csv ---------------------------------------------------------------------


def post_csv(api: Api, text: str | bytes, content_type: str = "text/csv") -> httpx.Response:
    content = text.encode() if isinstance(text, str) else text
    headers = {**api.headers["acme"], "Content-Type": content_type}
    return api.client.post("/v1/credentials/csv", content=content, headers=headers)


def test_csv_roster_rows_are_issued_and_numbered_by_line(api: Api) -> None:
    roster = "\n".join([CSV_HEADER, csv_row("Ana Silva"), csv_row("Bruno Costa")]) + "\n"
    response = post_csv(api, roster)
    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["issued"], result["already_issued"], result["failed"]) == (2, 0, 0)
    assert [(r["row"], r["learner"], r["status"]) for r in result["rows"]] == [
        (2, "Ana Silva", "issued"),
        (3, "Bruno Costa", "issued"),
    ]
    assert api.stored(result["rows"][0]["id"])["credentialSubject"]["achievement"]["eqfLevel"] == 5


@pytest.mark.parametrize(("level", "message"), [("9", "1 to 8"), ("five", "not a whole number")])
def test_a_csv_row_with_a_bad_eqf_level_fails_alone(api: Api, level: str, message: str) -> None:
    roster = "\n".join([CSV_HEADER, csv_row("Ana Silva"), csv_row("Bruno Costa", level), csv_row("Carla")]) + "\n"
    response = post_csv(api, roster)
    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["issued"], result["failed"]) == (2, 1)
    failed = result["rows"][1]
    assert (failed["row"], failed["learner"], failed["status"]) == (3, "Bruno Costa", "failed")
    assert any(message in error for error in failed["errors"]), failed["errors"]
    assert [r["row"] for r in result["rows"]] == [2, 3, 4]


def test_csv_posted_again_reports_already_issued(api: Api) -> None:
    roster = "\n".join([CSV_HEADER, csv_row("Ana Silva"), csv_row("Bruno Costa")]) + "\n"
    first = post_csv(api, roster).json()
    again = post_csv(api, roster).json()
    assert (again["issued"], again["already_issued"], again["failed"]) == (0, 2, 0)
    assert [r["id"] for r in again["rows"]] == [r["id"] for r in first["rows"]]


def test_csv_with_a_charset_and_a_byte_order_mark_is_accepted(api: Api) -> None:
    roster = ("\ufeff" + "\n".join([CSV_HEADER, csv_row("Jos\u00e9 Gon\u00e7alves")]) + "\n").encode("utf-8")
    response = post_csv(api, roster, content_type="text/csv; charset=utf-8")
    assert response.status_code == 200, response.text
    assert [(r["row"], r["learner"], r["status"]) for r in response.json()["rows"]] == [
        (2, "Jos\u00e9 Gon\u00e7alves", "issued")
    ]


def test_csv_blank_lines_are_skipped_and_rows_keep_their_line_numbers(api: Api) -> None:
    roster = "\n".join([CSV_HEADER, "", csv_row("Ana Silva"), "", "", csv_row("Bruno Costa")]) + "\n"
    result = post_csv(api, roster).json()
    assert [(r["row"], r["learner"]) for r in result["rows"]] == [(3, "Ana Silva"), (6, "Bruno Costa")]


def test_a_csv_row_with_a_multi_line_cell_is_numbered_by_its_first_line(api: Api) -> None:
    multi_line = csv_row("Ana Silva").replace("Reading data", '"Reading data,\nand questioning it"')
    roster = "\n".join([CSV_HEADER, multi_line, csv_row("Bruno Costa", "9")]) + "\n"
    result = post_csv(api, roster).json()
    assert result["rows"][0]["status"] == "issued"
    assert api.stored(result["rows"][0]["id"])["description"] == "Reading data,\nand questioning it"
    assert [(r["row"], r["learner"]) for r in result["rows"]] == [(2, "Ana Silva"), (4, "Bruno Costa")]


def test_a_csv_with_only_a_header_issues_nothing(api: Api) -> None:
    response = post_csv(api, CSV_HEADER + "\n")
    assert response.status_code == 200, response.text
    assert response.json() == {"issued": 0, "already_issued": 0, "failed": 0, "rows": []}


def test_a_csv_with_more_rows_than_the_bulk_limit_is_a_413_problem(small_app: Any) -> None:
    client, headers = small_app(max_bulk_credentials=2)
    roster = "\n".join([CSV_HEADER, *(csv_row(name) for name in ("Ana", "Bruno", "Carla"))]) + "\n"
    headers = {**headers, "Content-Type": "text/csv"}
    response = client.post("/v1/credentials/csv", content=roster.encode(), headers=headers)
    assert "at most 2" in assert_problem(response, 413)["detail"]
    assert client.get("/v1/credentials", headers=headers).json()["total"] == 0


def test_csv_with_the_wrong_content_type_is_a_415_problem(api: Api) -> None:
    roster = "\n".join([CSV_HEADER, csv_row("Ana Silva")])
    problem = assert_problem(post_csv(api, roster, content_type="application/json"), 415)
    assert "text/csv" in problem["detail"] and "application/json" in problem["detail"]


def test_csv_that_is_not_utf8_is_a_400_problem(api: Api) -> None:
    roster = ("\n".join([CSV_HEADER, csv_row("Jos\u00e9 Gon\u00e7alves")]) + "\n").encode("latin-1")
    problem = assert_problem(post_csv(api, roster), 400)
    assert "UTF-8" in problem["detail"]
    assert api.client.get("/v1/credentials", headers=api.headers["acme"]).json()["total"] == 0


def test_csv_without_a_content_type_is_a_415_problem(api: Api) -> None:
    response = api.client.post("/v1/credentials/csv", content=CSV_HEADER.encode(), headers=api.headers["acme"])
    assert_problem(response, 415)


def test_csv_missing_a_required_column_is_a_400_problem_naming_it(api: Api) -> None:
    header = CSV_HEADER.replace(",quality_assurance", "")
    row = csv_row("Ana Silva").replace(",Internal QA", "")
    problem = assert_problem(post_csv(api, f"{header}\n{row}\n"), 400)
    assert "missing column(s) quality_assurance" in problem["detail"]


def test_csv_with_an_unknown_column_is_a_400_problem_naming_it(api: Api) -> None:
    problem = assert_problem(post_csv(api, f"{CSV_HEADER},shoe_size\n{csv_row('Ana Silva')},42\n"), 400)
    assert "unknown column(s) shoe_size" in problem["detail"]


# -- GET /v1/credentials and /v1/credentials/{id} -------------------------------------------------


def test_listing_pages_through_the_issuers_credentials(api: Api) -> None:
    ids = [api.issue(learner_name=name)["id"] for name in ("Ana", "Bruno", "Carla")]
    first = api.client.get("/v1/credentials", params={"limit": 2}, headers=api.headers["acme"]).json()
    second = api.client.get("/v1/credentials", params={"limit": 2, "offset": 2}, headers=api.headers["acme"]).json()
    assert first["total"] == second["total"] == 3
    assert len(first["items"]) == 2 and len(second["items"]) == 1
    listed = [item["id"] for item in first["items"] + second["items"]]
    assert sorted(listed) == sorted(ids)
    assert all(item["state"] == "queued" and item["batch_id"] is None for item in first["items"])


def test_listing_filters_by_state(api: Api) -> None:
    anchored = api.issue(learner_name="Ana")["id"]
    api.anchor_all()
    queued = api.issue(learner_name="Bruno")["id"]
    by_state = {
        state: api.client.get("/v1/credentials", params={"state": state}, headers=api.headers["acme"]).json()
        for state in ("queued", "batched", "anchored")
    }
    assert [item["id"] for item in by_state["queued"]["items"]] == [queued]
    assert by_state["batched"] == {"total": 0, "items": []}
    assert [item["id"] for item in by_state["anchored"]["items"]] == [anchored]
    assert by_state["anchored"]["items"][0]["batch_id"] is not None


def test_listing_with_an_unknown_state_is_a_422_problem(api: Api) -> None:
    response = api.client.get("/v1/credentials", params={"state": "lost"}, headers=api.headers["acme"])
    assert "/state" in error_pointers(assert_problem(response, 422))


def test_an_issuer_does_not_list_another_issuers_credentials(api: Api) -> None:
    acme = api.issue("acme")["id"]
    beta = api.issue("beta", learner_name="Bea")["id"]
    listed = api.client.get("/v1/credentials", headers=api.headers["beta"]).json()
    assert listed["total"] == 1 and [item["id"] for item in listed["items"]] == [beta]
    assert acme not in {item["id"] for item in listed["items"]}


def test_reading_a_queued_credential(api: Api) -> None:
    issued = api.issue()
    response = api.client.get(f"/v1/credentials/{issued['id']}", headers=api.headers["acme"])
    assert response.status_code == 200, response.text
    stored = response.json()
    assert stored["id"] == issued["id"] and stored["state"] == "queued" and stored["batch_id"] is None
    assert stored["credential"] == issued["credential"]


def test_reading_an_anchored_credential_shows_its_anchor_proof(api: Api) -> None:
    issued = api.issue()
    api.anchor_all()
    response = api.client.get(f"/v1/credentials/{issued['id']}", headers=api.headers["acme"])
    assert response.status_code == 200, response.text
    stored = response.json()
    assert stored["state"] == "anchored" and stored["batch_id"] is not None
    types = [proof["type"] for proof in as_list(stored["credential"]["proof"])]
    assert ANCHOR_PROOF_TYPE == "EthereumMerkleAnchorProof"
    assert types.count(ANCHOR_PROOF_TYPE) == 1 and "DataIntegrityProof" in types


def test_another_issuers_credential_is_as_unknown_as_a_missing_one(api: Api) -> None:
    acme = api.issue("acme")["id"]
    foreign = assert_problem(api.client.get(f"/v1/credentials/{acme}", headers=api.headers["beta"]), 404)
    missing = assert_problem(api.client.get(f"/v1/credentials/{MISSING_ID}", headers=api.headers["beta"]), 404)
    assert foreign["type"] == missing["type"] and foreign["title"] == missing["title"]
    assert foreign["detail"] == missing["detail"].replace(MISSING_ID, acme)


# -- GET /v1/batches and /v1/batches/{id} ---------------------------------------------------------


def test_after_anchoring_the_issuer_sees_one_anchored_batch(api: Api, world: World) -> None:
    ids = [api.issue(learner_name=name)["id"] for name in ("Ana", "Bruno")]
    api.anchor_all()
    page = api.client.get("/v1/batches", headers=api.headers["acme"]).json()
    assert page["total"] == 1
    (batch,) = page["items"]
    assert batch["state"] == "anchored" and batch["size"] == 2
    assert batch["issuer_account"].lower() == world.accounts["acme"].address.lower()
    assert TX_HASH.match(batch["tx_hash"]) and batch["block_number"] > 0
    assert batch["chain_id"] == world.chain.chain_id
    assert {api.client.get(f"/v1/credentials/{i}", headers=api.headers["acme"]).json()["batch_id"] for i in ids} == {
        batch["id"]
    }
    one = api.client.get(f"/v1/batches/{batch['id']}", headers=api.headers["acme"])
    assert one.status_code == 200 and one.json() == batch


def test_batches_are_listed_newest_first_in_pages(api: Api) -> None:
    api.issue(learner_name="Ana")
    api.anchor_all()
    api.issue(learner_name="Bruno")
    api.issue(learner_name="Carla")
    api.anchor_all()
    page = api.client.get("/v1/batches", params={"limit": 1}, headers=api.headers["acme"]).json()
    rest = api.client.get("/v1/batches", params={"limit": 1, "offset": 1}, headers=api.headers["acme"]).json()
    assert page["total"] == rest["total"] == 2
    assert [b["size"] for b in page["items"] + rest["items"]] == [2, 1]
    assert page["items"][0]["id"] > rest["items"][0]["id"]


def test_another_issuer_sees_no_batch_and_cannot_read_one(api: Api) -> None:
    api.issue("acme")
    api.anchor_all()
    batch_id = api.client.get("/v1/batches", headers=api.headers["acme"]).json()["items"][0]["id"]
    assert api.client.get("/v1/batches", headers=api.headers["beta"]).json() == {"total": 0, "items": []}
    problem = assert_problem(api.client.get(f"/v1/batches/{batch_id}", headers=api.headers["beta"]), 404)
    assert str(batch_id) in problem["detail"]


def test_a_missing_batch_is_a_404_problem(api: Api) -> None:
    assert_problem(api.client.get("/v1/batches/999", headers=api.headers["acme"]), 404)


# -- status changes -------------------------------------------------------------------------------


def test_revoking_one_credential_sends_one_transaction(api: Api, world: World) -> None:
    credential = anchored_credential(api)
    response = api.client.post(f"/v1/credentials/{credential['id']}/revoke", headers=api.headers["acme"])
    assert response.status_code == 200, response.text
    change = response.json()
    assert change["action"] == "revoke"
    (transaction,) = change["transactions"]
    assert transaction["credentials"] == 1 and transaction["gas_used"] > 0
    assert transaction["issuer"].lower() == world.accounts["acme"].address.lower()
    assert TX_HASH.match(transaction["tx"])


def test_a_revoked_credential_fails_verification(api: Api) -> None:
    credential = anchored_credential(api)
    assert verify(api, credential)["verified"] is True
    api.client.post(f"/v1/credentials/{credential['id']}/revoke", headers=api.headers["acme"])
    report = verify(api, credential)
    assert report["verified"] is False
    assert outcome(report, "revocation") == "fail"
    assert [name for name, check in report["checks"].items() if check["outcome"] == "fail"] == ["revocation"]


def test_suspending_then_reinstating(api: Api) -> None:
    credential = anchored_credential(api)
    suspended = api.client.post(f"/v1/credentials/{credential['id']}/suspend", headers=api.headers["acme"])
    assert suspended.status_code == 200, suspended.text
    report = verify(api, credential)
    assert outcome(report, "suspension") == "fail" and outcome(report, "revocation") == "pass"
    reinstated = api.client.post(f"/v1/credentials/{credential['id']}/reinstate", headers=api.headers["acme"])
    assert reinstated.status_code == 200, reinstated.text
    assert reinstated.json()["action"] == "reinstate"
    report = verify(api, credential)
    assert outcome(report, "suspension") == "pass" and report["verified"] is True


def test_status_changes_send_one_transaction_per_list(api: Api) -> None:
    ids = [api.issue(learner_name=name)["id"] for name in ("Ana", "Bruno", "Carla")]
    api.anchor_all()
    change = {"action": "revoke", "credential_ids": ids}
    response = api.client.post("/v1/status-changes", json=change, headers=api.headers["acme"])
    assert response.status_code == 200, response.text
    transactions = response.json()["transactions"]
    lists = {int(entry["statusListId"]) for i in ids for entry in as_list(api.stored(i)["credentialStatus"])}
    assert len(transactions) == len(lists)
    assert sum(t["credentials"] for t in transactions) == 3
    for credential_id in ids:
        assert outcome(verify(api, api.stored(credential_id)), "revocation") == "fail"


def test_another_issuer_cannot_revoke_a_credential(api: Api, world: World) -> None:
    credential = anchored_credential(api)
    block = world.chain.block_number()
    response = api.client.post(f"/v1/credentials/{credential['id']}/revoke", headers=api.headers["beta"])
    assert_problem(response, 404)
    change = {"action": "revoke", "credential_ids": [credential["id"]]}
    assert_problem(api.client.post("/v1/status-changes", json=change, headers=api.headers["beta"]), 404)
    assert world.chain.block_number() == block
    assert verify(api, credential)["verified"] is True


def test_status_changes_for_a_missing_credential_change_nothing(api: Api, world: World) -> None:
    credential = anchored_credential(api)
    block = world.chain.block_number()
    change = {"action": "revoke", "credential_ids": [credential["id"], MISSING_ID]}
    problem = assert_problem(api.client.post("/v1/status-changes", json=change, headers=api.headers["acme"]), 404)
    assert MISSING_ID in problem["detail"]
    assert world.chain.block_number() == block
    assert verify(api, credential)["verified"] is True


def test_an_issuer_cannot_change_another_issuers_status_list(api: Api, world: World) -> None:
    # The server holds beta's key too, so only the rule (not a missing key) stops acme here.
    forged = {**anchored_credential(api), "id": f"urn:uuid:{uuid.uuid4()}"}
    forged["credentialStatus"] = [
        {**entry, "statusIssuer": world.accounts["beta"].address} for entry in as_list(forged["credentialStatus"])
    ]
    api.store.queue(forged, bytes(32), world.accounts["acme"].address)
    block = world.chain.block_number()
    change = {"action": "revoke", "credential_ids": [forged["id"]]}
    response = api.client.post("/v1/status-changes", json=change, headers=api.headers["acme"])
    problem = assert_problem(response, 403, "forbidden")
    assert problem["detail"] == f"{forged['id']} names a status list that is not this issuer's"
    assert world.chain.block_number() == block


def test_an_unknown_action_in_the_path_is_a_422_problem(api: Api) -> None:
    credential_id = api.issue()["id"]
    response = api.client.post(f"/v1/credentials/{credential_id}/destroy", headers=api.headers["acme"])
    assert "/action" in error_pointers(assert_problem(response, 422))


def test_an_unknown_action_in_the_body_is_a_422_problem(api: Api) -> None:
    change = {"action": "destroy", "credential_ids": [api.issue()["id"]]}
    response = api.client.post("/v1/status-changes", json=change, headers=api.headers["acme"])
    assert "/action" in error_pointers(assert_problem(response, 422))


# -- authentication -------------------------------------------------------------------------------

ISSUER_ROUTES = [
    ("GET", "/v1/issuer"),
    ("POST", "/v1/credentials"),
    ("POST", "/v1/credentials/bulk"),
    ("POST", "/v1/credentials/csv"),
    ("GET", "/v1/credentials"),
    ("GET", "/v1/credentials/{credential_id}"),
    ("GET", "/v1/batches"),
    ("GET", "/v1/batches/{batch_id}"),
    ("POST", "/v1/status-changes"),
    ("POST", "/v1/credentials/{credential_id}/{action}"),
]
PATH_VALUES = {"credential_id": MISSING_ID, "batch_id": "1", "action": "revoke"}


def call(api: Api, method: str, template: str, headers: dict[str, str]) -> httpx.Response:
    path = template.format(**PATH_VALUES)
    if method == "GET":
        return api.client.get(path, headers=headers)
    return api.client.post(path, json=request_body(), headers=headers)


def test_the_authentication_tests_cover_every_issuer_route() -> None:
    routes = {(method, route.path) for route in issuers.router.routes for method in route.methods}  # type: ignore[attr-defined]
    assert routes == set(ISSUER_ROUTES)


@pytest.mark.parametrize(("method", "template"), ISSUER_ROUTES)
def test_an_issuer_route_without_a_key_is_a_401_problem(api: Api, method: str, template: str) -> None:
    response = call(api, method, template, {})
    problem = assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert "API key" in problem["detail"]


@pytest.mark.parametrize(("method", "template"), ISSUER_ROUTES)
def test_an_issuer_route_with_a_body_key_is_a_403_problem(api: Api, method: str, template: str) -> None:
    problem = assert_problem(call(api, method, template, api.headers["body"]), 403)
    assert "issuer keys" in problem["detail"]


@pytest.mark.parametrize(
    "key",
    [
        "garbage",
        "cak_0123456789abcdef_nottheone",
        "cak_nosuchkey_secret",
        "",
    ],
)
def test_a_garbage_key_is_a_401_problem(api: Api, key: str) -> None:
    response = api.client.get("/v1/issuer", headers={"X-API-Key": key} if key else {"Authorization": "Bearer "})
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_key_with_a_wrong_secret_is_a_401_problem(api: Api) -> None:
    prefix, key_id, secret = key_of(api.headers["acme"]).split("_", 2)
    wrong = f"{prefix}_{key_id}_{secret[::-1]}"
    response = api.client.get("/v1/issuer", headers={"Authorization": f"Bearer {wrong}"})
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'


def test_a_revoked_key_is_a_401_problem(api: Api) -> None:
    record, secret = api.store.create_api_key("issuer", "acme")
    assert api.client.get("/v1/issuer", headers={"X-API-Key": secret}).status_code == 200
    api.store.revoke_api_key(record.id)
    response = api.client.get("/v1/issuer", headers={"X-API-Key": secret})
    problem = assert_problem(response, 401)
    assert "revoked" in problem["detail"]
    assert response.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'


@pytest.mark.parametrize("scheme", ["bearer", "x-api-key"])
def test_both_ways_of_sending_the_key_work(api: Api, scheme: str) -> None:
    secret = key_of(api.headers["beta"])
    headers = {"Authorization": f"Bearer {secret}"} if scheme == "bearer" else {"X-API-Key": secret}
    response = api.client.get("/v1/issuer", headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["issuer"] == "beta"


def test_a_key_cannot_act_for_another_issuer_by_naming_it(api: Api) -> None:
    response = api.client.post("/v1/credentials", json=request_body(issuer="beta"), headers=api.headers["acme"])
    assert "/issuer" in error_pointers(assert_problem(response, 422))
