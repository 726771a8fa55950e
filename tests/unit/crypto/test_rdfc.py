"""The shape-template canonicalizer gives exactly what the whole pyld path gives."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anchor.credentials.model import Award, AwardingBody, Learner, MicroCredentialSpec, Skill, build_credential
from anchor.crypto.jsonld import document_loader
from anchor.crypto.rdfc import ShapeCanonicalizer
from anchor.crypto.transform import ProofError, _generic_rdf, _safe_mode, canonical_rdf

VECTORS = Path(__file__).parent / "vectors"
LOADER = document_loader()

text = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs",),
        blacklist_characters="\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f\x7f",
    ),
    min_size=1,
    max_size=30,
).filter(str.strip)
iri = st.from_regex(
    r"\A(urn:uuid:[0-9a-f]{8}|did:key:z6Mk[1-9A-HJ-NP-Za-km-z]{8}|https://[a-z]{3,8}\.example/[a-z]{1,5})\Z"
)


def canonicalizer() -> ShapeCanonicalizer:
    return ShapeCanonicalizer(LOADER, lambda d: _generic_rdf(d, LOADER))


def credential(name: str, outcome: str, subject_id: str | None, grade: str | None, ects: float | None) -> dict:
    spec = MicroCredentialSpec(
        title=f"Course {outcome}",
        description=f"About {name}",
        learning_outcomes=(outcome, outcome + " again"),
        assessment_type="exam",
        participation_form="online",
        quality_assurance="internal",
        workload_hours=10,
        ects_credits=ects,
        eqf_level=4,
        skills=(Skill("http://data.europa.eu/esco/skill/1605025e-a179-421f-8f35-5b07d182a6b2", outcome),),
    )
    body = AwardingBody("did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2", "Uni " + name, "PT")
    award = Award(Learner(name, f"{abs(hash(name))}@example.org", subject_id), datetime(2026, 1, 2, tzinfo=UTC), grade)
    return build_credential(body, spec, award)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(text, text, st.one_of(st.none(), iri), st.one_of(st.none(), text)),
        min_size=2,
        max_size=4,
    ),
    st.one_of(st.none(), st.sampled_from([1, 2.5, 0.25, 60])),
)
def test_templates_agree_with_pyld(rows, ects):
    fast = canonicalizer()
    for name, outcome, subject_id, grade in rows:
        document = credential(name, outcome, subject_id, grade, ects)
        assert fast.canonicalize(document, _safe_mode) == _generic_rdf(document, LOADER)
    assert fast.stats["template"] >= 1  # the fast path was taken, not only the fallback


def test_a_string_that_is_not_an_absolute_iri_in_an_iri_position_falls_back():
    fast = canonicalizer()
    document = credential("Ana", "x", "did:key:z6Mkabc", None, 1)
    fast.canonicalize(document, _safe_mode)
    for odd in ("not an iri", "mc:looks-compact", "_:b0", "relative/path"):
        changed = copy.deepcopy(document)
        changed["credentialSubject"]["id"] = odd
        before = dict(fast.stats)
        assert fast.canonicalize(changed, _safe_mode) == _generic_rdf(changed, LOADER)
        assert fast.stats["generic"] == before["generic"] + 1


def test_colliding_first_degree_hashes_fall_back():
    fast = canonicalizer()
    document = credential("Ana", "x", None, None, 1)
    twin = document["credentialSubject"]["identifier"][0]
    document["credentialSubject"]["identifier"] = [twin, copy.deepcopy(twin) | {"identityHash": "other"}]
    fast.canonicalize(document, _safe_mode)
    document["credentialSubject"]["identifier"][1]["identityHash"] = twin["identityHash"]  # now identical nodes
    before = dict(fast.stats)
    assert fast.canonicalize(document, _safe_mode) == _generic_rdf(document, LOADER)
    assert fast.stats["generic"] == before["generic"] + 1


def test_the_w3c_vector_through_the_template():
    loader = document_loader(
        {
            "https://www.w3.org/ns/credentials/examples/v2": json.loads(
                (VECTORS / "credentials-examples-v2.jsonld").read_text()
            )
        }
    )
    unsigned = json.loads((VECTORS / "unsigned.json").read_text())
    expected = (VECTORS / "eddsa-rdfc-2022" / "canonDocDataInt.txt").read_text()
    assert canonical_rdf(unsigned, loader) == expected
    assert canonical_rdf(copy.deepcopy(unsigned), loader) == expected  # second time: from the template


@pytest.mark.parametrize("character", ["\x08", "\x0c", "\x00", "\x1f", "\x7f"])
def test_control_characters_are_refused(character):
    document = credential("Ana" + character, "x", None, None, 1)
    with pytest.raises(ProofError, match="control characters"):
        canonical_rdf(document, LOADER)


def test_undefined_terms_are_refused_on_both_paths():
    document = credential("Ana", "x", None, None, 1)
    document["credentialSubject"]["favouriteColour"] = "green"
    with pytest.raises(ProofError, match="not defined"):
        canonical_rdf(document, LOADER)
    with pytest.raises(ProofError, match="not defined"):
        _generic_rdf(document, LOADER)
