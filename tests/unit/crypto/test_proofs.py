"""Data Integrity proofs on micro-credentials: round trips, proof sets, tampering, safe mode, DIDs."""

from __future__ import annotations

import copy
import socket
import urllib.request
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyld import jsonld

from anchor.credentials.model import Award, AwardingBody, Learner, MicroCredentialSpec, Skill, build_credential
from anchor.crypto import multibase
from anchor.crypto.did import DidResolutionError, DidResolver, did_key_from_public_key, did_web_url
from anchor.crypto.jsonld import UnknownContextError, document_loader
from anchor.crypto.keys import SigningKey
from anchor.crypto.proofs import (
    CRYPTOSUITES,
    JCS,
    RDFC,
    ProofCheck,
    ProofError,
    add_proof,
    canonical_rdf,
    create_proof,
    proofs_of,
    verify_proofs,
)
from anchor.crypto.transform import UndefinedValuesError

CREATED = "2026-06-30T10:00:00Z"
MISMATCH = "the signature does not match"
UNDEFINED = "not defined by its JSON-LD @context"
FOREIGN_CONTEXT = "https://contexts.example.com/credentials/v9"
ACHIEVEMENT = "credentialSubject.achievement"

KEY = SigningKey.generate()
OTHER_KEY = SigningKey.generate()
LOADER = document_loader()


def credential_for(key: SigningKey) -> dict[str, Any]:
    body = AwardingBody(did=key.did, name="Universidade Exemplo", country_code="PT", region="Lisboa")
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
        skills=(Skill("http://data.europa.eu/esco/skill/21d2f96d-35f7-4e3f-9745-c533d2dd6e97", "programming"),),
    )
    learner = Learner(name="Li Wei", email="li.wei@example.org", did="did:example:li")
    award = Award(
        learner,
        datetime(2026, 6, 30, tzinfo=UTC),
        grade="91%",
        credential_id="urn:uuid:1b4e28ba-2fa1-11d2-883f-0016d3cca427",
    )
    return build_credential(body, spec, award)


def sign(document: dict[str, Any], key: SigningKey = KEY, **options: Any) -> dict[str, Any]:
    options.setdefault("created", CREATED)
    return add_proof(document, key, loader=LOADER, **options)


def check(document: dict[str, Any], resolver: DidResolver | None = None) -> ProofCheck:
    """The single proof check of a document carrying one proof."""
    (result,) = verify_proofs(document, resolver or DidResolver(), loader=LOADER)
    return result


def with_value(document: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A deep copy with the dotted `path` (list indexes as numbers) set to `value`, or removed for DELETE."""
    result = copy.deepcopy(document)
    *parents, last = path.split(".")
    target: Any = result
    for step in parents:
        target = target[int(step)] if isinstance(target, list) else target[step]
    key: Any = int(last) if isinstance(target, list) else last
    if value is DELETE:
        del target[key]
    else:
        target[key] = value
    return result


DELETE = object()


@pytest.fixture(scope="module")
def unsigned() -> dict[str, Any]:
    return credential_for(KEY)


@pytest.fixture(scope="module", params=CRYPTOSUITES)
def suite(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="module")
def signed(unsigned: dict[str, Any], suite: str) -> dict[str, Any]:
    return sign(unsigned, cryptosuite=suite)


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Fails any attempt to open a connection or fetch a URL; returns the attempts it saw."""
    attempts: list[str] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        attempts.append(repr(args[:2]))
        raise AssertionError(f"unexpected network access: {args[:2]!r}")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    return attempts


# -- round trips -----------------------------------------------------------------------------------


def test_sign_and_verify(signed, suite):
    proof = signed["proof"]
    assert proof["type"] == "DataIntegrityProof"
    assert proof["cryptosuite"] == suite
    assert proof["created"] == CREATED
    assert proof["proofPurpose"] == "assertionMethod"
    assert proof["verificationMethod"] == KEY.verification_method
    assert proof["proofValue"].startswith("z")
    result = check(signed)
    assert result == ProofCheck(True, "signature verified", suite, KEY.verification_method, KEY.did, "assertionMethod")


def test_only_the_jcs_proof_carries_the_context(signed, suite, unsigned):
    if suite == JCS:
        assert signed["proof"]["@context"] == unsigned["@context"]
    else:
        assert "@context" not in signed["proof"]


def test_signing_does_not_change_the_input(unsigned, suite):
    before = copy.deepcopy(unsigned)
    secured = sign(unsigned, cryptosuite=suite)
    assert unsigned == before
    assert {k: v for k, v in secured.items() if k != "proof"} == unsigned


def test_signatures_are_deterministic(unsigned, suite, signed):
    assert sign(unsigned, cryptosuite=suite) == signed


def test_unknown_cryptosuite_is_refused(unsigned):
    with pytest.raises(ValueError, match="unknown cryptosuite 'eddsa-2022'"):
        sign(unsigned, cryptosuite="eddsa-2022")


CONTROL = "".join(map(chr, [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F]))
#: text as a roster or a form gives it: any character but the C0 controls rdfc refuses (tab, CR, LF are fine)
TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters=CONTROL), min_size=1, max_size=30)
#: strings that look like IRIs, compact IRIs (name:, ex:), blank nodes or nothing in particular
IRI_LIKE = st.one_of(
    TEXT,
    st.from_regex(r"(https?|urn|did|name|ex|_|id):[A-Za-z0-9:/._#%-]{0,16}", fullmatch=True),
    st.sampled_from(["https://a b", "relative/path", "#fragment", "did:example:ana", "urn:uuid:x"]),
)
SLOW = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SLOW
@given(name=TEXT, other=TEXT)
def test_any_title_round_trips_and_any_change_is_caught(unsigned, suite, name, other):
    document = sign(with_value(unsigned, "name", name), cryptosuite=suite)
    assert check(document).verified
    if other != name:
        assert not check(with_value(document, "name", other)).verified


def pyld_canonical(document: dict[str, Any]) -> str:
    options = {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": LOADER}
    return jsonld.normalize(document, options)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    values=st.fixed_dictionaries(
        {
            "name": TEXT,
            "credentialSubject.id": IRI_LIKE,
            "issuer.url": IRI_LIKE,
            f"{ACHIEVEMENT}.id": IRI_LIKE,
            f"{ACHIEVEMENT}.learningOutcomes.0": TEXT,
            f"{ACHIEVEMENT}.alignment.0.targetUrl": IRI_LIKE,
            "credentialSubject.result.0.value": TEXT,
        }
    )
)
def test_rdfc_canonical_form_is_pyld_urdna2015(unsigned, values):
    """Documents of one shape take credanchor's template path; the N-Quads must be pyld's all the same."""
    document = unsigned
    for path, value in values.items():
        document = with_value(document, path, value)
    assert canonical_rdf(document, LOADER) == pyld_canonical(document)


# -- proof sets ------------------------------------------------------------------------------------


def test_a_proof_set_holds_two_proofs_that_both_verify(unsigned):
    once = sign(unsigned, cryptosuite=RDFC)
    twice = sign(once, OTHER_KEY, cryptosuite=JCS)
    assert isinstance(twice["proof"], list) and len(twice["proof"]) == 2
    assert twice["proof"][0] == once["proof"]
    assert isinstance(once["proof"], dict)  # the first document is unchanged
    results = verify_proofs(twice, DidResolver(), loader=LOADER)
    assert [(r.verified, r.cryptosuite, r.controller) for r in results] == [
        (True, RDFC, KEY.did),
        (True, JCS, OTHER_KEY.did),
    ]


def test_each_proof_of_a_set_signs_the_document_without_proofs(unsigned, suite):
    first = sign(unsigned, cryptosuite=suite)
    both = sign(first, OTHER_KEY, cryptosuite=suite)
    alone = create_proof(unsigned, OTHER_KEY, cryptosuite=suite, created=CREATED, loader=LOADER)
    assert both["proof"][1] == alone
    # each proof verifies on its own, without the other
    for proof in both["proof"]:
        assert check({**unsigned, "proof": proof}).verified


def test_a_third_proof_extends_the_set(unsigned):
    three = sign(sign(sign(unsigned), OTHER_KEY), cryptosuite=JCS)
    assert len(proofs_of(three)) == 3
    assert all(r.verified for r in verify_proofs(three, DidResolver(), loader=LOADER))


def test_tampering_breaks_every_proof_of_a_set(unsigned):
    both = sign(sign(unsigned, cryptosuite=RDFC), OTHER_KEY, cryptosuite=JCS)
    results = verify_proofs(with_value(both, "name", "Forged"), DidResolver(), loader=LOADER)
    assert [r.verified for r in results] == [False, False]


def test_each_proof_of_a_set_gets_its_own_outcome(unsigned):
    both = sign(sign(unsigned, cryptosuite=RDFC), OTHER_KEY, cryptosuite=JCS)
    both["proof"][1]["created"] = "2020-01-01T00:00:00Z"
    results = verify_proofs(both, DidResolver(), loader=LOADER)
    assert [(r.verified, r.controller) for r in results] == [(True, KEY.did), (False, OTHER_KEY.did)]
    assert results[1].reason.startswith(MISMATCH)


def test_a_document_without_proofs_has_nothing_to_verify(unsigned):
    assert verify_proofs(unsigned, DidResolver(), loader=LOADER) == []


# -- tampering with the credential -----------------------------------------------------------------

CREDENTIAL_TAMPERS = [
    ("name", "Advanced Solidity"),
    ("id", "urn:uuid:00000000-0000-4000-8000-000000000000"),
    ("validFrom", "2020-01-01T00:00:00Z"),
    ("issuer.name", "Universidade Falsa"),
    ("issuer.address.addressCountryCode", "ES"),
    ("credentialSubject.id", "did:example:mallory"),
    ("credentialSubject.identifier.0.identityHash", "Mallory"),
    ("credentialSubject.identifier.1.identityHash", "sha256$" + "0" * 64),
    (f"{ACHIEVEMENT}.name", "Advanced Solidity"),
    (f"{ACHIEVEMENT}.learningOutcomes.1", "Deploy a contract to mainnet"),
    (f"{ACHIEVEMENT}.eqfLevel", 7),
    (f"{ACHIEVEMENT}.ectsCredits", 25),
    (f"{ACHIEVEMENT}.workloadHours", 500),
    (f"{ACHIEVEMENT}.participationForm", "onsite"),
    (f"{ACHIEVEMENT}.alignment.0.targetUrl", "http://data.europa.eu/esco/skill/other"),
    ("credentialSubject.result.0.value", "100%"),
    ("credentialSubject.creditsEarned", DELETE),
    # new fields the contexts define
    ("validUntil", "2030-01-01T00:00:00Z"),
    (f"{ACHIEVEMENT}.nqfLevel", "NQF 7"),
    ("credentialSubject.achievement.criteria.id", "https://uni.example/criteria"),
]


@pytest.mark.parametrize(("path", "value"), CREDENTIAL_TAMPERS, ids=[p for p, _ in CREDENTIAL_TAMPERS])
def test_changing_the_credential_breaks_the_proof(signed, path, value):
    assert check(signed).verified
    result = check(with_value(signed, path, value))
    assert not result.verified
    assert result.reason.startswith(MISMATCH)
    assert "the document or its proof options were changed" in result.reason


def test_reordering_the_learning_outcomes_breaks_the_proof(signed):
    outcomes = signed["credentialSubject"]["achievement"]["learningOutcomes"]
    result = check(with_value(signed, f"{ACHIEVEMENT}.learningOutcomes", outcomes[::-1]))
    assert not result.verified and result.reason.startswith(MISMATCH)


# -- tampering with the proof ----------------------------------------------------------------------


def _other_base58(text: str, index: int) -> str:
    replacement = "2" if text[index] != "2" else "3"
    return text[:index] + replacement + text[index + 1 :]


def proof_tampers(signed: dict[str, Any], suite: str) -> dict[str, tuple[Any, str]]:
    """Proof field → (new value, what the reason must say)."""
    other_suite = JCS if suite == RDFC else RDFC
    return {
        "created": ("2020-01-01T00:00:00Z", MISMATCH),
        "verificationMethod": (OTHER_KEY.verification_method, "or it was signed with another key"),
        "proofPurpose": ("authentication", MISMATCH),
        "cryptosuite": (other_suite, MISMATCH),
        "proofValue": (_other_base58(signed["proof"]["proofValue"], 10), MISMATCH),
        "type": ("Ed25519Signature2020", "unsupported proof Ed25519Signature2020/"),
    }


@pytest.mark.parametrize(
    "field", ["created", "verificationMethod", "proofPurpose", "cryptosuite", "proofValue", "type"]
)
def test_changing_a_proof_field_breaks_the_proof(signed, suite, field):
    value, reason = proof_tampers(signed, suite)[field]
    result = check(with_value(signed, f"proof.{field}", value))
    assert not result.verified
    assert reason in result.reason


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("proofValue", "z0OIl", "'0' is not a base58-btc character"),
        ("proofValue", "uAAAA", "expected a base58-btc multibase value starting with 'z'"),
        ("proofValue", "z2", "the proofValue holds 1 bytes, not a 64-byte Ed25519 signature"),
        ("proofValue", "z" + "2" * 91, "too long for a 64-byte Ed25519 signature"),
        ("proofValue", DELETE, "the proof has no proofValue"),
        ("verificationMethod", DELETE, "the proof has no verificationMethod"),
        ("verificationMethod", KEY.did, "has no #fragment"),
        ("verificationMethod", "did:key:z6Mkfoo#z6Mkfoo", "is not a multibase-encoded Ed25519 did:key"),
        ("verificationMethod", "did:example:123#key-1", "unsupported DID method"),
        ("verificationMethod", f"{KEY.did}#key-2", "has no verification method"),
        ("proofPurpose", 5, "the proof has no proofPurpose"),
        ("nonce", "added-after-signing", MISMATCH),
    ],
)
def test_malformed_proofs_say_what_is_wrong(signed, field, value, reason):
    result = check(with_value(signed, f"proof.{field}", value))
    assert not result.verified
    assert reason in result.reason


def test_the_documents_context_must_start_with_the_jcs_proofs(unsigned):
    signed = sign(unsigned, cryptosuite=JCS)
    result = check(with_value(signed, "proof.@context", ["https://example.org/other-context"]))
    assert not result.verified
    assert result.reason == "the document's @context does not start with the proof's"


def test_a_jcs_proof_signs_its_own_context(unsigned):
    # vc-di-eddsa: the document's @context may start with the proof's; the proof's is what was signed.
    signed = sign(unsigned, cryptosuite=JCS)
    extended = {**signed, "@context": [*signed["@context"], "https://w3id.org/security/data-integrity/v2"]}
    assert check(extended).verified
    shortened = with_value(signed, "proof.@context", signed["@context"][:1])
    result = check(shortened)
    assert not result.verified
    assert result.reason.startswith("the signature does not match")


def test_a_proof_that_is_not_an_object_fails(unsigned):
    (result,) = verify_proofs({**unsigned, "proof": "zabc"}, DidResolver(), loader=LOADER)
    assert result == ProofCheck(False, "a proof must be a JSON object")


def test_a_proof_of_an_unknown_cryptosuite_fails_and_is_never_skipped(signed):
    (check,) = verify_proofs(with_value(signed, "proof.cryptosuite", "eddsa-2022"), DidResolver(), loader=LOADER)
    assert not check.verified and "unsupported proof DataIntegrityProof/eddsa-2022" in check.reason


def test_proofs_handled_elsewhere_are_left_to_their_verifier(signed):
    cryptosuite = signed["proof"]["cryptosuite"]
    assert verify_proofs(signed, DidResolver(), loader=LOADER, handled_elsewhere=(cryptosuite,)) == []


def test_verifying_against_another_keys_did_fails(unsigned, suite):
    """The proof names KEY's method, but the resolver's document for that DID holds another key."""
    web_key = SigningKey.generate(did_web="did:web:uni.example")
    impostor = SigningKey.generate(did_web="did:web:uni.example")
    signed = sign(credential_for(web_key), web_key, cryptosuite=suite)
    result = check(signed, DidResolver(documents={impostor.did: impostor.did_document()}))
    assert not result.verified
    assert "signed with another key" in result.reason
    assert check(signed, DidResolver(documents={web_key.did: web_key.did_document()})).verified


def test_a_small_order_did_key_signs_nothing(unsigned, suite):
    """The identity point as a public key with R = identity, S = 0 satisfies the cofactorless
    equation for every message (OpenSSL accepts it): a credential naming such a did:key as its issuer
    (or a holder's) would verify for anyone. libsodium refuses small-order keys."""
    identity = bytes([1]) + bytes(31)
    did = did_key_from_public_key(identity)
    forged = copy.deepcopy(unsigned)
    forged["issuer"]["id"] = did
    signature = identity + bytes(32)  # R = the identity point, S = 0
    forged["proof"] = {"type": "DataIntegrityProof", "cryptosuite": suite, "created": CREATED,
                       "verificationMethod": f"{did}#{did.removeprefix('did:key:')}",
                       "proofPurpose": "assertionMethod", "proofValue": multibase.encode(signature)}  # fmt: skip
    if suite == JCS:
        forged["proof"]["@context"] = forged["@context"]
    (result,) = verify_proofs(forged, DidResolver(), loader=LOADER)
    assert not result.verified
    assert MISMATCH in result.reason


# -- proof purposes ------------------------------------------------------------------------------


def test_a_purpose_the_method_is_not_authorized_for_fails(unsigned, suite):
    signed = sign(unsigned, cryptosuite=suite, proof_purpose="keyAgreement")
    result = check(signed)
    assert not result.verified
    assert result.reason == f"{KEY.verification_method} is not authorized for keyAgreement"


def test_a_did_document_that_only_authorizes_authentication(suite, no_network):
    key = SigningKey.generate(did_web="did:web:uni.example")
    document = {**key.did_document(), "assertionMethod": []}
    resolver = DidResolver(documents={key.did: document})
    credential = credential_for(key)
    asserted = check(sign(credential, key, cryptosuite=suite), resolver)
    assert not asserted.verified
    assert asserted.reason == "did:web:uni.example#key-1 is not authorized for assertionMethod"
    authenticated = check(sign(credential, key, cryptosuite=suite, proof_purpose="authentication"), resolver)
    assert authenticated.verified, authenticated.reason
    assert no_network == []


def test_embedded_and_relative_method_references_authorize(suite):
    key = SigningKey.generate(did_web="did:web:uni.example")
    document = key.did_document()
    method = document["verificationMethod"][0]
    document = {**document, "verificationMethod": [{**method, "id": "#key-1"}], "assertionMethod": [method]}
    assert check(sign(credential_for(key), key, cryptosuite=suite), DidResolver(documents={key.did: document})).verified


# -- JSON-LD safe mode and contexts ----------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "undefinedTerm",
        "issuer.undefinedTerm",
        f"{ACHIEVEMENT}.undefinedTerm",
        f"{ACHIEVEMENT}.alignment.0.undefinedTerm",
    ],
)
def test_an_undefined_term_makes_rdfc_signing_fail(unsigned, path):
    with pytest.raises(ProofError, match=UNDEFINED) as refused:
        sign(with_value(unsigned, path, "smuggled"), cryptosuite=RDFC)
    # the signer is told where: the member's path, list positions in brackets
    named = path.replace(".0.", "[0].")
    assert isinstance(refused.value, UndefinedValuesError) and refused.value.paths == (named,)
    assert f"({named})" in str(refused.value)


def test_every_undefined_value_is_named_and_a_value_under_an_undefined_term_counts_once(unsigned):
    smuggled = with_value(with_value(unsigned, "undefinedTerm", {"nested": ["a", "b"]}), "issuer.other", "x")
    with pytest.raises(UndefinedValuesError) as refused:
        sign(smuggled, cryptosuite=RDFC)
    assert refused.value.lost == 3 and set(refused.value.paths) == {"undefinedTerm", "issuer.other"}


def test_an_undefined_term_makes_rdfc_verification_fail(unsigned):
    signed = sign(unsigned, cryptosuite=RDFC)
    result = check(with_value(signed, f"{ACHIEVEMENT}.undefinedTerm", "smuggled"))
    assert not result.verified
    assert UNDEFINED in result.reason


def test_an_undefined_term_in_an_rdfc_proof_fails(unsigned):
    result = check(with_value(sign(unsigned, cryptosuite=RDFC), "proof.undefinedTerm", "x"))
    assert not result.verified
    assert UNDEFINED in result.reason


def test_a_context_that_is_not_bundled_is_never_fetched(unsigned, no_network):
    foreign = with_value(unsigned, "@context", [*unsigned["@context"], FOREIGN_CONTEXT])
    with pytest.raises(UnknownContextError, match=FOREIGN_CONTEXT.replace(".", r"\.")) as caught:
        sign(foreign, cryptosuite=RDFC)
    assert "is not bundled with credanchor and is never fetched" in str(caught.value)

    signed = sign(unsigned, cryptosuite=RDFC)
    result = check(with_value(signed, "@context", foreign["@context"]))
    assert not result.verified
    assert FOREIGN_CONTEXT in result.reason
    assert no_network == []


def test_the_default_loader_is_offline_too(unsigned, no_network):
    foreign = with_value(unsigned, "@context", [*unsigned["@context"], FOREIGN_CONTEXT])
    with pytest.raises(UnknownContextError, match="never fetched"):
        add_proof(foreign, KEY, cryptosuite=RDFC)
    assert no_network == []


def test_a_language_tagged_value_can_be_signed(unsigned):
    tagged = with_value(unsigned, "name", {"@value": "Introdução ao Solidity", "@language": "pt"})
    assert check(sign(tagged, cryptosuite=RDFC)).verified


def test_a_json_literal_can_be_signed():
    document = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "https://uni.example/schemas/micro",
        "type": ["VerifiableCredential", "JsonSchemaCredential"],
        "issuer": KEY.did,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {
            "id": "https://uni.example/schemas/micro#schema",
            "type": "JsonSchema",
            "jsonSchema": {"type": "object", "required": ["name"]},
        },
    }
    assert check(sign(document, cryptosuite=RDFC)).verified


def test_the_network_guard_catches_a_fetch(no_network):
    """The guard the offline tests rely on does notice a fetch (here an allowed did:web download)."""
    with pytest.raises(AssertionError, match="unexpected network access"):
        DidResolver(allow_network=True).document("did:web:uni.example")
    assert no_network != []


# -- did:web -------------------------------------------------------------------------------------


def test_did_web_signing_and_verification(suite, no_network):
    key = SigningKey.generate(did_web="did:web:uni.example")
    assert key.did == "did:web:uni.example"
    assert key.verification_method == "did:web:uni.example#key-1"
    signed = sign(credential_for(key), key, cryptosuite=suite)
    assert signed["issuer"]["id"] == "did:web:uni.example"

    known = check(signed, DidResolver(documents={key.did: key.did_document()}))
    assert known == ProofCheck(
        True, "signature verified", suite, "did:web:uni.example#key-1", "did:web:uni.example", "assertionMethod"
    )

    unknown = check(signed, DidResolver())
    assert not unknown.verified
    assert unknown.reason == (
        "did:web:uni.example is a did:web DID whose document is not known here; add it to the resolver "
        "or allow fetching it over HTTPS"
    )
    assert no_network == []


def test_a_did_document_added_later_is_used(suite):
    key = SigningKey.generate(did_web="did:web:uni.example:issuers:1")
    resolver = DidResolver()
    signed = sign(credential_for(key), key, cryptosuite=suite)
    assert not check(signed, resolver).verified
    resolver.add(key.did_document())
    assert check(signed, resolver).verified


@pytest.mark.parametrize(
    ("did", "url"),
    [
        ("did:web:example.edu", "https://example.edu/.well-known/did.json"),
        ("did:web:example.edu:issuers:1", "https://example.edu/issuers/1/did.json"),
        ("did:web:example.edu%3A8443", "https://example.edu:8443/.well-known/did.json"),
        ("did:web:localhost%3A8443:users:alice", "https://localhost:8443/users/alice/did.json"),
    ],
)
def test_did_web_url(did, url):
    assert did_web_url(did) == url


@pytest.mark.parametrize(
    "did", ["did:web:", "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2", "https://example.edu"]
)
def test_did_web_url_refuses_other_dids(did):
    with pytest.raises(DidResolutionError, match="is not a did:web DID"):
        did_web_url(did)


def test_a_did_web_key_needs_a_did_web_did():
    with pytest.raises(DidResolutionError):
        SigningKey.generate(did_web="https://uni.example")
