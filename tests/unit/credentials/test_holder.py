"""The holder's side (anchor/credentials/holder.py): holder keys at rest, and presentations verified by
anchor.credentials.presentation — plain VCs without a chain, and anchored micro-credentials on the embedded chain."""

from __future__ import annotations

import base64
import copy
import json
import stat
from datetime import UTC, datetime
from functools import partial
from typing import Any

import pytest

from anchor import Chain
from anchor.anchoring.batches import anchor_credentials
from anchor.chain.deployment import deploy_contracts
from anchor.chain.view import ChainReader
from anchor.credentials.holder import create_holder_key, holder_did_document, load_holder_key, present, subject_ids
from anchor.credentials.issuance import CredentialIssuer
from anchor.credentials.model import Award, AwardingBody, Learner
from anchor.credentials.presentation import PRESENTATION_CHECKS, verify_presentation
from anchor.credentials.verify import CHECKS, Verifier
from anchor.crypto.keys import KeyFileError, SigningKey
from anchor.crypto.proofs import JCS, RDFC, add_proof
from anchor.errors import ConfigurationError
from anchor.tools.bench import BENCH_SPEC
from tests.unit.credentials.keys import key

VC_V2 = "https://www.w3.org/ns/credentials/v2"
PASSPHRASE = "the holder's own long passphrase"
SUITES = (RDFC, JCS)


issuer = partial(key, "issuer")
holder = partial(key, "holder")
other_holder = partial(key, "other_holder")


def credential(subject_id: str | None = None, name: str = "Ana", **changes: Any) -> dict[str, Any]:
    """A plain VC 2.0 credential signed by `issuer()`, issued to the holder unless another subject is given."""
    unsigned: dict[str, Any] = {
        "@context": [VC_V2],
        "type": ["VerifiableCredential"],
        "issuer": issuer().did,
        "credentialSubject": {"id": subject_id or holder().did, "name": name},
    }
    unsigned.update(changes)
    return add_proof(unsigned, issuer())


def verifier() -> Verifier:
    return Verifier(None, profile="vc")


def outcomes(report: Any) -> dict[str, str]:
    return {c.name: c.outcome.value for c in report.checks}


def failing(report: Any) -> list[str]:
    return [name for name, outcome in outcomes(report).items() if outcome == "fail"]


def resigned(vp: dict[str, Any], key: SigningKey, **changes: Any) -> dict[str, Any]:
    """`vp` without its proof, changed, and signed for the same challenge and domain by `key`."""
    proof = vp["proof"]
    unsigned = {k: v for k, v in vp.items() if k != "proof"} | changes
    return add_proof(unsigned, key, cryptosuite=proof["cryptosuite"], proof_purpose="authentication",
                     challenge=proof.get("challenge"), domain=proof.get("domain"))  # fmt: skip


# -- holder keys ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def key_file(tmp_path_factory) -> tuple[Any, SigningKey]:
    path = tmp_path_factory.mktemp("holder") / "holder-key.json"
    return path, create_holder_key(path, PASSPHRASE)


def test_a_holder_key_is_a_did_key_that_loads_back(key_file):
    path, key = key_file
    assert key.did.startswith("did:key:z6Mk")
    assert key.verification_method == f"{key.did}#{key.did.removeprefix('did:key:')}"
    loaded = load_holder_key(path, PASSPHRASE)
    assert (loaded.did, loaded.verification_method, loaded.public_key) == (
        key.did, key.verification_method, key.public_key,
    )  # fmt: skip
    assert loaded.sign(b"challenge") == key.sign(b"challenge")  # Ed25519 is deterministic: the same private key


def test_the_key_file_holds_no_private_key_in_plain_text(key_file):
    path, key = key_file
    text = path.read_text()
    seed = key.private_key.private_bytes_raw()
    for encoding in (seed.hex(), base64.b64encode(seed).decode(), base64.urlsafe_b64encode(seed).decode().rstrip("=")):
        assert encoding not in text
    assert "privateKey" not in text and "z3u2" not in text  # no multibase Ed25519 private key either
    document = json.loads(text)
    assert document["did"] == key.did
    assert document["encryptedPrivateKey"].startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")


def test_the_key_file_is_readable_by_its_owner_only(key_file):
    path, _ = key_file
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_wrong_passphrase_is_a_clear_error(key_file):
    path, _ = key_file
    with pytest.raises(KeyFileError, match="wrong passphrase"):
        load_holder_key(path, "not the holder's passphrase")


def test_an_existing_key_file_is_never_overwritten(key_file):
    path, key = key_file
    before = path.read_bytes()
    with pytest.raises(KeyFileError, match="already exists"):
        create_holder_key(path, PASSPHRASE)
    assert path.read_bytes() == before
    assert load_holder_key(path, PASSPHRASE).did == key.did


def test_a_short_passphrase_is_refused_and_writes_nothing(tmp_path):
    path = tmp_path / "key.json"
    with pytest.raises(ConfigurationError, match="at least 12 characters"):
        create_holder_key(path, "short")
    assert not path.exists()


def test_a_missing_key_file_says_how_to_create_one(tmp_path):
    with pytest.raises(KeyFileError, match="credanchor holder create"):
        load_holder_key(tmp_path / "missing.json", PASSPHRASE)
    with pytest.raises(KeyFileError, match="credanchor holder create"):
        holder_did_document(tmp_path / "missing.json")


def test_a_file_that_is_not_a_key_file_is_refused(tmp_path):
    path = tmp_path / "credential.json"
    path.write_text(json.dumps(credential()))
    with pytest.raises(KeyFileError, match="not a credanchor key file"):
        load_holder_key(path, PASSPHRASE)


def test_the_did_document_needs_no_passphrase(key_file):
    path, key = key_file
    document = holder_did_document(path)
    assert document == key.did_document()
    assert document["id"] == key.did
    assert key.verification_method in document["authentication"]


# -- presenting -------------------------------------------------------------------------------------


@pytest.mark.parametrize("suite", SUITES)
def test_a_presentation_verifies_with_every_check(suite):
    vp = present([credential()], holder(), challenge="c-123", domain="jobs.example", cryptosuite=suite)
    report = verify_presentation(vp, verifier(), challenge="c-123", domain="jobs.example")
    assert report.verified
    assert outcomes(report) == dict.fromkeys(PRESENTATION_CHECKS, "pass")
    assert [r.verified for r in report.credentials] == [True]
    assert report.holder == holder().did
    assert vp["@context"] == [VC_V2] and vp["type"] == ["VerifiablePresentation"] and vp["holder"] == holder().did
    assert vp["id"].startswith("urn:uuid:") and report.presentation_id == vp["id"]
    proof = vp["proof"]
    assert (proof["type"], proof["cryptosuite"], proof["proofPurpose"]) == ("DataIntegrityProof", suite,
                                                                            "authentication")  # fmt: skip
    assert (proof["challenge"], proof["domain"]) == ("c-123", "jobs.example")
    assert proof["verificationMethod"] == holder().verification_method


def test_a_presentation_of_several_credentials():
    vp = present([credential(name="Ana"), credential(name="Ana Sousa")], holder(), challenge="c", domain=None)
    report = verify_presentation(vp, verifier(), challenge="c")
    assert report.verified and len(report.credentials) == 2
    assert "2 credential(s) issued to the holder" in report.check("holder_binding").reason
    assert "domain" not in vp["proof"]
    assert outcomes(report)["domain"] == "not_applicable"


def test_the_given_presentation_id_is_used():
    vp = present([credential()], holder(), challenge="c", domain=None, presentation_id="urn:uuid:1234")
    assert vp["id"] == "urn:uuid:1234"
    assert verify_presentation(vp, verifier(), challenge="c").presentation_id == "urn:uuid:1234"


def test_two_presentations_get_different_ids():
    first, second = (present([credential()], holder(), challenge="c", domain=None) for _ in range(2))
    assert first["id"] != second["id"]


def test_the_presentation_holds_copies_of_the_credentials():
    original = credential()
    vp = present([original], holder(), challenge="c", domain=None)
    original["credentialSubject"]["name"] = "Eve"
    assert vp["verifiableCredential"][0]["credentialSubject"]["name"] == "Ana"
    assert verify_presentation(vp, verifier(), challenge="c").verified


@pytest.mark.parametrize("suite", SUITES)
def test_a_replay_with_another_challenge_fails_the_challenge_check(suite):
    vp = present([credential()], holder(), challenge="first", domain="jobs.example", cryptosuite=suite)
    report = verify_presentation(vp, verifier(), challenge="second", domain="jobs.example")
    assert not report.verified
    assert failing(report) == ["challenge"]
    assert "'first'" in report.check("challenge").reason and "replay" in report.check("challenge").reason


def test_a_presentation_without_a_challenge_fails_when_one_is_asked_for():
    vp = present([credential()], holder(), challenge=None, domain=None)
    assert "challenge" not in vp["proof"]
    assert failing(verify_presentation(vp, verifier(), challenge="asked")) == ["challenge"]


def test_a_wrong_domain_fails_the_domain_check():
    vp = present([credential()], holder(), challenge="c", domain="jobs.example")
    report = verify_presentation(vp, verifier(), challenge="c", domain="evil.example")
    assert failing(report) == ["domain"]
    assert "'jobs.example'" in report.check("domain").reason


def test_a_presentation_without_a_domain_fails_when_one_is_asked_for():
    vp = present([credential()], holder(), challenge="c", domain=None)
    assert failing(verify_presentation(vp, verifier(), challenge="c", domain="jobs.example")) == ["domain"]


def test_changing_the_challenge_in_the_proof_breaks_the_signature():
    vp = present([credential()], holder(), challenge="first", domain=None)
    vp["proof"]["challenge"] = "second"
    report = verify_presentation(vp, verifier(), challenge="second")
    # The challenge is judged on verified proofs only: an altered one answers nothing, nor proves the holder.
    assert failing(report) == ["presentation_proof", "challenge", "holder_binding"]
    assert "no verified authentication proof by the holder" in report.check("challenge").reason


# -- wrong holders and swapped credentials ----------------------------------------------------------


def test_present_refuses_a_credential_issued_to_another_holder():
    with pytest.raises(ConfigurationError, match="a holder can only present credentials issued to its own DID") as e:
        present([credential()], other_holder(), challenge="c", domain=None)
    assert holder().did in str(e.value) and other_holder().did in str(e.value)


def test_present_refuses_when_any_one_credential_belongs_to_another_holder():
    mine, theirs = credential(), credential(other_holder().did)
    with pytest.raises(ConfigurationError, match="not to this holder"):
        present([mine, theirs], holder(), challenge="c", domain=None)


def test_a_credential_of_another_holder_forced_into_a_presentation_fails_holder_binding():
    vp = present([credential()], holder(), challenge="c", domain=None)
    forced = resigned(vp, other_holder(), holder=other_holder().did)  # B presents A's credential, signed by B
    report = verify_presentation(forced, verifier(), challenge="c")
    assert not report.verified
    assert failing(report) == ["holder_binding"]
    assert f"not issued to the holder {other_holder().did}" in report.check("holder_binding").reason
    assert [r.verified for r in report.credentials] == [True]  # the credential itself is genuine


def test_a_presentation_signed_by_another_key_than_the_holders_fails_the_proof_check():
    vp = present([credential()], holder(), challenge="c", domain=None)
    forged = resigned(vp, other_holder())  # still names the holder A, signed by B
    report = verify_presentation(forged, verifier(), challenge="c")
    # B's proof answers the challenge, but it is not the holder's: nothing answers for A, nor binds A.
    assert failing(report) == ["presentation_proof", "challenge", "holder_binding"]
    assert f"no proof was made by a key of the holder {holder().did}" in report.check("presentation_proof").reason


def test_a_credential_swapped_after_signing_fails_the_proof_check():
    vp = present([credential(name="Ana")], holder(), challenge="c", domain=None)
    vp["verifiableCredential"][0] = credential(name="Ana, with honours")  # also the holder's, genuinely issued
    report = verify_presentation(vp, verifier(), challenge="c")
    assert failing(report) == ["presentation_proof", "challenge", "holder_binding"]
    assert "signature does not match" in report.check("presentation_proof").reason
    assert [r.verified for r in report.credentials] == [True]


def test_another_holders_credential_swapped_in_after_signing_fails_proof_and_binding():
    vp = present([credential()], holder(), challenge="c", domain=None)
    vp["verifiableCredential"] = [credential(other_holder().did)]
    report = verify_presentation(vp, verifier(), challenge="c")
    assert failing(report) == ["presentation_proof", "challenge", "holder_binding"]


def test_a_credential_added_after_signing_fails_the_proof_check():
    vp = present([credential()], holder(), challenge="c", domain=None)
    vp["verifiableCredential"].append(credential(name="Ana again"))
    assert failing(verify_presentation(vp, verifier(), challenge="c")) == ["presentation_proof", "challenge",
                                                                           "holder_binding"]  # fmt: skip


def test_a_tampered_credential_inside_a_valid_presentation_fails_its_own_checks():
    tampered = credential()
    tampered["credentialSubject"]["name"] = "Eve"  # after the issuer signed it, before the holder did
    vp = present([tampered], holder(), challenge="c", domain=None)
    report = verify_presentation(vp, verifier(), challenge="c")
    assert failing(report) == []  # the holder did sign this: the presentation's own checks pass
    assert not report.verified
    (inner,) = report.credentials
    assert [c.name for c in inner.checks if c.outcome.value == "fail"] == ["signature"]


def test_changing_the_holder_after_signing_fails():
    vp = present([credential()], holder(), challenge="c", domain=None)
    vp["holder"] = other_holder().did
    report = verify_presentation(vp, verifier(), challenge="c")
    assert {"presentation_proof", "holder_binding"} <= set(failing(report))


# -- what present refuses -------------------------------------------------------------------------


def unbound_credential() -> dict[str, Any]:
    unsigned = {"@context": [VC_V2], "type": ["VerifiableCredential"], "issuer": issuer().did,
                "credentialSubject": {"name": "Ana"}}  # fmt: skip
    return add_proof(unsigned, issuer())


def test_a_credential_without_subject_id_is_refused_unless_allowed():
    with pytest.raises(ConfigurationError, match=r"names no credentialSubject\.id"):
        present([unbound_credential()], holder(), challenge="c", domain=None)
    vp = present([unbound_credential()], holder(), challenge="c", domain=None, allow_unbound=True)
    report = verify_presentation(vp, verifier(), challenge="c")
    assert report.verified
    assert outcomes(report)["holder_binding"] == "not_applicable"


def test_allow_unbound_does_not_allow_another_holders_credential():
    with pytest.raises(ConfigurationError, match="not to this holder"):
        present([credential(other_holder().did)], holder(), challenge="c", domain=None, allow_unbound=True)


@pytest.mark.parametrize(
    ("credentials", "message"),
    [
        ([], "nothing to present"),
        (["a string"], "not a JSON object"),
        ([{"type": ["VerifiablePresentation"], "proof": {}}], "not a verifiable credential"),
        ([{k: v for k, v in credential().items() if k != "proof"}], "carries no proof"),
    ],
    ids=["none", "not-an-object", "not-a-credential", "unsigned"],
)
def test_present_refuses_what_is_not_a_signed_credential(credentials, message):
    with pytest.raises(ConfigurationError, match=message):
        present(credentials, holder(), challenge="c", domain=None)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"cryptosuite": "ecdsa-rdfc-2019"}, "unknown cryptosuite"),
        ({"challenge": " "}, "the challenge is empty"),
        ({"domain": ""}, "the domain is empty"),
        ({"presentation_id": "not a url"}, "must be a URL"),
    ],
)
def test_present_refuses_bad_options(options, message):
    arguments: dict[str, Any] = {"challenge": "c", "domain": None, **options}
    with pytest.raises(ConfigurationError, match=message):
        present([credential()], holder(), **arguments)


def test_subject_ids():
    assert subject_ids(credential()) == {holder().did}
    assert subject_ids(unbound_credential()) == set()
    several = {"credentialSubject": [{"id": "did:example:a"}, {"name": "x"}, {"id": ["did:example:b"]}, "odd"]}
    assert subject_ids(several) == {"did:example:a"}


# -- anchored micro-credentials on the embedded chain ---------------------------------------------


@pytest.fixture(scope="module")
def anchored() -> dict[str, Any]:
    """Micro-credentials issued to the holder and to another holder, anchored by an accredited issuer."""
    chain = Chain.embedded()
    accounts = chain.accounts
    deployment = deploy_contracts(chain, deployer=accounts[0])
    key = SigningKey.generate()
    body = AwardingBody(key.did, "Universidade Exemplo", "PT")
    registry = deployment.registry(chain)
    registry.grant_body(accounts[1], sender=deployment.admin)
    registry.register_issuer(accounts[2], did=key.did, name=body.name, scope="EQF 5", sender=accounts[1])
    when = datetime(2026, 3, 1, tzinfo=UTC)
    issuing = CredentialIssuer(body, key)
    signed = [
        issuing.issue(BENCH_SPEC, Award(Learner(name, did=did), when, grade="B"))
        for name, did in (("Ana Sousa", holder().did), ("Kwame Mensah", other_holder().did))
    ]
    mine, theirs = anchor_credentials(signed, deployment.anchor(chain), sender=accounts[2]).credentials
    return {"chain": chain, "registry": deployment.issuer_registry, "mine": mine, "theirs": theirs}


def chain_verifier(world: dict[str, Any]) -> Verifier:
    return Verifier(ChainReader(world["chain"], world["registry"]))


@pytest.mark.parametrize("suite", SUITES)
def test_an_anchored_credential_is_presented_and_verified_on_chain(anchored, suite):
    assert subject_ids(anchored["mine"]) == {holder().did}
    vp = present([anchored["mine"]], holder(), challenge="c", domain="jobs.example", cryptosuite=suite)
    report = verify_presentation(vp, chain_verifier(anchored), challenge="c", domain="jobs.example")
    assert report.verified
    assert outcomes(report) == dict.fromkeys(PRESENTATION_CHECKS, "pass")
    (inner,) = report.credentials
    assert outcomes(inner) == {**dict.fromkeys(CHECKS, "pass"), "suspension": "not_applicable"}


def test_an_anchored_credential_of_another_holder_is_refused_and_fails_binding_if_forced(anchored):
    with pytest.raises(ConfigurationError, match="not to this holder"):
        present([anchored["theirs"]], holder(), challenge="c", domain=None)
    vp = present([anchored["mine"]], holder(), challenge="c", domain=None)
    forced = resigned(vp, holder(), verifiableCredential=[anchored["theirs"]])  # put in by hand, then signed
    report = verify_presentation(forced, chain_verifier(anchored), challenge="c")
    assert failing(report) == ["holder_binding"]
    assert report.credentials[0].verified


def test_a_tampered_anchored_credential_in_a_presentation_fails_its_checks(anchored):
    tampered = copy.deepcopy(anchored["mine"])
    tampered["credentialSubject"]["result"][0]["value"] = "A"
    vp = present([tampered], holder(), challenge="c", domain=None)
    report = verify_presentation(vp, chain_verifier(anchored), challenge="c")
    assert outcomes(report) == {**dict.fromkeys(PRESENTATION_CHECKS, "pass"), "domain": "not_applicable"}
    assert not report.verified
    assert {"signature", "merkle_inclusion"} <= set(failing(report.credentials[0]))
