"""Known-answer tests: the W3C vc-di-eddsa specification's own vectors, reproduced exactly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from anchor.crypto import jcs, multibase
from anchor.crypto.did import DidResolver
from anchor.crypto.jsonld import document_loader
from anchor.crypto.keys import SigningKey
from anchor.crypto.proofs import JCS, RDFC, add_proof, canonical_rdf, hash_data, verify_proofs

VECTORS = Path(__file__).parent / "vectors"
EXAMPLES_V2 = "https://www.w3.org/ns/credentials/examples/v2"
SUITES = {
    RDFC: ("eddsa-rdfc-2022", "DataInt"),
    JCS: ("eddsa-jcs-2022", "JCS"),
}


def read(suite: str, name: str) -> str:
    folder, suffix = SUITES[suite]
    return (VECTORS / folder / f"{name}{suffix}.{'json' if name in ('proofConfig', 'signed') else 'txt'}").read_text()


@pytest.fixture(scope="module")
def loader():
    return document_loader({EXAMPLES_V2: json.loads((VECTORS / "credentials-examples-v2.jsonld").read_text())})


@pytest.fixture(scope="module")
def key():
    return SigningKey.from_multibase(json.loads((VECTORS / "keyPair.json").read_text())["privateKeyMultibase"])


@pytest.fixture(scope="module")
def unsigned():
    return json.loads((VECTORS / "unsigned.json").read_text())


def test_key_pair(key):
    pair = json.loads((VECTORS / "keyPair.json").read_text())
    assert key.public_key_multibase == pair["publicKeyMultibase"]
    assert key.verification_method == f"did:key:{pair['publicKeyMultibase']}#{pair['publicKeyMultibase']}"


def test_rdfc_canonical_document_and_proof_config(loader, unsigned):
    assert canonical_rdf(unsigned, loader) == read(RDFC, "canonDoc")
    config = json.loads(read(RDFC, "proofConfig"))
    assert canonical_rdf(config, loader) == read(RDFC, "proofCanon")


def test_jcs_canonical_document_and_proof_config(unsigned):
    assert jcs.canonicalize(unsigned).decode() == read(JCS, "canonDoc").strip()
    config = json.loads(read(JCS, "proofConfig"))
    assert jcs.canonicalize(config).decode() == read(JCS, "proofCanon").strip()


@pytest.mark.parametrize("suite", [RDFC, JCS])
def test_hashes(suite, loader, unsigned):
    config = json.loads(read(suite, "proofConfig"))
    combined = hash_data(unsigned, config, loader)
    assert combined.hex() == read(suite, "combinedHash").strip()
    assert combined[:32].hex() == read(suite, "proofHash").strip()
    assert combined[32:].hex() == read(suite, "docHash").strip()


@pytest.mark.parametrize("suite", [RDFC, JCS])
def test_signature_and_signed_document(suite, loader, key, unsigned):
    config = json.loads(read(suite, "proofConfig"))
    signed = add_proof(unsigned, key, cryptosuite=suite, created=config["created"], loader=loader)
    assert signed == json.loads(read(suite, "signed"))
    assert signed["proof"]["proofValue"] == read(suite, "sigBTC58").strip()
    assert multibase.decode(signed["proof"]["proofValue"]).hex() == read(suite, "sigHex").strip()


@pytest.mark.parametrize("suite", [RDFC, JCS])
def test_the_w3c_signed_vector_verifies(suite, loader):
    (check,) = verify_proofs(json.loads(read(suite, "signed")), DidResolver(), loader=loader)
    assert check.verified, check.reason
    assert check.controller == "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
