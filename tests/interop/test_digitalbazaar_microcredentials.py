"""Credentials credanchor signs are accepted unchanged by Digital Bazaar's @digitalbazaar/vc."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from functools import cache

import pytest

from anchor.credentials.issuance import CredentialIssuer
from anchor.credentials.model import Award, AwardingBody, Learner, MicroCredentialSpec, Skill
from anchor.crypto.jsonld import BUNDLED, bundled_context
from anchor.crypto.keys import SigningKey
from anchor.crypto.proofs import JCS, RDFC, add_proof

from .digitalbazaar import verify_with_digitalbazaar

SPEC = MicroCredentialSpec(
    title="Data Literacy Essentials",
    description="Reading, cleaning and charting tabular data.",
    learning_outcomes=("Clean a tabular data set", "Choose a chart that answers a question"),
    assessment_type="Project assessed by two examiners",
    participation_form="online",
    quality_assurance="Internal QA under ISO 21001",
    workload_hours=62.5,
    ects_credits=2.5,
    eqf_level=5,
    prerequisites=("Basic spreadsheet use",),
    skills=(Skill("http://data.europa.eu/esco/skill/1605025e-a179-421f-8f35-5b07d182a6b2", "data analytics"),),
    stackability="Counts towards the Certificate in Applied Data Skills",
)


@cache
def key() -> SigningKey:
    return SigningKey.generate()


def contexts() -> dict:
    return {url: bundled_context(url) for url in BUNDLED}


def credential(cryptosuite: str = RDFC) -> dict:
    body = AwardingBody(key().did, "Universidade Exemplo", "PT", "Lisboa", "https://uni.example")
    award = Award(
        Learner("Zoë Ñúñez", "zoe@example.org", "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"),
        datetime.now(UTC) - timedelta(hours=1),
        grade="A",
        valid_until=datetime.now(UTC) + timedelta(days=3650),
    )
    return CredentialIssuer(body, key(), cryptosuite=cryptosuite).issue(SPEC, award)


@pytest.mark.parametrize("cryptosuite", [RDFC, JCS])
def test_a_micro_credential_signed_here_verifies_unchanged(cryptosuite):
    signed = credential(cryptosuite)
    sent = json.loads(json.dumps(signed))  # exactly the bytes a holder would carry
    result = verify_with_digitalbazaar(sent, contexts())
    assert result["verified"] is True, result
    assert sent == signed


def test_a_proof_set_of_both_cryptosuites_verifies():
    signed = add_proof(credential(RDFC), key(), cryptosuite=JCS)
    assert len(signed["proof"]) == 2
    assert verify_with_digitalbazaar(signed, contexts())["verified"] is True


@pytest.mark.parametrize(
    "path",
    [
        ("credentialSubject", "achievement", "ectsCredits"),
        ("credentialSubject", "achievement", "learningOutcomes"),
        ("issuer", "address", "addressCountryCode"),
        ("validFrom",),
    ],
)
def test_a_changed_element_is_rejected_by_the_independent_verifier(path):
    signed = copy.deepcopy(credential(RDFC))
    node = signed
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = {"ectsCredits": 30, "learningOutcomes": ["Nothing"], "addressCountryCode": "DE"}.get(
        path[-1], "2020-01-01T00:00:00Z"
    )
    result = verify_with_digitalbazaar(signed, contexts())
    assert result["verified"] is False
