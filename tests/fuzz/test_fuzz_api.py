"""Fuzzing the verification endpoints: POST /v1/verify, /credentials/verify and /presentations/verify.

The app and the two issuers (acme, beta) of tests/api/conftest.py, one per module: each issues a few
credentials through the API (eddsa-jcs-2022, one eddsa-rdfc-2022), all are anchored, and the stored
anchored credentials are the seed corpus. Mutated seeds (conftest.MUTATIONS) and arbitrary JSON bodies
are posted, bare and wrapped: no answer may be a 5xx, and a mutated credential must never be verified
(200 with verified true; for the VC API, a 200) when the mutation changed what is verified.

Default run: 100 derandomised examples per test. ``CREDANCHOR_FUZZ_EXAMPLES=N`` raises every test to N
random examples.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anchor.credentials.anchor_proofs import anchor_proofs_of
from anchor.credentials.qr import COMPACT_PREFIX, b45encode
from tests.api.conftest import ISSUERS, Api, api_client, world  # noqa: F401  (world: the session fixture)

from .conftest import Corpus, Seed, deep_json_texts, fuzz_settings, json_values, must_fail, mutate

VP_CONTEXT = "https://www.w3.org/ns/credentials/v2"
ROUTES = ("/v1/verify", "/credentials/verify", "/presentations/verify")


class Fuzzed:
    def __init__(self, api: Api) -> None:
        self.api = api
        self.corpus = Corpus(seeds=[])
        ids: list[tuple[str, str]] = []
        for slug in ISSUERS:
            for n, suite in enumerate(["eddsa-jcs-2022", "eddsa-jcs-2022", "eddsa-jcs-2022", "eddsa-rdfc-2022"]):
                issued = api.issue(slug, learner_name=f"Learner {slug} {n} Zoë", cryptosuite=suite)
                ids.append((slug, issued.get("id") or issued["credential"]["id"]))
        api.anchor_all()
        for slug, credential_id in ids:
            credential = api.stored(credential_id, who=slug)
            (proof,) = anchor_proofs_of(credential)
            self.corpus.seeds.append(Seed(credential))
            self.corpus.roots[f"{slug}:{proof['merkleRoot']}"] = proof["merkleRoot"]
            self.corpus.accounts[slug] = proof["anchoredBy"]
            issuer = credential["issuer"]
            self.corpus.dids[slug] = issuer["id"] if isinstance(issuer, dict) else issuer

    def post(self, route: str, body: Any) -> Any:
        # ensure_ascii: lone surrogates travel as \\u escapes, as any JSON client may send them
        content = json.dumps(body, ensure_ascii=True)
        response = self.api.client.post(route, content=content, headers={"Content-Type": "application/json"})
        assert response.status_code < 500, f"{response.status_code} from {route}: {response.text[:2000]}"
        return response


@pytest.fixture(scope="module")
def fuzzed(world: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzzed]:  # noqa: F811
    with api_client(world, tmp_path_factory.mktemp("fuzz-api") / "api.sqlite") as api:
        made = Fuzzed(api)
        for seed in made.corpus.seeds:  # the corpus verifies on every route
            assert made.post("/v1/verify", seed.credential).json()["verified"] is True
            assert made.post("/credentials/verify", {"verifiableCredential": seed.credential}).status_code == 200
        yield made


def wrap(route: str, credential: Any, data: Any, holder: Any) -> tuple[Any, str]:
    """The request body for `route` carrying `credential`, and the profile that route verifies with."""
    if route == "/v1/verify":
        if data.draw(st.booleans()):
            return credential, "microcredential"
        return {"verifiableCredential": credential}, "microcredential"
    if route == "/credentials/verify":
        return {"verifiableCredential": credential}, "vc"
    presentation = {"@context": [VP_CONTEXT], "type": ["VerifiablePresentation"], "holder": holder,
                    "verifiableCredential": [credential]}  # fmt: skip
    return {"presentation": presentation}, "vc"


def verified(route: str, response: Any) -> bool:
    if route == "/v1/verify":
        return response.status_code == 200 and response.json().get("verified") is True
    return response.status_code == 200


@fuzz_settings(100)
@given(data=st.data())
def test_mutated_credentials_get_no_5xx_and_never_verify(fuzzed: Fuzzed, data: Any) -> None:
    seed = data.draw(st.sampled_from(fuzzed.corpus.seeds))
    names, credential = mutate(data.draw, fuzzed.corpus, seed)
    route = data.draw(st.sampled_from(ROUTES))
    subject = seed.credential.get("credentialSubject")
    holder = subject.get("id") if isinstance(subject, dict) else None
    body, profile = wrap(route, credential, data, holder)
    response = fuzzed.post(route, body)
    if must_fail(seed.credential, credential, profile, fuzzed.corpus.genuine):
        assert not verified(route, response), f"false pass on {route} after {names}: {response.text[:3000]}"


@fuzz_settings(100)
@given(route=st.sampled_from(ROUTES), body=json_values(), wrapper=st.sampled_from([None, "verifiableCredential",
       "verifiablePresentation", "presentation", "options"]))  # fmt: skip
def test_arbitrary_bodies_get_no_5xx_and_never_verify(fuzzed: Fuzzed, route: str, body: Any, wrapper: Any) -> None:
    response = fuzzed.post(route, body if wrapper is None else {wrapper: body})
    assert not verified(route, response), response.text[:3000]


@fuzz_settings(100)
@given(data=st.data())
def test_presentations_with_junk_members_get_no_5xx(fuzzed: Fuzzed, data: Any) -> None:
    seed = data.draw(st.sampled_from(fuzzed.corpus.seeds))
    names, credential = mutate(data.draw, fuzzed.corpus, seed)
    presentation: dict[str, Any] = {"@context": [VP_CONTEXT], "type": ["VerifiablePresentation"],
                                    "verifiableCredential": [credential]}  # fmt: skip
    member = data.draw(st.sampled_from(["holder", "proof", "id", "@context", "type", "verifiableCredential"]))
    presentation[member] = data.draw(json_values())
    options = data.draw(st.none() | st.fixed_dictionaries({"challenge": json_values(), "domain": json_values()}))
    route = data.draw(st.sampled_from(["/v1/verify", "/presentations/verify"]))
    key = data.draw(st.sampled_from(["verifiablePresentation", "presentation"])) if route != "/v1/verify" else None
    body: Any = {key or "verifiablePresentation": presentation, "options": options}
    if route == "/v1/verify" and data.draw(st.booleans()):
        body = {**presentation, "options": options}
    response = fuzzed.post(route, body)
    if must_fail(
        seed.credential, credential, "microcredential" if route == "/v1/verify" else "vc", fuzzed.corpus.genuine
    ):
        assert presentation["verifiableCredential"] != [credential] or not verified(route, response), names


@fuzz_settings(60)
@given(
    text=deep_json_texts(),
    route=st.sampled_from([*ROUTES, "/v1/qr", "/v1/credentials"]),
    content_type=st.sampled_from(["application/json", "application/ld+json", "application/vc+json", None]),
)
def test_deeply_nested_bodies_are_refused_before_any_route(
    fuzzed: Fuzzed, text: str, route: str, content_type: str | None
) -> None:
    # Issue 19, item 1: nested brackets recursed through the parser until the worker died.
    headers = {} if content_type is None else {"Content-Type": content_type}
    response = fuzzed.api.client.post(route, content=text.encode(), headers=headers)
    assert response.status_code == 400, response.text[:500]
    assert response.json()["type"].endswith("#too-deeply-nested")


@fuzz_settings(30)
@given(text=deep_json_texts(max_depth=200_000))
def test_qr_texts_that_inflate_to_deep_nesting_are_refused(fuzzed: Fuzzed, text: str) -> None:
    compact = COMPACT_PREFIX + b45encode(zlib.compress(text.encode(), 9))
    response = fuzzed.post("/v1/qr/decode", {"text": compact})
    if len(text.encode()) <= 256 * 1024:  # larger is refused for its size first
        assert response.status_code == 400 and "levels deep" in response.json()["detail"], response.text[:500]
